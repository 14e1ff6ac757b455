"""The two eras of Vietnam's administrative units, and which one a plan belongs to.

From 1 July 2025 Vietnam has 34 provinces and two tiers of local government (province and
commune); district-level units were abolished and communes merged. A plan names the units
of its own time, so everything that expands or resolves a plan's agencies asks for them
as of the plan's reference day.

* Era "2022": the units before the switch. They are read from the frozen file
  `data/units-2022/divisions.json` (made from `vietnam-provinces` 0.5.0; its README says
  how), never from the installed package, so that they cannot move under an old plan.
* Era "current": the units after the switch, read from the installed `vietnam-provinces`
  (pinned in pyproject.toml), whose API has provinces and wards only.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

Era = Literal["2022", "current"]
ERAS: tuple[Era, ...] = ("2022", "current")
SWITCH = date(2025, 7, 1)
FROZEN_2022 = Path(__file__).resolve().parent / "data" / "units-2022" / "divisions.json"


class Dated(Protocol):
    year: int


def plan_day(plan: Dated) -> date:
    """The day a plan's collective assignees are read on: the first day of its year.

    A plan is written for its year and names the units that exist when that year starts;
    the group memberships of that day say who "UBND cấp huyện" were, even years later.
    """
    return date(plan.year, 1, 1)


def era_on(day: date) -> Era:
    return "2022" if day < SWITCH else "current"


def era_of_year(year: int) -> Era:
    return era_on(date(year, 1, 1))


@cache
def _frozen_2022() -> dict[str, Any]:
    return dict(json.loads(FROZEN_2022.read_text(encoding="utf-8")))


def provenance_2022() -> dict[str, Any]:
    return dict(_frozen_2022()["provenance"])


def divisions_2022(province_code: int) -> dict[str, Any]:
    """A province of the 2022 era with its districts and their communes ("wards")."""
    for province in _frozen_2022()["provinces"]:
        if province["code"] == province_code:
            return dict(province)
    raise ValueError(f"No province with code {province_code} in the 2022 units")


def divisions_current(province_code: int) -> dict[str, Any]:
    """A province of the current era with its communes ("wards"), read from the package."""
    from vietnam_provinces import Province, ProvinceCode, Ward

    try:
        province = Province.from_code(ProvinceCode(province_code))
    except ValueError as error:
        raise ValueError(f"No province with code {province_code} in the current units") from error
    wards = sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code))
    return {
        "code": int(province.code),
        "name": province.name,
        "division_type": province.division_type.value,
        "wards": [
            {"code": int(w.code), "name": w.name, "division_type": w.division_type.value}
            for w in wards
        ],
    }


def current_version() -> str:
    import vietnam_provinces

    return str(vietnam_provinces.__version__)
