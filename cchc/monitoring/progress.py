"""Timeliness of each assignment and progress rolled up to task, area, plan and agency.

Everything is computed in Python from three queries (the plan's assignments, their due
dates and their reports), so a dashboard costs the same number of queries for 10 or
10,000 activities.

Only reports an agency has sent (submitted or approved) count: a draft is the agency's
own business until its head sends it. Which report counts is decided once, in
`cchc.monitoring.readmodel.latest_sent_reports`; an assignment's item (its report and
timeliness) is made once, in `items_of`; how activities roll up is decided once, in
`_activity_figures` and `_roll_up`, and an agency's figure in `_Sum`. `plan_progress`
(every item kept), `plan_rollup` (slices, no items kept) and `rollup_plan_percent` all
use them; the trend chart's replay (`cchc.dashboards.queries.trend._point`) adds the
same values in the same order without the items, and is tested against
`rollup_plan_percent`. Pages, the API, dashboards and exports call these and compute no
percent or timeliness of their own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from operator import attrgetter
from typing import Any

from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.monitoring.readmodel import SENT_STATES, latest_sent_reports
from cchc.plans.models import DueDate, Plan

DUE_SOON_DAYS = 7


class Timeliness(models.TextChoices):
    ON_TRACK = "on_track", _("Còn hạn")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    DONE_ON_TIME = "done_on_time", _("Hoàn thành đúng hạn")
    DONE_LATE = "done_late", _("Hoàn thành quá hạn")


def timeliness(
    due_dates: list[date], done_on: date | None, today: date, soon_days: int = DUE_SOON_DAYS
) -> Timeliness:
    """Where an item stands on `today`.

    An item with several due dates (milestones) is late only once its last one has
    passed, and due soon when any milestone is within `soon_days`. An ongoing item
    ("Thường xuyên") has no due date and is never late.
    """
    final = max(due_dates) if due_dates else None
    if done_on is not None:
        if final is None or done_on <= final:
            return Timeliness.DONE_ON_TIME
        return Timeliness.DONE_LATE
    if final is not None and final < today:
        return Timeliness.OVERDUE
    upcoming = [d for d in due_dates if d >= today]
    if upcoming and (min(upcoming) - today).days <= soon_days:
        return Timeliness.DUE_SOON
    return Timeliness.ON_TRACK


METHOD_LABELS = {
    "equal": _("Trung bình cộng tỷ lệ của các hoạt động (chủ trì), bỏ qua «không thực hiện»"),
    "weighted": _("Bình quân gia quyền theo trọng số hoạt động, bỏ qua «không thực hiện»"),
    "status": _("Tỷ lệ hoạt động đã hoàn thành trên tổng số, bỏ qua «không thực hiện»"),
}


@dataclass
class Figure:
    """A rolled-up percent with what it was made from."""

    percent: float | None = None
    counted: int = 0
    done: int = 0
    not_done: int = 0  # "không thực hiện", left out of the percent
    overdue: int = 0

    @property
    def display(self) -> str:
        return "—" if self.percent is None else f"{self.percent:.0f}%"


@dataclass
class ItemState:
    assignment_id: int
    activity_id: int
    task_id: int
    area_id: int
    agency_id: int
    role: str
    due_dates: list[date]
    weight: int
    report_id: int | None = None
    status: str = ProgressReport.Status.NOT_STARTED
    percent: int = 0
    state: str = ""
    completed_on: date | None = None
    timeliness: Timeliness = Timeliness.ON_TRACK


@dataclass
class Progress:
    method: str
    method_label: str
    items: list[ItemState]
    activities: dict[int, Figure] = field(default_factory=dict)
    tasks: dict[int, Figure] = field(default_factory=dict)
    areas: dict[int, Figure] = field(default_factory=dict)
    plan: Figure = field(default_factory=Figure)
    agencies: dict[int, Figure] = field(default_factory=dict)
    agency_areas: dict[tuple[int, int], Figure] = field(default_factory=dict)
    # An assignment handed to a successor when its agency merged -> the successor's
    # assignment, whose item it is counted in (see cchc.monitoring.transfer).
    stands_for: dict[int, int] = field(default_factory=dict)
    # Filled by `plan_rollup`, which keeps no items: each activity -> the reports its
    # figure is made from (its lead agencies', or everyone's if it has no lead).
    activity_reports: dict[int, list[int]] = field(default_factory=dict)
    # Each agency -> the whole-number sums its figure is made of (`_Sum.totals`), so that
    # a group's figure adds its members' up without a pass over the items.
    agency_totals: dict[int, tuple[int, float]] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, Any]:
        # Kept in the cache (cchc.monitoring.figures) and read back whole by the first
        # read after each report change: the items as columns of plain values unpickle
        # about three times faster than as objects (11,598 items: 89 → 32 ms).
        state = self.__dict__.copy()
        if "items" in state:  # a lazy copy (the dashboards') may not hold them yet
            state["items"] = _item_columns(state["items"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "items" in state:
            state = {**state, "items": _item_rows(state["items"])}
        self.__dict__.update(state)


# Every field, in the order of ItemState's arguments.
_item_values = attrgetter(*(f.name for f in fields(ItemState)))


def _item_columns(items: list[ItemState]) -> tuple[tuple[Any, ...], ...]:
    if not items:
        return ()
    return tuple(zip(*map(_item_values, items), strict=True))


def _item_rows(columns: tuple[tuple[Any, ...], ...] | list[ItemState]) -> list[ItemState]:
    if isinstance(columns, list):  # pickled before the columns
        return columns
    return [ItemState(*row) for row in zip(*columns, strict=True)]


def _value(item: ItemState, method: str) -> float:
    if method == "status":
        return 100.0 if item.status == ProgressReport.Status.DONE else 0.0
    return float(item.percent)


def combine(values: list[tuple[float, int]], method: str) -> float | None:
    if not values:
        return None
    if method == "weighted":
        total = sum(weight for _v, weight in values)
        return sum(v * weight for v, weight in values) / total if total else None
    return sum(v for v, _w in values) / len(values)


def _tally(figure: Figure, item: ItemState) -> None:
    if item.status == ProgressReport.Status.NOT_DONE:
        figure.not_done += 1
        return
    figure.counted += 1
    figure.done += item.status == ProgressReport.Status.DONE
    figure.overdue += item.timeliness == Timeliness.OVERDUE


def _activity_figures(
    by_activity: dict[int, list[ItemState]], method: str
) -> tuple[dict[int, Figure], dict[int, tuple[float, int]], dict[int, tuple[int, int]]]:
    """Each activity's figure: its lead agencies' reports (everyone's if it has no lead).

    Returns the figures, each activity's (percent, weight) for rolling up, and its
    (task, area).
    """
    figures: dict[int, Figure] = {}
    activity_value: dict[int, tuple[float, int]] = {}
    activity_parent: dict[int, tuple[int, int]] = {}
    for activity_id, activity_items in by_activity.items():
        leads = [i for i in activity_items if i.role == Assignment.Role.LEAD] or activity_items
        figure = Figure()
        for item in leads:
            _tally(figure, item)
        values = [
            (_value(i, method), 1) for i in leads if i.status != ProgressReport.Status.NOT_DONE
        ]
        figure.percent = combine(values, "equal")
        figures[activity_id] = figure
        activity_parent[activity_id] = (leads[0].task_id, leads[0].area_id)
        if figure.percent is not None:
            activity_value[activity_id] = (figure.percent, leads[0].weight)
    return figures, activity_value, activity_parent


def rollup_plan_percent(items: list[ItemState], method: str) -> float | None:
    """The plan figure of `plan_progress` for these items, whatever reports they carry."""
    by_activity: dict[int, list[ItemState]] = defaultdict(list)
    for item in items:
        by_activity[item.activity_id].append(item)
    _figures, activity_value, _parents = _activity_figures(by_activity, method)
    return combine(list(activity_value.values()), method)


def plan_progress(
    plan: Plan,
    *,
    period: ReportingPeriod | None,
    today: date,
    method: str | None = None,
    states: tuple[str, ...] = SENT_STATES,
) -> Progress:
    """Timeliness of every assignment and the roll-ups, as of `period` and `today`.

    The latest report in one of `states` (by default: sent) up to and including `period`
    stands for each assignment. The public page passes only the approved state.
    """
    method = method or plan.rollup_method
    # One read of the plan's assignments; the transferred ones give `stands_for` (as
    # `plan_transfers` would, without a query of its own).
    handed: dict[int, int] = {}
    kept: list[dict[str, Any]] = []
    # In the order of their ids, so that a roll-up made again from the same items (a
    # change's delta, `items_read_again` then `progress_moved`) adds them up in the same order.
    for row in (
        Assignment.objects.filter(activity__plan=plan)
        .order_by("pk")
        .values(*ITEM_FIELDS, "transferred_to_id")
    ):
        if row["transferred_to_id"] is not None:
            handed[row["pk"]] = row["transferred_to_id"]
        else:
            kept.append(row)
    stands_for = _chains(handed)
    # The items as `plan_rollup` makes them, slice by slice (`items_of`), here all at once.
    items = items_of(
        plan,
        kept,
        period=period,
        today=today,
        states=states,
        stands_for=stands_for,
        whole_plan=True,
    )
    return progress_of_items(items, method=method, stands_for=stands_for)


def progress_of_items(
    items: list[ItemState], *, method: str, stands_for: dict[int, int]
) -> Progress:
    """The roll-ups of `plan_progress` made from its items (activities, tasks, areas,
    the plan, agencies), in Python only."""
    progress = Progress(
        method=method, method_label=str(METHOD_LABELS[method]), items=items, stands_for=stands_for
    )
    by_activity: dict[int, list[ItemState]] = defaultdict(list)
    agencies: dict[int, _Sum] = defaultdict(_Sum)
    agency_areas: dict[tuple[int, int], _Sum] = defaultdict(_Sum)
    for item in items:
        by_activity[item.activity_id].append(item)
        # Agencies: everything assigned to them, lead or cooperating.
        agencies[item.agency_id].add(item, method)
        agency_areas[(item.agency_id, item.area_id)].add(item, method)
    progress.activities, activity_value, activity_parent = _activity_figures(by_activity, method)
    _roll_up(progress, activity_value, activity_parent)
    progress.agencies = {key: total.done(method) for key, total in agencies.items()}
    progress.agency_totals = {key: total.totals() for key, total in agencies.items()}
    progress.agency_areas = {key: total.done(method) for key, total in agency_areas.items()}
    return progress


def items_read_again(
    progress: Progress,
    plan: Plan,
    assignment_ids: set[int],
    *,
    period: ReportingPeriod | None,
    today: date,
    states: tuple[str, ...] = SENT_STATES,
) -> list[ItemState] | None:
    """The items of these assignments (or of the ones they were handed to) read again
    from the database, as `plan_progress` would make them now; None when one of them is
    not an item of `progress` (the structure changed).

    Three small queries (the assignments, their activities' due dates, their reports and
    their predecessors')."""
    finals = {progress.stands_for.get(pk, pk) for pk in assignment_ids}
    if not finals <= {item.assignment_id for item in progress.items}:
        return None
    rows = list(
        Assignment.objects.filter(pk__in=finals, transferred_to__isnull=True)
        .order_by("pk")
        .values(*ITEM_FIELDS)
    )
    if len(rows) != len(finals):
        return None
    return items_of(
        plan, rows, period=period, today=today, states=states, stands_for=progress.stands_for
    )


def progress_with_items(progress: Progress, changed: list[ItemState]) -> Progress:
    """`progress` with these items put in the places of the items of their assignments,
    rolled up again (`progress_moved`)."""
    where = {item.assignment_id: n for n, item in enumerate(progress.items)}
    items = list(progress.items)
    for item in changed:
        items[where[item.assignment_id]] = item
    return progress_moved(progress, items, changed)


def progress_moved(
    progress: Progress, items: list[ItemState], changed: list[ItemState]
) -> Progress:
    """`progress_of_items(items, …)` when `items` are `progress.items` with the `changed`
    ones put in their places (same assignments, same structure, new reports).

    Only what the changed items are part of is made again from its items: their
    activities, their agencies and their (agency, area) pairs; then every activity is
    rolled up to tasks, areas and the plan (`_roll_up`, one figure per activity). Each is
    made by the same function over the same items in the same order as in
    `progress_of_items` (the items in their order, the activities in the order of their
    first item, which `progress.activities` keeps), so every figure is equal to the one a
    whole computation gives, floats included (tests/test_figures.py compares them after
    each kind of change, and on random items with each method)."""
    method = progress.method
    by_activity: dict[int, list[ItemState]] = {item.activity_id: [] for item in changed}
    agencies = {item.agency_id: _Sum() for item in changed}
    agency_areas = {(item.agency_id, item.area_id): _Sum() for item in changed}
    # Each activity's task, area and weight, from its first item, as `_activity_figures`
    # takes them (every item of an activity has its activity's).
    parents: dict[int, tuple[int, int, int]] = {}
    for item in items:
        activity_id = item.activity_id
        if activity_id not in parents:
            parents[activity_id] = (item.task_id, item.area_id, item.weight)
        if activity_id in by_activity:
            by_activity[activity_id].append(item)
        total = agencies.get(item.agency_id)
        if total is not None:
            total.add(item, method)
            pair = agency_areas.get((item.agency_id, item.area_id))
            if pair is not None:
                pair.add(item, method)
    figures, _values, _parents = _activity_figures(by_activity, method)
    activities = dict(progress.activities)  # a key replaced keeps its place
    activities.update(figures)
    activity_value: dict[int, tuple[float, int]] = {}
    activity_parent: dict[int, tuple[int, int]] = {}
    for activity_id, figure in activities.items():
        task_id, area_id, weight = parents[activity_id]
        activity_parent[activity_id] = (task_id, area_id)
        if figure.percent is not None:
            activity_value[activity_id] = (figure.percent, weight)
    moved = Progress(
        method=method,
        method_label=progress.method_label,
        items=items,
        activities=activities,
        stands_for=progress.stands_for,
    )
    _roll_up(moved, activity_value, activity_parent)
    moved.agencies = {**progress.agencies}
    moved.agencies.update((key, total.done(method)) for key, total in agencies.items())
    moved.agency_totals = {**progress.agency_totals}
    moved.agency_totals.update((key, total.totals()) for key, total in agencies.items())
    moved.agency_areas = {**progress.agency_areas}
    moved.agency_areas.update((key, total.done(method)) for key, total in agency_areas.items())
    return moved


def _chains(handed: dict[int, int]) -> dict[int, int]:
    """Each transferred assignment -> the end of its chain of transfers."""
    stands_for = {}
    for old in handed:
        final = old
        while final in handed:
            final = handed[final]
        stands_for[old] = final
    return stands_for


def _roll_up(
    progress: Progress,
    activity_value: dict[int, tuple[float, int]],
    activity_parent: dict[int, tuple[int, int]],
) -> None:
    """Tasks, areas and the plan from the activities' figures (`progress.activities`)."""
    method = progress.method

    def roll(keys: dict[int, list[int]]) -> dict[int, Figure]:
        result = {}
        for key, activity_ids in keys.items():
            figure = Figure()
            for activity_id in activity_ids:
                child = progress.activities[activity_id]
                figure.counted += child.percent is not None
                figure.not_done += child.percent is None
                figure.done += child.percent == 100
                figure.overdue += bool(child.overdue)
            figure.percent = combine(
                [activity_value[a] for a in activity_ids if a in activity_value], method
            )
            result[key] = figure
        return result

    task_members: dict[int, list[int]] = defaultdict(list)
    area_members: dict[int, list[int]] = defaultdict(list)
    for activity_id, (task_id, area_id) in activity_parent.items():
        task_members[task_id].append(activity_id)
        area_members[area_id].append(activity_id)
    progress.tasks = roll(task_members)
    progress.areas = roll(area_members)
    progress.plan = roll({0: list(activity_parent)}).get(0, Figure())


def group_figure(progress: Progress, member_ids: set[int]) -> Figure:
    """Progress of an agency group: all its members' assignments together."""
    figure = Figure()
    values = []
    for item in progress.items:
        if item.agency_id not in member_ids:
            continue
        _tally(figure, item)
        if item.status != ProgressReport.Status.NOT_DONE:
            values.append((_value(item, progress.method), item.weight))
    figure.percent = combine(values, progress.method)
    return figure


def group_figures(progress: Progress, members: dict[int, set[int]]) -> dict[int, Figure]:
    """`group_figure` of each group (id -> its member agencies), from the agencies'
    figures and sums (`Progress.agency_totals`), without a pass over the items.

    An agency's figure counts every item of it, as a group's does of its members'; its
    number of values is its `counted`. The values are whole percents (0–100) and whole
    weights, so every sum is an exact integer in a float, whatever the order of the
    additions: the figures equal `group_figure`'s (tests/test_figures.py checks it)."""
    method = progress.method
    figures = {}
    for group_id, agency_ids in members.items():
        figure = Figure()
        weights, total = 0, 0.0
        for agency_id in agency_ids:
            one = progress.agencies.get(agency_id)
            if one is None:
                continue
            figure.counted += one.counted
            figure.done += one.done
            figure.not_done += one.not_done
            figure.overdue += one.overdue
            agency_weights, agency_total = progress.agency_totals[agency_id]
            weights += agency_weights
            total += agency_total
        if figure.counted:
            if method == "weighted":
                figure.percent = total / weights if weights else None
            else:
                figure.percent = total / figure.counted
        figures[group_id] = figure
    return figures


def plan_transfers(plan: Plan) -> dict[int, int]:
    """Each transferred assignment of the plan -> the assignment it is counted in now
    (the end of its chain of transfers), as `plan_progress` computes `stands_for`.

    One query over the transferred rows alone: they are few (agency merges), however
    many assignments the plan has."""
    return _chains(
        dict(
            Assignment.objects.filter(
                activity__plan=plan, transferred_to__isnull=False
            ).values_list("pk", "transferred_to_id")
        )
    )


ITEM_FIELDS = (
    "pk",
    "activity_id",
    "activity__task_id",
    "activity__task__area_id",
    "activity__weight",
    "agency_id",
    "role",
)


def items_of(
    plan: Plan,
    rows: list[dict[str, Any]],
    *,
    period: ReportingPeriod | None,
    today: date,
    states: tuple[str, ...] = SENT_STATES,
    stands_for: dict[int, int] | None = None,
    whole_activities: bool = False,
    whole_plan: bool = False,
) -> list[ItemState]:
    """The items of `plan_progress` for these assignments only, in the order given.

    `rows` are values of assignments that were not transferred, with the keys of
    `ITEM_FIELDS`. A page of a list costs what its rows cost: the due dates and the
    counted reports are read for these assignments (and the ones they took over) only,
    in three queries whatever their number. `whole_activities` says the rows are every
    assignment of their activities (as `plan_rollup` reads them): the reports are then
    found by activity, without a list of ids. `whole_plan` says they are every
    assignment of the plan (`plan_progress`): reports and due dates are read by plan.
    """
    if not rows:
        return []
    if stands_for is None:
        stands_for = plan_transfers(plan)
    activity_ids = {row["activity_id"] for row in rows}
    due_dates = DueDate.objects.filter(activity_id__in=activity_ids)
    if whole_plan:
        reports = ProgressReport.objects.filter(assignment__activity__plan=plan)
        due_dates = DueDate.objects.filter(activity__plan=plan)
    elif whole_activities:
        reports = ProgressReport.objects.filter(assignment__activity_id__in=activity_ids)
    else:
        wanted = {row["pk"] for row in rows}
        predecessors = [old for old, final in stands_for.items() if final in wanted]
        reports = ProgressReport.objects.filter(assignment_id__in=[*wanted, *predecessors])
    due: dict[int, list[date]] = defaultdict(list)
    for activity_id, due_on in due_dates.order_by("due_on").values_list("activity_id", "due_on"):
        due[activity_id].append(due_on)
    counted = latest_sent_reports(reports, period=period, states=states, stands_for=stands_for)
    items = []
    for row in rows:
        item = ItemState(
            assignment_id=row["pk"],
            activity_id=row["activity_id"],
            task_id=row["activity__task_id"],
            area_id=row["activity__task__area_id"],
            agency_id=row["agency_id"],
            role=row["role"],
            # Sorted once per activity and shared by its items; nobody changes it.
            due_dates=due.get(row["activity_id"], []),
            weight=row["activity__weight"],
        )
        report = counted.get(item.assignment_id)
        if report is not None:
            item.report_id = report["pk"]
            item.status = report["status"]
            item.percent = report["percent"]
            item.state = report["state"]
            item.completed_on = report["completed_on"]
        done_on = item.completed_on if item.status == ProgressReport.Status.DONE else None
        item.timeliness = timeliness(item.due_dates, done_on, today)
        items.append(item)
    return items


# How many assignments `plan_rollup` reads at a time (whole activities, so one activity
# with more is read alone): some tens of megabytes of items. A province's plan is one
# slice; a national one of a million assignments is fifty.
ROLLUP_ASSIGNMENTS = 20_000


class _Sum:
    """A `Figure` of items added one at a time, as `plan_progress` makes an agency's."""

    __slots__ = ("figure", "total", "values", "weights")

    def __init__(self) -> None:
        self.figure = Figure()
        self.values = 0  # how many values
        self.weights = 0  # their weights
        self.total = 0.0  # sum of the values (weighted: of value × weight)

    def add(self, item: ItemState, method: str) -> None:
        _tally(self.figure, item)
        if item.status == ProgressReport.Status.NOT_DONE:
            return
        value = _value(item, method)
        self.values += 1
        self.weights += item.weight
        self.total += value * item.weight if method == "weighted" else value

    def totals(self) -> tuple[int, float]:
        """The weights and the sum of the values (whole numbers, in a float: exact)."""
        return self.weights, self.total

    def done(self, method: str) -> Figure:
        if not self.values:
            self.figure.percent = None
        elif method == "weighted":
            self.figure.percent = self.total / self.weights if self.weights else None
        else:
            self.figure.percent = self.total / self.values
        return self.figure


def agency_figure(items: list[ItemState], method: str) -> Figure | None:
    """An agency's figure of `plan_progress` made from that agency's items alone (every
    one of them: lead or cooperating, closed or not); None when it has none."""
    if not items:
        return None
    total = _Sum()
    for item in items:
        total.add(item, method)
    return total.done(method)


def plan_rollup(
    plan: Plan,
    *,
    period: ReportingPeriod | None,
    today: date,
    method: str | None = None,
    states: tuple[str, ...] = SENT_STATES,
    chunk: int = ROLLUP_ASSIGNMENTS,
) -> Progress:
    """The figures of `plan_progress` (activities, tasks, areas, plan, agencies) without
    its items, in memory that does not grow with the assignments.

    The activities are read a slice at a time (whole activities, about `chunk`
    assignments), each with all its assignments, their due dates and their reports
    (`items_of`, the same rules as `plan_progress`); an activity's figure is made once
    its items are there, and the items are dropped. What stays is one figure per activity,
    task, area and agency, and each activity's counted reports (`activity_reports`). It
    costs two queries and three per slice: a province's plan is one slice, the same five
    queries whatever its size; `plan_progress` costs three but holds every assignment.
    """
    method = method or plan.rollup_method
    stands_for = plan_transfers(plan)
    progress = Progress(
        method=method, method_label=str(METHOD_LABELS[method]), items=[], stands_for=stands_for
    )
    activity_value: dict[int, tuple[float, int]] = {}
    activity_parent: dict[int, tuple[int, int]] = {}
    agencies: dict[int, _Sum] = defaultdict(_Sum)
    agency_areas: dict[tuple[int, int], _Sum] = defaultdict(_Sum)
    slices: list[list[int]] = [[]]
    size = 0
    for activity_id, count in (
        Assignment.objects.filter(activity__plan=plan, transferred_to__isnull=True)
        .values("activity_id")
        .annotate(n=Count("pk"))
        .order_by("activity_id")
        .values_list("activity_id", "n")
    ):
        if slices[-1] and size + count > chunk:
            slices.append([])
            size = 0
        slices[-1].append(activity_id)
        size += count
    for activity_ids in slices:
        if not activity_ids:
            continue
        rows = list(
            Assignment.objects.filter(activity_id__in=activity_ids, transferred_to__isnull=True)
            .order_by("pk")
            .values(*ITEM_FIELDS)
        )
        items = items_of(
            plan,
            rows,
            period=period,
            today=today,
            states=states,
            stands_for=stands_for,
            whole_activities=True,
        )
        del rows
        by_activity: dict[int, list[ItemState]] = defaultdict(list)
        for item in items:
            by_activity[item.activity_id].append(item)
            agencies[item.agency_id].add(item, method)
            agency_areas[(item.agency_id, item.area_id)].add(item, method)
        figures, values, parents = _activity_figures(by_activity, method)
        progress.activities.update(figures)
        activity_value.update(values)
        activity_parent.update(parents)
        for activity_id, activity_items in by_activity.items():
            leads = [i for i in activity_items if i.role == Assignment.Role.LEAD]
            progress.activity_reports[activity_id] = [
                i.report_id for i in leads or activity_items if i.report_id is not None
            ]
    _roll_up(progress, activity_value, activity_parent)
    progress.agencies = {key: total.done(method) for key, total in agencies.items()}
    progress.agency_totals = {key: total.totals() for key, total in agencies.items()}
    progress.agency_areas = {key: total.done(method) for key, total in agency_areas.items()}
    return progress
