"""What the dashboards, the public page and the exports show.

Each builder loads a plan's progress once (`plan_progress`, three queries) plus a few
lookups of names, and does the rest in Python, so a page costs the same number of
queries for a plan of 20 tasks or 2,000. Every chart carries its numbers as a `Table`,
which the page prints under the chart and the CSV download writes as is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.dashboards import charts
from cchc.documents.models import DocumentLink
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
    ReportVersion,
)
from cchc.monitoring.progress import (
    Figure,
    ItemState,
    Progress,
    Timeliness,
    _combine,
    _value,
    group_figure,
    plan_progress,
)
from cchc.monitoring.services import period_current
from cchc.plans.models import Activity, Area, Assignee, Plan, Task

# ---------------------------------------------------------------------------
# Tables and charts


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Chart:
    name: str  # the CSV download's slug
    title: str
    table: Table
    svg: SafeString | None = None
    method_label: str = ""
    note: str = ""
    csv_url: str = ""  # set by the view


def status_label(figure: Figure | None) -> str:
    """One word for a rolled-up figure, for the public page and the status table."""
    if figure is None or (figure.percent is None and not figure.not_done):
        return _("Chưa có báo cáo")
    if figure.percent is None:
        return str(ProgressReport.Status.NOT_DONE.label)
    if figure.counted and figure.done == figure.counted:
        return str(ProgressReport.Status.DONE.label)
    if figure.percent > 0:
        return str(ProgressReport.Status.IN_PROGRESS.label)
    return str(ProgressReport.Status.NOT_STARTED.label)


def _items_note(count: int) -> str:
    return ngettext("%(count)s hoạt động", "%(count)s hoạt động", count) % {"count": count}


# ---------------------------------------------------------------------------
# Which plan and period


@dataclass
class Selection:
    plans: list[Plan]
    plan: Plan
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None
    # The day the figures stand on: today, or a past period's cut-off, so that a past
    # period shows what was late at its cut-off rather than everything late since.
    as_of: date


def _int(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except ValueError:
        raise Http404(_("Không có kế hoạch này.")) from None


def select_plan(params: QueryDict, *, today: date, public: bool = False) -> Selection:
    """The plan (?plan=id, default the latest) and period (?period=code, default current).

    The public page offers only issued plans: a draft is not the province's word yet.
    """
    plans_qs = Plan.objects.order_by("-year", "-issued_on", "-pk").only(
        "pk", "number", "title", "year", "status", "rollup_method", "issuer"
    )
    if public:
        plans_qs = plans_qs.exclude(status=Plan.Status.DRAFT)
    plans = list(plans_qs)
    if not plans:
        raise Http404(_("Chưa có kế hoạch nào."))
    wanted = _int(params.get("plan"))
    plan = next((p for p in plans if p.pk == wanted), None) if wanted is not None else plans[0]
    if plan is None:
        raise Http404(_("Không có kế hoạch này."))
    if public:
        # The public page counts every approved report, whatever its period.
        return Selection(plans=plans, plan=plan, periods=[], period=None, as_of=today)
    periods = list(plan.periods.order_by("position"))
    code = params.get("period", "")
    if code:
        period = next((p for p in periods if p.code == code), None)
        if period is None:
            raise Http404(_("Không có kỳ báo cáo này."))
    else:
        period = period_current(plan, today)
    as_of = min(today, period.ends_on) if period is not None else today
    return Selection(plans=plans, plan=plan, periods=periods, period=period, as_of=as_of)


# ---------------------------------------------------------------------------
# Names of things


@dataclass(frozen=True)
class ActivityLabel:
    title: str
    task_number: str
    task_title: str
    area_code: str
    deadline: str


def _activity_labels(plan: Plan, *, agency: Agency | None = None) -> dict[int, ActivityLabel]:
    rows = Activity.objects.filter(plan=plan)
    if agency is not None:
        rows = rows.filter(assignments__agency=agency)
    return {
        row["pk"]: ActivityLabel(
            title=row["title"],
            task_number=row["task__number"],
            task_title=row["task__title"],
            area_code=row["task__area__code"],
            deadline=row["deadline"],
        )
        for row in rows.values(
            "pk", "title", "task__number", "task__title", "task__area__code", "deadline"
        )
    }


def _plan_agencies(plan: Plan) -> list[Agency]:
    """Agencies with an assignment in the plan, in Vietnamese alphabetical order."""
    return list(
        Agency.objects.filter(assignments_set__activity__plan=plan)
        .distinct()
        .order_by("sort_name")
        .only("pk", "name", "sort_name")
    )


def _areas(plan: Plan) -> list[Area]:
    return list(
        Area.objects.filter(plan=plan).order_by("position").only("pk", "code", "title", "position")
    )


def _days_late(item: ItemState, today: date) -> int:
    return (today - max(item.due_dates)).days if item.due_dates else 0


# ---------------------------------------------------------------------------
# The month-by-month trend


@dataclass
class TrendPoint:
    month: int
    percent: float | None
    sent: int  # reports that stood as sent at the end of the month


def _month_end(year: int, month: int) -> datetime:
    """The first instant after `month`, in the province's time zone."""
    tz = timezone.get_default_timezone()
    if month == 12:
        return datetime(year + 1, 1, 1, tzinfo=tz)
    return datetime(year, month + 1, 1, tzinfo=tz)


