"""The monitoring part of the REST API: periods, assignments, progress reports, roll-ups.

Every operation declares its action (`api_auth`); reads then ask the policy about the
object: an agency's reports are its own and the province's (and its district's, read
only); anyone else gets 404, as if the report did not exist. Writes check the policy
while authenticating, before the body is read, so a
role that may not make the change gets 403 whatever it sends. Every write goes through
`cchc.monitoring.services`, which owns the review loop and the
optimistic `version`: a stale version is answered 409 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Prefetch, QuerySet, When, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.api import lists
from cchc.api.auth import api_auth
from cchc.api.openapi import MAX_ID
from cchc.api.schemas import ErrorOut
from cchc.api.views import api
from cchc.documents.models import DocumentLink
from cchc.lib import calendar
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from cchc.monitoring.progress import METHOD_LABELS, Figure, Timeliness, items_of, plan_progress
from cchc.monitoring.services import (
    PERCENT_NOT_A_NUMBER,
    DocumentInput,
    ReportConflict,
    ReportError,
    ReportForbidden,
    ReportNotFound,
    Visible,
    period_current,
    report_open,
    report_review,
    report_save,
    report_submit,
)
from cchc.plans.models import Plan

TAGS = ["monitoring"]
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# ---------------------------------------------------------------------------
# Shapes. Responses are plain pydantic models: ninja's Schema reads every field through
# a Django-aware getter, which costs seconds on a province's few thousand assignments.


class PeriodOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    starts_on: date
    ends_on: date
    due_on: date
    position: int


class ReportBriefOut(BaseModel):
    id: int
    period_id: int
    state: str
    status: str
    percent: int
    version: int


class CountedOut(BaseModel):
    """The latest sent report up to the period: what the roll-ups count."""

    report_id: int | None
    status: str
    percent: int
    state: str
    completed_on: date | None


class AssignmentOut(BaseModel):
    id: int
    activity_id: int
    activity_title: str
    deadline: str
    task_id: int
    area_id: int
    agency_id: int
    agency_name: str
    role: str
    due_dates: list[date]
    timeliness: str
    timeliness_label: str
    counted: CountedOut
    report: ReportBriefOut | None


class DocumentIn(Schema):
    """An output document: typed (number, issued_on, summary), or one the agency already
    recorded, named by `document_id` (then the other fields are not read)."""

    document_id: int | None = None
    number: str = ""
    issued_on: date | None = None
    summary: str = ""


class DocumentOut(BaseModel):
    id: int
    number: str
    issued_on: date
    summary: str


class EvidenceOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime


class HistoryOut(BaseModel):
    version: int
    action: str
    action_label: str
    actor: str
    at: datetime
    changes: dict[str, Any]


class ReportOut(BaseModel):
    id: int
    assignment_id: int
    period_id: int
    activity_id: int
    activity_title: str
    agency_id: int
    agency_name: str
    status: str
    status_label: str
    percent: int
    narrative: str
    reason: str
    completed_on: date | None
    state: str
    state_label: str
    review_comment: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    updated_at: datetime
    version: int
    documents: list[DocumentOut]
    evidence: list[EvidenceOut]
    history: list[HistoryOut]


class ReportIn(Schema):
    """A draft to save. Limits (text lengths, number of documents, dates between 2000 and
    2100) are the page's: `report_save` enforces them for both, answered 422 here."""

    status: str
    # Left out (or null): the percent already reported stays; "not_started" means 0 and
    # "done" 100. Never read as 0 by default.
    percent: int | None = None
    narrative: str = ""
    reason: str = ""
    completed_on: date | None = None
    documents: list[DocumentIn] | None = None  # left out: the documents stay as they are
    version: int

    @field_validator("percent", mode="before")
    @classmethod
    def _whole_percent(cls, value: Any) -> Any:
        """A whole number, or digits: "" or "năm mươi" or 33.5 is refused in Vietnamese,
        never saved as 0."""
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise PydanticCustomError("percent_not_a_number", str(PERCENT_NOT_A_NUMBER))


