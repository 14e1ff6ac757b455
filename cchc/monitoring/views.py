"""The report pages: what an agency must report, the report itself, sending, reviewing;
and the coordinator's page of a plan's reporting periods.

Each view declares its action with `cchc.accounts.policy.requires` and reaches its objects
through the policy's getters: data of another agency is a 404, as if it did not exist.
Every change goes through `cchc.monitoring.services`, `cchc.monitoring.periods` or
`cchc.monitoring.evidence`; the views only read, and turn service errors into messages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.accounts.policy import requires
from cchc.agencies.models import Agency
from cchc.dashboards.queries import province_summary
from cchc.documents.models import Document, DocumentLink
from cchc.documents.services import documents_search
from cchc.lib import calendar
from cchc.monitoring.evidence import evidence_add, evidence_remove, evidence_response
from cchc.monitoring.figures import cached_get, cached_set, progress_cached
from cchc.monitoring.forms import (
    AgencyChoiceForm,
    DocumentFormSet,
    PeriodFormSet,
    QueueFilterForm,
    ReportForm,
    ReviewForm,
    VersionForm,
    documents_from,
    period_rows,
)
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
    ReportVersion,
)
from cchc.monitoring.periods import FIELDS as PERIOD_FIELDS
from cchc.monitoring.periods import PeriodsInvalid, periods_state, periods_update
from cchc.monitoring.progress import (
    ITEM_FIELDS,
    METHOD_LABELS,
    Figure,
    ItemState,
    Timeliness,
    agency_figure,
    items_of,
    timeliness,
)
from cchc.monitoring.readmodel import SENT_STATES
from cchc.monitoring.services import (
    DocumentInput,
    ReportAlreadySaved,
    ReportConflict,
    ReportError,
    ReportForbidden,
    period_current,
    report_get_or_create,
    report_review,
    report_save,
    report_submit,
)
from cchc.monitoring.worklist import query_part, work_tokens
from cchc.plans.models import Plan
from cchc.plans.readmodel import PlanChoice, plan_viewed

State = ProgressReport.State
Status = ProgressReport.Status
SENT = set(SENT_STATES)
FINISHED = {Timeliness.DONE_ON_TIME, Timeliness.DONE_LATE}
SHORT_LIST = 15
STATE_LABELS = dict(State.choices)
STATUS_LABELS = dict(Status.choices)
QUEUE_PAGE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _plan_viewed(request: HttpRequest) -> PlanChoice:
    """The plan being looked at (`cchc.plans.readmodel.plan_viewed`), saying why not
    the one asked for."""
    choice = plan_viewed(request.user, request.GET)
    if choice.problem:
        messages.warning(request, choice.problem)
    return choice


def _next_url(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


# ---------------------------------------------------------------------------- worklist


@dataclass
class WorkItem:
    """One row of the officer's list, from plain values: the template reads attributes
    and calls no method, so a row costs what its text costs."""

    assignment_id: int
    title: str
    deadline_kind: str
    area_code: str
    task_number: str
    task_title: str
    cooperating: bool
    item: ItemState
    next_due: date | None
    url: str
    timeliness: str
    timeliness_label: str
    report_state: str = ""  # this period's report, if any
    report_label: str = ""
    report_percent: int | None = None

    @property
    def sent(self) -> bool:
        return self.report_state in SENT


@dataclass
class Worklist:
    # Plain values of the reports sent back: assignment_id, period_id, review_comment,
    # period_name, title.
    returned: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[WorkItem] = field(default_factory=list)
    due_soon: list[WorkItem] = field(default_factory=list)
    this_period: list[WorkItem] = field(default_factory=list)
    others: list[WorkItem] = field(default_factory=list)
    sent: int = 0
    total: int = 0


def _next_due(item: ItemState, today: date) -> date | None:
    upcoming = [d for d in item.due_dates if d >= today]
    if upcoming:
        return upcoming[0]
    return item.due_dates[-1] if item.due_dates else None


def _sort_key(work: WorkItem) -> tuple[int, date]:
    return (work.next_due is None, work.next_due or date.max)


# What a row of the list shows of its assignment, beside the roll-up's own fields.
WORK_FIELDS = (
    "closed_on",
    "activity__title",
    "activity__deadline_kind",
    "activity__task__number",
    "activity__task__title",
    "activity__task__area__code",
)


def _agency_worklist(
    plan: Plan, period: ReportingPeriod | None, agency: Agency, today: date
) -> tuple[Worklist, Figure | None]:
    """The agency's items in the groups an officer acts on, and the agency's figure, from
    a fixed number of queries that read the agency's assignments and reports only.

    The figure is the agency's of `plan_progress` (every assignment of the agency that
    was not transferred, closed ones included), made from the same items (`items_of`)."""
    rows = list(
        Assignment.objects.filter(agency=agency, activity__plan=plan, transferred_to__isnull=True)
        .order_by(
            "activity__task__area__position", "activity__task__position", "activity__position"
        )
        .values(*ITEM_FIELDS, *WORK_FIELDS)
    )
    items = items_of(plan, rows, period=period, today=today)
    figure = agency_figure(items, plan.rollup_method)
    current: dict[int, tuple[str, int]] = {}
    url = "#"
    if period is not None:
        current = {
            assignment_id: (state, percent)
            for assignment_id, state, percent in ProgressReport.objects.filter(
                assignment__agency=agency, period=period
            ).values_list("assignment_id", "state", "percent")
        }
        # One reverse for the whole list: the ids are put into its pattern.
        url = reverse("report_detail", args=[0, period.pk]).replace("/0/", "/{}/", 1)
    timeliness_labels = {value: str(label) for value, label in Timeliness.choices}
    work = Worklist()
    for row, item in zip(rows, items, strict=True):
        if row["closed_on"] is not None:
            continue
        state, percent = current.get(item.assignment_id, ("", None))
        entry = WorkItem(
            assignment_id=item.assignment_id,
            title=row["activity__title"],
            deadline_kind=row["activity__deadline_kind"],
            area_code=row["activity__task__area__code"],
            task_number=row["activity__task__number"],
            task_title=row["activity__task__title"],
            cooperating=row["role"] == Assignment.Role.COOPERATING,
            item=item,
            next_due=_next_due(item, today),
            url=url.format(item.assignment_id) if period is not None else url,
            timeliness=item.timeliness.value,
            timeliness_label=timeliness_labels[item.timeliness],
            report_state=state,
            report_label=str(STATE_LABELS[state]) if state else "",
            report_percent=percent,
        )
        work.total += 1
        work.sent += entry.sent
        if state == State.RETURNED:
            # This period's report came back: it is listed once, among the returned
            # ones with the coordinator's comment, not again by its due date.
            continue
        if item.timeliness == Timeliness.OVERDUE:
            work.overdue.append(entry)
        elif item.timeliness == Timeliness.DUE_SOON:
            work.due_soon.append(entry)
        elif (
            item.timeliness in FINISHED
            or item.status == Status.NOT_DONE
            or entry.sent
            or period is None
        ):
            work.others.append(entry)
        else:
            work.this_period.append(entry)
    for group in (work.overdue, work.due_soon, work.this_period):
        group.sort(key=_sort_key)
    work.returned = [
        dict(row)
        for row in ProgressReport.objects.filter(
            assignment__agency=agency, assignment__activity__plan=plan, state=State.RETURNED
        )
        .order_by("period__position", "pk")
        .values(
            "assignment_id",
            "period_id",
            "review_comment",
            period_name=F("period__name"),
            title=F("assignment__activity__title"),
        )
    ]
    return work, figure


@dataclass
class AgencyRow:
    agency: Agency
    counts: Counter[str]


def _overview(
    period: ReportingPeriod | None, agencies: list[Agency], items: list[ItemState]
) -> list[AgencyRow]:
    """For those who see every agency: how each one stands, worst first."""
    sent: set[int] = set()
    if period is not None:
        sent = set(
            ProgressReport.objects.filter(period=period, state__in=SENT).values_list(
                "assignment_id", flat=True
            )
        )
    counts: dict[int, Counter[str]] = {}
    for item in items:
        tally = counts.setdefault(item.agency_id, Counter())
        tally["total"] += 1
        tally[item.timeliness.value] += 1
        if item.assignment_id in sent:
            tally["sent"] += 1
        elif item.timeliness not in FINISHED and item.status != Status.NOT_DONE:
            tally["to_report"] += 1
    rows = [AgencyRow(a, counts[a.pk]) for a in agencies if a.pk in counts]
    rows.sort(key=lambda r: (-r.counts["overdue"], -r.counts["due_soon"], r.agency.sort_name))
    return rows


# The groups of the officer's list, each shown a page at a time, and how many rows a
# page of one shows.
WORK_GROUPS = ("due_soon", "returned", "this_period", "overdue", "others")
WORK_PAGE = 50


@require_GET
@requires("report.worklist")
def worklist(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    choice = _plan_viewed(request)
    plan = choice.plan
    if plan is None:
        return render(request, "monitoring/worklist.html", {"plan": None})
    today = calendar.today()
    period = period_current(plan, today)
    context: dict[str, Any] = {
        "plan": plan,
        "plans": choice.plans,
        "period": period,
        "today": today,
    }
    if policy.sees_every_agency(user):
        agencies = list(
            policy.agencies_of_province(user)
            .order_by("sort_name")
            .only("pk", "name", "kind", "sort_name")
        )
        form = AgencyChoiceForm(request.GET, agencies=agencies)
        chosen = form.chosen()
        agency = next((a for a in agencies if a.pk == chosen), None)
        context["form"] = form
        if agency is None:
            # Every agency's standing: the plan's whole roll-up, computed once per change
            # and read from the cache as the dashboards read it.
            progress = progress_cached(plan, period=period, today=today)
            context["overview"] = _overview(period, agencies, progress.items)
            return render(request, "monitoring/worklist.html", context)
    else:
        agency = user.agency
        if agency is None:
            raise Http404
    # The agency's own rows only: what the officer acts on costs what the agency has,
    # not what the whole plan has; built once per change of the agency and read from the
    # cache (`_work_body`).
    body, agency_drafts, figure = _work_body(request, plan, period, agency, today)
    context.update(agency=agency, work_body=body, figure=figure)
    if policy.can(user, "report.drafts"):
        context["drafts"] = (
            agency_drafts
            if user.agency_id == agency.pk
            else _drafts(policy.reports_of_own_agency(user, ProgressReport.objects.all()), plan)
        )
    return render(request, "monitoring/worklist.html", context)


def _drafts(reports: QuerySet[ProgressReport], plan: Plan) -> int:
    """How many of these reports wait to be sent: drafts and returned ones, once saved."""
    return reports.filter(
        assignment__activity__plan=plan,
        state__in=[State.DRAFT, State.RETURNED],
        version__gt=1,
    ).count()


# The query string's parameters the list's key names; another parameter (a link with
# more in it) gets the list built without the cache, rather than one entry per variant.
WORK_QUERY = frozenset({"plan", "agency", "show", "page"})


def _work_body(
    request: HttpRequest,
    plan: Plan,
    period: ReportingPeriod | None,
    agency: Agency,
    today: date,
) -> tuple[str, int, Figure | None]:
    """The agency's groups as HTML, the number of its drafts waiting to be sent and the
    agency's figure.

    Cached under the plan's stamps and the agency's (`cchc.monitoring.worklist`), with
    everything else the HTML depends on: the period, the day (due dates), the language
    and the query string (the page of each group, repeated in the links)."""
    key = None
    if set(request.GET) <= WORK_QUERY:
        tokens = work_tokens(plan, agency.pk)
        key = (
            plan.pk,
            str(tokens),
            "worklist",
            (
                agency.pk,
                period.pk if period is not None else "-",
                today.isoformat(),
                translation.get_language(),
                query_part(request.GET.urlencode()),
            ),
        )
        found = cached_get(*key)
        if found is not None:
            # Our own HTML, escaped when it was built.
            return mark_safe(found[0]), found[1], found[2]
    work, figure = _agency_worklist(plan, period, agency, today)
    # Each group shows a page of its rows, the most urgent first; the group asked for
    # (`show`) at the page asked for, the others at their first.
    shown = request.GET.get("show", "")
    pages = {
        name: Paginator(getattr(work, name), WORK_PAGE).get_page(
            request.GET.get("page") if shown == name else 1
        )
        for name in WORK_GROUPS
    }
    this_period = list(pages["this_period"].object_list)
    # On the list's first screen this period's work shows its first rows and folds the
    # rest of the page; a page asked for shows all its rows.
    head = SHORT_LIST if shown != "this_period" else len(this_period)
    body = render_to_string(
        "monitoring/_worklist_body.html",
        {
            "plan": plan,
            "period": period,
            "work": work,
            "pages": pages,
            "shown": shown,
            "this_period_head": this_period[:head],
            "this_period_rest": this_period[head:],
            # Overdue items come after this period's work, folded, so that a long
            # backlog does not push down what is due now; open when asked for, or when
            # there is nothing else to do.
            "overdue_open": shown == "overdue"
            or not (work.due_soon or work.returned or work.this_period),
            "figure": figure,
            "method_label": METHOD_LABELS[plan.rollup_method],
        },
        request=request,
    )
    drafts = _drafts(ProgressReport.objects.filter(assignment__agency=agency), plan)
    if key is not None:
        cached_set(*key, (str(body), drafts, figure))
    return body, drafts, figure


# ---------------------------------------------------------------------------- one report


FIELD_LABELS = {
    "status": gettext_lazy("Tình trạng"),
    "percent": gettext_lazy("Tỷ lệ"),
    "reason": gettext_lazy("Lý do không thực hiện"),
    "narrative": gettext_lazy("Kết quả thực hiện"),
    "completed_on": gettext_lazy("Ngày hoàn thành"),
    "state": pgettext_lazy("report", "Trạng thái"),
    "review_comment": gettext_lazy("Ý kiến"),
    "documents": gettext_lazy("Văn bản kết quả"),
    "evidence": gettext_lazy("Tệp minh chứng"),
}


def _show(name: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if name == "status":
        return str(dict(Status.choices).get(value, value))
    if name == "state":
        return str(dict(State.choices).get(value, value))
    if name == "percent":
        return f"{value}%"
    if name == "completed_on":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    text = str(value)
    return text if len(text) <= 160 else text[:159] + "…"


def _document_label(document: dict[str, str]) -> str:
    day = date.fromisoformat(document["issued_on"]).strftime("%d/%m/%Y")
    return f"{document['number']} ({day})"


@dataclass
class Change:
    label: str
    before: str = ""
    after: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def describe_changes(changes: dict[str, list[Any]]) -> list[Change]:
    """A history entry's changes in words: "Tỷ lệ: 0% → 40%", files added and removed."""
    described = []
    for name, label in FIELD_LABELS.items():
        if name not in changes:
            continue
        before, after = changes[name]
        if name in {"documents", "evidence"}:
            show = _document_label if name == "documents" else str
            old = [show(x) for x in before or []]
            new = [show(x) for x in after or []]
            described.append(
                Change(
                    str(label),
                    added=[x for x in new if x not in old],
                    removed=[x for x in old if x not in new],
                )
            )
        else:
            described.append(Change(str(label), _show(name, before), _show(name, after)))
    return described


