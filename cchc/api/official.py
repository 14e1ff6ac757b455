"""Official CCHC reports in the API: list, get (with every version), generate a file as a
job, download the newest generated file. The same policy as the pages (`official.*`):
an agency's people see their agency's reports, the province-wide roles every report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.api.auth import api_auth
from cchc.api.openapi import MAX_ID
from cchc.api.schemas import ErrorOut, JobOut
from cchc.api.views import _job_out, api
from cchc.jobs.access import job_visible_to
from cchc.jobs.models import Job
from cchc.jobs.services import job_start, jobs_root
from cchc.lib import calendar, storage
from cchc.official.content import report_content
from cchc.official.exporters import FORMATS
from cchc.official.models import OfficialReport

TAGS = ["official-reports"]


class OfficialReportOut(Schema):
    id: int
    agency_id: int | None
    agency: str
    period_id: int
    period: str
    year: int
    state: str
    state_label: str
    version: int
    template_kind: str
    template_version: int
    cut_off: date
    due_on: date
    updated_at: datetime


class VersionOut(Schema):
    version: int
    state: str
    at: datetime


class OfficialReportDetailOut(OfficialReportOut):
    versions: list[VersionOut]
    content: dict[str, Any]


class GenerateIn(Schema):
    format: str = Field("docx", description="docx, xlsx (phụ lục) hoặc pdf", max_length=10)
    version: int | None = Field(None, ge=1, le=MAX_ID)


class DownloadQuery(Schema):
    format: str = Field("docx", max_length=10)
    version: int | None = Field(None, ge=1, le=MAX_ID)


def _out(report: OfficialReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "agency_id": report.agency_id,
        "agency": report.agency.name if report.agency else _("Toàn tỉnh"),
        "period_id": report.period_id,
        "period": report.period.name,
        "year": report.period.plan.year,
        "state": report.state,
        "state_label": report.get_state_display(),
        "version": report.version,
        "template_kind": report.template.kind,
        "template_version": report.template.version,
        "cut_off": report.period.ends_on,
        "due_on": report.period.due_on,
        "updated_at": report.updated_at,
    }


def _reports() -> Any:
    return OfficialReport.objects.select_related("period__plan", "agency", "template")


def _visible(request: HttpRequest, official_id: int) -> OfficialReport:
    report = _reports().filter(pk=official_id).first()
    if report is None or not policy.can(request.user, "official.view", report, when=False):
        raise HttpError(404, _("Không có báo cáo này."))
    return report


@api.get(
    "/official-reports",
    response=list[OfficialReportOut],
    tags=TAGS,
    summary="Các báo cáo CCHC định kỳ (quý, 6 tháng, 9 tháng, năm) người dùng được xem",
    auth=api_auth("official.view"),
)
def list_official_reports(request: HttpRequest) -> list[dict[str, Any]]:
    reports = tenancy.scope(_reports(), request.user, "period__plan__province").order_by(
        "-period__plan__year", "period__position", "agency__sort_name", "pk"
    )
    if not policy.sees_every_agency(request.user):
        reports = reports.filter(agency_id=getattr(request.user, "agency_id", None))
    return [_out(r) for r in reports[:1000]]


@api.get(
    "/official-reports/{int:official_id}",
    response={200: OfficialReportDetailOut, 404: ErrorOut},
    tags=TAGS,
    summary="Một báo cáo định kỳ: nội dung (số liệu, lời văn) và các phiên bản đã giữ",
    auth=api_auth("official.view"),
)
def get_official_report(
    request: HttpRequest, official_id: int, version: int | None = Query(None, ge=1, le=MAX_ID)
) -> dict[str, Any]:
    report = _visible(request, official_id)
    try:
        content = report_content(report, version=version)
    except KeyError:
        raise HttpError(404, _("Báo cáo không có phiên bản này.")) from None
    out = _out(report)
    out["versions"] = [
        {"version": v, "state": s, "at": at}
        for v, s, at in report.snapshots.order_by("version").values_list("version", "state", "at")
    ]
    out["content"] = content
    return out


@api.post(
    "/official-reports/{int:official_id}/generate",
    response={202: JobOut, 404: ErrorOut, 422: ErrorOut},
    tags=TAGS,
    summary="Tạo tệp DOCX, XLSX (phụ lục) hoặc PDF của báo cáo bằng một công việc nền",
    auth=api_auth("official.generate"),
)
def generate_official_report(
    request: HttpRequest, response: HttpResponse, official_id: int, data: GenerateIn
) -> Status:
    report = _visible(request, official_id)
    if data.format not in FORMATS:
        raise HttpError(422, _("Định dạng phải là docx, xlsx hoặc pdf."))
    if data.version is not None and not report.snapshots.filter(version=data.version).exists():
        raise HttpError(404, _("Báo cáo không có phiên bản này."))
    assert isinstance(request.user, User)
    from cchc.official.views import job_params

    job = job_start(
        kind=FORMATS[data.format],
        params=job_params(report, data.version, calendar.today()),
        asked_by=request.user,
    )
    response["Location"] = reverse("api:get_job", kwargs={"job_id": job.pk})
    return Status(202, _job_out(job))


@api.get(
    "/official-reports/{int:official_id}/download",
    response={200: None, 404: ErrorOut, 422: ErrorOut},
    tags=TAGS,
    summary="Tải tệp mới nhất đã tạo của báo cáo (tạo trước bằng …/generate)",
    auth=api_auth("official.view"),
)
def download_official_report(
    request: HttpRequest, official_id: int, query: Query[DownloadQuery]
) -> HttpResponseBase:
    report = _visible(request, official_id)
    if query.format not in FORMATS:
        raise HttpError(422, _("Định dạng phải là docx, xlsx hoặc pdf."))
    jobs = Job.objects.filter(
        kind=FORMATS[query.format],
        status=Job.Status.DONE,
        params__report=report.pk,
        expires_at__gt=timezone.now(),
    ).order_by("-finished_at")
    for job in jobs[:50]:
        if job.params.get("version") != query.version or not job.result_sha256:
            continue
        if not job_visible_to(request.user, job):
            continue
        return storage.blob_response(
            job.result_sha256,
            filename=job.result_name,
            content_type=job.result_type,
            size=job.result_size,
            root=jobs_root(),
        )
    raise HttpError(404, _("Chưa có tệp nào của báo cáo này; hãy tạo tệp trước (…/generate)."))
