"""The agency dashboard: its items by timeliness and area, overdue and due soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cchc.agencies.models import Agency
from cchc.dashboards import charts
from cchc.dashboards.queries.common import (
    ActivityLabel,
    Chart,
    Table,
    _activity_labels,
    _area_chart,
    _areas,
    _not_done,
    _overdue_rows,
    _overdue_table,
    _timeliness_counts,
)
from cchc.dashboards.queries.selection import Selection
from cchc.monitoring.figures import progress_cached
from cchc.monitoring.models import (
    Assignment,
)
from cchc.monitoring.progress import (
    Figure,
    ItemState,
    Progress,
    Timeliness,
)


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
    progress = progress_cached(plan, period=selection.period, today=as_of)
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