def _action_label(version: ReportVersion) -> str:
    # A save that only attached or removed files reads better as what it was.
    if version.action == ReportVersion.Action.SAVED and set(version.changes) == {"evidence"}:
        return _("Cập nhật minh chứng")
    return str(version.get_action_display())


def _assignment_for(request: HttpRequest, assignment_id: int, *, write: bool = False) -> Assignment:
    return cast(
        Assignment,
        policy.get_assignment_for_user(
            request,
            assignment_id,
            write=write,
            queryset=Assignment.objects.select_related(
                "agency", "activity", "activity__plan", "activity__task", "activity__task__area"
            ),
        ),
    )


def _period_for(assignment: Assignment, period_id: int) -> ReportingPeriod:
    return get_object_or_404(ReportingPeriod, pk=period_id, plan_id=assignment.activity.plan_id)


def _report_for(assignment: Assignment, period: ReportingPeriod) -> ProgressReport | None:
    report = ProgressReport.objects.filter(assignment=assignment, period=period).first()
    if report is not None:
        report.assignment = assignment
        report.period = period
    return report


def _report_url(assignment: Assignment, period: ReportingPeriod) -> str:
    return reverse("report_detail", args=[assignment.pk, period.pk])


def _initial(report: ProgressReport, previous: ProgressReport | None) -> dict[str, Any]:
    """What the form starts with: this report, or else where the last period left off."""
    source = report if report.pk or previous is None else previous
    return {
        "version": report.version,
        "status": source.status,
        "percent": source.percent,
        "reason": source.reason,
        "narrative": source.narrative,
        "completed_on": source.completed_on,
    }


