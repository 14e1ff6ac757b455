"""The server-rendered pages. Each view declares its action; the queries live in `queries`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.accounts.policy import can, landing_page, requires
from cchc.agencies.models import Agency
from cchc.agencies.services import AgencyChangeError, agency_close, agency_merge
from cchc.jobs import registry
from cchc.jobs.services import job_start
from cchc.lib import calendar
from cchc.plans.cascade import planning_kinds
from cchc.plans.interchange import PlanImportError
from cchc.plans.models import Activity, Assignee, Plan
from cchc.plans.readmodel import plan_viewed, plans_with_counts
from cchc.plans.services import (
    ScheduleNotDated,
    activity_set_schedule,
    plan_tree,
)
from cchc.register import queries
from cchc.register.forms import (
    AgencyMergeForm,
    FixDateForm,
    PlanChoiceForm,
    PlanFilterForm,
    PlanImportForm,
)
from cchc.register.queries import PlanFilters


def _is_htmx_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment; a history restore wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@require_GET
@requires("plan.view")
def home(request: HttpRequest) -> HttpResponse:
    """The user's own landing page for the plan being looked at (chosen with ?plan= or
    remembered, else the newest); the list of plans while there is none."""
    choice = plan_viewed(request.user, request.GET)
    if choice.problem:
        messages.warning(request, choice.problem)
    plan = choice.plan
    if plan is None:
        return redirect("plan_list")
    landing = landing_page(request.user)
    if landing is None:
        return redirect("plan_detail", plan_id=plan.pk)
    return redirect(landing)


@require_GET
@requires("plan.view")
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "register/plan_list.html", {"plans": plans_with_counts(request.user)})


@require_GET
@requires("plan.view")
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = policy.get_plan_for_user(
        request, plan_id, queryset=Plan.objects.select_related("issuer_agency")
    )
    agencies = list(
        policy.agencies_of_province(request.user)
        .order_by("sort_name")
        .only("pk", "name", "kind", "sort_name")
    )
    areas = queries.plan_areas(plan)
    form = PlanFilterForm(request.GET, areas=areas, agencies=agencies, year=plan.year)
    filters = form.filters()
    # The whole plan is some 19,000 px: it opens as one line per area, each area's tasks
    # read when it is opened (`plan_area`). What a filter found is shown open, as is
    # everything when asked for (?open=all) and a plan of one area.
    with_tasks = [area for area in areas if area.task_count]  # type: ignore[attr-defined]
    areas_open = filters.active or request.GET.get("open") == "all" or len(with_tasks) <= 1
    if areas_open:
        # Filtered to one area, only that area's tasks are read; the totals ("of N") are
        # the whole plan's, from the areas' counts.
        shown = [area for area in areas if area.pk == filters.area] if filters.area else areas
        page = queries.plan_page(plan, filters, tree=plan_tree(plan, areas=shown), counted=areas)
    else:
        page = queries.plan_summary(plan, areas)
    context = {
        "plan": plan,
        "form": form,
        "filters": filters,
        "page": page,
        "membership": page.membership,
        "areas_open": areas_open,
    }
    if _is_htmx_partial(request):
        response = render(request, "register/_plan_results.html", context)
    else:
        context |= _agency_plan_links(request, plan)
        context["indicators"] = list(plan.indicators.select_related("area").order_by("position"))
        context["responsibilities"] = list(plan.responsibilities.order_by("position"))
        response = render(request, "register/plan_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@requires("plan.view")
def plan_area(request: HttpRequest, plan_id: int, area_id: int) -> HttpResponse:
    """One area's tasks and activities, as the plan page shows them open: what htmx
    fetches when a folded area is opened. Asked for as a page, it is the plan page
    filtered to the area."""
    plan = policy.get_plan_for_user(request, plan_id)
    area = get_object_or_404(plan.areas.all(), pk=area_id)
    if not _is_htmx_partial(request):
        return redirect(f"{reverse('plan_detail', args=[plan.pk])}?area={area.pk}")
    page = queries.plan_page(plan, PlanFilters(), tree=plan_tree(plan, areas=[area]))
    context = {
        "plan": plan,
        "area_view": page.areas[0] if page.areas else queries.AreaView(area=area, tasks=[]),
        "membership": page.membership,
    }
    response = render(request, "register/_plan_area.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _agency_plan_links(request: HttpRequest, plan: Plan) -> dict[str, object]:
    """What the plan page offers about agencies' own plans (docs/agency-plans.md): the
    table of who issued theirs, and a button to the user's agency's own plan from this
    one. The button derives it, which is idempotent and leads to the plan once made, so
    the page asks the database nothing more (its query count is pinned)."""
    user = request.user
    agency_id = getattr(user, "agency_id", None)
    return {
        "may_see_agency_plans": can(user, "plan.agency_plans", plan),
        "may_derive_own": bool(
            agency_id
            and can(user, "plan.derive")
            and agency_id != plan.issuer_agency_id
            and plan.status != Plan.Status.CLOSED
            and planning_kinds(plan)
        ),
    }


@require_GET
@requires("plan.view")
def needs_date_latest(request: HttpRequest) -> HttpResponse:
    plan = plan_viewed(request.user, request.GET).plan
    if plan is None:
        messages.info(request, _("Chưa có kế hoạch nào."))
        return redirect("plan_list")
    return redirect("needs_date", plan_id=plan.pk)


@require_GET
@requires("plan.view")
def needs_date(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = policy.get_plan_for_user(request, plan_id)
    activities = list(
        plan.activities.filter(needs_date=True)
        .select_related("task", "task__area")
        .prefetch_related("assignees")
        .order_by("task__area__position", "task__position", "position")
    )
    for activity in activities:
        activity.leads = [  # type: ignore[attr-defined]
            a.written_name for a in activity.assignees.all() if a.role == Assignee.Role.LEAD
        ]
    return render(
        request,
        "register/needs_date.html",
        {
            "plan": plan,
            "activities": activities,
            "can_fix": can(request.user, "plan.fix_dates"),
            "form": FixDateForm(),
        },
    )


@require_POST
@requires("plan.fix_dates")
def fix_date(request: HttpRequest, plan_id: int, activity_id: int) -> HttpResponse:
    policy.get_plan_for_user(request, plan_id)  # another province's plan: 404
    activity = get_object_or_404(
        Activity.objects.select_related("plan", "task"), pk=activity_id, plan_id=plan_id
    )
    form = FixDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy nhập thời hạn mới."))
        return redirect("needs_date", plan_id=plan_id)
    try:
        schedule = activity_set_schedule(
            activity=activity, phrase=form.cleaned_data["text"], actor=request.user, source="web"
        )
    except ScheduleNotDated as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Đã xác định hạn cho hoạt động «%(activity)s»: %(dates)s.")
            % {
                "activity": activity.title[:80],
                "dates": ", ".join(d.strftime("%d/%m/%Y") for d in schedule.due_dates),
            },
        )
    return redirect("needs_date", plan_id=plan_id)


@require_GET
@requires("agency.view")
def agency_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    by_kind, groups = queries.agency_directory(query, request.user)
    labels = dict(Agency.Kind.choices)
    context = {
        "query": query,
        "by_kind": [(kind, labels.get(kind, kind), items) for kind, items in by_kind],
        "groups": groups,
        "count": sum(len(items) for _kind, items in by_kind),
    }
    template = (
        "register/_agency_results.html"
        if _is_htmx_partial(request)
        else "register/agency_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@requires("agency.view")
def agency_detail(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = policy.get_for_user(
        request,
        Agency.objects.select_related("parent", "merged_into"),
        agency_id,
        view="agency.view",
    )
    # The plan being looked at; an unknown plan in the query string falls back to it.
    # Here ?plan= browses the agency's work in another plan without changing the
    # user's choice: the register is read, the worklist and dashboards are worked in.
    choice = plan_viewed(request.user, request.GET, remember=False)
    if choice.problem:
        messages.warning(request, choice.problem)
    plans, plan = choice.plans, choice.plan
    assignments = queries.agency_assignments(agency, plan) if plan is not None else {}
    return render(
        request,
        "register/agency_detail.html",
        {
            "agency": agency,
            "children": list(agency.children.order_by("sort_name")),
            "groups": queries.agency_groups(agency),
            "former_names": list(agency.names.order_by("valid_from")),
            "merged_from": list(agency.merged_from.order_by("sort_name")),
            "plan": plan,
            "plans": plans,
            "form": PlanChoiceForm({"plan": plan.pk} if plan else None, plans=plans),
            "can_merge": can(request.user, "agency.merge") and agency.closed_on is None,
            "lead": assignments.get(Assignee.Role.LEAD, []),
            "cooperating": assignments.get(Assignee.Role.COOPERATING, []),
        },
    )


@require_http_methods(["GET", "POST"])
@requires("agency.merge")
def agency_merge_view(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Merge an agency into its successor, or close it, in two steps: the first POST
    shows what will move (nothing changes), the second, with `confirm`, does it."""
    agency = policy.get_for_user(
        request, Agency.objects.select_related("merged_into"), agency_id, view="agency.view"
    )
    if request.method == "GET":
        form = AgencyMergeForm(None, agency=agency, initial={"on": calendar.today()})
        return render(request, "register/agency_merge.html", {"agency": agency, "form": form})
    form = AgencyMergeForm(request.POST, agency=agency)
    if not form.is_valid():
        return render(
            request, "register/agency_merge.html", {"agency": agency, "form": form}, status=400
        )
    into, on = form.cleaned_data["into"], form.cleaned_data["on"]
    if request.POST.get("confirm") != "1":
        preview = queries.merge_preview(agency, into=into, on=on)
        return render(
            request,
            "register/agency_merge.html",
            {"agency": agency, "form": form, "preview": preview},
        )
    try:
        if into is not None:
            agency_merge(sources=[agency], into=into, on=on)
        else:
            agency_close(agency=agency, on=on)
    except AgencyChangeError as error:
        form.add_error(None, str(error))
        return render(
            request, "register/agency_merge.html", {"agency": agency, "form": form}, status=400
        )
    if into is not None:
        messages.success(
            request,
            _("Đã sáp nhập %(agency)s vào %(into)s; các phân công đang mở đã chuyển sang.")
            % {"agency": agency.name, "into": into.name},
        )
    else:
        messages.success(
            request,
            _("Đã giải thể %(agency)s; các phân công đang mở đã kết thúc.")
            % {"agency": agency.name},
        )
    return redirect("agency_detail", agency_id=agency.pk)