class SubmitIn(Schema):
    version: int


class ReviewIn(Schema):
    approve: bool
    comment: str = ""
    version: int


class FigureOut(BaseModel):
    percent: float | None
    display: str
    counted: int
    done: int
    not_done: int
    overdue: int


class AreaProgressOut(BaseModel):
    id: int
    code: str
    title: str
    figure: FigureOut


class AgencyProgressOut(BaseModel):
    id: int
    name: str
    figure: FigureOut


class ProgressOut(BaseModel):
    plan_id: int
    period: PeriodOut | None
    today: date
    method: str
    method_label: str
    plan: FigureOut
    areas: list[AreaProgressOut]
    agencies: list[AgencyProgressOut]


# ---------------------------------------------------------------------------
# Helpers


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _period_out(period: ReportingPeriod) -> PeriodOut:
    return PeriodOut(
        id=period.pk,
        code=period.code,
        name=period.name,
        kind=period.kind,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        due_on=period.due_on,
        position=period.position,
    )


def _figure_out(figure: Figure) -> FigureOut:
    return FigureOut(
        percent=None if figure.percent is None else round(figure.percent, 2),
        display=figure.display,
        counted=figure.counted,
        done=figure.done,
        not_done=figure.not_done,
        overdue=figure.overdue,
    )


def _plan_period(plan: Plan, period_id: int | None) -> ReportingPeriod | None:
    if period_id is None:
        return None
    return get_object_or_404(ReportingPeriod, pk=period_id, plan=plan)


def _links_prefetch() -> Prefetch:
    return Prefetch(
        "document_links",
        queryset=DocumentLink.objects.select_related("document")
        .prefetch_related("document__files__stored")
        .order_by("pk"),
    )


def _reports() -> QuerySet[ProgressReport]:
    return ProgressReport.objects.select_related(
        "assignment__agency", "assignment__activity"
    ).prefetch_related(_links_prefetch())


def _visible_report(request: HttpRequest, report_id: int) -> ProgressReport:
    """The report, or 404 for one that does not exist or belongs to another agency."""
    try:
        report: ProgressReport = policy.get_report_for_user(request, report_id, queryset=_reports())
    except Http404:
        raise HttpError(404, _("Không tìm thấy báo cáo.")) from None
    return report


def _report_out(report: ProgressReport) -> ReportOut:
    # Plain values: the history's snapshots are not part of the answer (their JSON is
    # not decoded) and its actors are only names.
    versions = (
        ReportVersion.objects.filter(report=report)
        .order_by("version")
        .values("version", "action", "at", "changes", "actor__full_name", "actor__username")
    )
    # Translated once: a lazy label per row costs a catalogue look-up each, and a report
    # saved often has hundreds of versions.
    action_labels = {value: str(label) for value, label in ReportVersion.Action.choices}
    # The links a save just read, when it left them as they were; else the prefetched.
    links = (
        report.links_read if report.links_read is not None else list(report.document_links.all())
    )
    return ReportOut(
        id=report.pk,
        assignment_id=report.assignment_id,
        period_id=report.period_id,
        activity_id=report.assignment.activity_id,
        activity_title=report.assignment.activity.title,
        agency_id=report.assignment.agency_id,
        agency_name=report.assignment.agency.name,
        status=report.status,
        status_label=report.get_status_display(),
        percent=report.percent,
        narrative=report.narrative,
        reason=report.reason,
        completed_on=report.completed_on,
        state=report.state,
        state_label=report.get_state_display(),
        review_comment=report.review_comment,
        submitted_at=report.submitted_at,
        reviewed_at=report.reviewed_at,
        updated_at=report.updated_at,
        version=report.version,
        documents=[
            DocumentOut(id=d.pk, number=d.number, issued_on=d.issued_on, summary=d.summary)
            for d in sorted(
                (link.document for link in links if link.role == DocumentLink.Role.OUTPUT),
                key=lambda d: (d.issued_on or date.min, d.pk),
            )
            if d.issued_on is not None
        ],
        evidence=[
            EvidenceOut(
                id=link.pk,
                filename=file.filename,
                content_type=file.content_type,
                size=file.size,
                uploaded_at=link.added_at,
            )
            for link in links
            if link.role == DocumentLink.Role.EVIDENCE and (file := link.file) is not None
        ],
        history=[
            HistoryOut(
                version=v["version"],
                action=v["action"],
                action_label=action_labels.get(v["action"], v["action"]),
                # As `User.__str__` reads: the full name, else the user name.
                actor=v["actor__full_name"] or v["actor__username"] or "",
                at=v["at"],
                changes=v["changes"],
            )
            for v in versions
        ],
    )


