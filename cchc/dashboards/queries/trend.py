"""The plan's month-by-month trend, replayed from its reports' history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models.fields.json import KT
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from cchc.monitoring.figures import Stamp, cached, cached_get
from cchc.monitoring.models import Assignment, ProgressReport, ReportVersion
from cchc.monitoring.progress import ItemState, Progress, combine
from cchc.plans.models import Plan


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


NOTHING_SENT = (0, ProgressReport.Status.NOT_STARTED, 0)

# A month counts as settled one day after it ended: a report event is stamped with the
# moment its transaction began, and none stays open that long.
SETTLE = timedelta(days=1)

# report id -> (assignment, period position, sent?, status, percent)
State = dict[int, tuple[int, int, bool, str, int]]
# (report, assignment, period position, month, action, status, percent): `month` counts
# from January of the plan's year (0 or less: before it), in the province's time zone.
Event = tuple[int, int, int, int, str, str | None, str | None]


def _events(
    plan: Plan,
    since: datetime | None,
    before: datetime | None = None,
    *,
    assignments: list[int] | None = None,
) -> list[Event]:
    """The plan's sends, returns and approvals in order, `since` ≤ moment < `before`
    (of these `assignments`' reports only, when given).

    The month and the two values of the snapshot come out of the database as numbers
    and text, so that no timestamp or JSON value is decoded in Python.
    """
    tz = timezone.get_default_timezone()
    whose: dict[str, Any] = (
        {"report__assignment_id__in": assignments}
        if assignments is not None
        else {"report__assignment__activity__plan": plan}
    )
    rows = ReportVersion.objects.filter(
        **whose,
        action__in=[
            ReportVersion.Action.SUBMITTED,
            ReportVersion.Action.APPROVED,
            ReportVersion.Action.RETURNED,
        ],
    )
    if since is not None:
        rows = rows.filter(at__gte=since)
    if before is not None:
        rows = rows.filter(at__lt=before)
    rows = rows.annotate(
        month=(ExtractYear("at", tzinfo=tz) - plan.year) * 12 + ExtractMonth("at", tzinfo=tz),
        status=KT("snapshot__status"),
        percent=KT("snapshot__percent"),
    )
    return list(
        rows.order_by("at", "pk").values_list(
            "report_id",
            "report__assignment_id",
            "report__period__position",
            "month",
            "action",
            "status",
            "percent",
        )
    )


class _Replay:
    """Each report's state, moved on event by event; a point per month read from it."""

    def __init__(self, plan: Plan, progress: Progress, state: State, events: list[Event]):
        self.plan = plan
        self.progress = progress
        self.state = state
        self.events = events
        self.cursor = 0
        self.leads: Leads | None = None
        self.standing: Standing = {}

    def point(self, month: int) -> TrendPoint:
        events, state = self.events, self.state
        while self.cursor < len(events) and events[self.cursor][3] <= month:
            _step(state, events[self.cursor], self.progress.stands_for)
            self.cursor += 1
        self.standing = _standing(state)
        if self.leads is None:
            self.leads = _leads(self.progress.items)
        return _point(month, self.standing, self.leads, self.progress.method)


# item (assignment) -> (period position, status, percent) of the sent report standing
Standing = dict[int, tuple[int, str, int]]


def _step(state: State, event: Event, stands_for: dict[int, int]) -> None:
    """Move one report's state on by one of its events."""
    report_id, assignment_id, position, _month, action, status, percent = event
    # A report of an assignment handed to a merged agency's successor counts for
    # the successor's item, as in `plan_progress`.
    assignment_id = stands_for.get(assignment_id, assignment_id)
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
            int(float(percent)) if percent else 0,
        )
    else:  # approved: the content sent stands
        previous = state[report_id]
        state[report_id] = (*previous[:2], True, *previous[3:])


def _standing(state: State) -> Standing:
    """Each item's sent report of the latest period (reports in the order of their first
    event: of two of the same position, the later one stands)."""
    standing: Standing = {}
    for item_id, at_position, sent, said, share in state.values():
        if sent and at_position >= standing.get(item_id, (-1, "", 0))[0]:
            standing[item_id] = (at_position, said, share)
    return standing


