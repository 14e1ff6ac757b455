"""Peak memory of the export writers on a million rows, for `cchc bench`.

Each writer runs in a process of its own, so that its peak resident size (`ru_maxrss`) is
its own and not the bench's: the CSV of a table, the XLSX of a table and the status annex,
each fed a one-pass stream of rows that is never held whole, as a query's `iterator()`
would feed it. A writer that kept its rows (openpyxl's normal mode keeps every cell, about
a kilobyte each) would grow with the rows; these stay at the size of the process.

Run as `python -m cchc.ops.bench_export ROWS KIND`; it prints one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

KINDS = ("csv", "xlsx", "status_annex")


@dataclass
class ExportMemory:
    kind: str
    rows: int
    seconds: float
    bytes_written: int
    baseline_mib: float  # the process before it wrote anything
    peak_mib: float


def _rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(count: int) -> Iterator[list[Any]]:
    for index in range(count):
        yield [
            f"{index % 9 + 1}",
            f"{index}",
            f"Hoạt động số {index}: rà soát, đơn giản hóa thủ tục hành chính",
            "Sở Tư pháp; Sở Nội vụ",
            "Đang thực hiện",
            float(index % 101),
            index % 17,
            index % 5,
            index % 3,
        ]


def _status_rows(count: int) -> Iterator[Any]:
    from cchc.dashboards.queries.status_table import StatusRow

    for index in range(count):
        kind = "area" if index % 500 == 0 else ("task" if index % 20 == 0 else "activity")
        yield StatusRow(
            kind=kind,
            number=str(index % 1000 + 1),
            title=f"Hoạt động số {index}: rà soát, đơn giản hóa thủ tục hành chính",
            lead="Sở Tư pháp",
            progress="Đang thực hiện (40%)\nĐúng hạn",
            results="Kế hoạch số 12/KH-STP ngày 14/01/2022",
            notes="",
        )


def run_one(kind: str, rows: int) -> ExportMemory:
    """Write `rows` rows with one writer in this process and measure it."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings")
    django.setup()
    from cchc.dashboards.exports import CsvExporter, StatusTableXlsxExporter, TableXlsxExporter
    from cchc.dashboards.queries.common import Table

    columns = ["Lĩnh vực", "TT", "Nhiệm vụ", "Cơ quan chủ trì", "Tình trạng", "Tiến độ (%)"]
    columns += ["Số hoạt động", "Hoàn thành", "Có việc quá hạn"]
    baseline = _rss_mib()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        if kind == "csv":
            table = Table(columns, _rows(rows))  # type: ignore[arg-type]
            for line in CsvExporter().lines(table):
                out.write(line.encode("utf-8"))
        elif kind == "xlsx":
            table = Table(columns, _rows(rows))  # type: ignore[arg-type]
            TableXlsxExporter().write(table, out, sheet="Tiến độ", title="Bench")
        else:
            StatusTableXlsxExporter().write(_status_rows(rows), out, title_lines=["Bench"])
        written = out.tell()
    return ExportMemory(
        kind=kind,
        rows=rows,
        seconds=time.perf_counter() - started,
        bytes_written=written,
        baseline_mib=baseline,
        peak_mib=_rss_mib(),
    )


def measure_exports(rows: int, kinds: tuple[str, ...] = KINDS) -> list[ExportMemory]:
    """Each writer in a child process; the results in the order of `kinds`."""
    results = []
    for kind in kinds:
        done = subprocess.run(
            [sys.executable, "-m", "cchc.ops.bench_export", str(rows), kind],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ.copy(),
        )
        results.append(ExportMemory(**json.loads(done.stdout.strip().splitlines()[-1])))
    return results


if __name__ == "__main__":
    result = run_one(sys.argv[2], int(sys.argv[1]))
    print(json.dumps(result.__dict__))
