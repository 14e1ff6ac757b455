"""Agencies' own plans in the REST API (docs/agency-plans.md): who has issued theirs from
a plan, and the steps an agency takes: derive, add an activity, hand one to a unit, issue.

The same policy and the same services as the pages (`cchc.plans.cascade`): a refusal of
the policy is 403, a refused change 400, both with the services' Vietnamese message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel

from cchc.accounts import policy
from cchc.agencies.models import Agency
from cchc.api.auth import api_auth
from cchc.api.openapi import MAX_ID
from cchc.api.schemas import ErrorOut
from cchc.api.views import api
from cchc.plans.cascade import (
    AgencyPlanError,
    AgencyPlanForbidden,
    activity_set_lead,
    agency_plan_issuance,
    plan_add_activity,
    plan_derive,
    plan_issue,
)
from cchc.plans.models import Activity, Plan

TAGS = ["agency plans"]
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
T = TypeVar("T")


class AgencyPlanOut(BaseModel):
    agency_id: int
    agency_name: str
    activities: int
    plan_id: int | None
    status: str  # none, draft, issued, closed
    number: str
    issued_on: date | None
    signer: str
    on_time: bool | None


class IssuanceOut(BaseModel):
    plan_id: int
    agency_plans_due: date | None
    agencies: list[AgencyPlanOut]


class DeriveIn(Schema):
    agency_id: int = Field(..., ge=1, le=MAX_ID)


class DerivedOut(BaseModel):
    plan_id: int
    created: bool
    added: int
    status: str


class ActivityIn(Schema):
    title: str = Field(..., max_length=4000)
    deadline: str = Field(..., max_length=500)
    lead_id: int | None = Field(None, ge=1, le=MAX_ID)
    cooperating_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=100
    )
    outputs: str = Field("", max_length=4000)
    task_id: int | None = Field(None, ge=1, le=MAX_ID)
    task_title: str = Field("", max_length=4000)
    area_code: str = Field("", max_length=10)


class ActivityCreatedOut(BaseModel):
    id: int
    task_id: int
    deadline_kind: str
    due_dates: list[date]
    lead_id: int


class LeadIn(Schema):
    lead_id: int = Field(..., ge=1, le=MAX_ID)


class IssueIn(Schema):
    number: str = Field(..., max_length=60)
    issued_on: date
    signer: str = Field(..., max_length=255)


class IssuedOut(BaseModel):
    plan_id: int
    status: str
    number: str
    issued_on: date | None
    signer: str


def _run(call: Callable[[], T]) -> T:
    try:
        return call()
    except AgencyPlanForbidden as error:
        raise HttpError(403, str(error)) from None
    except AgencyPlanError as error:
        raise HttpError(400, str(error)) from None


def _agency_plan(request: HttpRequest, plan_id: int) -> Plan:
    plan = policy.get_plan_for_user(
        request, plan_id, queryset=Plan.objects.select_related("parent", "issuer_agency")
    )
    if plan.parent_id is None or plan.issuer_agency_id is None:
        raise HttpError(404, _("Kế hoạch này không phải kế hoạch của một cơ quan."))
    return plan


@api.get(
    "/plans/{int:plan_id}/agency-plans",
    response={200: IssuanceOut, 403: ErrorOut, 404: ErrorOut},
    tags=TAGS,
    auth=api_auth("plan.agency_plans"),
    summary="Các cơ quan đã ban hành kế hoạch CCHC từ kế hoạch này chưa, có đúng hạn không",
)
def list_agency_plans(request: HttpRequest, plan_id: int) -> IssuanceOut:
    plan = policy.get_plan_for_user(request, plan_id)
    policy.require(request.user, "plan.agency_plans", plan)
    rows = agency_plan_issuance(plan)
    return IssuanceOut(
        plan_id=plan.pk,
        agency_plans_due=plan.agency_plans_due,
        agencies=[
            AgencyPlanOut(
                agency_id=r.agency.pk,
                agency_name=r.agency.name,
                activities=r.activities,
                plan_id=r.plan.pk if r.plan else None,
                status=r.state,
                number=r.plan.number if r.plan and r.issued_on else "",
                issued_on=r.issued_on,
                signer=r.plan.signer if r.plan and r.issued_on else "",
                on_time=r.on_time,
            )
            for r in rows
        ],
    )


@api.post(
    "/plans/{int:plan_id}/agency-plans",
    response={200: DerivedOut, **ERRORS},
    tags=TAGS,
    auth=api_auth("plan.derive"),
    summary="Lập (hoặc bổ sung khi còn dự thảo) kế hoạch của một cơ quan từ kế hoạch này",
)
def derive_agency_plan(request: HttpRequest, plan_id: int, data: DeriveIn) -> DerivedOut:
    parent = policy.get_plan_for_user(request, plan_id)
    agency = policy.get_for_user(request, Agency.objects.all(), data.agency_id, view="agency.view")
    derived = _run(
        lambda: plan_derive(parent=parent, agency=agency, actor=request.user, source="api")
    )
    return DerivedOut(
        plan_id=derived.plan.pk,
        created=derived.created,
        added=derived.added,
        status=derived.plan.status,
    )


@api.post(
    "/agency-plans/{int:agency_plan_id}/activities",
    response={201: ActivityCreatedOut, **ERRORS},
    tags=TAGS,
    auth=api_auth("plan.edit_own"),
    summary="Thêm hoạt động của cơ quan vào kế hoạch của cơ quan (khi còn dự thảo)",
)
def add_agency_activity(
    request: HttpRequest, agency_plan_id: int, data: ActivityIn
) -> Status[ActivityCreatedOut]:
    plan = _agency_plan(request, agency_plan_id)
    activity = _run(
        lambda: plan_add_activity(
            plan=plan,
            actor=request.user,
            title=data.title,
            deadline=data.deadline,
            lead_id=data.lead_id,
            cooperating_ids=data.cooperating_ids,
            outputs=data.outputs,
            task_id=data.task_id,
            task_title=data.task_title,
            area_code=data.area_code,
            source="api",
        )
    )
    lead = activity.assignees.get(role="lead")
    return Status(
        201,
        ActivityCreatedOut(
            id=activity.pk,
            task_id=activity.task_id,
            deadline_kind=activity.deadline_kind,
            due_dates=list(activity.due_dates.values_list("due_on", flat=True)),
            lead_id=lead.agency_id or 0,
        ),
    )


@api.put(
    "/agency-plans/{int:agency_plan_id}/activities/{int:agency_activity_id}/lead",
    response={200: ActivityCreatedOut, **ERRORS},
    tags=TAGS,
    auth=api_auth("plan.edit_own"),
    summary="Giao một hoạt động của kế hoạch cơ quan cho phòng, đơn vị chủ trì",
)
def set_agency_activity_lead(
    request: HttpRequest, agency_plan_id: int, agency_activity_id: int, data: LeadIn
) -> ActivityCreatedOut:
    plan = _agency_plan(request, agency_plan_id)
    activity = get_object_or_404(
        Activity.objects.select_related("plan"), pk=agency_activity_id, plan=plan
    )
    lead = _run(
        lambda: activity_set_lead(
            activity=activity, lead_id=data.lead_id, actor=request.user, source="api"
        )
    )
    return ActivityCreatedOut(
        id=activity.pk,
        task_id=activity.task_id,
        deadline_kind=activity.deadline_kind,
        due_dates=list(activity.due_dates.values_list("due_on", flat=True)),
        lead_id=lead.pk,
    )


@api.post(
    "/agency-plans/{int:agency_plan_id}/issue",
    response={200: IssuedOut, **ERRORS},
    tags=TAGS,
    auth=api_auth("plan.issue_own"),
    summary="Ban hành kế hoạch của cơ quan: số, ký hiệu, ngày ban hành, người ký",
)
def issue_agency_plan(request: HttpRequest, agency_plan_id: int, data: IssueIn) -> IssuedOut:
    plan = _agency_plan(request, agency_plan_id)
    issued = _run(
        lambda: plan_issue(
            plan=plan,
            number=data.number,
            issued_on=data.issued_on,
            signer=data.signer,
            actor=request.user,
            source="api",
        )
    )
    return IssuedOut(
        plan_id=issued.pk,
        status=issued.status,
        number=issued.number,
        issued_on=issued.issued_on,
        signer=issued.signer,
    )