def _render_report(
    request: HttpRequest,
    assignment: Assignment,
    period: ReportingPeriod,
    report: ProgressReport | None,
    *,
    form: ReportForm | None = None,
    formset: Any = None,
    review_form: ReviewForm | None = None,
    error: str = "",
    status: int = 200,
    found: list[Document] | None = None,
    find_query: str = "",
    unsaved: Unsaved | None = None,
) -> HttpResponse:
    user = _user(request)
    saved = report is not None
    if report is None:
        report = ProgressReport(assignment=assignment, period=period)
    periods = list(ReportingPeriod.objects.filter(plan_id=period.plan_id).order_by("position"))
    siblings = {r.period_id: r for r in ProgressReport.objects.filter(assignment=assignment)}
    previous = None
    if not saved:
        earlier = [
            siblings[p.pk] for p in periods if p.position < period.position and p.pk in siblings
        ]
        previous = earlier[-1] if earlier else None
    source = siblings.get(period.pk) if saved else previous
    documents = list(source.documents) if source is not None else []
    editable = policy.can(user, "report.edit", report)
    if editable and form is None:
        form = ReportForm(initial=_initial(report, previous))
    if editable and formset is None:
        formset = DocumentFormSet(
            prefix="doc",
            initial=[
                {"number": d.number, "issued_on": d.issued_on, "summary": d.summary}
                for d in documents
            ],
        )
    may_review = saved and policy.can(user, "report.review", report)
    if may_review and review_form is None:
        review_form = ReviewForm(initial={"version": report.version})
    due_dates = [d.due_on for d in assignment.activity.due_dates.all()]
    done_on = report.completed_on if report.status == Status.DONE else None
    versions = []
    if saved:
        versions = [
            (version, _action_label(version), describe_changes(version.changes))
            for version in report.versions.select_related("actor").order_by("-version")
        ]
    context = {
        "assignment": assignment,
        "activity": assignment.activity,
        "period": period,
        "periods": [(p, siblings.get(p.pk)) for p in periods],
        "report": report,
        "saved": saved,
        "previous": previous,
        "documents": documents,
        "evidence": list(report.evidence) if saved else [],
        "found": found,
        "find_query": find_query,
        "versions": versions,
        "form": form,
        "formset": formset,
        "review_form": review_form,
        "error": error,
        "unsaved": unsaved,
        "editable": editable,
        "may_submit": saved and policy.can(user, "report.submit", report),
        "may_submit_on_save": policy.can(user, "report.submit", report),
        "may_review": may_review,
        "due_dates": due_dates,
        "timeliness": timeliness(due_dates, done_on, calendar.today()),
        "next": _next_url(request, ""),
        "max_upload": settings.CCHC_MAX_UPLOAD_BYTES,
    }
    return render(request, "monitoring/report.html", context, status=status)