def plan_trend(plan: Plan, progress: Progress, *, today: date) -> list[TrendPoint]:
    """The plan's progress as it stood at the end of each month of its year, up to today.

    Replays each report's history (one query): a report counts from the moment it was
    sent, with what it said then, and stops counting when it is returned. As in
    `plan_progress`, the latest period's sent report stands for an assignment, and
    the same method rolls activities up to the plan.
    """
    if plan.year > today.year:
        return []
    last_month = 12 if plan.year < today.year else today.month
    events = list(
        ReportVersion.objects.filter(
            report__assignment__activity__plan=plan,
            action__in=[
                ReportVersion.Action.SUBMITTED,
                ReportVersion.Action.APPROVED,
                ReportVersion.Action.RETURNED,
            ],
        )
        .order_by("at", "pk")
        .values_list(
            "report_id",
            "report__assignment_id",
            "report__period__position",
            "at",
            "action",
            "snapshot__status",
            "snapshot__percent",
        )
    )
    by_activity: dict[int, list[ItemState]] = defaultdict(list)
    for item in progress.items:
        by_activity[item.activity_id].append(item)
    # report id -> (assignment, period position, sent?, status, percent)
    state: dict[int, tuple[int, int, bool, str, int]] = {}
    points = []
    cursor = 0
    for month in range(1, last_month + 1):
        end = _month_end(plan.year, month)
        while cursor < len(events) and events[cursor][3] < end:
            report_id, assignment_id, position, _at, action, status, percent = events[cursor]
            if action == ReportVersion.Action.RETURNED:
                previous = state.get(report_id)
                if previous is not None:
                    state[report_id] = (*previous[:2], False, *previous[3:])
            elif action == ReportVersion.Action.SUBMITTED or report_id not in state:
                state[report_id] = (
                    assignment_id,
                    position,
                    True,
                    status or ProgressReport.Status.NOT_STARTED,
                    int(percent or 0),
                )
            else:  # approved: the content sent stands
                previous = state[report_id]
                state[report_id] = (*previous[:2], True, *previous[3:])
            cursor += 1
        standing: dict[int, tuple[int, str, int]] = {}
        for assignment_id, position, sent, status, percent in state.values():
            if sent and position >= standing.get(assignment_id, (-1, "", 0))[0]:
                standing[assignment_id] = (position, status, percent)
        points.append(
            TrendPoint(
                month=month,
                percent=_plan_percent(by_activity, standing, progress.method),
                sent=len(standing),
            )
        )
    return points


def _plan_percent(
    by_activity: dict[int, list[ItemState]],
    standing: dict[int, tuple[int, str, int]],
    method: str,
) -> float | None:
    """The plan figure of `plan_progress`, for the reports that stood at one moment."""
    values = []
    for items in by_activity.values():
        leads = [i for i in items if i.role == Assignment.Role.LEAD] or items
        activity = []
        for item in leads:
            _position, status, percent = standing.get(
                item.assignment_id, (0, ProgressReport.Status.NOT_STARTED, 0)
            )
            if status == ProgressReport.Status.NOT_DONE:
                continue
            activity.append((_value(replace(item, status=status, percent=percent), method), 1))
        percent_of_activity = _combine(activity, "equal")
        if percent_of_activity is not None:
            values.append((percent_of_activity, leads[0].weight))
    return _combine(values, method)


# ---------------------------------------------------------------------------
# The province dashboard


