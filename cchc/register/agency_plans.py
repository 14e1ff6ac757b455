"""The pages of agencies' own plans (docs/agency-plans.md): derive, edit, issue, and the
coordinator's table of who has issued theirs. The work is done in `cchc.plans.cascade`."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cchc.accounts import policy
from cchc.accounts.policy import can, requires
from cchc.agencies.models import Agency
from cchc.lib.dates import validate_plausible
from cchc.monitoring.models import ProgressReport
from cchc.plans.cascade import (
    AgencyPlanError,
    AgencyPlanForbidden,
    activity_set_lead,
    agency_plan_issuance,
    own_units,
    plan_add_activity,
    plan_derive,
    plan_issue,
    plan_set_agency_plans_due,
)
from cchc.plans.models import Activity, Assignee, Plan
from cchc.plans.services import plan_tree

NEW_TASK = "new"


class DueForm(forms.Form):
    due = forms.DateField(
        label=gettext_lazy("Hạn ban hành kế hoạch của các cơ quan"),
        required=False,
        validators=[validate_plausible],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class IssueForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Số, ký hiệu"),
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Ví dụ: 45/KH-STP")}),
    )
    issued_on = forms.DateField(
        label=gettext_lazy("Ngày ban hành"),
        validators=[validate_plausible],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    signer = forms.CharField(label=gettext_lazy("Người ký"), max_length=255)


class ActivityForm(forms.Form):
    """An activity of the agency's own; choices are the plan's own tasks and units."""

    task = forms.ChoiceField(label=gettext_lazy("Nhiệm vụ"))
    area = forms.ChoiceField(label=gettext_lazy("Lĩnh vực của nhiệm vụ mới"), required=False)
    task_title = forms.CharField(
        label=gettext_lazy("Nhiệm vụ mới"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    title = forms.CharField(
        label=gettext_lazy("Hoạt động"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    outputs = forms.CharField(
        label=gettext_lazy("Kết quả/sản phẩm"), required=False, max_length=4000
    )
    deadline = forms.CharField(
        label=gettext_lazy("Thời gian hoàn thành"),
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("Ví dụ: Quý II hoặc 30/06/2022")}
        ),
    )
    lead = forms.TypedChoiceField(label=gettext_lazy("Đơn vị chủ trì"), coerce=int)
    cooperating = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Đơn vị phối hợp"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data: Any = None, *, plan: Plan, units: list[Agency]) -> None:
        super().__init__(data)
        tasks = list(plan.tasks.select_related("area").order_by("area__position", "position"))
        task_choices = [(NEW_TASK, _("— Nhiệm vụ mới —"))] + [
            (str(t.pk), f"{t.area.code}.{t.number}. {t.title[:90]}") for t in tasks
        ]
        self.fields["task"].choices = task_choices  # type: ignore[attr-defined]
        above = plan.parent.areas.order_by("position") if plan.parent else []
        area_choices = [("", _("— Chọn lĩnh vực —"))] + [
            (a.code, f"{a.code}. {a.title[:90]}") for a in above
        ]
        self.fields["area"].choices = area_choices  # type: ignore[attr-defined]
        choices = unit_choices(plan, units)
        self.fields["lead"].choices = choices  # type: ignore[attr-defined]
        self.fields["cooperating"].choices = choices[1:]  # type: ignore[attr-defined]


def unit_choices(plan: Plan, units: list[Agency]) -> list[tuple[int, str]]:
    assert plan.issuer_agency is not None
    return [(plan.issuer_agency.pk, plan.issuer_agency.name)] + [(u.pk, u.name) for u in units]


def _derived_plan(request: HttpRequest, plan_id: int) -> Plan:
    plan = policy.get_plan_for_user(
        request, plan_id, queryset=Plan.objects.select_related("parent", "issuer_agency")
    )
    if plan.parent_id is None or plan.issuer_agency_id is None:
        raise Http404
    return plan


def _leads(activity: Activity) -> list[Assignee]:
    return [a for a in activity.assignees.all() if a.role == Assignee.Role.LEAD]


@require_GET
@requires("plan.view")
def own_plan(request: HttpRequest, agency_plan_id: int) -> HttpResponse:
    """An agency's own plan: while a draft, where it is completed and issued; after,
    read-only with its downloads and the reports waiting for the agency's review."""
    return _render_own_plan(request, _derived_plan(request, agency_plan_id))


