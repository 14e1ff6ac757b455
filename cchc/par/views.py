"""The PAR INDEX pages: criteria sets (list, tree, import, export, copy, node edits) and
opening a campaign. Each view declares its action; objects come through the policy's
getters, so another group's set is a 404 to an agency's staff."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cchc.accounts.policy import can, get_for_user, requires
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.par.document import Problem, fmt_points
from cchc.par.forms import CampaignForm, CriterionForm, SetCopyForm, SetFilterForm, SetImportForm
from cchc.par.index import band_problems
from cchc.par.models import Campaign, ClassificationBand, CriteriaSet, Criterion
from cchc.par.services import (
    ParError,
    SetImportError,
    bands_for,
    campaign_create,
    criterion_delete,
    criterion_update,
    set_copy,
    set_import,
    set_problems,
    set_to_document,
    window_state,
)
from cchc.par.xlsx import read_set_xlsx, write_set_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get_set(request: HttpRequest, set_id: int, *, write: str | None = None) -> CriteriaSet:
    return get_for_user(
        request, CriteriaSet.objects.select_related("group"), set_id, view="par.view", write=write
    )


@require_GET
@requires("par.view")
def set_list(request: HttpRequest) -> HttpResponse:
    sets = (
        CriteriaSet.objects.select_related("group")
        .annotate(
            n_nodes=Count("criteria", distinct=True),
            n_campaigns=Count("campaigns", distinct=True),
        )
        .order_by("-year", "group__name")
    )
    visible = [s for s in sets if can(request.user, "par.view", s, when=False)]
    groups = AgencyGroup.objects.filter(pk__in={s.group_id for s in visible}).order_by("name")
    form = SetFilterForm(request.GET or None, groups=groups)
    if form.is_valid():
        if form.cleaned_data.get("year"):
            visible = [s for s in visible if s.year == form.cleaned_data["year"]]
        if form.cleaned_data.get("group"):
            visible = [s for s in visible if s.group_id == form.cleaned_data["group"].pk]
    maxima: dict[int, Decimal] = defaultdict(Decimal)
    unknown: dict[int, int] = defaultdict(int)
    for row in Criterion.objects.filter(criteria_set__in=[s.pk for s in visible]).values(
        "criteria_set_id", "level", "max_points", "points_known"
    ):
        if row["level"] == 1:
            maxima[row["criteria_set_id"]] += row["max_points"]
        if not row["points_known"]:
            unknown[row["criteria_set_id"]] += 1
    for s in visible:
        s.maximum = fmt_points(maxima[s.pk])  # type: ignore[attr-defined]
        s.n_unknown = unknown[s.pk]  # type: ignore[attr-defined]
    campaigns = [
        c
        for c in Campaign.objects.select_related("group", "criteria_set").order_by("-year")
        if can(request.user, "par.view", c, when=False)
    ]
    return render(
        request,
        "par/set_list.html",
        {"sets": visible, "form": form, "campaigns": campaigns},
    )


def _tree(criteria_set: CriteriaSet, problems: list[Problem]) -> list[dict[str, Any]]:
    """The areas, each with its rows (criteria and sub-criteria in order) and problems."""
    by_code: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        by_code[problem.code].append(problem.message)
    nodes = list(criteria_set.criteria.order_by("position"))
    children: dict[int | None, list[Criterion]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    areas = []

    def walk(node: Criterion, rows: list[Criterion]) -> None:
        node.problems = by_code.get(node.code, [])  # type: ignore[attr-defined]
        node.is_leaf = not children.get(node.pk)  # type: ignore[attr-defined]
        node.points = fmt_points(node.max_points)  # type: ignore[attr-defined]
        rows.append(node)
        for child in children.get(node.pk, []):
            walk(child, rows)

    for area in children.get(None, []):
        rows: list[Criterion] = []
        walk(area, rows)
        areas.append(
            {
                "area": area,
                "rows": rows[1:],
                "n_problems": sum(len(r.problems) for r in rows),  # type: ignore[attr-defined,misc]
                "n_unknown": sum(1 for r in rows if not r.points_known),
            }
        )
    return areas


@require_GET
@requires("par.view")
def set_detail(request: HttpRequest, set_id: int) -> HttpResponse:
    criteria_set = _get_set(request, set_id)
    problems = set_problems(criteria_set)
    areas = _tree(criteria_set, problems)
    maximum = sum((a["area"].max_points for a in areas), Decimal(0))
    campaigns = list(criteria_set.campaigns.order_by("-year"))
    bands = bands_for(criteria_set.year, criteria_set.group)
    return render(
        request,
        "par/set_detail.html",
        {
            "set": criteria_set,
            "areas": areas,
            "maximum": fmt_points(maximum),
            "general_problems": [p.message for p in problems if not p.code],
            "n_problems": len(problems),
            "n_unknown": sum(a["n_unknown"] for a in areas),
            "campaigns": campaigns,
            "can_manage": can(request.user, "par.manage"),
            "can_open_campaign": can(request.user, "par.campaign.manage") and not campaigns,
            "open_all": request.GET.get("open") == "all",
            "bands": bands,
            "bands_configured": ClassificationBand.objects.filter(
                year=criteria_set.year, group=criteria_set.group
            ).exists(),
            "band_problems": band_problems(bands),
        },
    )


@require_GET
@requires("par.export")
def set_export(request: HttpRequest, set_id: int) -> HttpResponse:
    criteria_set = get_for_user(
        request, CriteriaSet.objects.select_related("group"), set_id, view="par.export"
    )
    data = write_set_xlsx(set_to_document(criteria_set))
    response = HttpResponse(data, content_type=XLSX)
    name = f"bo-tieu-chi-par-{criteria_set.year}-{criteria_set.group.code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@requires("par.manage")
def set_import_view(request: HttpRequest) -> HttpResponse:
    """Synchronous: a set is a few hundred rows at most, read and checked in well under a
    second; all or nothing, every problem listed with its sheet and row."""
    issues: list[Any] = []
    form = SetImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            document = read_set_xlsx(data)
            criteria_set = set_import(
                document,
                year=form.cleaned_data["year"],
                group=form.cleaned_data["group"],
                actor=request.user,
                replace=form.cleaned_data["replace"],
            )
        except SetImportError as error:
            issues = error.issues
        else:
            messages.success(
                request,
                _("Đã nhập «%(title)s»: %(n)s tiêu chí.")
                % {"title": criteria_set.title, "n": criteria_set.criteria.count()},
            )
            return redirect("par_set_detail", set_id=criteria_set.pk)
    return render(
        request,
        "par/set_import.html",
        {"form": form, "issues": issues, "max_bytes": settings.CCHC_MAX_IMPORT_BYTES},
    )


@require_http_methods(["GET", "POST"])
@requires("par.manage")
def set_copy_view(request: HttpRequest, set_id: int) -> HttpResponse:
    source = _get_set(request, set_id, write="par.manage")
    form = SetCopyForm(request.POST or None, initial={"year": source.year + 1})
    if request.method == "POST" and form.is_valid():
        try:
            copy = set_copy(
                source,
                year=form.cleaned_data["year"],
                title=form.cleaned_data["title"],
                actor=request.user,
            )
        except ParError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Đã sao chép sang năm %(year)s. Hãy điều chỉnh tiêu chí và điểm nếu cần.")
                % {"year": copy.year},
            )
            return redirect("par_set_detail", set_id=copy.pk)
    return render(request, "par/set_copy.html", {"set": source, "form": form})


@require_http_methods(["GET", "POST"])
@requires("par.manage")
def criterion_edit(request: HttpRequest, criterion_id: int) -> HttpResponse:
    criterion = get_for_user(
        request,
        Criterion.objects.select_related("criteria_set", "criteria_set__group"),
        criterion_id,
        view="par.view",
        write="par.manage",
    )
    criteria_set = criterion.criteria_set
    in_use = criteria_set.is_in_use or criteria_set.campaigns.exists()
    form = CriterionForm(
        request.POST or None, instance=Criterion.objects.get(pk=criterion.pk), frozen=in_use
    )
    if request.method == "POST" and form.is_valid():
        try:
            criterion_update(
                criterion,
                actor=request.user,
                **{name: form.cleaned_data[name] for name in CriterionForm.Meta.fields},
            )
        except ParError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Đã lưu tiêu chí %(code)s.") % {"code": criterion.code})
            return redirect(f"{_set_url(criteria_set)}#c-{criterion.code}")
    return render(
        request,
        "par/criterion_edit.html",
        {"criterion": criterion, "set": criteria_set, "form": form, "in_use": in_use},
    )


def _set_url(criteria_set: CriteriaSet) -> str:
    from django.urls import reverse

    return reverse("par_set_detail", args=[criteria_set.pk])


@require_POST
@requires("par.manage")
def criterion_delete_view(request: HttpRequest, criterion_id: int) -> HttpResponse:
    criterion = get_for_user(
        request,
        Criterion.objects.select_related("criteria_set"),
        criterion_id,
        view="par.view",
        write="par.manage",
    )
    try:
        criterion_delete(criterion, actor=request.user)
    except ParError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã xoá tiêu chí %(code)s.") % {"code": criterion.code})
    return redirect("par_set_detail", set_id=criterion.criteria_set_id)


@require_http_methods(["GET", "POST"])
@requires("par.campaign.manage")
def campaign_create_view(request: HttpRequest, set_id: int) -> HttpResponse:
    criteria_set = _get_set(request, set_id, write="par.campaign.manage")
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(
                criteria_set,
                windows=form.windows(),
                title=form.cleaned_data["title"],
                actor=request.user,
            )
        except ParError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Đã mở «%(title)s».") % {"title": campaign.title})
            return redirect("par_campaign_detail", campaign_id=campaign.pk)
    return render(request, "par/campaign_create.html", {"set": criteria_set, "form": form})


@require_GET
@requires("par.view")
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_for_user(
        request,
        Campaign.objects.select_related("criteria_set", "group", "created_by"),
        campaign_id,
        view="par.view",
    )
    # The agencies the campaign scores: members of the group at some time of its year.
    memberships = (
        GroupMembership.objects.filter(group=campaign.group)
        .exclude(valid_from__gt=date(campaign.year, 12, 31))
        .exclude(valid_to__lte=date(campaign.year, 1, 1))
    )
    agencies = list(
        Agency.objects.filter(pk__in=memberships.values("agency_id"))
        .order_by("sort_name")
        .only("pk", "name", "sort_name")
    )
    from cchc.par.scoring_views import campaign_summary

    return render(
        request,
        "par/campaign_detail.html",
        {
            "campaign": campaign,
            "windows": window_state(campaign),
            "agencies": agencies,
            "scoring": campaign_summary(campaign, request.user),
        },
    )
