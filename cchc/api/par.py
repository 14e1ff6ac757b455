"""PAR INDEX criteria sets in the API, read only: the same policy as the pages
(`par.view`: an agency's staff see the sets of their own groups)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.errors import HttpError

from cchc.accounts import policy
from cchc.api.auth import api_auth
from cchc.api.par_common import run
from cchc.api.schemas import ErrorOut
from cchc.api.views import api
from cchc.par.models import Campaign, CriteriaSet, Criterion
from cchc.par.services import (
    Windows,
    campaign_create,
    criterion_update,
    set_copy,
    set_maximum,
    set_problems,
)


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


def _criterion_out(n: Criterion) -> dict[str, object]:
    return {
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
    out["nodes"] = [_criterion_out(n) for n in nodes]
    out["problems"] = [{"code": p.code, "message": p.message} for p in set_problems(criteria_set)]
    return out


# ---------------------------------------------------------------------------
# Setting up the year: copy last year's set, adjust criteria, open the campaign (the
# pages' services, so the same checks and the same audit).


class SetCopyIn(Schema):
    year: int = Field(ge=2000, le=2100)
    title: str = Field("", max_length=255)


class CriterionPatchIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=500)
    guidance: str | None = Field(None, max_length=4000)
    max_points: Decimal | None = Field(None, ge=0, le=1000, decimal_places=2)
    method: Literal["self", "survey", "computed"] | None = None
    computation_key: str | None = Field(None, max_length=50)
    points_known: bool | None = None
    points_note: str | None = Field(None, max_length=2000)
    max_differs_reason: str | None = Field(None, max_length=2000)


class WindowsSchema(Schema):
    """A campaign's windows (`cchc.par.services.Windows`), each day included."""

    self_opens: date
    self_closes: date
    appraisal_opens: date
    appraisal_closes: date
    reply_opens: date
    reply_closes: date


class CampaignIn(WindowsSchema):
    title: str = Field("", max_length=255)


class CampaignOut(WindowsSchema):
    id: int
    year: int
    title: str
    criteria_set_id: int
    group_id: int
    published: bool


def _writable_set(request: HttpRequest, set_id: int, action: str) -> CriteriaSet:
    """The set if the user may see it (else 404) and do `action` to it (else 403)."""
    criteria_set = CriteriaSet.objects.select_related("group").filter(pk=set_id).first()
    if criteria_set is None or not policy.can(request.user, "par.view", criteria_set, when=False):
        raise HttpError(404, _("Không có bộ tiêu chí này."))
    if not policy.can(request.user, action, criteria_set, when=False):
        raise HttpError(403, _("Bạn không có quyền thực hiện thao tác này."))
    return criteria_set


def _campaign_out(c: Campaign) -> dict[str, object]:
    return {
        "id": c.pk,
        "year": c.year,
        "title": c.title,
        "criteria_set_id": c.criteria_set_id,
        "group_id": c.group_id,
        **{name: getattr(c, name) for name in Windows.__dataclass_fields__},
        "published": c.published_at is not None,
    }


@api.post(
    "/par/sets/{int:set_id}/copy",
    response={201: CriteriaSetOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["par"],
    summary="Sao chép bộ tiêu chí sang năm khác (bản nháp để điều chỉnh)",
    auth=api_auth("par.manage"),
)
def copy_set(request: HttpRequest, set_id: int, data: SetCopyIn) -> Status:
    source = _writable_set(request, set_id, "par.manage")
    copy = run(
        lambda: set_copy(source, year=data.year, title=data.title, actor=request.user, source="api")
    )
    count = copy.criteria.count()
    return Status(201, _set_out(copy, set_maximum(copy), count))


@api.patch(
    "/par/criteria/{int:criterion_id}",
    response={200: CriterionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["par"],
    summary="Sửa một tiêu chí (tên, hướng dẫn, điểm tối đa…); bộ đang dùng chỉ sửa được chữ",
    auth=api_auth("par.manage"),
)
def patch_criterion(
    request: HttpRequest, criterion_id: int, data: CriterionPatchIn
) -> dict[str, object]:
    criterion = Criterion.objects.select_related("criteria_set").filter(pk=criterion_id).first()
    if criterion is None:
        raise HttpError(404, _("Không có tiêu chí này."))
    _writable_set(request, criterion.criteria_set_id, "par.manage")
    changes = data.dict(exclude_unset=True, exclude_none=True)
    updated = run(lambda: criterion_update(criterion, actor=request.user, source="api", **changes))
    return _criterion_out(updated)


@api.get(
    "/par/campaigns",
    response=list[CampaignOut],
    tags=["par"],
    summary="Các đợt đánh giá PAR INDEX",
    auth=api_auth("par.view"),
)
def list_campaigns(request: HttpRequest) -> list[dict[str, object]]:
    return [
        _campaign_out(c)
        for c in Campaign.objects.select_related("group").order_by("-year", "group__name", "pk")
        if policy.can(request.user, "par.view", c, when=False)
    ]


@api.post(
    "/par/sets/{int:set_id}/campaigns",
    response={201: CampaignOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["par"],
    summary="Mở đợt đánh giá với bộ tiêu chí này và các thời hạn",
    auth=api_auth("par.campaign.manage"),
)
def open_campaign(request: HttpRequest, set_id: int, data: CampaignIn) -> Status:
    criteria_set = _writable_set(request, set_id, "par.campaign.manage")
    windows = Windows(**data.dict(exclude={"title"}))
    campaign = run(
        lambda: campaign_create(
            criteria_set, windows=windows, title=data.title, actor=request.user, source="api"
        )
    )
    return Status(201, _campaign_out(campaign))
