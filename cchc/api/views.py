"""The REST API under /api/: what the pages show, for other systems.

Every operation declares its action with `api_auth`, and asks the same policy as the pages
(`cchc.accounts.policy`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.agencies.naming import resolution_key
from cchc.api import errors, lists
from cchc.api.auth import api_auth, session_or_token
from cchc.api.openapi import MAX_ID, CchcAPI
from cchc.api.pagination import BoundedLimitOffsetPagination
from cchc.api.schemas import (
    ActivityOut,
    AgencyOut,
    AreaOut,
    AssigneeOut,
    ErrorOut,
    GroupOut,
    ImportErrorOut,
    JobErrorOut,
    JobOut,
    NameCandidateOut,
    NameChoicesErrorOut,
    NameChoicesIn,
    NameErrorOut,
    NamesOut,
    PlanOut,
    TaskOut,
    UnknownNameOut,
)
from cchc.jobs import registry
from cchc.jobs.access import job_visible_to
from cchc.jobs.models import Job
from cchc.jobs.services import job_refresh, job_start, jobs_root
from cchc.lib import calendar, storage
from cchc.plans.formats import detect_format
from cchc.plans.interchange import PlanImportError
from cchc.plans.models import Activity, Assignee, Plan, Task
from cchc.plans.readmodel import counts_of, plans_with_counts, with_counts
from cchc.register import settle

api = CchcAPI(
    title="cchc API",
    version="1",
    description=_("API của hệ thống quản lý kế hoạch cải cách hành chính."),
    auth=session_or_token(),
    urls_namespace="api",
)
errors.install(api)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """Ninja's own answer is the English word "Unauthorized"."""
    return api.create_response(
        request, {"detail": _("Chưa xác thực: thiếu hoặc sai khóa API.")}, status=401
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """The policy's getters refuse with PermissionDenied; the API answers it in JSON."""
    message = str(exc) or _("Bạn không có quyền thực hiện thao tác này.")
    return api.create_response(request, {"detail": message}, status=403)


def _plan_out(plan: Plan) -> PlanOut:
    counts = counts_of(plan)
    return PlanOut(
        id=plan.pk,
        issuer=plan.issuer,
        number=plan.number,
        issued_on=plan.issued_on,
        year=plan.year,
        title=plan.title,
        status=plan.status,
        # Counted by `with_counts`, the same figures as the plan list page.
        areas=counts.areas,
        tasks=counts.tasks,
        activities=counts.activities,
    )


def _activity_out(activity: Activity) -> ActivityOut:
    assignees = [
        AssigneeOut(
            role=a.role,
            written_name=a.written_name,
            note=a.note,
            agency_id=a.agency_id,
            group_id=a.group_id,
        )
        for a in activity.assignees.all()
    ]
    return ActivityOut(
        id=activity.pk,
        task_id=activity.task_id,
        title=activity.title,
        outputs=activity.outputs,
        lead=[a for a in assignees if a.role == Assignee.Role.LEAD],
        cooperating=[a for a in assignees if a.role == Assignee.Role.COOPERATING],
        deadline=activity.deadline,
        deadline_kind=activity.deadline_kind,
        recurring=activity.recurring or None,
        due_dates=[d.due_on for d in activity.due_dates.all()],
        needs_date=activity.needs_date,
        notes=activity.notes,
    )


ACTIVITY_ORDER = ("task__area__position", "task__position", "position", "pk")


def _activities() -> QuerySet[Activity]:
    return Activity.objects.prefetch_related("due_dates", "assignees").order_by(*ACTIVITY_ORDER)


@api.get(
    "/plans",
    response=list[PlanOut],
    tags=["plans"],
    summary="Danh sách kế hoạch",
    auth=api_auth("plan.view"),
)
def list_plans(request: HttpRequest) -> list[PlanOut]:
    return [_plan_out(plan) for plan in plans_with_counts(request.user)]


@api.get(
    "/plans/{int:plan_id}",
    response={200: PlanOut, 404: ErrorOut},
    tags=["plans"],
    summary="Một kế hoạch",
    auth=api_auth("plan.view"),
)
def get_plan(request: HttpRequest, plan_id: int) -> PlanOut:
    return _plan_out(
        policy.get_plan_for_user(request, plan_id, queryset=with_counts(Plan.objects.all()))
    )


@api.get(
    "/plans/{int:plan_id}/areas",
    response={200: list[AreaOut], 404: ErrorOut},
    tags=["plans"],
    summary="Các lĩnh vực của kế hoạch",
    auth=api_auth("plan.view"),
)
def list_areas(request: HttpRequest, plan_id: int) -> list[AreaOut]:
    plan = policy.get_plan_for_user(request, plan_id)
    return [
        AreaOut(
            id=area.pk,
            code=area.code,
            title=area.title,
            description=area.description,
            tasks=area.n_tasks,
        )
        for area in plan.areas.annotate(n_tasks=Count("tasks")).order_by("position")
    ]


class TaskFilter(Schema):
    area: str | None = None


@api.get(
    "/plans/{int:plan_id}/tasks",
    response={200: list[TaskOut], 404: ErrorOut},
    tags=["plans"],
    summary="Nhiệm vụ và hoạt động của kế hoạch (theo trang)",
    auth=api_auth("plan.view"),
    openapi_extra=lists.OPENAPI_EXTRA,
)
def list_tasks(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: int,
    filters: Query[TaskFilter],
    page: Query[lists.PageIn],
) -> list[TaskOut]:
    plan = policy.get_plan_for_user(request, plan_id)
    tasks = (
        Task.objects.filter(plan=plan)
        .select_related("area")
        .prefetch_related(Prefetch("activities", queryset=_activities()))
        .order_by("area__position", "position", "pk")
    )
    if filters.area:
        tasks = tasks.filter(area__code=filters.area)
    return [
        TaskOut(
            id=task.pk,
            area_code=task.area.code,
            number=task.number,
            title=task.title,
            notes=task.notes,
            activities=[_activity_out(a) for a in task.activities.all()],
        )
        for task in lists.page_of(request, response, tasks, page)
    ]


class ActivityFilter(Schema):
    area: str | None = None
    # Bounded as ids are: beyond 64 bits SQLite cannot even bind the number.
    agency: int | None = Field(None, ge=0, le=MAX_ID)
    due_month: int | None = None
    needs_date: bool | None = None


@api.get(
    "/plans/{int:plan_id}/activities",
    response={200: list[ActivityOut], 404: ErrorOut},
    tags=["plans"],
    summary="Hoạt động của kế hoạch, có lọc (theo trang)",
    auth=api_auth("plan.view"),
    openapi_extra=lists.OPENAPI_EXTRA,
)
def list_activities(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: int,
    filters: Query[ActivityFilter],
    page: Query[lists.PageIn],
) -> list[ActivityOut]:
    plan = policy.get_plan_for_user(request, plan_id)
    activities = _activities().filter(plan=plan)
    if filters.area:
        activities = activities.filter(task__area__code=filters.area)
    if filters.agency is not None:
        group_ids = AgencyGroup.objects.filter(members=filters.agency).values("pk")
        assigned = Assignee.objects.filter(agency_id=filters.agency) | Assignee.objects.filter(
            group_id__in=group_ids
        )
        activities = activities.filter(pk__in=assigned.values("activity_id"))
    if filters.due_month is not None:
        if not 1 <= filters.due_month <= 12:
            raise HttpError(422, _("Tháng phải từ 1 đến 12."))
        activities = activities.filter(
            due_dates__due_on__year=plan.year, due_dates__due_on__month=filters.due_month
        ).distinct()
    if filters.needs_date is not None:
        activities = activities.filter(needs_date=filters.needs_date)
    return [
        _activity_out(a)
        for a in lists.page_of(request, response, activities.order_by(*ACTIVITY_ORDER), page)
    ]


@api.get(
    "/agencies",
    response=list[AgencyOut],
    tags=["agencies"],
    summary="Cơ quan, đơn vị",
    auth=api_auth("agency.view"),
)
@paginate(BoundedLimitOffsetPagination)
def list_agencies(request: HttpRequest, kind: str | None = None) -> QuerySet[Agency]:
    agencies = policy.agencies_of_province(request.user).order_by("sort_name")
    if kind:
        agencies = agencies.filter(kind=kind)
    return agencies


@api.get(
    "/agencies/{int:agency_id}",
    response={200: AgencyOut, 404: ErrorOut},
    tags=["agencies"],
    summary="Một cơ quan",
    auth=api_auth("agency.view"),
)
def get_agency(request: HttpRequest, agency_id: int) -> Agency:
    return policy.get_for_user(request, Agency.objects.all(), agency_id, view="agency.view")


@api.get(
    "/groups",
    response=list[GroupOut],
    tags=["agencies"],
    summary="Nhóm cơ quan",
    auth=api_auth("agency.view"),
)
def list_groups(request: HttpRequest) -> list[GroupOut]:
    return [
        GroupOut(
            id=group.pk,
            code=group.code,
            name=group.name,
            province_id=group.province_id,
            member_ids=[m.agency_id for m in group.memberships.all()],
        )
        # Today's members; the dated history is in the admin and the group pages.
        for group in tenancy.scope(AgencyGroup.objects.all(), request.user).prefetch_related(
            Prefetch("memberships", queryset=GroupMembership.objects.on(calendar.today()))
        )
    ]


def _job_issue(e: dict[str, Any]) -> JobErrorOut:
    return JobErrorOut(
        text=str(e.get("text", "")),
        sheet=str(e.get("sheet", "") or ""),
        row=e.get("row"),
        column=str(e.get("column", "") or ""),
        message=str(e.get("message", e.get("text", ""))),
        unknown_name=str(e.get("unknown_name", "") or ""),
    )


def _job_out(job: Job) -> JobOut:
    kind = registry.KINDS.get(job.kind)
    return JobOut(
        id=str(job.pk),
        kind=job.kind,
        name=str(kind.verbose_name) if kind else job.kind,
        status=job.status,
        progress_done=job.progress_done,
        progress_total=job.progress_total,
        progress_message=job.progress_message,
        summary=job.summary,
        errors=[_job_issue(e) for e in job.errors],
        warnings=[_job_issue(e) for e in job.params.get("warnings", [])],
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        url=reverse("api:get_job", kwargs={"job_id": job.pk}),
        page_url=reverse("job_detail", args=[job.pk]),
        file_url=reverse("api:get_job_file", kwargs={"job_id": job.pk}) if job.has_result else None,
        file_expires_at=job.expires_at if job.has_result else None,
        link=job.params.get("link") or None,
    )


@api.get(
    "/plans/{int:plan_id}/export",
    response={202: JobOut, 404: ErrorOut, 422: ErrorOut},
    tags=["plans"],
    summary="Xuất kế hoạch (json, xlsx, docx) bằng một công việc nền",
    auth=api_auth("plan.export"),
)
def export_plan(
    request: HttpRequest, response: HttpResponse, plan_id: int, format: str = "json"
) -> Status:
    if f"plan_{format}" not in registry.KINDS:
        raise HttpError(422, _("Định dạng phải là json, xlsx hoặc docx."))
    plan = policy.get_plan_for_user(request, plan_id)
    assert isinstance(request.user, User)
    job = job_start(kind=f"plan_{format}", params={"plan": plan.pk}, asked_by=request.user)
    response["Location"] = reverse("api:get_job", kwargs={"job_id": job.pk})
    return Status(202, _job_out(job))


@api.post(
    "/plans/import",
    response={202: JobOut, 400: ImportErrorOut, 403: ErrorOut, 413: ErrorOut},
    auth=api_auth("plan.import"),
    tags=["plans"],
    summary="Nhập kế hoạch từ tệp (xlsx, docx, json) bằng công việc nền; lỗi thì không nhập gì",
)
def import_plan(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    year: Form[int | None] = None,
    replace: Form[bool] = False,
) -> Status:
    if (file.size or 0) > settings.CCHC_MAX_IMPORT_BYTES:
        return Status(413, {"detail": _("Tệp quá lớn.")})
    data = file.read()
    try:
        detect_format(file.name or "", data)
    except PlanImportError as error:
        return Status(
            400,
            {
                "detail": _("Không nhập được: %(count)s lỗi. Dữ liệu không thay đổi.")
                % {"count": len(error.issues)},
                "issues": [issue.as_dict() for issue in error.issues],
            },
        )
    assert isinstance(request.user, User)
    job = job_start(
        kind="plan_import",
        params={"year": year, "replace": replace},
        asked_by=request.user,
        upload=data,
        input_name=file.name or "",
    )
    response["Location"] = reverse("api:get_job", kwargs={"job_id": job.pk})
    return Status(202, _job_out(job))


@api.get(
    "/jobs/{uuid:job_id}",
    response={200: JobOut, 404: ErrorOut},
    auth=api_auth("job.view"),
    tags=["jobs"],
    summary="Một công việc nền: trạng thái, tiến độ, lỗi và tệp kết quả",
)
def get_job(request: HttpRequest, job_id: UUID) -> JobOut:
    job = Job.objects.select_related("asked_by").filter(pk=job_id).first()
    if job is None or not job_visible_to(request.user, job):
        raise HttpError(404, _("Không có công việc này."))
    return _job_out(job_refresh(job))


@api.get(
    "/jobs/{uuid:job_id}/file",
    response={200: None, 404: ErrorOut},
    auth=api_auth("job.view"),
    tags=["jobs"],
    summary="Tệp kết quả của một công việc nền đã xong",
)
def get_job_file(request: HttpRequest, job_id: UUID) -> HttpResponseBase:
    job = Job.objects.select_related("asked_by").filter(pk=job_id).first()
    if job is None or not job_visible_to(request.user, job):
        raise HttpError(404, _("Không có công việc này."))
    job = job_refresh(job)
    if job.status != Job.Status.DONE or not job.result_sha256:
        raise HttpError(404, _("Công việc chưa có tệp kết quả, hoặc tệp đã hết hạn."))
    return storage.blob_response(
        job.result_sha256,
        filename=job.result_name,
        content_type=job.result_type,
        size=job.result_size,
        root=jobs_root(),
    )


def _settle_job(request: HttpRequest, job_id: UUID) -> Job:
    try:
        return settle.job_to_settle(request.user, job_id)
    except Http404:
        raise HttpError(
            404, _("Không có lần nhập kế hoạch bị lỗi nào của bạn với mã này.")
        ) from None


@api.get(
    "/jobs/{uuid:job_id}/names",
    response={200: NamesOut, 404: ErrorOut},
    auth=api_auth("agency.alias"),
    tags=["jobs"],
    summary="Các tên cơ quan chưa biết của một lần nhập kế hoạch bị lỗi, với gợi ý gần nhất",
)
def import_names(request: HttpRequest, job_id: UUID) -> NamesOut:
    job = _settle_job(request, job_id)
    rows = [] if job.params.get("rerun") else settle.rows_to_settle(job)
    return NamesOut(
        names=[
            UnknownNameOut(
                name=row.unknown.name,
                uses=row.unknown.uses,
                problem=row.problem,
                kind_guess=row.kind,
                candidates=[
                    NameCandidateOut(
                        value=value,
                        name=target.name,
                        kind="agency" if isinstance(target, Agency) else "group",
                    )
                    for value, target in row.candidates
                ],
            )
            for row in rows
        ],
        kinds={value: str(label) for value, label in Agency.Kind.choices},
        input_available=settle.input_of(job) is not None,
    )


@api.post(
    "/jobs/{uuid:job_id}/names",
    response={202: JobOut, 400: NameChoicesErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=api_auth("agency.alias"),
    tags=["jobs"],
    summary="Chọn cơ quan cho từng tên chưa biết, ghi nhớ và nhập lại tệp; thiếu tên nào "
    "thì không ghi gì",
)
def settle_import_names(
    request: HttpRequest, response: HttpResponse, job_id: UUID, payload: NameChoicesIn
) -> Status:
    job = _settle_job(request, job_id)
    assert isinstance(request.user, User)
    if job.params.get("rerun"):
        rerun = Job.objects.get(pk=job.params["rerun"])
    else:
        source = settle.input_of(job)
        if source is None:
            return Status(
                409,
                {"detail": _("Tệp của lần nhập này không còn lưu; hãy tải tệp lên lại.")},
            )
        rows = settle.rows_to_settle(job)
        by_key = {resolution_key(choice.name): choice for choice in payload.choices}
        posted: dict[str, str] = {}
        for row in rows:
            choice = by_key.get(resolution_key(row.unknown.name))
            if choice is not None:
                posted[row.field] = choice.choice
                if choice.kind:
                    posted[row.kind_field] = choice.kind
        settlements = settle.read_choices(posted.get, rows)
        problems = [row for row in rows if row.error]
        if settlements is None:
            return Status(
                400,
                {
                    "detail": _("Chưa chọn được cho mọi tên; không ghi gì."),
                    "names": [
                        NameErrorOut(name=row.unknown.name, message=row.error) for row in problems
                    ],
                },
            )
        rerun = settle.settle_and_rerun(
            request.user, job_id, settlements, source=source, channel="api"
        )
    response["Location"] = reverse("api:get_job", kwargs={"job_id": rerun.pk})
    return Status(202, _job_out(rerun))


# The other routers register on `api` when imported.
from cchc.api import (  # noqa: E402,F401
    agency_plans,
    citizens,
    monitoring,
    official,
    par,
    par_ratings,
    par_scoring,
)