def _change(
    request: HttpRequest,
    report_id: int,
    change: Callable[[ProgressReport, Visible], ProgressReport],
    *,
    invalid: int,
) -> ReportOut:
    """Apply a service call to a visible report and answer with its new state.

    The service locks and reads the report and asks `visible` of the row it locked
    (404 for a report the caller may not see, as for one that does not exist), so the
    report is read once; the answer is built from the report it returns. The services
    speak Vietnamese already; this only picks the HTTP status.
    """
    user = _user(request)

    def visible(report: ProgressReport) -> bool:
        return policy.can(user, "report.view", report, when=False)

    try:
        changed = change(ProgressReport(pk=report_id), visible)
    except ReportNotFound:
        raise HttpError(404, _("Không tìm thấy báo cáo.")) from None
    except ReportConflict as error:
        raise HttpError(409, str(error)) from None
    except ReportForbidden as error:
        raise HttpError(403, str(error)) from None
    except ReportError as error:
        raise HttpError(invalid, str(error)) from None
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    if changed.links_read is None:
        prefetch_related_objects([changed], _links_prefetch())
    return _report_out(changed)


# ---------------------------------------------------------------------------
# Periods and assignments


@api.get(
    "/plans/{int:plan_id}/periods",
    response={200: list[PeriodOut], 404: ErrorOut},
    tags=TAGS,
    summary="Các kỳ báo cáo của kế hoạch",
    auth=api_auth("plan.view"),
)
def list_periods(request: HttpRequest, plan_id: int) -> list[PeriodOut]:
    plan = policy.get_plan_for_user(request, plan_id)
    return [_period_out(p) for p in plan.periods.order_by("position")]


class AssignmentFilter(Schema):
    # Bounded as ids are: beyond 64 bits SQLite cannot even bind the number.
    agency: int | None = Field(None, ge=0, le=MAX_ID)
    period: int | None = Field(None, ge=0, le=MAX_ID)


