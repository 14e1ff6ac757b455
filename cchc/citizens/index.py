"""The satisfaction index: tallies counted in SQL, combined by a named, replaceable method.

The counting is done when a response is saved: `tally_add` adds its answers to
`SurveyTally` (per definition version, agency, counter, year, quarter, element and answer
value) in the same transaction, so that the results read a few hundred tally rows, one
grouped aggregate per table of results, whatever the number of responses. A selection of
responses the tallies cannot express (a filter on another field) is counted from the
answers themselves, with the same result. A *method* turns an element's tally into its
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
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.expressions import Col
from django.db.models.sql.where import AND, WhereNode
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cchc.citizens.models import (
    SATISFIED_FROM,
    SurveyAnswer,
    SurveyElement,
    SurveyResponse,
    SurveyTally,
)


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


# ---------------------------------------------------------------------------
# Tallies: kept with each response, read by the results


def tally_add(response: SurveyResponse, answers: Iterable[tuple[int, int]]) -> None:
    """Add one response and its (element id, value) answers to the tallies: one upsert
    statement (INSERT … ON CONFLICT DO UPDATE, SQLite ≥ 3.24 and PostgreSQL), to be run in
    the response's own transaction so that both are saved or neither."""
    counts: dict[tuple[int, int], int] = {(0, 0): 1}
    for element_id, value in answers:
        counts[(element_id, value)] = counts.get((element_id, value), 0) + 1
    key = (
        response.definition_id,
        response.agency_id,
        response.counter_id or 0,
        response.year,
        response.quarter,
    )
    table = connection.ops.quote_name(SurveyTally._meta.db_table)
    rows = sorted(counts.items())
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params: list[int] = []
    for (element_id, value), count in rows:
        params.extend([*key, element_id, value, count])
    sql = (
        f"INSERT INTO {table} (definition_id, agency_id, counter_key, year, quarter, "  # noqa: S608
        f'element_key, value, "count") VALUES {values} '
        "ON CONFLICT (definition_id, agency_id, counter_key, year, quarter, element_key, value) "
        f'DO UPDATE SET "count" = {table}."count" + excluded."count"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def tally_rebuild(agency_ids: Sequence[int] | None = None) -> int:
    """Count the tallies again from the responses and answers (of some agencies, or all):
    after a bulk load that bypassed `tally_add` (the demo, the bench). Four statements;
    returns the number of tally rows written."""
    tally = connection.ops.quote_name(SurveyTally._meta.db_table)
    responses = connection.ops.quote_name(SurveyResponse._meta.db_table)
    answers = connection.ops.quote_name(SurveyAnswer._meta.db_table)
    where, params = "", []
    if agency_ids is not None:
        ids = [int(pk) for pk in agency_ids]
        if not ids:
            return 0
        where = f"WHERE r.agency_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    columns = 'definition_id, agency_id, counter_key, year, quarter, element_key, value, "count"'
    key = "r.definition_id, r.agency_id, COALESCE(r.counter_id, 0), r.year, r.quarter"
    with connection.cursor() as cursor:
        delete_where = where.replace("r.agency_id", "agency_id")
        cursor.execute(f"DELETE FROM {tally} {delete_where}", params)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {tally} ({columns}) SELECT {key}, 0, 0, COUNT(*) "  # noqa: S608
            f"FROM {responses} r {where} GROUP BY {key}",
            params,
        )
        written = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {tally} ({columns}) SELECT {key}, a.element_id, a.value, COUNT(*) "  # noqa: S608
            f"FROM {answers} a JOIN {responses} r ON r.id = a.response_id {where} "
            f"GROUP BY {key}, a.element_id, a.value",
            params,
        )
        written += cursor.rowcount
    # Written past `response_submit`: the panels count these from the commit on.
    from cchc.citizens.stamps import citizens_changed_everywhere

    citizens_changed_everywhere()
    return written


# Response fields a tally row carries, by the name a caller groups or filters by.
_TALLY_GROUPS = {
    "agency_id": "agency_id",
    "agency": "agency_id",
    "definition_id": "definition_id",
    "definition": "definition_id",
    "counter_id": "counter_key",
    "counter": "counter_key",
    "year": "year",
    "quarter": "quarter",
}
_PLAIN_LOOKUPS = {"exact", "in", "gt", "gte", "lt", "lte", "range"}