@require_GET
@requires("report.view")
def report_detail(request: HttpRequest, assignment_id: int, period_id: int) -> HttpResponse:
    assignment = _assignment_for(request, assignment_id)
    period = _period_for(assignment, period_id)
    return _render_report(request, assignment, period, _report_for(assignment, period))


@require_POST
@requires("report.edit")
def report_save_view(request: HttpRequest, assignment_id: int, period_id: int) -> HttpResponse:
    user = _user(request)
    assignment = _assignment_for(request, assignment_id, write=True)
    period = _period_for(assignment, period_id)
    report = _report_for(assignment, period)
    if {"add_document", "find_document", "pick_document"} & set(request.POST):
        return _documents_step(request, assignment, period, report)
    form = ReportForm(request.POST, request.FILES)
    formset = DocumentFormSet(request.POST, prefix="doc")
    if not (form.is_valid() and formset.is_valid()):
        return _render_report(
            request, assignment, period, report, form=form, formset=formset, status=400
        )
    cleaned = form.cleaned_data
    then_submit = request.POST.get("then") == "submit"
    typed = documents_from(formset)
    try:
        with transaction.atomic():
            report = report or report_get_or_create(assignment=assignment, period=period)
            report = report_save(
                report=report,
                actor=user,
                expected_version=cleaned["version"],
                status=cleaned["status"],
                percent=cleaned["percent"],
                narrative=cleaned["narrative"],
                reason=cleaned["reason"],
                completed_on=cleaned["completed_on"],
                documents=typed,
                submission=cleaned["submission"],
            )
            for upload in cleaned["attachments"]:
                evidence_add(
                    report=report,
                    actor=user,
                    name=upload.name,
                    data=upload.data,
                    declared_type=upload.declared_type,
                )
            if then_submit:
                report.refresh_from_db()
                report = report_submit(report=report, actor=user, expected_version=report.version)
    except ReportAlreadySaved:
        # The same form a second time (a double click, a resend): it was saved, and the
        # answer is the one the first request got, not "someone else updated it".
        pass
    except ReportForbidden as forbidden:
        raise PermissionDenied(str(forbidden)) from forbidden
    except ReportConflict as conflict:
        return _render_conflict(request, assignment, period, form, typed, conflict)
    except ReportError as problem:
        report = _report_for(assignment, period)
        return _render_report(
            request,
            assignment,
            period,
            report,
            form=form,
            formset=formset,
            error=str(problem),
            status=400,
        )
    if then_submit:
        messages.success(request, _("Đã lưu và gửi báo cáo đến cơ quan thường trực."))
    else:
        messages.success(request, _("Đã lưu bản nháp."))
    return redirect(_report_url(assignment, period))