def _render_own_plan(
    request: HttpRequest,
    plan: Plan,
    *,
    form: ActivityForm | None = None,
    issue_form: IssueForm | None = None,
    status: int = 200,
) -> HttpResponse:
    units = list(own_units(plan))
    may_edit = can(request.user, "plan.edit_own", plan)
    areas = plan_tree(plan)
    for area in areas:
        for task in area.tasks.all():
            for activity in task.activities.all():
                activity.leads = _leads(activity)  # type: ignore[attr-defined]
                activity.cooperating = [  # type: ignore[attr-defined]
                    a for a in activity.assignees.all() if a.role == Assignee.Role.COOPERATING
                ]
    waiting = []
    if plan.status != Plan.Status.DRAFT and can(request.user, "report.review"):
        reports = ProgressReport.objects.filter(
            assignment__activity__plan=plan, state=ProgressReport.State.SUBMITTED
        ).select_related("assignment", "assignment__agency", "assignment__activity", "period")
        waiting = [
            r
            for r in reports.order_by("submitted_at")[:200]
            if can(request.user, "report.review", r)
        ]
    return render(
        request,
        "register/own_plan.html",
        {
            "plan": plan,
            "areas": areas,
            "units": units,
            "unit_choices": unit_choices(plan, units),
            "may_edit": may_edit,
            "may_issue": can(request.user, "plan.issue_own", plan),
            "form": form or (ActivityForm(plan=plan, units=units) if may_edit else None),
            "issue_form": issue_form or IssueForm(),
            "waiting": waiting,
            "siblings_url": reverse("agency_plans", args=[plan.parent_id])
            if can(request.user, "plan.agency_plans", plan.parent)
            else "",
        },
        status=status,
    )


def _fail(request: HttpRequest, error: AgencyPlanError) -> None:
    if isinstance(error, AgencyPlanForbidden):
        raise PermissionDenied(str(error))
    messages.error(request, str(error))


@require_POST
@requires("plan.edit_own")
def own_plan_add_activity(request: HttpRequest, agency_plan_id: int) -> HttpResponse:
    plan = _derived_plan(request, agency_plan_id)
    policy.require(request.user, "plan.edit_own", plan, when=False)
    units = list(own_units(plan))
    form = ActivityForm(request.POST, plan=plan, units=units)
    if not form.is_valid():
        messages.error(request, _("Chưa thêm được hoạt động: hãy sửa các ô được đánh dấu."))
        return _render_own_plan(request, plan, form=form, status=400)
    data = form.cleaned_data
    new_task = data["task"] == NEW_TASK
    try:
        activity = plan_add_activity(
            plan=plan,
            actor=request.user,
            title=data["title"],
            outputs=data["outputs"],
            deadline=data["deadline"],
            lead_id=data["lead"],
            cooperating_ids=data["cooperating"],
            task_id=None if new_task else int(data["task"]),
            task_title=data["task_title"] if new_task else "",
            area_code=data["area"] or "",
        )
    except AgencyPlanError as error:
        _fail(request, error)
        return _render_own_plan(request, plan, form=form, status=400)
    messages.success(request, _("Đã thêm hoạt động «%(title)s».") % {"title": activity.title[:80]})
    return redirect("own_plan", agency_plan_id=plan.pk)


@require_POST
@requires("plan.edit_own")
def own_plan_set_lead(
    request: HttpRequest, agency_plan_id: int, agency_activity_id: int
) -> HttpResponse:
    plan = _derived_plan(request, agency_plan_id)
    policy.require(request.user, "plan.edit_own", plan, when=False)
    activity = get_object_or_404(
        Activity.objects.select_related("plan"), pk=agency_activity_id, plan=plan
    )
    raw = request.POST.get("lead", "")
    try:
        lead = activity_set_lead(
            activity=activity, lead_id=int(raw) if raw.isdigit() else None, actor=request.user
        )
    except AgencyPlanError as error:
        _fail(request, error)
    else:
        messages.success(
            request,
            _("Đã giao «%(activity)s» cho %(unit)s chủ trì.")
            % {"activity": activity.title[:80], "unit": lead.name},
        )
    return redirect("own_plan", agency_plan_id=plan.pk)


@require_POST
@requires("plan.issue_own")
def own_plan_issue(request: HttpRequest, agency_plan_id: int) -> HttpResponse:
    plan = _derived_plan(request, agency_plan_id)
    policy.require(request.user, "plan.issue_own", plan, when=False)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Chưa ban hành được: hãy sửa các ô được đánh dấu."))
        return _render_own_plan(request, plan, issue_form=form, status=400)
    try:
        plan_issue(
            plan=plan,
            number=form.cleaned_data["number"],
            issued_on=form.cleaned_data["issued_on"],
            signer=form.cleaned_data["signer"],
            actor=request.user,
        )
    except AgencyPlanError as error:
        _fail(request, error)
        return _render_own_plan(request, plan, issue_form=form, status=400)
    messages.success(
        request,
        _("Đã ban hành kế hoạch số %(number)s ngày %(day)s.")
        % {
            "number": plan.number,
            "day": plan.issued_on.strftime("%d/%m/%Y") if plan.issued_on else "",
        },
    )
    return redirect("own_plan", agency_plan_id=plan.pk)