@dataclass
class OverdueRow:
    activity: ActivityLabel
    agency: str
    agency_id: int
    due_on: date
    days: int


@dataclass
class ProvinceDashboard:
    selection: Selection
    progress: Progress
    timeliness: list[Count]
    areas: Chart
    groups: Chart
    heatmap: Chart
    overdue: Chart
    trend: Chart
    overdue_rows: list[OverdueRow]

    def charts(self) -> dict[str, Chart]:
        return {
            c.name: c for c in (self.areas, self.groups, self.heatmap, self.overdue, self.trend)
        }


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


def _not_done(item: ItemState) -> bool:
    return item.status == ProgressReport.Status.NOT_DONE


def _timeliness_counts(items: Sequence[ItemState]) -> list[Count]:
    """Items per timeliness; "không thực hiện" items apart, since nobody chases them."""
    counts = Counter("not_done" if _not_done(item) else item.timeliness for item in items)
    return [Count(c.value, str(c.label), counts.get(c, 0)) for c in Timeliness] + [
        Count("not_done", str(ProgressReport.Status.NOT_DONE.label), counts.get("not_done", 0))
    ]


def _figure_row(figure: Figure) -> list[Any]:
    return [figure.percent, figure.counted, figure.done, figure.overdue, figure.not_done]


def _figure_columns() -> list[str]:
    return [
        _("Tiến độ (%)"),
        _("Số mục được tính"),
        _("Hoàn thành"),
        _("Quá hạn"),
        _("Không thực hiện"),
    ]


def _area_chart(
    progress: Progress, areas: list[Area], *, chart_id: str, figures: dict[int, Figure]
) -> Chart:
    shown = [area for area in areas if area.pk in figures]
    table = Table(
        [_("Mã"), _("Lĩnh vực"), *_figure_columns()],
        [[area.code, area.title, *_figure_row(figures[area.pk])] for area in shown],
    )
    title = _("Tiến độ theo lĩnh vực")
    return Chart(
        name="areas",
        title=title,
        table=table,
        method_label=progress.method_label,
        svg=charts.bar_chart(
            chart_id=chart_id,
            title=title,
            desc=_("Mỗi thanh là tỷ lệ hoàn thành của một lĩnh vực, trên thang 0–100%."),
            bars=[
                charts.Bar(
                    label=f"{area.code}. {area.title}",
                    value=figures[area.pk].percent,
                    note=_items_note(figures[area.pk].counted),
                )
                for area in shown
            ],
        ),
    )