@dataclass
class Unsaved:
    """What the user sent in a save refused as stale, shown beside the newer version."""

    status: str
    percent: int | None
    reason: str
    narrative: str
    completed_on: date | None
    documents: list[DocumentInput]
    files: list[str]


def _render_conflict(
    request: HttpRequest,
    assignment: Assignment,
    period: ReportingPeriod,
    form: ReportForm,
    typed: list[DocumentInput],
    conflict: ReportConflict,
) -> HttpResponse:
    """Someone else saved first: the form now holds the newer version (so that a save
    from it is no longer stale), and what the user typed is shown beside it, to copy or
    merge; nothing of theirs was saved, files included."""
    cleaned = form.cleaned_data
    unsaved = Unsaved(
        status=str(dict(Status.choices).get(cleaned["status"], cleaned["status"])),
        percent=cleaned.get("percent"),
        reason=cleaned.get("reason") or "",
        narrative=cleaned.get("narrative") or "",
        completed_on=cleaned.get("completed_on"),
        documents=typed,
        files=[upload.name for upload in cleaned.get("attachments") or []],
    )
    report = _report_for(assignment, period)
    versions = {"theirs": conflict.theirs, "yours": conflict.yours}
    if report is not None and policy.can(_user(request), "report.edit", report):
        message = _(
            "Báo cáo đã được người khác cập nhật (phiên bản %(theirs)s, bạn đang sửa phiên bản "
            "%(yours)s) nên chưa lưu được. Biểu mẫu dưới đây là bản mới nhất; nội dung bạn vừa "
            "nhập vẫn còn trong khung «Nội dung bạn vừa nhập» để chép hoặc gộp, rồi lưu lại."
        )
    else:
        # Sent (or approved) meanwhile: there is no form to merge into, but the text stays.
        message = _(
            "Báo cáo đã được người khác cập nhật (phiên bản %(theirs)s, bạn đang sửa phiên bản "
            "%(yours)s) và nay không sửa được nữa, nên chưa lưu được. Nội dung bạn vừa nhập "
            "vẫn còn trong khung «Nội dung bạn vừa nhập» để chép lại."
        )
    return _render_report(
        request, assignment, period, report, error=message % versions, status=409, unsaved=unsaved
    )


def _with_row(data: Any, document: Document) -> None:
    """Put a picked document in the documents table: in the blank last row, or a new one."""
    total = int(data.get("doc-TOTAL_FORMS") or 0)
    picked = {data.get(f"doc-{i}-document_id") for i in range(total)}
    if str(document.pk) in picked:
        return
    last = total - 1
    blank = last >= 0 and not any(
        (data.get(f"doc-{last}-{name}") or "").strip()
        for name in ("number", "issued_on", "summary", "document_id")
    )
    index = last if blank else total
    assert document.issued_on is not None  # numbered documents have a date
    data[f"doc-{index}-number"] = document.number
    data[f"doc-{index}-issued_on"] = document.issued_on.strftime("%d/%m/%Y")
    data[f"doc-{index}-summary"] = document.summary
    data[f"doc-{index}-document_id"] = str(document.pk)
    data["doc-TOTAL_FORMS"] = str(max(total, index + 1))


def _documents_step(
    request: HttpRequest,
    assignment: Assignment,
    period: ReportingPeriod,
    report: ProgressReport | None,
) -> HttpResponse:
    """A step within the documents table before saving: one more empty row, a search of
    the agency's documents, or a found document put in a row. What was typed is kept;
    htmx swaps only the documents, and without it the whole page comes back."""
    data = request.POST.copy()
    found: list[Document] | None = None
    query = (data.get("doc_find") or "").strip()[:200]
    if "pick_document" in data:
        # Only the agency's own documents can be picked; any other number is not there.
        picked = data.get("pick_document") or ""
        document = (
            Document.objects.filter(agency_id=assignment.agency_id, pk=int(picked))
            .exclude(number_key="")
            .first()
            if picked.isdigit()
            else None
        )
        if document is None:
            raise Http404
        _with_row(data, document)
    elif "find_document" in data:
        found = documents_search(agency_id=assignment.agency_id, query=query)
    else:
        data["doc-TOTAL_FORMS"] = str(int(data.get("doc-TOTAL_FORMS") or 0) + 1)
    formset = DocumentFormSet(data, prefix="doc")
    if request.headers.get("HX-Request") == "true":
        return render(
            request,
            "monitoring/_documents.html",
            {
                "formset": formset,
                "assignment_id": assignment.pk,
                "period_id": period.pk,
                "found": found,
                "find_query": query,
                "editable": True,
            },
        )
    form = ReportForm(data)
    form.is_valid()
    return _render_report(
        request,
        assignment,
        period,
        report,
        form=form,
        formset=formset,
        found=found,
        find_query=query,
    )


