"""The PAR INDEX arithmetic, as pure functions over Decimals (no database).

* total = the sum of the final points; index % = total / maximum × 100;
* each area has a component index: its own points / its own maximum × 100;
* agencies are ranked within their group by their published index (2 decimals), densely:
  equal indices share a rank and the next index takes the next rank (1, 2, 2, 3);
* a classification band holds an index when lower ≤ index < upper (no upper: no limit).

Indices are published with two decimals, rounded half up as Vietnamese tables are.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import TypeVar

from django.utils.translation import gettext as _

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
K = TypeVar("K", bound=Hashable)


class IndexComputationError(ValueError):
    """Points that cannot make an index (negative, above the maximum, no maximum)."""


@dataclass(frozen=True)
class AreaPoints:
    code: str
    maximum: Decimal
    points: Decimal


@dataclass(frozen=True)
class IndexResult:
    total: Decimal
    maximum: Decimal
    index: Decimal  # %, 2 decimals
    components: dict[str, Decimal]  # area code → %, 2 decimals


@dataclass(frozen=True)
class Band:
    label: str
    lower: Decimal
    upper: Decimal | None
    regulation: str = ""


def percent(points: Decimal, maximum: Decimal) -> Decimal:
    """points / maximum × 100, two decimals, half up."""
    if maximum <= 0:
        raise IndexComputationError(_("Điểm tối đa phải lớn hơn 0 để tính chỉ số."))
    return (points * HUNDRED / maximum).quantize(CENT, rounding=ROUND_HALF_UP)


def compute_index(areas: Sequence[AreaPoints]) -> IndexResult:
    """An agency's index and component indices from its points per area."""
    for area in areas:
        if area.points < 0 or area.points > area.maximum:
            raise IndexComputationError(
                _("Lĩnh vực %(code)s: điểm %(points)s nằm ngoài khoảng 0 đến %(max)s.")
                % {"code": area.code, "points": area.points, "max": area.maximum}
            )
    total = sum((a.points for a in areas), Decimal(0))
    maximum = sum((a.maximum for a in areas), Decimal(0))
    components = {a.code: percent(a.points, a.maximum) for a in areas if a.maximum > 0}
    return IndexResult(total, maximum, percent(total, maximum), components)


def dense_ranks(values: Mapping[K, Decimal]) -> dict[K, int]:
    """Rank 1 for the highest value; equal values share a rank; no rank is skipped."""
    distinct = sorted(set(values.values()), reverse=True)
    rank_of = {value: number for number, value in enumerate(distinct, start=1)}
    return {key: rank_of[value] for key, value in values.items()}


DEFAULT_REGULATION = (
    "Mặc định của hệ thống (theo yêu cầu sản phẩm), chưa căn cứ văn bản của tỉnh: "
    "cần ghi số, ký hiệu văn bản quy định ngưỡng xếp loại."
)

DEFAULT_BANDS: tuple[Band, ...] = (
    Band("Xuất sắc", Decimal(90), None, DEFAULT_REGULATION),
    Band("Tốt", Decimal(80), Decimal(90), DEFAULT_REGULATION),
    Band("Khá", Decimal(70), Decimal(80), DEFAULT_REGULATION),
    Band("Trung bình", Decimal(50), Decimal(70), DEFAULT_REGULATION),
    Band("Yếu", Decimal(0), Decimal(50), DEFAULT_REGULATION),
)


def band_problems(bands: Sequence[Band]) -> list[str]:
    """What keeps bands from classifying every index from 0 to 100 exactly once."""
    problems: list[str] = []
    if not bands:
        return [_("Chưa có mức xếp loại nào.")]
    ordered = sorted(bands, key=lambda b: b.lower)
    if ordered[0].lower > 0:
        problems.append(
            _("Không có mức nào cho chỉ số từ 0 đến dưới %(v)s.") % {"v": ordered[0].lower}
        )
    for low, high in pairwise(ordered):
        if low.upper is None or low.upper > high.lower:
            problems.append(
                _("Mức «%(a)s» và «%(b)s» chồng lên nhau.") % {"a": low.label, "b": high.label}
            )
        elif low.upper < high.lower:
            problems.append(
                _("Không có mức nào cho chỉ số từ %(a)s đến dưới %(b)s.")
                % {"a": low.upper, "b": high.lower}
            )
    if ordered[-1].upper is not None and ordered[-1].upper <= HUNDRED:
        problems.append(_("Không có mức nào cho chỉ số 100."))
    return problems


def classify(index: Decimal, bands: Sequence[Band]) -> Band | None:
    """The band holding `index`; None when the bands leave it out (see `band_problems`)."""
    for band in bands:
        if band.lower <= index and (band.upper is None or index < band.upper):
            return band
    return None
