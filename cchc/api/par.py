"""PAR INDEX criteria sets in the API, read only: the same policy as the pages
(`par.view`: an agency's staff see the sets of their own groups)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import HttpError

from cchc.accounts import policy
from cchc.api.auth import api_auth
from cchc.api.schemas import ErrorOut
from cchc.api.views import api
from cchc.par.models import CriteriaSet, Criterion
from cchc.par.services import set_problems


class CriteriaSetOut(Schema):
    id: int
    year: int
    group_id: int
    group_code: str
    group_name: str
    title: str
    step: Decimal
    status: str
    source_note: str
    criteria: int
    max_points: Decimal


class CriterionOut(Schema):
    id: int
    parent_id: int | None
    level: int
    code: str
    title: str
    guidance: str
    max_points: Decimal
    method: str
    computation_key: str
    points_known: bool
    points_note: str
    max_differs_reason: str


class ProblemOut(Schema):
    code: str
    message: str


class CriteriaSetTreeOut(CriteriaSetOut):
    nodes: list[CriterionOut]
    problems: list[ProblemOut]


def _set_out(s: CriteriaSet, maximum: Decimal, count: int) -> dict[str, object]:
    return {
        "id": s.pk,
        "year": s.year,
        "group_id": s.group_id,
        "group_code": s.group.code,
        "group_name": s.group.name,
        "title": s.title,
        "step": s.step,
        "status": s.status,
        "source_note": s.source_note,
        "criteria": count,
        "max_points": maximum,
    }


def _maxima(ids: list[int]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for set_id, points in Criterion.objects.filter(criteria_set__in=ids, level=1).values_list(
        "criteria_set_id", "max_points"
    ):
        totals[set_id] = totals.get(set_id, Decimal(0)) + points
    return totals


@api.get(
    "/par/sets",
    response=list[CriteriaSetOut],
    tags=["par"],
    summary="Các bộ tiêu chí PAR INDEX",
    auth=api_auth("par.view"),
)
def list_sets(request: HttpRequest) -> list[dict[str, object]]:
    sets = [
        s
        for s in CriteriaSet.objects.select_related("group")
        .annotate(n=Count("criteria"))
        .order_by("-year", "group__name")
        if policy.can(request.user, "par.view", s, when=False)
    ]
    maxima = _maxima([s.pk for s in sets])
    return [_set_out(s, maxima.get(s.pk, Decimal(0)), s.n) for s in sets]


@api.get(
    "/par/sets/{int:set_id}",
    response={200: CriteriaSetTreeOut, 404: ErrorOut},
    tags=["par"],
    summary="Một bộ tiêu chí và cây tiêu chí của nó",
    auth=api_auth("par.view"),
)
def get_set(request: HttpRequest, set_id: int) -> dict[str, object]:
    criteria_set = CriteriaSet.objects.select_related("group").filter(pk=set_id).first()
    if criteria_set is None or not policy.can(request.user, "par.view", criteria_set, when=False):
        raise HttpError(404, _("Không có bộ tiêu chí này."))
    nodes = list(criteria_set.criteria.order_by("position"))
    maximum = sum((n.max_points for n in nodes if n.level == 1), Decimal(0))
    out = _set_out(criteria_set, maximum, len(nodes))
    out["nodes"] = [
        {
            "id": n.pk,
            "parent_id": n.parent_id,
            "level": n.level,
            "code": n.code,
            "title": n.title,
            "guidance": n.guidance,
            "max_points": n.max_points,
            "method": n.method,
            "computation_key": n.computation_key,
            "points_known": n.points_known,
            "points_note": n.points_note,
            "max_differs_reason": n.max_differs_reason,
        }
        for n in nodes
    ]
    out["problems"] = [{"code": p.code, "message": p.message} for p in set_problems(criteria_set)]
    return out