def _existing_report(
    request: HttpRequest, assignment_id: int, period_id: int, *, write: bool = False
) -> ProgressReport:
    assignment = _assignment_for(request, assignment_id, write=write)
    period = _period_for(assignment, period_id)
    report = _report_for(assignment, period)
    if report is None:
        raise Http404
    return report


@require_POST
@requires("report.submit")
def report_submit_view(request: HttpRequest, assignment_id: int, period_id: int) -> HttpResponse:
    report = _existing_report(request, assignment_id, period_id, write=True)
    form = VersionForm(request.POST)
    back = _next_url(request, _report_url(report.assignment, report.period))
    if not form.is_valid():
        messages.error(request, _("Thiếu phiên bản báo cáo; hãy tải lại trang."))
        return redirect(back)
    try:
        report_submit(
            report=report, actor=_user(request), expected_version=form.cleaned_data["version"]
        )
    except ReportForbidden as forbidden:
        raise PermissionDenied(str(forbidden)) from forbidden
    except ReportError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Đã gửi báo cáo đến cơ quan thường trực."))
    return redirect(back)


@require_POST
@requires("report.review")
def report_review_view(request: HttpRequest, assignment_id: int, period_id: int) -> HttpResponse:
    report = _existing_report(request, assignment_id, period_id)
    # A head reviews only the reports on their agency's own plan: refused before the form.
    policy.require(request.user, "report.review", report, when=False)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_report(
            request, report.assignment, report.period, report, review_form=form, status=400
        )
    approve = form.cleaned_data["decision"] == ReviewForm.APPROVE
    try:
        report_review(
            report=report,
            actor=_user(request),
            approve=approve,
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )
    except ReportForbidden as forbidden:
        raise PermissionDenied(str(forbidden)) from forbidden
    except ReportError as problem:
        messages.error(request, str(problem))
        return redirect(_report_url(report.assignment, report.period))
    if approve:
        messages.success(request, _("Đã duyệt báo cáo."))
    else:
        messages.success(request, _("Đã trả lại báo cáo kèm ý kiến."))
    return redirect(_next_url(request, _report_url(report.assignment, report.period)))


# ---------------------------------------------------------------------------- evidence


def _evidence_for(request: HttpRequest, evidence_id: int, *, write: bool = False) -> DocumentLink:
    return cast(DocumentLink, policy.get_evidence_for_user(request, evidence_id, write=write))


@require_GET
@requires("evidence.download")
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponse:
    # A streamed download; the permission decorator is typed for plain responses.
    return cast(HttpResponse, evidence_response(_evidence_for(request, evidence_id)))


@require_POST
@requires("report.edit")
def evidence_remove_view(request: HttpRequest, evidence_id: int) -> HttpResponse:
    evidence = _evidence_for(request, evidence_id, write=True)
    report = evidence.target
    assert isinstance(report, ProgressReport)
    name = evidence.file.filename if evidence.file is not None else ""
    form = VersionForm(request.POST)
    back = reverse("report_detail", args=[report.assignment_id, report.period_id])
    if not form.is_valid():
        # The version is required: a removal must say which state of the report it saw.
        messages.error(request, _("Thiếu phiên bản báo cáo; hãy tải lại trang."))
        return redirect(back)
    try:
        evidence_remove(
            evidence=evidence, actor=_user(request), expected_version=form.cleaned_data["version"]
        )
    except ReportForbidden as forbidden:
        raise PermissionDenied(str(forbidden)) from forbidden
    except ReportError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Đã gỡ tệp «%(name)s».") % {"name": name})
    return redirect(back)


# ---------------------------------------------------------------------------- drafts, queue


DRAFT_FIELDS = (
    "pk",
    "version",
    "state",
    "status",
    "percent",
    "narrative",
    "review_comment",
    "updated_at",
    "assignment_id",
    "assignment__agency_id",
    "period_id",
    "period__name",
    "assignment__activity__title",
    "assignment__activity__task__number",
    "assignment__activity__task__title",
    "assignment__activity__task__area__code",
    "updated_by__full_name",
    "updated_by__username",
)


@dataclass
class DraftRow:
    """One unsent report of the head's list, from plain values and a ready URL."""

    pk: int
    version: int
    state: str
    state_label: str
    status: str
    percent: int
    narrative: str
    review_comment: str
    updated_at: Any
    updated_by: str
    period: str
    title: str
    area_code: str
    task_number: str
    task_title: str
    url: str
    submittable: bool
    ready: bool  # ticked to send when the page opens


def _ready(state: str, last_action: str | None) -> bool:
    """A saved draft is ready to send. A returned report is ready only once someone has
    saved it again since the coordinator sent it back (its last history entry is a
    save): sent unchanged, it would come straight back with the same comment."""
    if state == State.RETURNED:
        return bool(last_action == ReportVersion.Action.SAVED)
    return True