@require_POST
@requires("plan.derive")
def plan_derive_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Make (or complete) an agency's plan from this one: the user's own agency unless
    another is named (the province for any agency, a district for its communes)."""
    parent = policy.get_plan_for_user(request, plan_id)
    raw = request.POST.get("agency", "")
    own = getattr(request.user, "agency_id", None)
    agency_id = int(raw) if raw.isdigit() else own
    agency = Agency.objects.filter(pk=agency_id).first() if agency_id else None
    if agency is None:
        messages.error(request, _("Hãy chọn cơ quan lập kế hoạch."))
        return redirect("plan_detail", plan_id=parent.pk)
    try:
        derived = plan_derive(parent=parent, agency=agency, actor=request.user)
    except AgencyPlanError as error:
        _fail(request, error)
        return redirect("plan_detail", plan_id=parent.pk)
    if derived.created:
        messages.success(
            request,
            _("Đã lập dự thảo kế hoạch của %(agency)s với %(count)s hoạt động được giao.")
            % {"agency": agency.name, "count": derived.added},
        )
    elif derived.added:
        messages.success(
            request,
            _("Đã thêm %(count)s hoạt động mới được giao vào kế hoạch của %(agency)s.")
            % {"agency": agency.name, "count": derived.added},
        )
    elif derived.plan.status == Plan.Status.DRAFT:
        messages.info(
            request,
            _("Kế hoạch của %(agency)s đã có đủ các hoạt động được giao.")
            % {"agency": agency.name},
        )
    return redirect("own_plan", agency_plan_id=derived.plan.pk)


def _issuance_context(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    rows = agency_plan_issuance(plan)
    return {
        "plan": plan,
        "rows": rows,
        "issued": sum(1 for r in rows if r.issued_on is not None),
        "drafts": sum(1 for r in rows if r.plan is not None and r.issued_on is None),
        "missing": sum(1 for r in rows if r.plan is None),
        "on_time": sum(1 for r in rows if r.on_time is True),
        "late": sum(1 for r in rows if r.on_time is False),
        "may_set_due": can(request.user, "plan.agency_plans_due", plan),
        "may_derive": {r.agency.pk for r in rows if can(request.user, "plan.derive", r.agency)},
        "due_form": DueForm(initial={"due": plan.agency_plans_due}),
    }


@require_GET
@requires("plan.agency_plans")
def agency_plans(request: HttpRequest, plan_id: int) -> HttpResponse:
    """ "Kế hoạch CCHC của các cơ quan": who has issued theirs from this plan, and when."""
    plan = policy.get_plan_for_user(request, plan_id)
    policy.require(request.user, "plan.agency_plans", plan)
    return render(request, "register/agency_plans.html", _issuance_context(request, plan))


@require_POST
@requires("plan.agency_plans_due")
def agency_plans_due(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = policy.get_plan_for_user(request, plan_id)
    policy.require(request.user, "plan.agency_plans_due", plan)
    form = DueForm(request.POST)
    if not form.is_valid():
        context = _issuance_context(request, plan) | {"due_form": form}
        return render(request, "register/agency_plans.html", context, status=400)
    try:
        plan_set_agency_plans_due(plan=plan, due=form.cleaned_data["due"], actor=request.user)
    except AgencyPlanError as error:
        _fail(request, error)
        form.add_error("due", str(error))
        context = _issuance_context(request, plan) | {"due_form": form}
        return render(request, "register/agency_plans.html", context, status=400)
    messages.success(request, _("Đã lưu hạn ban hành kế hoạch của các cơ quan."))
    return redirect("agency_plans", plan_id=plan.pk)


def state_label(row: Any) -> str:
    if row.plan is None:
        return _("Chưa lập")
    if row.issued_on is None:
        return _("Dự thảo")
    return _("Đã ban hành ngày %(day)s, số %(number)s") % {
        "day": row.issued_on.strftime("%d/%m/%Y"),
        "number": row.plan.number,
    }


def timing_label(row: Any) -> str:
    if row.on_time is True:
        return _("Đúng hạn")
    if row.on_time is False:
        return _("Trễ hạn") if row.issued_on else _("Quá hạn, chưa ban hành")
    return ""


@require_GET
@requires("plan.agency_plans")
def agency_plans_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The table as a workbook; small (one row an agency), written at once."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    plan = policy.get_plan_for_user(request, plan_id)
    policy.require(request.user, "plan.agency_plans", plan)
    rows = agency_plan_issuance(plan)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kế hoạch các cơ quan"
    sheet.append(
        [
            _("Kế hoạch CCHC của các cơ quan theo kế hoạch %(plan)s")
            % {"plan": plan.number or plan.title}
        ]
    )
    sheet["A1"].font = Font(bold=True)
    due = plan.agency_plans_due
    sheet.append([_("Hạn ban hành: %(day)s") % {"day": due.strftime("%d/%m/%Y") if due else "—"}])
    header = [
        _("TT"),
        _("Cơ quan"),
        _("Số hoạt động được giao"),
        _("Tình trạng"),
        _("Số, ký hiệu"),
        _("Ngày ban hành"),
        _("Người ký"),
        _("Đúng hạn"),
    ]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for n, row in enumerate(rows, start=1):
        issued = row.plan if row.issued_on else None
        sheet.append(
            [
                n,
                row.agency.name,
                row.activities,
                state_label(row),
                issued.number if issued else "",
                row.issued_on,
                issued.signer if issued else "",
                timing_label(row),
            ]
        )
        sheet.cell(row=sheet.max_row, column=6).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFGH", (5, 40, 12, 36, 16, 14, 24, 22), strict=True):
        sheet.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="ke-hoach-cac-co-quan-{plan.pk}.xlsx"'
    return response
