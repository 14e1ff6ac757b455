"""Pages of task-completion ratings, inspection plans and the PAR INDEX downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cchc.accounts import tenancy
from cchc.accounts.models import User
from cchc.accounts.policy import can, get_for_user, requires
from cchc.agencies.models import AgencyGroup
from cchc.jobs.services import job_start
from cchc.lib import calendar
from cchc.par.inspection import InspectionError, finding_record, plan_draw
from cchc.par.models import (
    Campaign,
    InspectionFinding,
    InspectionPlan,
    InspectionSelection,
    RatingScheme,
    Scorecard,
    TaskRating,
)
from cchc.par.rating_forms import DrawForm, FindingForm, SchemeForm, YearGroupForm
from cchc.par.ratings import (
    RatingError,
    formula_text,
    ratings_compute,
    scheme_for,
    scheme_update,
)


def _bands_text(scheme: RatingScheme) -> str:
    lines = []
    for band in scheme.bands.order_by("position"):
        upper = "" if band.upper is None else f"{band.upper.normalize():f}"
        lines.append(f"{band.label}; {band.lower.normalize():f}; {upper}")
    return "\n".join(lines)


def _chosen(request: HttpRequest) -> tuple[YearGroupForm, int | None, AgencyGroup | None]:
    data: Any = request.GET if "year" in request.GET or "group" in request.GET else None
    if data is None:
        latest = (
            tenancy.scope(Campaign.objects.select_related("group"), request.user, "group__province")
            .order_by("-year", "group__name")
            .first()
        )
        data = (
            {"year": str(latest.year), "group": str(latest.group_id)}
            if latest
            else {"year": str(calendar.today().year)}
        )
    form = YearGroupForm(data, user=request.user)
    if form.is_valid():
        return form, form.cleaned_data["year"], form.cleaned_data["group"]
    return form, None, None


@require_http_methods(["GET", "POST"])
@requires("par.rating.view")
def ratings_page(request: HttpRequest) -> HttpResponse:
    form, year, group = _chosen(request)
    scheme = None
    scheme_form = None
    can_manage = can(request.user, "par.rating.manage")
    if year is not None and group is not None:
        scheme = scheme_for(year, group, create=False)
        if request.method == "POST":
            if not can_manage:
                from django.core.exceptions import PermissionDenied

                raise PermissionDenied
            scheme = scheme_for(year, group)
            assert scheme is not None
            if request.POST.get("action") == "scheme":
                scheme_form = SchemeForm(request.POST)
                if scheme_form.is_valid():
                    try:
                        scheme_update(
                            scheme,
                            weight_on_time=scheme_form.cleaned_data["weight_on_time"],
                            weight_index=scheme_form.cleaned_data["weight_index"],
                            bands=scheme_form.cleaned_data["bands"],
                            source_note=scheme_form.cleaned_data["source_note"],
                        )
                    except RatingError as error:
                        scheme_form.add_error(None, str(error))
                    else:
                        messages.success(request, _("Đã lưu cách xếp mức."))
                        return redirect(request.get_full_path())
            else:
                rows = ratings_compute(scheme, actor=request.user, today=calendar.today())
                messages.success(
                    request,
                    _("Đã tính mức hoàn thành nhiệm vụ của %(n)s cơ quan.") % {"n": len(rows)},
                )
                return redirect(request.get_full_path())
    elif request.method == "POST":
        messages.error(request, _("Hãy chọn năm và nhóm cơ quan hợp lệ."))
    ratings: list[TaskRating] = []
    if scheme is not None:
        ratings = list(
            scheme.ratings.select_related("agency").order_by("-score", "agency__sort_name")
        )
        if scheme_form is None:
            scheme_form = SchemeForm(
                initial={
                    "weight_on_time": scheme.weight_on_time,
                    "weight_index": scheme.weight_index,
                    "bands": _bands_text(scheme),
                    "source_note": scheme.source_note,
                }
            )
    return render(
        request,
        "par/ratings.html",
        {
            "form": form,
            "year": year,
            "group": group,
            "scheme": scheme,
            "bands": list(scheme.bands.order_by("position")) if scheme else [],
            "formula": formula_text(scheme) if scheme else "",
            "ratings": ratings,
            "scheme_form": scheme_form,
            "can_manage": can_manage,
        },
    )


@require_http_methods(["GET", "POST"])
@requires("par.inspection.view")
def inspections_page(request: HttpRequest) -> HttpResponse:
    can_manage = can(request.user, "par.inspection.manage")
    form = DrawForm(
        request.POST if request.method == "POST" else None,
        initial={"year": calendar.today().year + 1, "share": 30},
        user=request.user,
    )
    if request.method == "POST":
        if not can_manage:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            try:
                plan = plan_draw(
                    year=form.cleaned_data["year"],
                    group=form.cleaned_data["group"],
                    seed=form.cleaned_data["seed"],
                    share=form.cleaned_data["share"],
                    actor=request.user,
                )
            except InspectionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Đã bốc chọn %(n)s cơ quan để kiểm tra năm %(year)s.")
                    % {"n": plan.selections.count(), "year": plan.year},
                )
                return redirect("par_inspection_detail", inspection_id=plan.pk)
    plans = list(
        tenancy.scope(
            InspectionPlan.objects.select_related("group", "drawn_by"),
            request.user,
            "group__province",
        ).order_by("-year", "group__name")
    )
    return render(
        request,
        "par/inspections.html",
        {"plans": plans, "form": form, "can_manage": can_manage},
    )


@require_GET
@requires("par.inspection.view")
def inspection_detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    plan = get_for_user(
        request,
        InspectionPlan.objects.select_related(
            "group", "basis_campaign", "drawn_by", "remediation_plan"
        ),
        inspection_id,
        view="par.inspection.view",
    )
    selections = list(
        plan.selections.select_related("agency").prefetch_related(
            Prefetch(
                "findings",
                queryset=InspectionFinding.objects.select_related("activity").order_by("pk"),
            )
        )
    )
    from cchc.par.ratings import group_agencies

    return render(
        request,
        "par/inspection_detail.html",
        {
            "plan": plan,
            "selections": selections,
            "group_size": len(group_agencies(plan.group, plan.year)),
            "can_manage": can(request.user, "par.inspection.manage"),
            "finding_form": FindingForm(),
        },
    )


@require_POST
@requires("par.inspection.manage")
def finding_add(request: HttpRequest, selection_id: int) -> HttpResponse:
    selection = get_for_user(
        request,
        InspectionSelection.objects.select_related("plan", "agency"),
        selection_id,
        view="par.inspection.view",
        write="par.inspection.manage",
    )
    form = FindingForm(request.POST)
    if form.is_valid():
        try:
            finding_record(
                selection,
                text=form.cleaned_data["text"],
                remedy=form.cleaned_data["remedy"],
                due_on=form.cleaned_data["due_on"],
                actor=request.user,
            )
        except InspectionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Đã ghi phát hiện và giao nhiệm vụ khắc phục cho %(agency)s.")
                % {"agency": selection.agency.name},
            )
    else:
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
    return redirect(
        reverse("par_inspection_detail", args=[selection.plan_id]) + f"#s-{selection.pk}"
    )


# ---------------------------------------------------------------------------
# Ranking page and downloads


def _campaign(request: HttpRequest, campaign_id: int, action: str) -> Campaign:
    return get_for_user(
        request,
        Campaign.objects.select_related("group", "criteria_set"),
        campaign_id,
        view="par.view",
        write=action,
    )


@require_GET
@requires("par.results.export")
def ranking_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The former ranking page: its table, charts and downloads are on the results page."""
    campaign = _campaign(request, campaign_id, "par.results.export")
    return redirect("par_results", campaign.pk, permanent=True)