def province_dashboard(
    selection: Selection, *, today: date, agency_url: Callable[[int], str]
) -> ProvinceDashboard:
    plan = selection.plan
    progress = plan_progress(plan, period=selection.period, today=selection.as_of)
    areas = _areas(plan)
    agencies = _plan_agencies(plan)
    names = {agency.pk: agency.name for agency in agencies}
    labels = _activity_labels(plan)

    members: dict[int, set[int]] = defaultdict(set)
    for group_id, agency_id in GroupMembership.objects.values_list("group_id", "agency_id"):
        members[group_id].add(agency_id)
    group_rows = []
    for group in AgencyGroup.objects.order_by("name").only("pk", "code", "name"):
        if members.get(group.pk):
            group_rows.append(
                (group, len(members[group.pk]), group_figure(progress, members[group.pk]))
            )
    group_title = _("Tiến độ theo nhóm cơ quan")
    groups = Chart(
        name="groups",
        title=group_title,
        method_label=progress.method_label,
        table=Table(
            [_("Nhóm cơ quan"), _("Số cơ quan"), *_figure_columns()],
            [[group.name, count, *_figure_row(figure)] for group, count, figure in group_rows],
        ),
        svg=charts.bar_chart(
            chart_id="chart-groups",
            title=group_title,
            desc=_("Mỗi thanh là tỷ lệ hoàn thành chung của các cơ quan trong một nhóm."),
            bars=[
                charts.Bar(
                    label=group.name,
                    value=figure.percent,
                    note=ngettext("%(count)s cơ quan", "%(count)s cơ quan", count)
                    % {"count": count},
                )
                for group, count, figure in group_rows
            ],
        ),
    )

    heat_title = _("Tiến độ của từng cơ quan theo lĩnh vực")
    heat_rows = []
    table_rows = []
    for agency in agencies:
        cells = [progress.agency_areas.get((agency.pk, area.pk)) for area in areas]
        heat_rows.append(
            charts.HeatRow(
                label=agency.name,
                href=agency_url(agency.pk),
                cells=[
                    charts.Cell(None if c is None else c.percent, f"{a.code}. {a.title}")
                    for c, a in zip(cells, areas, strict=True)
                ],
            )
        )
        overall = progress.agencies.get(agency.pk)
        table_rows.append(
            [
                agency.name,
                *[None if c is None else c.percent for c in cells],
                None if overall is None else overall.percent,
            ]
        )
    heatmap = Chart(
        name="heatmap",
        title=heat_title,
        method_label=progress.method_label,
        note=_("Ô trống: cơ quan không có nhiệm vụ trong lĩnh vực đó hoặc chưa gửi báo cáo."),
        table=Table(
            [_("Cơ quan"), *[f"{area.code} (%)" for area in areas], _("Chung (%)")], table_rows
        ),
        svg=charts.heatmap(
            chart_id="chart-heatmap",
            title=heat_title,
            desc=_(
                "Mỗi hàng là một cơ quan, mỗi cột là một lĩnh vực; màu càng đậm, tỷ lệ "
                "hoàn thành càng cao. Chú giải màu ở cuối biểu đồ."
            ),
            columns=[area.code for area in areas],
            column_titles=[f"{area.code}. {area.title}" for area in areas],
            rows=heat_rows,
        ),
    )

    overdue_rows = _overdue_rows(progress.items, labels, names, selection.as_of, leads_only=True)
    overdue = Chart(
        name="overdue",
        title=_("Việc quá hạn"),
        table=_overdue_table(overdue_rows),
        note=_("Mỗi dòng là một cơ quan chủ trì chưa báo cáo hoàn thành sau hạn cuối cùng."),
    )

    trend_points = plan_trend(plan, progress, today=today)
    trend_title = _("Tiến độ chung theo tháng")
    trend = Chart(
        name="trend",
        title=trend_title,
        method_label=progress.method_label,
        note=_("Tính từ các báo cáo đã gửi đến cuối mỗi tháng, mọi kỳ báo cáo."),
        table=Table(
            [_("Tháng"), _("Tiến độ chung (%)"), _("Số báo cáo đã gửi")],
            [[f"{p.month:02d}/{plan.year}", p.percent, p.sent] for p in trend_points],
        ),
        svg=charts.line_chart(
            chart_id="chart-trend",
            title=trend_title,
            desc=_("Đường thể hiện tỷ lệ hoàn thành chung của kế hoạch vào cuối mỗi tháng."),
            points=[(_("T%(month)s") % {"month": p.month}, p.percent) for p in trend_points],
        )
        if trend_points
        else None,
    )
    return ProvinceDashboard(
        selection=selection,
        progress=progress,
        timeliness=_timeliness_counts(progress.items),
        areas=_area_chart(progress, areas, chart_id="chart-areas", figures=progress.areas),
        groups=groups,
        heatmap=heatmap,
        overdue=overdue,
        trend=trend,
        overdue_rows=overdue_rows,
    )


def _overdue_rows(
    items: Sequence[ItemState],
    labels: dict[int, ActivityLabel],
    names: dict[int, str],
    today: date,
    *,
    leads_only: bool,
) -> list[OverdueRow]:
    with_lead = {i.activity_id for i in items if i.role == Assignment.Role.LEAD}
    rows = []
    for item in items:
        if item.timeliness != Timeliness.OVERDUE or _not_done(item):
            continue
        if item.activity_id not in labels:
            continue
        if leads_only and item.role != Assignment.Role.LEAD and item.activity_id in with_lead:
            continue
        rows.append(
            OverdueRow(
                activity=labels[item.activity_id],
                agency=names.get(item.agency_id, ""),
                agency_id=item.agency_id,
                due_on=max(item.due_dates),
                days=_days_late(item, today),
            )
        )
    order = {agency_id: index for index, agency_id in enumerate(names)}
    rows.sort(key=lambda r: (-r.days, order.get(r.agency_id, 0), r.activity.task_number))
    return rows


def _overdue_table(rows: list[OverdueRow]) -> Table:
    return Table(
        [_("Hoạt động"), _("Nhiệm vụ"), _("Cơ quan"), _("Hạn"), _("Số ngày quá hạn")],
        [
            [
                r.activity.title,
                f"{r.activity.area_code}.{r.activity.task_number}. {r.activity.task_title}",
                r.agency,
                r.due_on,
                r.days,
            ]
            for r in rows
        ],
    )