@api.get(
    "/plans/{int:plan_id}/assignments",
    response={200: list[AssignmentOut], 403: ErrorOut, 404: ErrorOut},
    tags=TAGS,
    summary="Phân công của kế hoạch, với tình trạng đúng hạn và báo cáo của kỳ (theo trang)",
    auth=api_auth("report.view"),
    openapi_extra=lists.OPENAPI_EXTRA,
)
def list_assignments(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: int,
    filters: Query[AssignmentFilter],
    page: Query[lists.PageIn],
) -> list[AssignmentOut]:
    """An officer or head sees their own agency's; the province sees every agency's.

    Without `period`, the period being reported now. `counted` is what the roll-ups use
    (the latest report the agency sent); `report` is the period's own report, draft or not.
    One page at a time (`limit`, `offset`; the next page in the `Link` header): only the
    page's assignments are read, so a 600,000-assignment plan costs what a page costs.
    """
    user = _user(request)
    plan = policy.get_plan_for_user(request, plan_id)
    today = calendar.today()
    period = _plan_period(plan, filters.period) or period_current(plan, today)
    agency_id = filters.agency
    if not policy.sees_every_agency(user):
        if agency_id is not None and not policy.can(user, "agency.data", agency_id):
            raise HttpError(403, _("Bạn chỉ xem được phân công của cơ quan mình."))
        agency_id = agency_id if agency_id is not None else user.agency_id
    # A transferred assignment is counted in its successor's row (see `plan_progress`).
    assignments = Assignment.objects.filter(activity__plan=plan, transferred_to__isnull=True)
    if agency_id is not None:
        assignments = assignments.filter(agency_id=agency_id)
    # The plan's order of activities, the lead agencies first, then by name.
    ordered = assignments.order_by(
        "activity__task__area__position",
        "activity__task__position",
        "activity__position",
        Case(When(role=Assignment.Role.LEAD, then=0), default=1),
        "agency__sort_name",
        "pk",
    ).values(
        "pk",
        "activity_id",
        "activity__task_id",
        "activity__task__area_id",
        "activity__weight",
        "activity__title",
        "activity__deadline",
        "agency_id",
        "agency__name",
        "role",
    )
    rows: list[dict[str, Any]] = [
        dict(row) for row in lists.page_of(request, response, ordered, page)
    ]
    items = items_of(plan, rows, period=period, today=today)
    by_assignment = {
        r["assignment_id"]: ReportBriefOut(
            id=r["pk"],
            period_id=r["period_id"],
            state=r["state"],
            status=r["status"],
            percent=r["percent"],
            version=r["version"],
        )
        for r in (
            ProgressReport.objects.filter(
                assignment_id__in=[row["pk"] for row in rows], period=period
            ).values("pk", "assignment_id", "period_id", "state", "status", "percent", "version")
            if period is not None and rows
            else []
        )
    }
    labels = {value: str(label) for value, label in Timeliness.choices}
    return [
        AssignmentOut(
            id=item.assignment_id,
            activity_id=item.activity_id,
            activity_title=row["activity__title"],
            deadline=row["activity__deadline"],
            task_id=item.task_id,
            area_id=item.area_id,
            agency_id=item.agency_id,
            agency_name=row["agency__name"],
            role=item.role,
            due_dates=item.due_dates,
            timeliness=item.timeliness.value,
            timeliness_label=labels[item.timeliness],
            counted=CountedOut(
                report_id=item.report_id,
                status=item.status,
                percent=item.percent,
                state=item.state,
                completed_on=item.completed_on,
            ),
            report=by_assignment.get(item.assignment_id),
        )
        for row, item in zip(rows, items, strict=True)
    ]


# ---------------------------------------------------------------------------
# Reports


@api.get(
    "/reports/{int:report_id}",
    response={200: ReportOut, 403: ErrorOut, 404: ErrorOut},
    tags=TAGS,
    summary="Một báo cáo tiến độ, với văn bản, minh chứng và lịch sử",
    auth=api_auth("report.view"),
)
def get_report(request: HttpRequest, report_id: int) -> ReportOut:
    return _report_out(_visible_report(request, report_id))


@api.post(
    "/assignments/{int:assignment_id}/reports/{int:period_id}",
    response={200: ReportOut, 201: ReportOut, 403: ErrorOut, 404: ErrorOut},
    tags=TAGS,
    summary="Mở báo cáo của một phân công trong một kỳ (tạo bản nháp nếu chưa có)",
    auth=api_auth("report.edit"),
)
def open_report(request: HttpRequest, assignment_id: int, period_id: int) -> Status:
    try:
        assignment: Assignment = policy.get_assignment_for_user(
            request,
            assignment_id,
            write=True,
            queryset=Assignment.objects.select_related("activity"),
        )
    except Http404:
        raise HttpError(404, _("Không tìm thấy phân công.")) from None
    period = get_object_or_404(ReportingPeriod, pk=period_id, plan_id=assignment.activity.plan_id)
    report, created = report_open(assignment=assignment, period=period)
    return Status(201 if created else 200, _report_out(_visible_report(request, report.pk)))