@require_GET
@requires("report.drafts")
def drafts(request: HttpRequest) -> HttpResponse:
    """The agency's unsent reports, for the head to send in one go; those ready to send
    are ticked."""
    user = _user(request)
    choice = _plan_viewed(request)
    plan = choice.plan
    reports: list[dict[str, Any]] = []
    last_action = (
        ReportVersion.objects.filter(report=OuterRef("pk")).order_by("-version").values("action")
    )[:1]
    if plan is not None:
        reports = list(
            policy.reports_of_own_agency(user, ProgressReport.objects.all())
            .filter(
                assignment__activity__plan=plan,
                state__in=[State.DRAFT, State.RETURNED],
                version__gt=1,  # saved at least once: an untouched report is not ready
            )
            .annotate(last_action=Subquery(last_action))
            .order_by(
                "period__position",
                "assignment__activity__task__area__position",
                "assignment__activity__task__position",
                "assignment__activity__position",
            )
            .values(*DRAFT_FIELDS, "last_action")
        )
    # Whether the user may send a report depends on its state and agency only (the rule
    # of "report.submit"): asked of the policy once per pair, with a report that carries
    # just those, rather than once per row.
    may_submit: dict[tuple[str, int], bool] = {}
    detail = reverse("report_detail", args=[1, 2])
    rows = []
    for row in reports:
        key = (row["state"], row["assignment__agency_id"])
        if key not in may_submit:
            probe = ProgressReport(
                state=row["state"],
                assignment=Assignment(pk=row["assignment_id"], agency_id=key[1]),
            )
            may_submit[key] = policy.can(user, "report.submit", probe)
        rows.append(
            DraftRow(
                pk=row["pk"],
                version=row["version"],
                state=row["state"],
                state_label=str(STATE_LABELS[row["state"]]),
                status=str(STATUS_LABELS.get(row["status"], row["status"])),
                percent=row["percent"],
                narrative=row["narrative"],
                review_comment=row["review_comment"],
                updated_at=row["updated_at"],
                updated_by=row["updated_by__full_name"] or row["updated_by__username"] or "",
                period=row["period__name"],
                title=row["assignment__activity__title"],
                area_code=row["assignment__activity__task__area__code"],
                task_number=row["assignment__activity__task__number"],
                task_title=row["assignment__activity__task__title"],
                url=detail.replace("/1/2/", f"/{row['assignment_id']}/{row['period_id']}/", 1),
                submittable=may_submit[key],
                ready=_ready(row["state"], row["last_action"]),
            )
        )
    return render(
        request,
        "monitoring/drafts.html",
        {
            "plan": plan,
            "plans": choice.plans,
            "rows": rows,
            "any_submittable": any(row.submittable for row in rows),
            "any_waiting": any(row.submittable and not row.ready for row in rows),
        },
    )


