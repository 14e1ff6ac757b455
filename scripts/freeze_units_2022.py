#!/usr/bin/env python3
"""Regenerate the frozen pre-2025 administrative units from `vietnam-provinces` 0.5.0.

    python3 scripts/freeze_units_2022.py            # writes cchc/agencies/data/units-2022/
    python3 scripts/freeze_units_2022.py --check    # regenerates and compares, changes nothing

cchc depends on the newest `vietnam-provinces` (the current, post-2025 units). The units a
2022 plan names — 63 provinces, their districts and communes — are kept as a frozen file so
that they never change under an old plan. This script is how that file was made: it creates
a throw-away virtual environment, installs exactly `vietnam-provinces==0.5.0` into it with
pip, reads the package's nested divisions, and writes `divisions.json` (code, name and
division type of every province, district and commune) with a provenance header. It then
prints the SHA-256 of the written file, which `README.md` in that folder records.

The output is deterministic: running it again with the same package gives the same bytes,
except for `generated_on` in the header, which `--check` ignores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import venv
from datetime import UTC, datetime
from pathlib import Path

PACKAGE = "vietnam-provinces"
VERSION = "0.5.0"
OUT_DIR = Path(__file__).resolve().parent.parent / "cchc" / "agencies" / "data" / "units-2022"
OUT = OUT_DIR / "divisions.json"

READER = r"""
import hashlib, json, sys
import vietnam_provinces as vp
raw = vp.NESTED_DIVISIONS_JSON_PATH.read_bytes()
print(json.dumps({
    "data_version": vp.__data_version__,
    "source_sha256": hashlib.sha256(raw).hexdigest(),
    "provinces": json.loads(raw),
}))
"""


def _read_package() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="cchc-units-2022-") as tmp:
        venv.EnvBuilder(with_pip=True).create(tmp)
        python = str(Path(tmp) / "bin" / "python")
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", f"{PACKAGE}=={VERSION}"], check=True
        )
        out = subprocess.run([python, "-c", READER], check=True, capture_output=True)
    return dict(json.loads(out.stdout))


def _unit(item: dict[str, object]) -> dict[str, object]:
    return {"code": item["code"], "name": item["name"], "division_type": item["division_type"]}


def render(package: dict[str, object], generated_on: str) -> str:
    """The frozen file's text: a header, then one district (with its communes) a line."""
    header = {
        "package": PACKAGE,
        "version": VERSION,
        "data_version": package["data_version"],
        "source_file": "vietnam_provinces/data/nested-divisions.json",
        "source_sha256": package["source_sha256"],
        "generated_on": generated_on,
        "generated_by": "scripts/freeze_units_2022.py",
        "era": "2022",
    }
    lines = ["{", f' "provenance": {json.dumps(header, ensure_ascii=False)},', ' "provinces": [']
    provinces = package["provinces"]
    assert isinstance(provinces, list)
    for p_index, province in enumerate(provinces):
        lines.append(
            f"  {json.dumps(_unit(province), ensure_ascii=False)[:-1]}, " + '"districts": ['
        )
        districts = province["districts"]
        for d_index, district in enumerate(districts):
            entry = {**_unit(district), "wards": [_unit(w) for w in district["wards"]]}
            comma = "," if d_index < len(districts) - 1 else ""
            lines.append(f"   {json.dumps(entry, ensure_ascii=False)}{comma}")
        lines.append("  ]}" + ("," if p_index < len(provinces) - 1 else ""))
    lines += [" ]", "}", ""]
    return "\n".join(lines)


def _without_date(text: str) -> dict[str, object]:
    data = json.loads(text)
    data["provenance"].pop("generated_on", None)
    return dict(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = render(_read_package(), datetime.now(UTC).date().isoformat())
    if args.check:
        same = _without_date(text) == _without_date(OUT.read_text(encoding="utf-8"))
        print("unchanged" if same else "DIFFERENT from the frozen file")
        return 0 if same else 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: sha256 {hashlib.sha256(text.encode('utf-8')).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