def _tally_condition(node: Any) -> Q | None:
    """The tally filter equal to one condition on responses, or None if there is none."""
    if isinstance(node, WhereNode):
        if node.negated or node.connector != AND:
            return None
        combined = Q()
        for child in node.children:
            part = _tally_condition(child)
            if part is None:
                return None
            combined &= part
        return combined
    lhs = getattr(node, "lhs", None)
    name = getattr(node, "lookup_name", None)
    rhs = getattr(node, "rhs", None)
    if not isinstance(lhs, Col) or lhs.target.model is not SurveyResponse:
        return None
    if hasattr(rhs, "resolve_expression") or hasattr(rhs, "query"):
        return None  # a subquery or an expression: counted from the answers instead
    field = lhs.target.name
    if field == "counter":
        if name == "isnull":
            return Q(counter_key=0) if rhs else Q(counter_key__gt=0)
        if name == "exact":
            return Q(counter_key=rhs or 0)
        if name == "in":
            return Q(counter_key__in=[v or 0 for v in rhs or ()])
        return None
    if field not in ("agency", "definition", "year", "quarter") or name not in _PLAIN_LOOKUPS:
        return None
    column = _TALLY_GROUPS[field]
    return Q(**{f"{column}__{name}": rhs})


def _tally_scope(responses: QuerySet[SurveyResponse]) -> QuerySet[SurveyTally] | None:
    """The tallies of exactly the `responses` selected, when their filters are on fields a
    tally carries (year, quarter, agency, counter, definition); otherwise None."""
    query = responses.query
    if (
        query.model is not SurveyResponse
        or query.is_sliced
        or query.combinator
        or query.distinct
        # A join left over from a filter on a foreign key is trimmed (no reference).
        or sum(1 for count in query.alias_refcount.values() if count) > 1
        or query.extra
    ):
        return None
    condition = _tally_condition(query.where)
    if condition is None:
        return None
    return SurveyTally.objects.filter(condition)


def _tally_rows(tallies: QuerySet[SurveyTally], columns: Sequence[str]) -> Any:
    return (
        tallies.order_by()
        .values(*columns, "element_key")
        .annotate(
            n=Sum("count"),
            satisfied=Sum("count", filter=Q(value__gte=SATISFIED_FROM)),
            points=Sum(F("count") * F("value")),
        )
    )


def figures(
    responses: QuerySet[SurveyResponse],
    group_by: Sequence[str],
    method: Method,
    codes: Sequence[str],
    element_code: dict[int, str],
) -> dict[Any, Figure]:
    """The results of `responses` grouped by the response fields `group_by` (at least one):
    one aggregate over the tallies (two over the answers for a selection the tallies cannot
    express), whatever the number of responses."""
    tallies = _tally_scope(responses)
    if tallies is None or any(name not in _TALLY_GROUPS for name in group_by):
        return _answer_figures(responses, group_by, method, codes, element_code)
    columns = [_TALLY_GROUPS[name] for name in group_by]
    found: dict[Any, Figure] = {}
    for row in _tally_rows(tallies, columns):
        values = tuple((row[c] or None) if c == "counter_key" else row[c] for c in columns)
        key = values[0] if len(values) == 1 else values
        figure = found.setdefault(key, Figure(key=key))
        _fold(figure, row, element_code)
    for figure in found.values():
        figure.compute(method, codes)
    return found


def _fold(figure: Figure, row: dict[str, Any], element_code: dict[int, str]) -> None:
    if row["element_key"] == 0:
        figure.responses += int(row["n"] or 0)
        return
    code = element_code.get(row["element_key"], "")
    tally = Tally(int(row["n"] or 0), int(row["satisfied"] or 0), int(row["points"] or 0))
    figure.tallies[code] = figure.tallies.get(code, Tally()) + tally


def overall_figure(
    responses: QuerySet[SurveyResponse],
    method: Method,
    codes: Sequence[str],
    element_code: dict[int, str],
) -> Figure:
    """The results of all `responses` together."""
    tallies = _tally_scope(responses)
    if tallies is None:
        return _answer_overall(responses, method, codes, element_code)
    total = Figure(key=None)
    for row in _tally_rows(tallies, []):
        _fold(total, row, element_code)
    return total.compute(method, codes)


# ---------------------------------------------------------------------------
# Counting from the answers: any selection of responses (and the check of the tallies)


def _answer_figures(
    responses: QuerySet[SurveyResponse],
    group_by: Sequence[str],
    method: Method,
    codes: Sequence[str],
    element_code: dict[int, str],
) -> dict[Any, Figure]:
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


def _answer_overall(
    responses: QuerySet[SurveyResponse],
    method: Method,
    codes: Sequence[str],
    element_code: dict[int, str],
) -> Figure:
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


def answer_figures(
    responses: QuerySet[SurveyResponse],
    group_by: Sequence[str],
    method: Method,
    codes: Sequence[str],
    element_code: dict[int, str],
) -> dict[Any, Figure]:
    """`figures` counted from the answers, never the tallies: the tests' and the bench's
    check that the tallies say what the answers say."""
    return _answer_figures(responses, group_by, method, codes, element_code)


def required_sample(population: int, margin: float) -> int:
    """Slovin's n = N / (1 + N·e²), rounded up: what the method asks for N transactions."""
    if population <= 0:
        return 0
    return math.ceil(population / (1 + population * margin * margin))
