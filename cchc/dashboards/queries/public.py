"""The public page: progress counted from approved reports only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cchc.dashboards.queries.common import Chart, Table, _area_chart, _areas, status_label
from cchc.dashboards.queries.selection import Selection
from cchc.monitoring.figures import Stamp, cached, figures_stamp
from cchc.monitoring.models import (
    ProgressReport,
)
from cchc.monitoring.progress import (
    Figure,
    Progress,
    plan_rollup,
)
from cchc.plans.models import Area, Assignee, Plan, Task

PUBLIC_STATES = (ProgressReport.State.APPROVED,)


def public_progress(plan: Plan, *, today: date, stamp: Stamp | None = None) -> Progress:
    """Progress as the public sees it: only reports the coordinator has approved count.

    A submitted report is the agency's claim until the coordinator has checked it; the
    public page states this rule under its figures.
    """
    # The figures only, never the items: the public downloads of a big plan stay small;
    # computed once per change of the plan's reports (cchc.monitoring.figures).
    stamp = stamp or figures_stamp(plan)
    return cached(
        plan.pk,
        stamp.reports,
        "public-rollup",
        (today.isoformat(), plan.rollup_method, "+".join(PUBLIC_STATES)),
        lambda: plan_rollup(plan, period=None, today=today, states=PUBLIC_STATES),
    )


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
    # What the page was built at (cchc.monitoring.figures): the template caches its
    # rendered chart and tables under it.
    cache_key: str = ""

    def __getstate__(self) -> dict[str, Any]:
        # Kept in the cache without the request's selection (the plans offered, the
        # user's choice), which each read sets again.
        state = self.__dict__.copy()
        state["selection"] = None
        return state

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


# Bumped when `PublicPage` changes shape, so that a deployment never reads the pages an
# earlier version cached.
PAGE_VERSION = 1


def public_page(selection: Selection, *, today: date) -> PublicPage:
    """The public page of the selected plan, built once per change.

    It shows the plan's approved figures, its areas, tasks and their leads' names, each of
    which changes the plan's `reports` stamp (cchc.monitoring.figures: an approval or a
    return, the plan and its contents, an import or a sync), so the built page is kept in
    the cache under that stamp, the day and the language (its chart's words)."""
    plan = selection.plan
    stamp = figures_stamp(plan)
    parts = (PAGE_VERSION, today.isoformat(), plan.rollup_method, get_language())
    page = cached(
        plan.pk,
        stamp.reports,
        "public-page",
        parts,
        lambda: _build(selection, today=today, stamp=stamp),
    )
    page.selection = selection
    page.cache_key = f"{plan.pk}:{stamp.reports}:" + ":".join(map(str, parts))
    return page


def _build(selection: Selection, *, today: date, stamp: Stamp) -> PublicPage:
    plan = selection.plan
    progress = public_progress(plan, today=today, stamp=stamp)
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