@api.put(
    "/reports/{int:report_id}",
    response={200: ReportOut, **ERRORS},
    tags=TAGS,
    auth=api_auth("report.edit"),
    summary="Lưu nháp báo cáo; `version` là phiên bản đang sửa (sai thì 409, không ghi gì)",
)
def save_report(request: HttpRequest, report_id: int, data: ReportIn) -> ReportOut:
    user = _user(request)
    documents = (
        None
        if data.documents is None
        else [
            DocumentInput(
                number=d.number,
                issued_on=d.issued_on,
                summary=d.summary,
                document_id=d.document_id,
            )
            for d in data.documents
        ]
    )
    return _change(
        request,
        report_id,
        lambda report, visible: report_save(
            report=report,
            visible=visible,
            actor=user,
            expected_version=data.version,
            status=data.status,
            percent=data.percent,
            narrative=data.narrative,
            reason=data.reason,
            completed_on=data.completed_on,
            documents=documents,
        ),
        invalid=422,
    )


@api.post(
    "/reports/{int:report_id}/submit",
    response={200: ReportOut, **ERRORS},
    tags=TAGS,
    auth=api_auth("report.submit"),
    summary="Gửi báo cáo cho cơ quan thường trực (lãnh đạo cơ quan)",
)
def submit_report(request: HttpRequest, report_id: int, data: SubmitIn) -> ReportOut:
    user = _user(request)
    return _change(
        request,
        report_id,
        lambda report, visible: report_submit(
            report=report, actor=user, expected_version=data.version, visible=visible
        ),
        invalid=400,
    )


@api.post(
    "/reports/{int:report_id}/review",
    response={200: ReportOut, **ERRORS},
    tags=TAGS,
    auth=api_auth("report.review"),
    summary="Duyệt hoặc trả lại báo cáo (cơ quan thường trực); trả lại thì phải có ý kiến",
)
def review_report(request: HttpRequest, report_id: int, data: ReviewIn) -> ReportOut:
    user = _user(request)
    return _change(
        request,
        report_id,
        lambda report, visible: report_review(
            report=report,
            visible=visible,
            actor=user,
            approve=data.approve,
            comment=data.comment,
            expected_version=data.version,
        ),
        invalid=400,
    )


# ---------------------------------------------------------------------------
# Roll-ups


class ProgressFilter(Schema):
    period: int | None = Field(None, ge=0, le=MAX_ID)
    method: str | None = None


@api.get(
    "/plans/{int:plan_id}/progress",
    response={200: ProgressOut, 404: ErrorOut, 422: ErrorOut},
    tags=TAGS,
    summary="Tiến độ chung của kế hoạch, theo lĩnh vực và theo cơ quan, kèm cách tính",
    auth=api_auth("progress.view"),
)
def get_progress(request: HttpRequest, plan_id: int, filters: Query[ProgressFilter]) -> ProgressOut:
    """Without `period`, every report sent so far counts. An officer or head gets the
    plan and its areas, and among agencies only their own."""
    plan = policy.get_plan_for_user(request, plan_id)
    if filters.method is not None and filters.method not in METHOD_LABELS:
        raise HttpError(
            422,
            _("Cách tính phải là một trong: %(methods)s.") % {"methods": ", ".join(METHOD_LABELS)},
        )
    period = _plan_period(plan, filters.period)
    today = calendar.today()
    progress = plan_progress(plan, period=period, today=today, method=filters.method)
    if policy.sees_every_agency(request.user):
        agencies = Agency.objects.filter(assignments_set__activity__plan=plan).distinct()
    else:
        agencies = policy.visible_agencies(request.user)
    return ProgressOut(
        plan_id=plan.pk,
        period=_period_out(period) if period else None,
        today=today,
        method=progress.method,
        method_label=progress.method_label,
        plan=_figure_out(progress.plan),
        areas=[
            AreaProgressOut(
                id=area.pk,
                code=area.code,
                title=area.title,
                figure=_figure_out(progress.areas.get(area.pk, Figure())),
            )
            for area in plan.areas.order_by("position")
        ],
        agencies=[
            AgencyProgressOut(id=pk, name=name, figure=_figure_out(progress.agencies[pk]))
            for pk, name in agencies.order_by("sort_name").values_list("pk", "name")
            if pk in progress.agencies
        ],
    )