FORMATS = {"xlsx": "par_ranking_xlsx", "docx": "par_ranking_docx"}
SCORECARD_FORMATS = {"docx": "par_scorecard_docx", "pdf": "par_scorecard_pdf"}


@require_POST
@requires("par.results.export")
def ranking_download(request: HttpRequest, campaign_id: int, fmt: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id, "par.results.export")
    if fmt not in FORMATS:
        from django.http import Http404

        raise Http404
    assert isinstance(request.user, User)
    job = job_start(kind=FORMATS[fmt], params={"campaign": campaign.pk}, asked_by=request.user)
    return redirect("job_detail", job_id=job.pk)


@require_POST
@requires("par.scorecard.export")
def scorecard_download(request: HttpRequest, scorecard_id: int, fmt: str) -> HttpResponse:
    scorecard = get_for_user(
        request,
        Scorecard.objects.select_related("campaign"),
        scorecard_id,
        view="par.scorecard.export",
    )
    if fmt not in SCORECARD_FORMATS:
        from django.http import Http404

        raise Http404
    assert isinstance(request.user, User)
    job = job_start(
        kind=SCORECARD_FORMATS[fmt],
        params={"scorecard": scorecard.pk, "agency": scorecard.agency_id},
        asked_by=request.user,
    )
    return redirect("job_detail", job_id=job.pk)