# ---------------------------------------------------------------------------
# The agency dashboard


@dataclass
class DueSoonRow:
    activity: ActivityLabel
    role: str
    due_on: date
    days: int


@dataclass
class AgencyDashboard:
    selection: Selection
    agency: Agency
    progress: Progress
    figure: Figure
    items: list[ItemState]
    timeliness: Chart
    areas: Chart
    overdue: Chart
    due_soon: Chart

    def charts(self) -> dict[str, Chart]:
        return {c.name: c for c in (self.timeliness, self.areas, self.overdue, self.due_soon)}


def agency_dashboard(selection: Selection, agency: Agency) -> AgencyDashboard:
    plan = selection.plan
    as_of = selection.as_of
    progress = plan_progress(plan, period=selection.period, today=as_of)
    items = [item for item in progress.items if item.agency_id == agency.pk]
    labels = _activity_labels(plan, agency=agency)
    areas = _areas(plan)
    roles = dict(Assignment.Role.choices)

    counts = _timeliness_counts(items)
    total = len(items)
    time_title = _("Các việc theo thời hạn")
    timeliness_chart = Chart(
        name="timeliness",
        title=time_title,
        note=_("Mỗi việc là một hoạt động được giao (chủ trì hoặc phối hợp)."),
        table=Table(
            [_("Tình trạng thời hạn"), _("Số việc"), _("Tỷ lệ (%)")],
            [[c.label, c.count, (100 * c.count / total) if total else None] for c in counts],
        ),
        svg=charts.bar_chart(
            chart_id="chart-timeliness",
            title=time_title,
            desc=_("Mỗi thanh là phần các việc của cơ quan ở một tình trạng thời hạn."),
            bars=[
                charts.Bar(
                    label=c.label,
                    value=(100 * c.count / total) if total else None,
                    note=ngettext("%(count)s việc", "%(count)s việc", c.count) % {"count": c.count},
                )
                for c in counts
            ],
        ),
    )
    figures = {
        area_id: figure
        for (agency_id, area_id), figure in progress.agency_areas.items()
        if agency_id == agency.pk
    }
    area_chart = _area_chart(progress, areas, chart_id="chart-agency-areas", figures=figures)
    overdue_rows = _overdue_rows(items, labels, {agency.pk: agency.name}, as_of, leads_only=False)
    overdue = Chart(
        name="overdue",
        title=_("Việc quá hạn"),
        table=_overdue_table(overdue_rows),
    )
    soon = []
    for item in items:
        if item.timeliness != Timeliness.DUE_SOON or _not_done(item):
            continue
        if item.activity_id not in labels:
            continue
        next_due = min(d for d in item.due_dates if d >= as_of)
        soon.append(
            DueSoonRow(
                labels[item.activity_id],
                str(roles.get(item.role, item.role)),
                next_due,
                (next_due - as_of).days,
            )
        )
    soon.sort(key=lambda r: (r.due_on, r.activity.task_number))
    due_soon = Chart(
        name="due_soon",
        title=_("Việc sắp đến hạn"),
        table=Table(
            [_("Hoạt động"), _("Nhiệm vụ"), _("Vai trò"), _("Hạn"), _("Còn (ngày)")],
            [
                [
                    r.activity.title,
                    f"{r.activity.area_code}.{r.activity.task_number}. {r.activity.task_title}",
                    r.role,
                    r.due_on,
                    r.days,
                ]
                for r in soon
            ],
        ),
    )
    return AgencyDashboard(
        selection=selection,
        agency=agency,
        progress=progress,
        figure=progress.agencies.get(agency.pk, Figure()),
        items=items,
        timeliness=timeliness_chart,
        areas=area_chart,
        overdue=overdue,
        due_soon=due_soon,
    )


# ---------------------------------------------------------------------------
# The public page

PUBLIC_STATES = (ProgressReport.State.APPROVED,)


def public_progress(plan: Plan, *, today: date) -> Progress:
    """Progress as the public sees it: only reports the coordinator has approved count.

    A submitted report is the agency's claim until the coordinator has checked it; the
    public page states this rule under its figures.
    """
    return plan_progress(plan, period=None, today=today, states=PUBLIC_STATES)


