"""Task-completion ratings, inspection plans and the PAR INDEX downloads in the API,
under the same actions as the pages (cchc.par.outputs_policy)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError

from cchc.accounts import policy, tenancy
from cchc.agencies.models import AgencyGroup
from cchc.api.auth import api_auth
from cchc.api.openapi import MAX_ID
from cchc.api.par_common import api_user
from cchc.api.schemas import ErrorOut, JobOut
from cchc.api.views import _job_out, api
from cchc.jobs.services import job_start
from cchc.lib import calendar
from cchc.par.inspection import SEED_MAX, InspectionError, finding_record, plan_draw
from cchc.par.models import Campaign, InspectionPlan, InspectionSelection, Scorecard
from cchc.par.outputs import ranking_table
from cchc.par.ratings import ratings_compute, scheme_for

TAGS = ["par"]


_user = api_user


def _group(group_id: int) -> AgencyGroup:
    group = AgencyGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise HttpError(404, _("Không có nhóm cơ quan này."))
    return group


class YearGroupIn(Schema):
    year: int = Field(..., ge=2000, le=2200)
    group: int = Field(..., ge=0, le=MAX_ID)


class RatingOut(Schema):
    agency_id: int
    agency_name: str
    on_time_rate: Decimal | None
    index: Decimal | None
    score: Decimal | None
    band: str
    inputs: dict[str, Any]


class BandOut(Schema):
    label: str
    lower: Decimal
    upper: Decimal | None


class RatingsOut(Schema):
    year: int
    group_id: int
    weight_on_time: int
    weight_index: int
    source_note: str
    bands: list[BandOut]
    ratings: list[RatingOut]


def _ratings_out(scheme: Any) -> dict[str, Any]:
    return {
        "year": scheme.year,
        "group_id": scheme.group_id,
        "weight_on_time": scheme.weight_on_time,
        "weight_index": scheme.weight_index,
        "source_note": scheme.source_note,
        "bands": [
            {"label": b.label, "lower": b.lower, "upper": b.upper}
            for b in scheme.bands.order_by("position")
        ],
        "ratings": [
            {
                "agency_id": r.agency_id,
                "agency_name": r.agency.name,
                "on_time_rate": r.on_time_rate,
                "index": r.index,
                "score": r.score,
                "band": r.band,
                "inputs": r.inputs,
            }
            for r in scheme.ratings.select_related("agency").order_by("-score", "agency__sort_name")
        ],
    }


@api.get(
    "/par/ratings",
    response={200: RatingsOut, 404: ErrorOut},
    tags=TAGS,
    summary="Mức độ hoàn thành nhiệm vụ CCHC của một năm và nhóm, với số liệu tính",
    auth=api_auth("par.rating.view"),
)
def list_ratings(request: HttpRequest, filters: Query[YearGroupIn]) -> dict[str, Any]:
    scheme = scheme_for(filters.year, _group(filters.group), create=False)
    if scheme is None:
        raise HttpError(404, _("Năm và nhóm này chưa có cách xếp mức."))
    return _ratings_out(scheme)


@api.post(
    "/par/ratings/compute",
    response={200: RatingsOut, 404: ErrorOut},
    tags=TAGS,
    summary="Tính (lại) mức độ hoàn thành nhiệm vụ CCHC của một năm và nhóm",
    auth=api_auth("par.rating.manage"),
)
def compute_ratings(request: HttpRequest, payload: YearGroupIn) -> dict[str, Any]:
    scheme = scheme_for(payload.year, _group(payload.group))
    assert scheme is not None
    ratings_compute(scheme, actor=_user(request), today=calendar.today(), source="api")
    return _ratings_out(scheme)


class FindingOut(Schema):
    id: int
    text: str
    remedy: str
    due_on: date
    activity_id: int | None


class SelectionOut(Schema):
    id: int
    position: int
    agency_id: int
    agency_name: str
    reason: str
    inspected_last_year: bool
    index: Decimal | None
    findings: list[FindingOut]


class InspectionPlanOut(Schema):
    id: int
    year: int
    group_id: int
    seed: int
    share: int
    basis_campaign_id: int | None
    remediation_plan_id: int | None
    selections: list[SelectionOut]


class DrawIn(YearGroupIn):
    seed: int = Field(..., ge=0, le=SEED_MAX)
    share: int = Field(30, ge=1, le=100)


class FindingIn(Schema):
    text: str = Field(..., max_length=4000)
    remedy: str = Field(..., max_length=4000)
    due_on: date


def _plan_out(plan: InspectionPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "year": plan.year,
        "group_id": plan.group_id,
        "seed": plan.seed,
        "share": plan.share,
        "basis_campaign_id": plan.basis_campaign_id,
        "remediation_plan_id": plan.remediation_plan_id,
        "selections": [
            {
                "id": s.pk,
                "position": s.position,
                "agency_id": s.agency_id,
                "agency_name": s.agency.name,
                "reason": s.reason,
                "inspected_last_year": s.inspected_last_year,
                "index": s.index,
                "findings": [
                    {
                        "id": f.pk,
                        "text": f.text,
                        "remedy": f.remedy,
                        "due_on": f.due_on,
                        "activity_id": f.activity_id,
                    }
                    for f in s.findings.all()
                ],
            }
            for s in plan.selections.select_related("agency").prefetch_related("findings")
        ],
    }


@api.get(
    "/par/inspections",
    response=list[InspectionPlanOut],
    tags=TAGS,
    summary="Các kế hoạch kiểm tra CCHC, cơ quan được chọn và lý do",
    auth=api_auth("par.inspection.view"),
)
def list_inspections(request: HttpRequest) -> list[dict[str, Any]]:
    plans = tenancy.scope(InspectionPlan.objects.all(), request.user, "group__province")
    return [_plan_out(p) for p in plans.order_by("-year", "group__name")]


@api.get(
    "/par/inspections/{int:inspection_id}",
    response={200: InspectionPlanOut, 404: ErrorOut},
    tags=TAGS,
    summary="Một kế hoạch kiểm tra CCHC",
    auth=api_auth("par.inspection.view"),
)
def get_inspection(request: HttpRequest, inspection_id: int) -> dict[str, Any]:
    plan = InspectionPlan.objects.filter(pk=inspection_id).first()
    if plan is None or not policy.can(request.user, "par.inspection.view", plan, when=False):
        raise HttpError(404, _("Không có kế hoạch kiểm tra này."))
    return _plan_out(plan)


@api.post(
    "/par/inspections",
    response={201: InspectionPlanOut, 404: ErrorOut, 422: ErrorOut},
    tags=TAGS,
    summary="Bốc chọn cơ quan kiểm tra (cùng số khởi tạo, cùng dữ liệu: cùng danh sách)",
    auth=api_auth("par.inspection.manage"),
)
def draw_inspection(request: HttpRequest, payload: DrawIn) -> Status:
    try:
        plan = plan_draw(
            year=payload.year,
            group=_group(payload.group),
            seed=payload.seed,
            share=payload.share,
            actor=_user(request),
            source="api",
        )
    except InspectionError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, _plan_out(plan))


@api.post(
    "/par/inspections/selections/{int:selection_id}/findings",
    response={201: FindingOut, 404: ErrorOut, 422: ErrorOut},
    tags=TAGS,
    summary="Ghi một phát hiện; nhiệm vụ khắc phục vào theo dõi như nhiệm vụ kế hoạch",
    auth=api_auth("par.inspection.manage"),
)
def add_finding(request: HttpRequest, selection_id: int, payload: FindingIn) -> Status:
    selection = InspectionSelection.objects.select_related("agency").filter(pk=selection_id).first()
    if selection is None:
        raise HttpError(404, _("Không có cơ quan này trong kế hoạch kiểm tra."))
    try:
        finding = finding_record(
            selection,
            text=payload.text,
            remedy=payload.remedy,
            due_on=payload.due_on,
            actor=_user(request),
            source="api",
        )
    except InspectionError as error:
        raise HttpError(422, str(error)) from None
    return Status(
        201,
        {
            "id": finding.pk,
            "text": finding.text,
            "remedy": finding.remedy,
            "due_on": finding.due_on,
            "activity_id": finding.activity_id,
        },
    )


class RankingOut(Schema):
    campaign_id: int
    title: str
    columns: list[str]
    rows: list[list[str]]


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("group").filter(pk=campaign_id).first()
    if campaign is None or not policy.can(request.user, "par.view", campaign, when=False):
        raise HttpError(404, _("Không có đợt đánh giá này."))
    if not policy.can(request.user, "par.results.export", campaign, when=False):
        raise HttpError(403, _("Đợt đánh giá chưa công bố kết quả."))
    return campaign


@api.get(
    "/par/campaigns/{int:campaign_id}/ranking",
    response={200: RankingOut, 403: ErrorOut, 404: ErrorOut},
    tags=TAGS,
    summary="Bảng xếp hạng đã công bố của một đợt đánh giá",
    auth=api_auth("par.results.export"),
)
def get_ranking(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    table = ranking_table(_campaign(request, campaign_id))
    return {
        "campaign_id": campaign_id,
        "title": table.title,
        "columns": table.columns(),
        "rows": table.rows(),
    }


FORMATS = {"xlsx": "par_ranking_xlsx", "docx": "par_ranking_docx"}
SCORECARD_FORMATS = {"docx": "par_scorecard_docx", "pdf": "par_scorecard_pdf"}


@api.post(
    "/par/campaigns/{int:campaign_id}/ranking/{format}",
    response={202: JobOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=TAGS,
    summary="Xuất bảng xếp hạng (xlsx, docx) bằng một công việc nền",
    auth=api_auth("par.results.export"),
)
def export_ranking(
    request: HttpRequest, response: HttpResponse, campaign_id: int, format: str
) -> Status:
    campaign = _campaign(request, campaign_id)
    if format not in FORMATS:
        raise HttpError(422, _("Định dạng phải là xlsx hoặc docx."))
    job = job_start(kind=FORMATS[format], params={"campaign": campaign.pk}, asked_by=_user(request))
    response["Location"] = reverse("api:get_job", kwargs={"job_id": job.pk})
    return Status(202, _job_out(job))


@api.post(
    "/par/scorecards/{int:scorecard_id}/export/{format}",
    response={202: JobOut, 404: ErrorOut, 422: ErrorOut},
    tags=TAGS,
    summary="Xuất phiếu chấm điểm của một cơ quan (docx, pdf) bằng một công việc nền",
    auth=api_auth("par.scorecard.export"),
)
def export_scorecard(
    request: HttpRequest, response: HttpResponse, scorecard_id: int, format: str
) -> Status:
    scorecard = Scorecard.objects.filter(pk=scorecard_id).first()
    if scorecard is None or not policy.can(
        request.user, "par.scorecard.export", scorecard, when=False
    ):
        raise HttpError(404, _("Không có phiếu chấm điểm này."))
    if format not in SCORECARD_FORMATS:
        raise HttpError(422, _("Định dạng phải là docx hoặc pdf."))
    job = job_start(
        kind=SCORECARD_FORMATS[format],
        params={"scorecard": scorecard.pk, "agency": scorecard.agency_id},
        asked_by=_user(request),
    )
    response["Location"] = reverse("api:get_job", kwargs={"job_id": job.pk})
    return Status(202, _job_out(job))