# Each activity of the plan, in the order of its first item: its weight and the items
# its figure is made from (its leads', or everyone's when it has no lead).
Leads = list[tuple[int, list[int]]]


def _leads(items: list[ItemState]) -> Leads:
    by_activity: dict[int, list[ItemState]] = defaultdict(list)
    for item in items:
        by_activity[item.activity_id].append(item)
    leads = []
    for activity_items in by_activity.values():
        chosen = [i for i in activity_items if i.role == Assignment.Role.LEAD] or activity_items
        leads.append((chosen[0].weight, [i.assignment_id for i in chosen]))
    return leads


def _point(month: int, standing: Standing, leads: Leads, method: str) -> TrendPoint:
    """The plan figure of `plan_progress` for the reports standing at one moment.

    `rollup_plan_percent` of the items with the standing reports' status and percent,
    made without copying the items (a copy of 11,598 items cost more than the roll-up):
    the same values added in the same order, so the same float
    (tests/test_figures.py compares them)."""
    not_done, done = ProgressReport.Status.NOT_DONE, ProgressReport.Status.DONE
    by_status = method == "status"
    values: list[tuple[float, int]] = []
    for weight, assignment_ids in leads:
        shares = []
        for assignment_id in assignment_ids:
            _position, status, percent = standing.get(assignment_id, NOTHING_SENT)
            if status == not_done:
                continue
            if by_status:
                shares.append(100.0 if status == done else 0.0)
            else:
                shares.append(float(percent))
        if shares:
            values.append((sum(shares) / len(shares), weight))
    return TrendPoint(month=month, percent=combine(values, method), sent=len(standing))


def plan_trend(
    plan: Plan, progress: Progress, *, today: date, stamp: Stamp | None = None
) -> list[TrendPoint]:
    """The plan's progress as it stood at the end of each month of its year, up to today.

    Replays each report's history: a report counts from the moment it was sent, with
    what it said then, and stops counting when it is returned. As in `plan_progress`,
    the latest period's sent report stands for an assignment, and the same method rolls
    activities up to the plan.

    With the plan's `stamp` (cchc.monitoring.figures) the replay is incremental: the
    settled months (ended a day ago or more) and the reports' state at their end are kept
    in the cache under the plan's structure stamp, which a sent, returned or approved
    report leaves alone (its events are stamped with the present, so they fall in a month
    not settled yet). Only the events since then are read again, and the points are kept
    under the reports stamp. Without a stamp, the whole history is replayed.
    """
    if plan.year > today.year:
        return []
    last_month, settled = _months(plan, today)
    if stamp is None:
        replay = _Replay(plan, progress, {}, _events(plan, None))
        return [replay.point(month) for month in range(1, last_month + 1)]
    parts = (plan.year, last_month, settled, plan.rollup_method)

    def compute() -> _Whole | _Moved:
        settled_points, state = _settled(plan, progress, stamp, settled)
        points = list(settled_points)
        since = _month_end(plan.year, settled) if settled else None
        events = _events(plan, since) if settled < last_month else []
        replay = _Replay(plan, progress, state, events)
        # With the points, the reports standing at each open month's point: a report's
        # change moves those points on from them (`_carry`) without a replay.
        standings = []
        for month in range(settled + 1, last_month + 1):
            points.append(replay.point(month))
            standings.append(replay.standing)
        return points, standings, replay.leads

    kept = cached(
        plan.pk,
        stamp.reports,
        "trend",
        parts,
        compute,
        carry=lambda token, earlier, changed: _carry(
            plan, progress, token, earlier, changed, settled, parts
        ),
    )
    return kept.points if isinstance(kept, _Moved) else kept[0]


# A trend kept whole: its points, the reports standing at each open month's point, and
# the activities' leads (`_leads`, made once per whole replay: they change only with the
# plan's structure, which ends a chain of report changes).
_Whole = tuple[list["TrendPoint"], list[Standing], Leads | None]


