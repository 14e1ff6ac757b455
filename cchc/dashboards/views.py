"""The dashboards, the public progress page and their downloads. Views stay thin: the
figures come from `queries`, the files from `exports`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.accounts.policy import requires
from cchc.agencies.models import Agency
from cchc.citizens.widgets import panel_context
from cchc.dashboards import queries
from cchc.dashboards.exports import CsvExporter
from cchc.dashboards.status_table import download_name
from cchc.jobs.services import job_start
from cchc.lib import calendar
from cchc.lib.collector import collector_paused


def _today() -> date:
    """Today in the province; one place, so that tests can fix the date."""
    return calendar.today()


def _params(selection: queries.Selection) -> str:
    values = {"plan": selection.plan.pk}
    if selection.period is not None:
        values["period"] = selection.period.code  # type: ignore[assignment]
    return urlencode(values)


def _plan_name(selection: queries.Selection) -> str:
    return selection.plan.number or str(selection.plan.year)


def _download(response: HttpResponseBase) -> HttpResponse:
    # `requires` is typed for HttpResponse; a streamed download passes
    # through it all the same.
    return cast(HttpResponse, response)


def _agency_or_404(request: HttpRequest, agency_id: int, action: str) -> Agency:
    """The agency, if the user may see its internal data; a stranger learns nothing."""
    return policy.get_for_user(
        request, Agency.objects.only("pk", "name", "kind", "province"), agency_id, view=action
    )


# ---------------------------------------------------------------------------
# Province dashboard


def _province(request: HttpRequest, *, download: bool = False) -> queries.ProvinceDashboard:
    today = _today()
    selection = queries.select_plan(request, today=today, download=download)
    suffix = "?" + _params(selection)
    return queries.province_dashboard(
        selection,
        today=today,
        agency_url=lambda pk: reverse("dashboard_agency", args=[pk]) + suffix,
    )


@require_GET
@requires("dashboard.province")
def province(request: HttpRequest) -> HttpResponse:
    # The page is built, and its charts drawn, from a plan's worth of figures.
    with collector_paused():
        return _province_page(request)


def _province_page(request: HttpRequest) -> HttpResponse:
    dashboard = _province(request)
    params = _params(dashboard.selection)
    for name, chart in dashboard.charts().items():
        chart.csv_url = reverse("dashboard_province_csv", args=[name]) + "?" + params
    context: dict[str, Any] = {
        "dash": dashboard,
        "selection": dashboard.selection,
        "params": params,
        "can_export": policy.can(request.user, "status_table.export"),
        # The citizens' panel counts the plan's province (a national plan: the user's).
        **panel_context(
            None,
            _today(),
            province=dashboard.selection.plan.province_id or tenancy.province_of(request.user),
        ),
    }
    return render(request, "dashboards/province.html", context)


@require_GET
@requires("dashboard.province")
def province_csv(request: HttpRequest, chart: str) -> HttpResponse:
    dashboard = _province(request, download=True)
    found = dashboard.charts().get(chart)
    if found is None:
        raise Http404
    period = dashboard.selection.period.name if dashboard.selection.period else ""
    return _download(
        CsvExporter().response(
            found.table,
            download_name(found.title, _plan_name(dashboard.selection), period, ext="csv"),
        )
    )


# ---------------------------------------------------------------------------
# Agency dashboard


def _agency(
    request: HttpRequest, agency_id: int, *, download: bool = False
) -> queries.AgencyDashboard:
    agency = _agency_or_404(request, agency_id, "dashboard.agency")
    today = _today()
    selection = queries.select_plan(request, today=today, download=download)
    return queries.agency_dashboard(selection, agency)


@require_GET
@requires("dashboard.agency")
def agency(request: HttpRequest, agency_id: int) -> HttpResponse:
    dashboard = _agency(request, agency_id)
    params = _params(dashboard.selection)
    for name, chart in dashboard.charts().items():
        chart.csv_url = reverse("dashboard_agency_csv", args=[agency_id, name]) + "?" + params
    context = {
        "dash": dashboard,
        "selection": dashboard.selection,
        "params": params,
        "province_link": policy.can(request.user, "dashboard.province"),
        **panel_context(dashboard.agency, _today()),
    }
    return render(request, "dashboards/agency.html", context)


@require_GET
@requires("dashboard.agency")
def agency_csv(request: HttpRequest, agency_id: int, chart: str) -> HttpResponse:
    dashboard = _agency(request, agency_id, download=True)
    found = dashboard.charts().get(chart)
    if found is None:
        raise Http404
    return _download(
        CsvExporter().response(
            found.table,
            download_name(
                found.title, dashboard.agency.name, _plan_name(dashboard.selection), ext="csv"
            ),
        )
    )


# ---------------------------------------------------------------------------
# Status table


@require_GET
@requires("status_table.export")
def status_table(request: HttpRequest) -> HttpResponse:
    """The province's table for those who see every agency; an agency's own for its staff.

    Written by a background job; this answers with the job's page."""
    agency = None
    if request.GET.get("agency"):
        try:
            agency_id = int(request.GET["agency"])
        except ValueError:
            raise Http404 from None
        agency = _agency_or_404(request, agency_id, "status_table.export")
    elif not policy.sees_every_agency(request.user):
        raise PermissionDenied
    today = _today()
    selection = queries.select_plan(request, today=today, download=True)
    params = {
        "plan": selection.plan.pk,
        "period": selection.period.code if selection.period else "",
        "today": today.isoformat(),
        "agency": agency.pk if agency else None,
    }
    assert isinstance(request.user, User)
    job = job_start(kind="status_table", params=params, asked_by=request.user)
    return redirect("job_detail", job_id=job.pk)


