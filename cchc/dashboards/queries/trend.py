"""The plan's month-by-month trend, replayed from its reports' history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.utils import timezone

from cchc.monitoring.models import ProgressReport, ReportVersion
from cchc.monitoring.progress import Progress, rollup_plan_percent
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
    # report id -> (assignment, period position, sent?, status, percent)
    state: dict[int, tuple[int, int, bool, str, int]] = {}
    points = []
    cursor = 0
    for month in range(1, last_month + 1):
        end = _month_end(plan.year, month)
        while cursor < len(events) and events[cursor][3] < end:
            report_id, assignment_id, position, _at, action, status, percent = events[cursor]
            # A report of an assignment handed to a merged agency's successor counts for
            # the successor's item, as in `plan_progress`.
            assignment_id = progress.stands_for.get(assignment_id, assignment_id)
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
                percent=_standing_percent(progress, standing),
                sent=len(standing),
            )
        )
    return points


def _standing_percent(
    progress: Progress, standing: dict[int, tuple[int, str, int]]
) -> float | None:
    """The plan figure of `plan_progress`, for the reports that stood at one moment."""
    items = []
    for item in progress.items:
        _position, status, percent = standing.get(
            item.assignment_id, (0, ProgressReport.Status.NOT_STARTED, 0)
        )
        items.append(replace(item, status=status, percent=percent))
    return rollup_plan_percent(items, progress.method)