@dataclass(frozen=True)
class _Moved:
    """A trend carried over report changes, kept as the whole trend of an earlier token
    (`base`) and what changed since: its points, and for each open month the changed
    items' standing reports (None: none stands). Written instead of every item's standing
    again after each report change; `_carry` puts the changes into the base's standings
    when it carries the trend further."""

    base: str
    points: list[TrendPoint]
    changes: list[dict[int, tuple[int, str, int] | None]]


# How many changed items a `_Moved` trend holds before the trend is kept whole again.
MOVED_MAX = 64


def _months(plan: Plan, today: date) -> tuple[int, int]:
    """The last month of the plan's trend, and how many of its months are settled."""
    last_month = 12 if plan.year < today.year else today.month
    settled = 0
    now = timezone.now()
    while settled < last_month and _month_end(plan.year, settled + 1) + SETTLE <= now:
        settled += 1
    return last_month, settled


def _carry(
    plan: Plan,
    progress: Progress,
    token: str,
    earlier: _Whole | _Moved,
    changed: set[int],
    settled: int,
    parts: tuple[Any, ...],
) -> _Whole | _Moved | None:
    """The trend of an earlier token moved on over the reports changed since
    (`cchc.monitoring.figures.carried`); None when it cannot be (a base evicted).

    A report's state in the replay depends on its own events only, and an item's
    standing report on its own reports' states. So each open month's point is that
    month's standing of the earlier token with the changed items' replayed again from
    their reports' events (one small query), rolled up by the same code as a whole
    replay. The settled months do not move (they are the structure token's). Kept as the
    earlier whole trend and the changed items' standings (`_Moved`) while they are few.
    """
    changes: list[dict[int, tuple[int, str, int] | None]]
    if isinstance(earlier, _Moved):
        # Carried from a carried one: its base's standings with its changes put in.
        base = cached_get(plan.pk, earlier.base, "trend", parts)
        if base is None or isinstance(base, _Moved):
            return None
        _points, standings, leads = base
        token, points, changes = earlier.base, earlier.points, earlier.changes
        for standing, change in zip(standings, changes, strict=True):
            for final, stands in change.items():
                if stands is None:
                    standing.pop(final, None)
                else:
                    standing[final] = stands
    else:
        points, standings, leads = earlier
        changes = [{} for _standing in standings]
    points = list(points[:settled])
    if not standings:  # every month settled: the changes came after the plan's year
        return points, standings, leads
    if leads is None:
        leads = _leads(progress.items)
    finals = {progress.stands_for.get(pk, pk) for pk in changed}
    together = [*finals, *(old for old, new in progress.stands_for.items() if new in finals)]
    events = _events(plan, None, assignments=together)
    state: State = {}
    cursor = 0
    last_month = settled + len(standings)
    for month, standing, change in zip(
        range(settled + 1, last_month + 1), standings, changes, strict=True
    ):
        # Events come in the order of their moment, so a month's are a prefix.
        while cursor < len(events) and events[cursor][3] <= month:
            _step(state, events[cursor], progress.stands_for)
            cursor += 1
        now = _standing(state)
        for final in finals:
            standing.pop(final, None)
            change[final] = now.get(final)
        standing.update(now)
        points.append(_point(month, standing, leads, progress.method))
    if len(changes[0]) > MOVED_MAX:
        return points, standings, leads
    return _Moved(token, points, changes)


def _settled(
    plan: Plan, progress: Progress, stamp: Stamp, settled: int
) -> tuple[list[TrendPoint], State]:
    """The points of the first `settled` months and the reports' state at their end."""

    def compute() -> tuple[list[TrendPoint], State]:
        if not settled:
            return [], {}
        events = _events(plan, None, before=_month_end(plan.year, settled))
        replay = _Replay(plan, progress, {}, events)
        return [replay.point(month) for month in range(1, settled + 1)], replay.state

    return cached(
        plan.pk,
        stamp.structure,
        "trend-settled",
        (plan.year, settled, plan.rollup_method),
        compute,
    )