# ---------------------------------------------------------------------------
# Public progress page: no login, no personal data


@dataclass
class PublicProvince:
    """Which province a public page is of (`?tinh=<id>`, docs/tenants.md): `id` None
    with one province (or none) in the installation; `choose` when there are several
    and neither `tinh` nor a plan says which."""

    id: int | None
    name: str
    provinces: list[Agency]
    choose: bool = False


def _public_province(request: HttpRequest) -> PublicProvince:
    provinces = tenancy.provinces()
    if len(provinces) < 2:
        return PublicProvince(None, provinces[0].name if provinces else "", [])
    by_pk = {p.pk: p for p in provinces}
    wanted = request.GET.get("tinh", "").strip()
    if wanted:
        chosen = by_pk.get(int(wanted)) if wanted.isdigit() else None
        if chosen is None:
            raise Http404(_("Không có tỉnh này."))
        return PublicProvince(chosen.pk, chosen.name, provinces)
    own = by_pk.get(tenancy.province_of(request.user) or 0)
    plan = request.GET.get("plan", "").strip()
    if plan.isdigit() and len(plan) < 12:
        # A plan's address (a link, a download) says the province by itself.
        from cchc.plans.models import Plan

        province_id = (
            Plan.objects.filter(pk=int(plan)).values_list("province_id", flat=True).first()
        )
        if province_id in by_pk:
            return PublicProvince(province_id, by_pk[province_id].name, provinces)
    if own is not None:
        # A province's staff looking at the public page see their own province's.
        return PublicProvince(own.pk, own.name, provinces)
    return PublicProvince(None, "", provinces, choose=True)


def _public_selection(request: HttpRequest, province: PublicProvince) -> queries.Selection:
    return queries.select_plan(request, today=_today(), public=True, province=province.id)


@require_GET
@requires("progress.public")
def public_progress(request: HttpRequest) -> HttpResponse:
    province = _public_province(request)
    if province.choose:
        return render(request, "dashboards/public_choose.html", {"province": province})
    page = queries.public_page(_public_selection(request, province), today=_today())
    params = {"plan": page.selection.plan.pk}
    if province.id is not None:
        params = {"tinh": province.id, **params}
    return render(
        request,
        "dashboards/public.html",
        {
            "page": page,
            "selection": page.selection,
            "params": urlencode(params),
            "today": _today(),
            "province": province,
        },
    )


def _public_job(request: HttpRequest, kind: str) -> HttpResponse:
    """The public table is written by a background job, shared by everyone who asks for
    the same plan within a few minutes; this answers with the job's page."""
    province = _public_province(request)
    if province.choose:
        raise Http404(_("Hãy chọn tỉnh trước khi tải số liệu."))
    page_selection = _public_selection(request, province)
    params = {"plan": page_selection.plan.pk, "today": _today().isoformat()}
    job = job_start(kind=kind, params=params, asked_by=None)
    return redirect("job_detail", job_id=job.pk)


@require_GET
@requires("progress.public")
def public_progress_csv(request: HttpRequest) -> HttpResponse:
    return _public_job(request, "public_csv")


@require_GET
@requires("progress.public")
def public_progress_xlsx(request: HttpRequest) -> HttpResponse:
    return _public_job(request, "public_xlsx")
