"""The province dashboard: areas, agency groups, heatmap, overdue work and the trend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from operator import attrgetter
from typing import Any

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from cchc.accounts.tenancy import in_province
from cchc.agencies.eras import plan_day
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.dashboards import charts
from cchc.dashboards.queries.common import (
    ActivityLabel,
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
    _with_lead,
)
from cchc.dashboards.queries.selection import Selection
from cchc.dashboards.queries.trend import plan_trend
from cchc.dashboards.templatetags.dashboards_tags import TableMarkup, table_markup
from cchc.monitoring.figures import Stamp, cached, figures_stamp, progress_cached
from cchc.monitoring.models import ReportingPeriod
from cchc.monitoring.progress import (
    Figure,
    Progress,
    group_figures,
)
from cchc.monitoring.services import period_current
from cchc.plans.models import Area, Plan


@dataclass(frozen=True)
class _ProgressSource:
    """Where a cached dashboard's full progress is read back from: the plan's progress
    at the stamp the dashboard was built at (a small cache entry of its own)."""

    plan: Plan
    period: ReportingPeriod | None
    as_of: date
    stamp: Stamp

    def __call__(self) -> Progress:
        return progress_cached(self.plan, period=self.period, today=self.as_of, stamp=self.stamp)


class _CachedProgress(Progress):
    """A dashboard's progress read back from the cache: the plan figure and the method at
    hand (all the page shows of it), the items and roll-ups loaded on first use (the
    official reports read them)."""

    def __init__(self, full: Progress, source: _ProgressSource) -> None:
        # The other fields are not set: __getattr__ fills them when first asked for.
        self.method = full.method
        self.method_label = full.method_label
        self.plan = full.plan
        self._source = source

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_source":
            raise AttributeError(name)
        full = self._source()
        for each in fields(Progress):
            setattr(self, each.name, getattr(full, each.name))
        return getattr(full, name)


# Every field of an overdue row, in the order of OverdueRow's arguments.
_overdue_values = attrgetter(*(f.name for f in fields(OverdueRow)))


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
    # What the figures were read at (cchc.monitoring.figures): the page caches its
    # rendered charts under it.
    cache_key: str = ""
    progress_source: _ProgressSource | None = field(default=None, repr=False, compare=False)
    # Kept to carry the dashboard over the next report change (`_build(earlier=…)`).
    drawn: _Drawn | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # Kept in the cache without the progress's items (the larger part, read back only
        # when asked for), so that a page read costs a small entry.
        state = self.__dict__.copy()
        if self.progress_source is not None and not isinstance(self.progress, _CachedProgress):
            state["progress"] = _CachedProgress(self.progress, self.progress_source)
        # The overdue rows once: the chart's table is made from them again when read
        # (thousands of rows at a province's size, each a few strings).
        state["overdue"] = replace(self.overdue, table=replace(self.overdue.table, rows=[]))
        if self.drawn is not None:
            # The heatmap's markup once, in its parts (`drawn.heat`), which a carried
            # dashboard keeps row by row.
            state["heatmap"] = replace(self.heatmap, svg=None)
        # The rows as columns of plain values (a tuple): pickled and read back several
        # times faster than as thousands of objects, as the roll-up's items are.
        rows = self.overdue_rows
        state["overdue_rows"] = tuple(zip(*map(_overdue_values, rows), strict=True)) if rows else ()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        rows = state.get("overdue_rows")
        if isinstance(rows, tuple):
            state = {**state, "overdue_rows": [OverdueRow(*row) for row in zip(*rows, strict=True)]}
        self.__dict__.update(state)
        self.overdue.table.rows = _overdue_table(self.overdue_rows).rows
        drawn = state.get("drawn")
        if drawn is not None:
            self.heatmap.svg = drawn.heat.svg()

    def charts(self) -> dict[str, Chart]:
        return {
            c.name: c for c in (self.areas, self.groups, self.heatmap, self.overdue, self.trend)
        }


def province_dashboard(
    selection: Selection, *, today: date, agency_url: Callable[[int], str]
) -> ProvinceDashboard:
    """The dashboard of the selected plan and period, built once per change.

    Everything it shows is made from the plan's figures, its contents and the agencies'
    names and groups, each of which changes the plan's stamp (cchc.monitoring.figures),
    so the built dashboard is kept in the cache under that stamp, the period, the dates,
    the language and the agency links (`agency_url` of a probe id stands for them).
    """
    plan = selection.plan
    stamp = figures_stamp(plan)
    parts = (
        selection.period.pk if selection.period is not None else "-",
        selection.as_of.isoformat(),
        today.isoformat(),
        get_language(),
        agency_url(0),
    )
    dashboard = cached(
        plan.pk,
        stamp.reports,
        "province",
        parts,
        lambda: _build(selection, today=today, agency_url=agency_url, stamp=stamp),
        # A report changed since an earlier token's dashboard: its contents and unmoved
        # heatmap rows are kept, the figures carried over (cchc.monitoring.figures).
        carry=lambda _token, earlier, changed: (
            _build(
                selection,
                today=today,
                agency_url=agency_url,
                stamp=stamp,
                earlier=earlier,
                changed=changed,
            )
            if isinstance(earlier, ProvinceDashboard) and earlier.drawn is not None
            else None
        ),
    )
    # The request's own selection (the plan and period as just read), not the builder's.
    dashboard.selection = selection
    dashboard.cache_key = f"{plan.pk}:{stamp.reports}:" + ":".join(map(str, parts))
    return dashboard


@dataclass
class _Contents:
    """What the page shows of the plan besides its figures: its areas, the agencies with
    an assignment in it, its activities' labels, and the groups with their members as of
    the plan's year (five queries). A report sent, returned or approved changes none of
    them; everything that does (the plan, its areas, tasks, activities, assignments, an
    agency's name, a group or a membership) writes a token without a `delta`, which ends
    the chain of report changes (cchc.monitoring.figures), so a dashboard carried along
    that chain keeps them."""

    areas: list[Area]
    agencies: list[Agency]
    labels: dict[int, ActivityLabel]
    groups: list[AgencyGroup]
    members: dict[int, set[int]]
    # The activities with a lead assignment (their other assignees are not chased).
    with_lead: set[int]


def _contents(plan: Plan, progress: Progress) -> _Contents:
    members: dict[int, set[int]] = defaultdict(set)
    # Groups as they were in the plan's year: a 2022 ranking of "UBND cấp huyện" keeps
    # its districts after they are abolished.
    # Only the plan's province's groups (and national ones): provinces are tenants
    # (cchc.accounts.tenancy), another province's groups are not this plan's.
    groups_of_plan = AgencyGroup.objects.all()
    if plan.province_id is not None:
        groups_of_plan = groups_of_plan.filter(in_province(plan.province_id))
    plan_groups = list(groups_of_plan.order_by("name").only("pk", "code", "name"))
    # The plan's groups' memberships by their ids (one index look-up each), not every
    # province's memberships joined to their groups; no ordering, which would join every
    # group and agency to sort a dict.
    memberships = GroupMembership.objects.on(plan_day(plan)).filter(
        group_id__in=[group.pk for group in plan_groups]
    )
    for group_id, agency_id in memberships.order_by().values_list("group_id", "agency_id"):
        members[group_id].add(agency_id)
    return _Contents(
        areas=_areas(plan),
        agencies=_plan_agencies(plan),
        labels=_activity_labels(plan),
        groups=plan_groups,
        members=dict(members),
        with_lead=_with_lead(progress.items),
    )


# How many rows of the overdue work the page shows (`limit` in province.html).
OVERDUE_SHOWN = 100

# A heatmap row's values: its cells' percents and the agency's overall percent.
_HeatValues = tuple[float | None, ...]


@dataclass
class _Drawn:
    """What a dashboard keeps to be carried over a report change (`province_dashboard`):
    the plan's contents, and each heatmap row's values and markup, so that the next
    dashboard draws again only the rows whose values moved."""

    contents: _Contents
    heat_values: list[_HeatValues]
    heat: charts.HeatDrawing


def _same_values(before: _HeatValues, now: _HeatValues) -> bool:
    """Whether two rows' values draw the same: by their text (0.0 and -0.0 apart)."""
    return before == now and list(map(repr, before)) == list(map(repr, now))


def _build(
    selection: Selection,
    *,
    today: date,
    agency_url: Callable[[int], str],
    stamp: Stamp,
    earlier: ProvinceDashboard | None = None,
    changed: set[int] | None = None,
) -> ProvinceDashboard:
    """The dashboard, built from the plan's figures; `earlier`: the dashboard of an
    earlier token that only the reports of the `changed` assignments' changes lead from
    (`cached(carry=…)`), whose contents, unmoved heatmap and table rows and the overdue
    rows of the other items are kept (each equal to what a build afresh makes, for the
    reasons `cchc.monitoring.figures.carried` gives)."""
    plan = selection.plan
    progress = progress_cached(plan, period=selection.period, today=selection.as_of, stamp=stamp)
    kept = earlier.drawn if earlier is not None else None
    contents = kept.contents if kept is not None else _contents(plan, progress)
    areas = contents.areas
    agencies = contents.agencies
    names = {agency.pk: agency.name for agency in agencies}
    labels = contents.labels
    members = contents.members
    plan_groups = contents.groups
    figures = group_figures(progress, {pk: ids for pk, ids in members.items() if ids})
    group_rows = [
        (group, len(members[group.pk]), figures[group.pk])
        for group in plan_groups
        if members.get(group.pk)
    ]
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
    heat_values: list[_HeatValues] = []
    redraw: list[str | None] = []
    for index, agency in enumerate(agencies):
        cells = [progress.agency_areas.get((agency.pk, area.pk)) for area in areas]
        percents = [None if c is None else c.percent for c in cells]
        overall = progress.agencies.get(agency.pk)
        values = (*percents, None if overall is None else overall.percent)
        heat_values.append(values)
        # A row's markup is made from its place, the agency's name and link, the areas'
        # titles (the same along the chain, and the link is part of the key) and these
        # values: equal values, the same markup.
        same = kept is not None and _same_values(kept.heat_values[index], values)
        redraw.append(kept.heat.rows[index] if kept is not None and same else None)
        heat_rows.append(
            charts.HeatRow(
                label=agency.name,
                href=agency_url(agency.pk),
                cells=[
                    charts.Cell(percent, f"{a.code}. {a.title}")
                    for percent, a in zip(percents, areas, strict=True)
                ],
            )
        )
        table_rows.append([agency.name, *values])
    drawing = charts.heatmap_drawing(
        chart_id="chart-heatmap",
        title=heat_title,
        desc=_(
            "Mỗi hàng là một cơ quan, mỗi cột là một lĩnh vực; màu càng đậm, tỷ lệ "
            "hoàn thành càng cao. Chú giải màu ở cuối biểu đồ."
        ),
        columns=[area.code for area in areas],
        column_titles=[f"{area.code}. {area.title}" for area in areas],
        rows=heat_rows,
        kept=redraw if kept is not None else None,
    )
    heatmap = Chart(
        name="heatmap",
        title=heat_title,
        method_label=progress.method_label,
        note=_("Ô trống: cơ quan không có nhiệm vụ trong lĩnh vực đó hoặc chưa gửi báo cáo."),
        table=Table(
            [_("Cơ quan"), *[f"{area.code} (%)" for area in areas], _("Chung (%)")], table_rows
        ),
        svg=drawing.svg(),
    )

    overdue_rows = _overdue_rows(
        progress.items,
        labels,
        names,
        selection.as_of,
        leads_only=True,
        with_lead=contents.with_lead,
        # Only the changed items' rows made again (their items, as `items_read_again`
        # keys them: a transferred assignment's under its successor's).
        kept=(earlier.overdue_rows, {progress.stands_for.get(pk, pk) for pk in changed})
        if earlier is not None and changed is not None
        else None,
    )
    overdue = Chart(
        name="overdue",
        title=_("Việc quá hạn"),
        table=_overdue_table(overdue_rows),
        note=_("Mỗi dòng là một cơ quan chủ trì chưa báo cáo hoàn thành sau hạn cuối cùng."),
    )

    trend_points = plan_trend(plan, progress, today=today, stamp=stamp)
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
    dashboard = ProvinceDashboard(
        selection=selection,
        progress_source=_ProgressSource(plan, selection.period, selection.as_of, stamp),
        progress=progress,
        timeliness=_timeliness_counts(progress.items),
        areas=_area_chart(progress, areas, chart_id="chart-areas", figures=progress.areas),
        groups=groups,
        heatmap=heatmap,
        overdue=overdue,
        trend=trend,
        overdue_rows=overdue_rows,
        drawn=_Drawn(contents, heat_values, drawing),
    )
    # The charts' tables written now, as the page writes them (`{% data_table %}` in
    # `_chart.html`: whole under a chart, the overdue work's first rows), each row kept
    # as it was written under the earlier token when its values did not move.
    before = earlier.charts() if earlier is not None else {}
    for name, chart in dashboard.charts().items():
        kept_table = before[name].table.markup if name in before else None
        chart.table.markup = table_markup(
            chart.table,
            0 if chart.svg else OVERDUE_SHOWN,
            kept=kept_table if isinstance(kept_table, TableMarkup) else None,
        )
    return dashboard


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
    stamp = figures_stamp(plan)

    def compute() -> tuple[Figure, str, list[Count]]:
        progress = progress_cached(plan, period=period, today=as_of, stamp=stamp)
        return progress.plan, progress.method_label, _timeliness_counts(progress.items)

    # The strip's few numbers are cached on their own, under the same stamp as the
    # progress they come from: reading them back does not unpickle every item of the
    # plan (the coordinator's queue shows the strip on every page). The labels are
    # words, so the language is part of the key.
    parts = (
        period.pk if period is not None else "-",
        as_of.isoformat(),
        plan.rollup_method,
        get_language() or "",
    )
    figure, method_label, counts = cached(plan.pk, stamp.reports, "summary", parts, compute)
    return ProvinceSummary(
        period=period,
        as_of=as_of,
        plan=figure,
        method_label=method_label,
        timeliness=counts,
    )
