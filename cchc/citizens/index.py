"""The satisfaction index: tallies counted in SQL, combined by a named, replaceable method.

The database does the counting, one grouped aggregate per table of results (valid answers,
satisfied answers and the sum of points per element and group), so that a page's queries
do not grow with the number of responses. A *method* turns an element's tally into its
index and the element indices into the overall one. The common reading of the SIPAS method
(1001/QĐ-BNV, whose formula was not readable) is the default; the published 2023 national
figures do not match a plain mean of the elements, so the method is named on every figure
and another can be registered and chosen (settings.CCHC_SURVEY_METHOD, or ?method=).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cchc.citizens.models import SATISFIED_FROM, SurveyAnswer, SurveyElement, SurveyResponse


@dataclass(frozen=True)
class Tally:
    """What the database counted for one element in one group."""

    valid: int = 0  # answers on the scale (unanswered questions are not stored)
    satisfied: int = 0  # "Hài lòng" or "Rất hài lòng"
    points: int = 0  # sum of the answers' points, 1 to 5

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.valid + other.valid, self.satisfied + other.satisfied, self.points + other.points
        )

    @classmethod
    def of(cls, values: Iterable[int]) -> Tally:
        """A tally counted in Python (tests, the bench's check)."""
        values = list(values)
        return cls(len(values), sum(1 for v in values if v >= SATISFIED_FROM), sum(values))


@dataclass(frozen=True)
class Method:
    code: str
    label: str | Promise
    description: str | Promise
    element: Callable[[Tally], float | None]
    overall: Callable[[Sequence[float]], float | None]


def share_satisfied(tally: Tally) -> float | None:
    return 100.0 * tally.satisfied / tally.valid if tally.valid else None


def mean_points(tally: Tally) -> float | None:
    # 1 point → 0, 5 points → 100: the mean answer on the scale, as a percentage.
    return 100.0 * (tally.points / tally.valid - 1) / 4 if tally.valid else None


def plain_mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    if method.code in METHODS:
        raise ValueError(f"method {method.code!r} is registered twice")
    METHODS[method.code] = method
    return method


register(
    Method(
        code="ty-le-hai-long",
        label=_("Tỷ lệ hài lòng"),
        description=_(
            "Chỉ số của mỗi yếu tố = số câu trả lời «Hài lòng» và «Rất hài lòng» / số câu "
            "trả lời hợp lệ của yếu tố × 100; chỉ số chung (SIPAS) = trung bình cộng chỉ số "
            "các yếu tố có câu trả lời. Đây là cách hiểu phổ biến của Quyết định "
            "1001/QĐ-BNV, chưa đối chiếu được với công thức chính thức."
        ),
        element=share_satisfied,
        overall=plain_mean,
    )
)
register(
    Method(
        code="diem-trung-binh",
        label=_("Điểm trung bình quy về 100"),
        description=_(
            "Chỉ số của mỗi yếu tố = (điểm trung bình của các câu trả lời hợp lệ − 1) / 4 × "
            "100, với thang 1 (Rất không hài lòng) đến 5 (Rất hài lòng); chỉ số chung = "
            "trung bình cộng chỉ số các yếu tố. Cách tính tham khảo, không phải của Bộ Nội vụ."
        ),
        element=mean_points,
        overall=plain_mean,
    )
)


def method_for(code: str | None) -> Method:
    """The method named `code`, or the configured one when `code` is empty or unknown."""
    if code and code in METHODS:
        return METHODS[code]
    return METHODS.get(settings.CCHC_SURVEY_METHOD) or METHODS["ty-le-hai-long"]


@dataclass
class Figure:
    """One row of results: a group's responses and its index per element and overall."""

    key: Any
    responses: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)  # by element code
    elements: dict[str, float | None] = field(default_factory=dict)
    overall: float | None = None

    def compute(self, method: Method, codes: Sequence[str]) -> Figure:
        self.elements = {code: method.element(self.tallies.get(code, Tally())) for code in codes}
        self.overall = method.overall([v for v in self.elements.values() if v is not None])
        return self

    def element_list(self, codes: Sequence[str]) -> list[float | None]:
        return [self.elements.get(code) for code in codes]


def element_codes(definition_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Element id → stable code, for every version (one small query)."""
    qs = SurveyElement.objects.all()
    if definition_ids is not None:
        qs = qs.filter(definition_id__in=list(definition_ids))
    return dict(qs.values_list("pk", "code"))


def figures(
    responses: QuerySet[SurveyResponse],
    group_by: Sequence[str],
    method: Method,
    codes: Sequence[str],
    element_code: dict[int, str],
) -> dict[Any, Figure]:
    """The results of `responses` grouped by the response fields `group_by` (at least one):
    two aggregate queries, whatever the number of responses."""
    found: dict[Any, Figure] = {}

    def key_of(row: dict[str, Any], prefix: str = "") -> Any:
        values = tuple(row[f"{prefix}{name}"] for name in group_by)
        return values[0] if len(values) == 1 else values

    counts = responses.order_by().values(*group_by).annotate(n=Count("pk"))
    for row in counts:
        key = key_of(row)
        found[key] = Figure(key=key, responses=row["n"])
    answer_fields = [f"response__{name}" for name in group_by]
    answers = (
        SurveyAnswer.objects.filter(response__in=responses.order_by().values("pk"))
        .order_by()
        .values(*answer_fields, "element_id")
        .annotate(
            valid=Count("pk"),
            satisfied=Count("pk", filter=Q(value__gte=SATISFIED_FROM)),
            points=Sum("value"),
        )
    )
    for row in answers:
        key = key_of(row, "response__")
        figure = found.setdefault(key, Figure(key=key))
        code = element_code.get(row["element_id"], "")
        tally = Tally(row["valid"], row["satisfied"], int(row["points"] or 0))
        figure.tallies[code] = figure.tallies.get(code, Tally()) + tally
    for figure in found.values():
        figure.compute(method, codes)
    return found


def overall_figure(
    responses: QuerySet[SurveyResponse],
    method: Method,
    codes: Sequence[str],
    element_code: dict[int, str],
) -> Figure:
    """The results of all `responses` together."""
    total = Figure(key=None, responses=responses.order_by().count())
    answers = (
        SurveyAnswer.objects.filter(response__in=responses.order_by().values("pk"))
        .order_by()
        .values("element_id")
        .annotate(
            valid=Count("pk"),
            satisfied=Count("pk", filter=Q(value__gte=SATISFIED_FROM)),
            points=Sum("value"),
        )
    )
    for row in answers:
        code = element_code.get(row["element_id"], "")
        tally = Tally(row["valid"], row["satisfied"], int(row["points"] or 0))
        total.tallies[code] = total.tallies.get(code, Tally()) + tally
    return total.compute(method, codes)


def required_sample(population: int, margin: float) -> int:
    """Slovin's n = N / (1 + N·e²), rounded up: what the method asks for N transactions."""
    if population <= 0:
        return 0
    return math.ceil(population / (1 + population * margin * margin))