@require_GET
@requires("plan.view")
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    return render(
        request,
        "register/search.html",
        {"results": queries.search(query, request.user), "query": query},
    )


@require_http_methods(["GET", "POST"])
@requires("plan.import")
def plan_import_view(request: HttpRequest) -> HttpResponse:
    """Checks what the file is at once, then hands it to a background job and shows that
    job's page: a 10,000-activity appendix does not hold the request."""
    from cchc.plans.formats import detect_format

    issues = []
    form = PlanImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        assert isinstance(request.user, User)
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            detect_format(upload.name, data)
        except PlanImportError as error:
            # The issues table says it all; a message on top would only repeat it.
            issues = error.issues
        else:
            job = job_start(
                kind="plan_import",
                params={"year": form.cleaned_data["year"], "replace": form.cleaned_data["replace"]},
                asked_by=request.user,
                upload=data,
                input_name=upload.name,
            )
            return redirect("job_detail", job_id=job.pk)
    return render(
        request,
        "register/plan_import.html",
        {"form": form, "issues": issues, "max_bytes": settings.CCHC_MAX_IMPORT_BYTES},
    )


@require_GET
@requires("plan.export")
def plan_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    """The full appendix is written by a background job; this answers with its page."""
    if f"plan_{fmt}" not in registry.KINDS:
        raise Http404
    plan = policy.get_plan_for_user(request, plan_id)
    assert isinstance(request.user, User)
    job = job_start(kind=f"plan_{fmt}", params={"plan": plan.pk}, asked_by=request.user)
    return redirect("job_detail", job_id=job.pk)
