"""The plan's month-by-month trend, replayed from its reports' history."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models.fields.json import KT
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from cchc.monitoring.figures import Stamp, cached
from cchc.monitoring.models import ProgressReport, ReportVersion
from cchc.monitoring.progress import ItemState, Progress, rollup_plan_percent
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


def _events(plan: Plan, since: datetime | None, before: datetime | None = None) -> list[Event]:
    """The plan's sends, returns and approvals in order, `since` ≤ moment < `before`.

    The month and the two values of the snapshot come out of the database as numbers
    and text, so that no timestamp or JSON value is decoded in Python.
    """
    tz = timezone.get_default_timezone()
    rows = ReportVersion.objects.filter(
        report__assignment__activity__plan=plan,
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
        self.items: list[ItemState] | None = None

    def point(self, month: int) -> TrendPoint:
        events, state = self.events, self.state
        while self.cursor < len(events) and events[self.cursor][3] <= month:
            report_id, assignment_id, position, _month, action, status, percent = events[
                self.cursor
            ]
            # A report of an assignment handed to a merged agency's successor counts for
            # the successor's item, as in `plan_progress`.
            assignment_id = self.progress.stands_for.get(assignment_id, assignment_id)
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
            self.cursor += 1
        standing: dict[int, tuple[int, str, int]] = {}
        for item_id, at_position, sent, said, share in state.values():
            if sent and at_position >= standing.get(item_id, (-1, "", 0))[0]:
                standing[item_id] = (at_position, said, share)
        return TrendPoint(
            month=month,
            percent=self._standing_percent(standing),
            sent=len(standing),
        )

    def _standing_percent(self, standing: dict[int, tuple[int, str, int]]) -> float | None:
        """The plan figure of `plan_progress`, for the reports that stood at one moment."""
        if self.items is None:
            # Copies made once and refilled each month: the roll-up reads only the status
            # and the percent, which each month sets again.
            self.items = [copy(item) for item in self.progress.items]
        for item in self.items:
            _position, status, percent = standing.get(item.assignment_id, NOTHING_SENT)
            item.status = status
            item.percent = percent
        return rollup_plan_percent(self.items, self.progress.method)


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
    last_month = 12 if plan.year < today.year else today.month
    if stamp is None:
        replay = _Replay(plan, progress, {}, _events(plan, None))
        return [replay.point(month) for month in range(1, last_month + 1)]
    settled = 0
    now = timezone.now()
    while settled < last_month and _month_end(plan.year, settled + 1) + SETTLE <= now:
        settled += 1

    def compute() -> list[TrendPoint]:
        points, state = _settled(plan, progress, stamp, settled)
        since = _month_end(plan.year, settled) if settled else None
        events = _events(plan, since) if settled < last_month else []
        replay = _Replay(plan, progress, state, events)
        return points + [replay.point(month) for month in range(settled + 1, last_month + 1)]

    return cached(
        plan.pk,
        stamp.reports,
        "trend",
        (plan.year, last_month, settled, plan.rollup_method),
        compute,
    )


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