@dataclass
class PublicTask:
    number: str
    title: str
    leads: list[str]
    figure: Figure | None
    status: str


@dataclass
class PublicArea:
    area: Area
    figure: Figure | None
    status: str
    tasks: list[PublicTask]


@dataclass
class PublicPage:
    selection: Selection
    progress: Progress
    areas: list[PublicArea]
    chart: Chart

    def table(self) -> Table:
        """Areas and tasks in one flat table, for the CSV and XLSX downloads."""
        table = Table(
            [
                _("Lĩnh vực"),
                _("TT"),
                _("Nhiệm vụ"),
                _("Cơ quan chủ trì"),
                _("Tình trạng"),
                _("Tiến độ (%)"),
                _("Số hoạt động"),
                _("Hoàn thành"),
                _("Có việc quá hạn"),
            ]
        )
        for block in self.areas:
            figure = block.figure or Figure()
            table.rows.append(
                [
                    block.area.code,
                    "",
                    block.area.title,
                    "",
                    block.status,
                    figure.percent,
                    figure.counted + figure.not_done,
                    figure.done,
                    figure.overdue,
                ]
            )
            for task in block.tasks:
                figure = task.figure or Figure()
                table.rows.append(
                    [
                        block.area.code,
                        task.number,
                        task.title,
                        "; ".join(task.leads),
                        task.status,
                        figure.percent,
                        figure.counted + figure.not_done,
                        figure.done,
                        figure.overdue,
                    ]
                )
        return table


def public_page(selection: Selection, *, today: date) -> PublicPage:
    plan = selection.plan
    progress = public_progress(plan, today=today)
    areas = _areas(plan)
    leads: dict[int, list[str]] = defaultdict(list)
    for task_id, name in (
        Assignee.objects.filter(activity__plan=plan, role=Assignee.Role.LEAD)
        .order_by("activity__position", "position")
        .values_list("activity__task_id", "written_name")
    ):
        if name not in leads[task_id]:
            leads[task_id].append(name)
    tasks: dict[int, list[PublicTask]] = defaultdict(list)
    for task in (
        Task.objects.filter(plan=plan)
        .order_by("position")
        .values("pk", "area_id", "number", "title")
    ):
        figure = progress.tasks.get(task["pk"])
        tasks[task["area_id"]].append(
            PublicTask(
                task["number"],
                task["title"],
                leads.get(task["pk"], []),
                figure,
                status_label(figure),
            )
        )
    blocks = [
        PublicArea(
            area,
            progress.areas.get(area.pk),
            status_label(progress.areas.get(area.pk)),
            tasks.get(area.pk, []),
        )
        for area in areas
    ]
    chart = _area_chart(progress, areas, chart_id="chart-public-areas", figures=progress.areas)
    return PublicPage(selection=selection, progress=progress, areas=blocks, chart=chart)


# ---------------------------------------------------------------------------
# The status table (the annex sent upward)


# A cell of the status table lists at most this many output documents.
MAX_DOCUMENTS = 10


@dataclass
class StatusRow:
    kind: str  # "area", "task" or "activity"
    number: str
    title: str
    lead: str = ""
    progress: str = ""
    results: str = ""
    notes: str = ""


def _report_text(status: str, percent: int, timeliness: Timeliness, has_report: bool) -> str:
    if not has_report:
        return _("Chưa có báo cáo") + f"\n{timeliness.label}"
    label = ProgressReport.Status(status).label
    return f"{label} ({percent}%)\n{timeliness.label}"


