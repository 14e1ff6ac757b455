"""The official reports' pages: the list with what is due, a report (read, write, move
it through the workflow, consolidate, ask for its files) and each kept version."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.accounts.policy import requires
from cchc.agencies.models import Agency
from cchc.jobs.services import job_start
from cchc.lib import calendar
from cchc.monitoring.models import ReportingPeriod
from cchc.official.content import latest_texts, report_content
from cchc.official.exporters import FORMATS
from cchc.official.models import OfficialReport
from cchc.official.services import (
    MOVES,
    OfficialReportError,
    ReportInput,
    official_report_consolidate,
    official_report_create,
    official_report_move,
    official_report_save,
)
from cchc.official.status import due_rows, top_plan


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _get(request: HttpRequest, official_id: int) -> OfficialReport:
    return policy.get_for_user(
        request,
        OfficialReport.objects.select_related("period__plan", "agency", "template"),
        official_id,
        view="official.view",
    )


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@require_GET
@requires("official.view")
def official_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = calendar.today()
    plan = top_plan(user)
    reports = tenancy.scope(
        OfficialReport.objects.select_related("period__plan", "agency"),
        user,
        "period__plan__province",
    ).order_by("-period__plan__year", "period__position", "agency__sort_name", "pk")
    if not policy.sees_every_agency(user):
        reports = reports.filter(agency_id=user.agency_id or 0)
    return render(
        request,
        "official/list.html",
        {
            "reports": reports[:500],
            "plan": plan,
            "due": due_rows(plan, user, today) if plan else [],
            "today": today,
            "can_province": policy.can(user, "official.create", {"agency": None}),
            "current": "official_list",
        },
    )


@require_POST
@requires("official.create")
def official_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    raw = request.POST.get("period", "")
    period = (
        ReportingPeriod.objects.select_related("plan").filter(pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 10
        else None
    )
    if period is None:
        messages.error(request, _("Hãy chọn một kỳ báo cáo có trong danh sách."))
        return redirect("official_list")
    agency: Agency | None = None
    if request.POST.get("scope") != "province":
        if user.agency_id is None:
            messages.error(request, _("Tài khoản của bạn không thuộc cơ quan nào."))
            return redirect("official_list")
        agency = user.agency
    try:
        report = official_report_create(period=period, agency=agency, actor=user)
    except OfficialReportError as failure:
        if failure.status == 403:
            raise PermissionDenied from None
        messages.error(request, str(failure))
        return redirect("official_list")
    return redirect("official_detail", report.pk)


def _history(report: OfficialReport) -> dict[str, int]:
    return dict(report.edits.values_list("slot").annotate(n=Count("pk")).values_list("slot", "n"))


@require_GET
@requires("official.view")
def official_detail(request: HttpRequest, official_id: int) -> HttpResponse:
    report = _get(request, official_id)
    user = _user(request)
    content = report_content(report)
    edits = latest_texts(report)
    moves = [
        (move, label)
        for move, label in (
            ("approve", _("Lãnh đạo duyệt")),
            ("reopen", _("Trả về bản nháp")),
            ("submit", _("Gửi báo cáo")),
            ("receive", _("Xác nhận đã nhận")),
            ("return", _("Trả lại cơ quan")),
        )
        if policy.can(user, MOVES[move][0], report)
    ]
    return render(
        request,
        "official/detail.html",
        {
            "report": report,
            "content": content,
            "editable": policy.can(user, "official.edit", report),
            "moves": moves,
            "can_consolidate": policy.can(user, "official.consolidate", report),
            "sendable": report.period.official_reports.filter(
                agency__isnull=False, state__in=["submitted", "received"]
            ).count()
            if report.is_province
            else 0,
            "snapshots": report.snapshots.select_related("actor").order_by("-version"),
            "history": _history(report),
            "last_edits": edits,
            "formats": list(FORMATS),
            "current": "official_list",
        },
    )


@require_GET
@requires("official.view")
def official_version(request: HttpRequest, official_id: int, official_version: int) -> HttpResponse:
    report = _get(request, official_id)
    try:
        content = report_content(report, version=official_version)
    except KeyError:
        raise Http404(_("Báo cáo không có phiên bản này.")) from None
    snapshot = report.snapshots.select_related("actor").get(version=official_version)
    return render(
        request,
        "official/version.html",
        {
            "report": report,
            "content": content,
            "snapshot": snapshot,
            "formats": list(FORMATS),
            "current": "official_list",
        },
    )


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@require_POST
@requires("official.edit")
def official_save(request: HttpRequest, official_id: int) -> HttpResponse:
    report = _get(request, official_id)
    texts = {
        key.removeprefix("slot-"): str(value)
        for key, value in request.POST.items()
        if key.startswith("slot-")
    }
    dated_raw = request.POST.get("dated_on", "")
    dated_on = _date(dated_raw)
    if dated_raw and dated_on is None:
        messages.error(request, _("Ngày ký không đúng dạng ngày. Chưa lưu gì."))
        return redirect("official_detail", report.pk)
    data = ReportInput(
        texts=texts,
        number=request.POST.get("number"),
        place=request.POST.get("place"),
        dated_on=dated_on,
        signer_title=request.POST.get("signer_title"),
        signer_name=request.POST.get("signer_name"),
        recipients=request.POST.get("recipients"),
    )
    try:
        official_report_save(
            report=report, actor=_user(request), data=data, expected_version=_version(request)
        )
    except OfficialReportError as failure:
        if failure.status == 403:
            raise PermissionDenied from None
        messages.error(request, str(failure))
    else:
        messages.success(request, _("Đã lưu báo cáo."))
    return redirect("official_detail", report.pk)


@require_POST
@requires("official.view")
def official_move(request: HttpRequest, official_id: int, step: str) -> HttpResponse:
    report = _get(request, official_id)
    if step not in MOVES:
        raise Http404
    if not policy.can(_user(request), MOVES[step][0], report, when=False):
        raise PermissionDenied
    try:
        official_report_move(
            report=report, actor=_user(request), move=step, expected_version=_version(request)
        )
    except OfficialReportError as failure:
        messages.error(request, str(failure))
    else:
        messages.success(
            request,
            _("Báo cáo đã chuyển sang «%(state)s».")
            % {"state": OfficialReport.objects.get(pk=report.pk).get_state_display()},
        )
    return redirect("official_detail", report.pk)


@require_POST
@requires("official.consolidate")
def official_consolidate(request: HttpRequest, official_id: int) -> HttpResponse:
    report = _get(request, official_id)
    if not policy.can(_user(request), "official.consolidate", report, when=False):
        raise PermissionDenied
    try:
        done = official_report_consolidate(
            report=report, actor=_user(request), expected_version=_version(request)
        )
    except OfficialReportError as failure:
        messages.error(request, str(failure))
    else:
        messages.success(
            request,
            _("Đã tổng hợp %(n)s báo cáo của các cơ quan; %(filled)s đoạn lời văn được điền.")
            % {"n": done.sources, "filled": done.filled},
        )
    return redirect("official_detail", report.pk)


def job_params(report: OfficialReport, version: int | None, today: date) -> dict[str, Any]:
    return {
        "report": report.pk,
        "agency": report.agency_id,
        "version": version,
        "today": today.isoformat(),
    }


@require_POST
@requires("official.generate")
def official_generate(request: HttpRequest, official_id: int, file_format: str) -> HttpResponse:
    report = _get(request, official_id)
    if file_format not in FORMATS:
        raise Http404
    version = _version(request) if request.POST.get("snapshot") else None
    if version is not None and not report.snapshots.filter(version=version).exists():
        raise Http404
    job = job_start(
        kind=FORMATS[file_format],
        params=job_params(report, version, calendar.today()),
        asked_by=_user(request),
    )
    return redirect(reverse("job_detail", args=[job.pk]))