@require_POST
@requires("report.submit")
def drafts_submit(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    wanted: dict[int, int] = {}
    for value in request.POST.getlist("report"):
        report_id, _sep, version = value.partition(":")
        if report_id.isdigit() and version.isdigit():
            wanted[int(report_id)] = int(version)
    if user.agency_id is None:
        raise Http404
    reports = (
        policy.reports_of_own_agency(user, ProgressReport.objects.all())
        .filter(pk__in=wanted)
        .select_related("assignment", "assignment__activity")
    )
    sent, problems = 0, []
    for report in reports:
        try:
            report_submit(report=report, actor=user, expected_version=wanted[report.pk])
        except ReportError as error:
            problems.append(
                _("«%(activity)s»: %(problem)s")
                % {"activity": report.assignment.activity.title[:80], "problem": error}
            )
        else:
            sent += 1
    if sent:
        messages.success(request, _("Đã gửi %(count)s báo cáo.") % {"count": sent})
    for message in problems:
        messages.error(request, message)
    if not sent and not problems:
        messages.info(request, _("Chưa chọn báo cáo nào."))
    return redirect("report_drafts")


QUEUE_FIELDS = (
    "pk",
    "assignment_id",
    "period_id",
    "version",
    "status",
    "percent",
    "narrative",
    "submitted_at",
    "assignment__agency__name",
    "period__name",
    "assignment__activity__title",
    "assignment__activity__task__number",
    "assignment__activity__task__title",
    "assignment__activity__task__area__code",
    "submitted_by__full_name",
    "submitted_by__username",
)


@dataclass
class QueueRow:
    """One report of the review queue, from plain values and ready URLs."""

    pk: int
    version: int
    agency: str
    period: str
    title: str
    area_code: str
    task_number: str
    task_title: str
    status: str
    percent: int
    narrative: str
    submitted_at: Any
    submitted_by: str
    url: str  # the report
    back_url: str  # the report, coming back to this page of the queue
    review_url: str


def _queue_rows(rows: list[dict[str, Any]], back: str) -> list[QueueRow]:
    if not rows:
        return []
    # One reverse of each URL for the page: the ids are put into its pattern.
    detail = reverse("report_detail", args=[1, 2])
    review = reverse("report_review", args=[1, 2])
    # As the template's `urlencode` filter wrote it.
    back_query = "?next=" + quote(back, safe="/")

    def place(url: str, row: dict[str, Any]) -> str:
        return url.replace("/1/2/", f"/{row['assignment_id']}/{row['period_id']}/", 1)

    return [
        QueueRow(
            pk=row["pk"],
            version=row["version"],
            agency=row["assignment__agency__name"],
            period=row["period__name"],
            title=row["assignment__activity__title"],
            area_code=row["assignment__activity__task__area__code"],
            task_number=row["assignment__activity__task__number"],
            task_title=row["assignment__activity__task__title"],
            status=str(STATUS_LABELS.get(row["status"], row["status"])),
            percent=row["percent"],
            narrative=row["narrative"],
            submitted_at=row["submitted_at"],
            # As a user reads (`User.__str__`): the full name, else the user name.
            submitted_by=row["submitted_by__full_name"] or row["submitted_by__username"] or "",
            url=place(detail, row),
            back_url=place(detail, row) + back_query,
            review_url=place(review, row),
        )
        for row in rows
    ]


@require_GET
@requires("report.queue")
def queue(request: HttpRequest) -> HttpResponse:
    """Reports sent by the agencies and waiting for the coordinator."""
    choice = _plan_viewed(request)
    plan = choice.plan
    if plan is None:
        return render(request, "monitoring/queue.html", {"plan": None})
    agencies = list(
        policy.agencies_of_province(request.user)
        .order_by("sort_name")
        .only("pk", "name", "kind", "sort_name")
    )
    areas = list(plan.areas.order_by("position"))
    periods = list(plan.periods.order_by("position"))
    form = QueueFilterForm(request.GET, agencies=agencies, areas=areas, periods=periods)
    filters = form.filters()
    reports = ProgressReport.objects.filter(state=State.SUBMITTED, assignment__activity__plan=plan)
    if "agency" in filters:
        reports = reports.filter(assignment__agency_id=filters["agency"])
    if "area" in filters:
        reports = reports.filter(assignment__activity__task__area_id=filters["area"])
    if "period" in filters:
        reports = reports.filter(period_id=filters["period"])
    # Plain values for the rows (`QueueRow`), not report instances: a page of fifty is
    # read and drawn without building ninety model objects.
    reports = reports.values(*QUEUE_FIELDS).order_by("submitted_at", "pk")
    page = Paginator(reports, QUEUE_PAGE).get_page(request.GET.get("page"))
    back = request.get_full_path()
    page.object_list = _queue_rows(list(page.object_list), back)
    user = _user(request)
    # The coordinator lands here: the province's headline figures come along, so that
    # the day starts with both what to review and how the plan stands.
    summary = None
    if policy.can(user, "dashboard.province"):
        summary = province_summary(plan, today=calendar.today(), periods=periods)
    response = render(
        request,
        "monitoring/queue.html",
        {
            "plan": plan,
            "plans": choice.plans,
            "form": form,
            "page": page,
            "may_review": policy.can(user, "report.review"),
            "summary": summary,
            "back": back,
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------- periods


def _period_id(form: Any) -> int:
    try:
        return int(form["id"].value())
    except (TypeError, ValueError):
        return 0  # a new row


def _periods_page(
    request: HttpRequest,
    plan: Plan,
    formset: Any,
    *,
    problems: list[str] | None = None,
    status: int = 200,
    state: str,
) -> HttpResponse:
    reports = dict(
        ReportingPeriod.objects.filter(plan=plan)
        .annotate(n=Count("reports"))
        .values_list("pk", "n")
    )
    rows = [(form, reports.get(_period_id(form), 0)) for form in formset.forms]
    context = {
        "plan": plan,
        "formset": formset,
        "rows": rows,
        "problems": problems or [],
        "refused": status != 200,
        "row_errors": sum(len(errors) for form in formset.forms for errors in form.errors.values()),
        # What the coordinator read: a page sent back with errors keeps it, so that a
        # change saved by someone else meanwhile is still noticed.
        "state": state,
    }
    return render(request, "monitoring/periods.html", context, status=status)


@require_http_methods(["GET", "POST"])
@requires("period.manage")
def plan_periods(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The coordinator's table of a plan's reporting periods, saved all at once."""
    plan = policy.get_plan_for_user(request, plan_id)
    if request.method == "GET":
        periods = list(plan.periods.order_by("position", "pk"))
        initial = [
            {name: getattr(p, name) for name in PERIOD_FIELDS} | {"id": p.pk} for p in periods
        ]
        return _periods_page(
            request,
            plan,
            PeriodFormSet(initial=initial, prefix="period"),
            state=periods_state(periods),
        )
    state = request.POST.get("state", "").strip()
    if not state:
        # Without the fingerprint of the periods the page was made from, a save could
        # silently undo someone else's change: refused, and the page shown afresh.
        periods = list(plan.periods.order_by("position", "pk"))
        initial = [
            {name: getattr(p, name) for name in PERIOD_FIELDS} | {"id": p.pk} for p in periods
        ]
        return _periods_page(
            request,
            plan,
            PeriodFormSet(initial=initial, prefix="period"),
            problems=[
                _(
                    "Trang gửi lên thiếu dấu phiên bản của các kỳ báo cáo nên chưa lưu gì. "
                    "Dưới đây là các kỳ như đang lưu; hãy sửa lại rồi bấm Lưu."
                )
            ],
            status=400,
            state=periods_state(periods),
        )
    formset = PeriodFormSet(request.POST, prefix="period")
    if not formset.is_valid():
        return _periods_page(request, plan, formset, status=400, state=state)
    rows = period_rows(formset)
    try:
        changes = periods_update(
            plan=plan,
            rows=[row for _form, row in rows],
            actor=_user(request),
            expected_state=state,
        )
    except PeriodsInvalid as invalid:
        problems = []
        for problem in invalid.problems:
            if problem.row is None:
                problems.append(problem.message)
            else:
                rows[problem.row][0].add_error(None, problem.message)
        return _periods_page(request, plan, formset, problems=problems, status=400, state=state)
    if changes:
        messages.success(
            request,
            _("Đã lưu các kỳ báo cáo: thêm %(created)s, sửa %(updated)s, xóa %(deleted)s.")
            % {
                "created": len(changes.created),
                "updated": len(changes.updated),
                "deleted": len(changes.deleted),
            },
        )
    else:
        messages.info(request, _("Các kỳ báo cáo không có gì thay đổi."))
    return redirect("plan_periods", plan_id=plan.pk)