def status_table_rows(
    plan: Plan, *, period: ReportingPeriod | None, today: date, agency: Agency | None = None
) -> Iterator[StatusRow]:
    """The rows of the status table: area, task and activity rows in plan order.

    The province's table shows each activity's lead agencies and rolled-up progress;
    an agency's table shows only its own activities, with its own report.
    """
    progress = plan_progress(plan, period=period, today=today)
    standing = {item.report_id for item in progress.items if item.report_id}
    documents: dict[int, list[str]] = defaultdict(list)
    document_rows = DocumentLink.objects.filter(
        role=DocumentLink.Role.OUTPUT, progress_report__assignment__activity__plan=plan
    )
    if agency is not None:
        document_rows = document_rows.filter(progress_report__assignment__agency=agency)
    for report_id, number, issued_on, summary in document_rows.order_by(
        "document__issued_on", "document_id"
    ).values_list("target_id", "document__number", "document__issued_on", "document__summary"):
        if report_id in standing:
            documents[report_id].append(
                _("Số %(number)s ngày %(date)s: %(summary)s")
                % {
                    "number": number,
                    "date": issued_on.strftime("%d/%m/%Y") if issued_on else "",
                    "summary": summary,
                }
            )
    leads: dict[int, list[str]] = defaultdict(list)
    for activity_id, name in (
        Assignee.objects.filter(activity__plan=plan, role=Assignee.Role.LEAD)
        .order_by("position")
        .values_list("activity_id", "written_name")
    ):
        leads[activity_id].append(name)
    items_by_activity: dict[int, list[ItemState]] = defaultdict(list)
    for item in progress.items:
        if agency is None or item.agency_id == agency.pk:
            items_by_activity[item.activity_id].append(item)

    tasks: dict[int, list[Any]] = defaultdict(list)
    for task in (
        Task.objects.filter(plan=plan)
        .order_by("position")
        .values("pk", "area_id", "number", "title", "notes")
    ):
        tasks[task["area_id"]].append(task)
    activities: dict[int, list[Any]] = defaultdict(list)
    for activity in (
        Activity.objects.filter(plan=plan)
        .order_by("position")
        .values("pk", "task_id", "title", "outputs", "deadline", "notes")
    ):
        if agency is None or activity["pk"] in items_by_activity:
            activities[activity["task_id"]].append(activity)

    for area in _areas(plan):
        area_tasks = [t for t in tasks.get(area.pk, []) if activities.get(t["pk"])]
        if not area_tasks:
            continue
        figure = progress.areas.get(area.pk) if agency is None else None
        yield StatusRow(
            "area",
            area.code,
            area.title,
            progress=_figure_text(figure) if figure is not None else "",
        )
        for task in area_tasks:
            rows = activities[task["pk"]]
            task_leads = list(dict.fromkeys(n for a in rows for n in leads.get(a["pk"], [])))
            figure = progress.tasks.get(task["pk"]) if agency is None else None
            yield StatusRow(
                "task",
                task["number"],
                task["title"],
                lead="\n".join(task_leads),
                progress=_figure_text(figure) if figure is not None else "",
                notes=task["notes"],
            )
            for index, activity in enumerate(rows, start=1):
                own = items_by_activity.get(activity["pk"], [])
                if agency is None:
                    text = _figure_text(progress.activities.get(activity["pk"]), activity=True)
                    shown = [i for i in own if i.role == Assignment.Role.LEAD] or own
                else:
                    item = own[0]
                    text = _report_text(
                        item.status, item.percent, item.timeliness, item.report_id is not None
                    )
                    shown = own
                docs = [d for i in shown if i.report_id for d in documents.get(i.report_id, [])]
                if len(docs) > MAX_DOCUMENTS:
                    more = len(docs) - MAX_DOCUMENTS
                    docs = [
                        *docs[:MAX_DOCUMENTS],
                        ngettext("… và %(count)s văn bản khác", "… và %(count)s văn bản khác", more)
                        % {"count": more},
                    ]
                notes = [activity["notes"]] if activity["notes"] else []
                if activity["deadline"]:
                    notes.append(_("Thời hạn: %(deadline)s") % {"deadline": activity["deadline"]})
                yield StatusRow(
                    "activity",
                    f"{task['number']}.{index}",
                    activity["title"],
                    lead="\n".join(leads.get(activity["pk"], [])),
                    progress=text,
                    results="\n".join(docs) or activity["outputs"],
                    notes="\n".join(notes),
                )


def _figure_text(figure: Figure | None, *, activity: bool = False) -> str:
    """Status and percent; then how many activities (or, for one activity, how many of
    its lead agencies) are overdue."""
    if figure is None:
        return _("Chưa có báo cáo")
    text = status_label(figure)
    if figure.percent is not None:
        text += f" ({figure.percent:.0f}%)"
    if figure.overdue:
        if activity:
            late = ngettext(
                "%(count)s cơ quan chủ trì quá hạn",
                "%(count)s cơ quan chủ trì quá hạn",
                figure.overdue,
            )
        else:
            late = ngettext(
                "%(count)s hoạt động quá hạn", "%(count)s hoạt động quá hạn", figure.overdue
            )
        text += "\n" + late % {"count": figure.overdue}
    return text
