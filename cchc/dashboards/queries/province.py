"""The province dashboard: areas, agency groups, heatmap, overdue work and the trend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cchc.accounts.tenancy import in_province
from cchc.agencies.eras import plan_day
from cchc.agencies.models import AgencyGroup, GroupMembership
from cchc.dashboards import charts
from cchc.dashboards.queries.common import (
    Chart,
    Count,
    OverdueRow,
    Table,
    _activity_labels,
    _area_chart,
    _areas,
    _figure_columns,
    _figure_row,
    _overdue_rows,
    _overdue_table,
    _plan_agencies,
    _timeliness_counts,
)
from cchc.dashboards.queries.selection import Selection
from cchc.dashboards.queries.trend import plan_trend
from cchc.monitoring.models import ReportingPeriod
from cchc.monitoring.progress import (
    Figure,
    Progress,
    group_figure,
    plan_progress,
)
from cchc.monitoring.services import period_current
from cchc.plans.models import Plan


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
    # Groups as they were in the plan's year: a 2022 ranking of "UBND cấp huyện" keeps
    # its districts after they are abolished.
    # Only the plan's province's groups (and national ones): provinces are tenants
    # (cchc.accounts.tenancy), another province's groups are not this plan's.
    memberships = GroupMembership.objects.on(plan_day(plan))
    groups_of_plan = AgencyGroup.objects.all()
    if plan.province_id is not None:
        memberships = memberships.filter(in_province(plan.province_id, "group__province"))
        groups_of_plan = groups_of_plan.filter(in_province(plan.province_id))
    for group_id, agency_id in memberships.values_list("group_id", "agency_id"):
        members[group_id].add(agency_id)
    group_rows = []
    for group in groups_of_plan.order_by("name").only("pk", "code", "name"):
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


@dataclass
class ProvinceSummary:
    """The province dashboard's headline numbers, for a strip on another page."""

    period: ReportingPeriod | None
    as_of: date
    plan: Figure
    method_label: str
    timeliness: list[Count]


def province_summary(
    plan: Plan, *, today: date, periods: list[ReportingPeriod] | None = None
) -> ProvinceSummary:
    """What the province dashboard shows on top for `plan` and the current period, from
    the same roll-up (`plan_progress`), so that both say the same numbers. `periods` are
    the plan's periods in order, when the caller has them already."""
    period = period_current(plan, today, periods=periods)
    # As `select_plan` does: a period whose data ended before today stands at its end.
    as_of = min(today, period.ends_on) if period is not None else today
    progress = plan_progress(plan, period=period, today=as_of)
    return ProvinceSummary(
        period=period,
        as_of=as_of,
        plan=progress.plan,
        method_label=progress.method_label,
        timeliness=_timeliness_counts(progress.items),
    )
