"""What several pages share: tables and charts, names of things, counts and figures.

`_area_chart` serves the province, agency and public pages; the overdue rows serve the
province and agency dashboards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cchc.agencies.models import Agency
from cchc.dashboards import charts
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
)
from cchc.monitoring.progress import (
    Figure,
    ItemState,
    Progress,
    Timeliness,
)
from cchc.plans.models import Activity, Area, Plan

# ---------------------------------------------------------------------------
# Tables and charts


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Its markup written before the page (`dashboards_tags.table_markup`), when it was.
    markup: Any = field(default=None, repr=False, compare=False)


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
    # A semi-join (`id IN (…)`), not a join made distinct: PostgreSQL stops at each
    # agency's first assignment instead of sorting every one (11,598: 23 → 12 ms).
    in_plan = Assignment.objects.filter(activity__plan=plan).values("agency_id")
    return list(
        Agency.objects.filter(pk__in=in_plan).order_by("sort_name").only("pk", "name", "sort_name")
    )


def _areas(plan: Plan) -> list[Area]:
    return list(
        Area.objects.filter(plan=plan).order_by("position").only("pk", "code", "title", "position")
    )


def _days_late(item: ItemState, today: date) -> int:
    return (today - max(item.due_dates)).days if item.due_dates else 0


# ---------------------------------------------------------------------------
# Counts, figures and overdue rows, for more than one page


@dataclass
class OverdueRow:
    activity: ActivityLabel
    agency: str
    agency_id: int
    due_on: date
    days: int
    # The item's assignment and its place among the plan's items (the last key of the
    # rows' order: a carried dashboard sorts its kept and new rows alike).
    assignment_id: int = 0
    position: int = 0


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


def _not_done(item: ItemState) -> bool:
    return item.status == ProgressReport.Status.NOT_DONE


def _timeliness_counts(items: Sequence[ItemState]) -> list[Count]:
    """Items per timeliness; "không thực hiện" items apart, since nobody chases them."""
    not_done = ProgressReport.Status.NOT_DONE
    counts = Counter("not_done" if item.status == not_done else item.timeliness for item in items)
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


def _overdue_rows(
    items: Sequence[ItemState],
    labels: dict[int, ActivityLabel],
    names: dict[int, str],
    today: date,
    *,
    leads_only: bool,
    with_lead: set[int] | None = None,
    kept: tuple[list[OverdueRow], set[int]] | None = None,
) -> list[OverdueRow]:
    """The overdue items' rows, most days late first (then by agency and task, then in
    the items' order). `with_lead`: the activities with a lead item, when known.

    `kept`: the rows of the same items read earlier and the assignments whose items
    changed since (the same structure, `cchc.monitoring.figures.carried`): only those
    items' rows are made again, the others kept, and the rows sorted alike."""
    if with_lead is None:
        with_lead = _with_lead(items)
    overdue, not_done = Timeliness.OVERDUE, ProgressReport.Status.NOT_DONE
    rows: list[OverdueRow] = []
    if kept is not None:
        earlier, changed = kept
        rows = [row for row in earlier if row.assignment_id not in changed]
        picked = [(n, item) for n, item in enumerate(items) if item.assignment_id in changed]
    else:
        picked = list(enumerate(items))
    for position, item in picked:
        if item.timeliness != overdue or item.status == not_done:
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
                assignment_id=item.assignment_id,
                position=position,
            )
        )
    order = {agency_id: index for index, agency_id in enumerate(names)}
    rows.sort(
        key=lambda r: (-r.days, order.get(r.agency_id, 0), r.activity.task_number, r.position)
    )
    return rows


def _with_lead(items: Sequence[ItemState]) -> set[int]:
    """The activities with a lead item."""
    return {i.activity_id for i in items if i.role == Assignment.Role.LEAD}


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
