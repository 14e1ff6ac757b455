"""How progress is read: the one place for "which report counts for an assignment".

- `SENT_STATES`: a report counts once its agency has sent it (submitted or approved);
  a draft or a returned report is the agency's own business.
- `latest_sent_reports`: for each assignment, the latest report sent up to a period
  (the report of the latest period wins). The roll-ups (`plan_progress`), the
  dashboards, the API's `counted`, the status annex and the daily reminders all stand
  on it, so that a report counts the same everywhere. One query.

The roll-up itself (timeliness per assignment, percent per activity, task, area, plan,
agency and group) is `cchc.monitoring.progress`: `plan_progress` for a plan at a
period, `rollup_plan_percent` for the plan figure of any set of reports (the trend
chart's replay gives the same figure, tested against it). Which plans exist and which
one a page shows is `cchc.plans.readmodel`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cchc.monitoring.models import ProgressReport, ReportingPeriod

SENT_STATES: tuple[str, ...] = (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)

# What a counted report carries into the roll-ups.
COUNTED_FIELDS = ("pk", "assignment_id", "status", "percent", "state", "completed_on")


def latest_sent_reports(
    reports: QuerySet[ProgressReport],
    *,
    period: ReportingPeriod | None = None,
    states: tuple[str, ...] = SENT_STATES,
    fields: tuple[str, ...] = COUNTED_FIELDS,
    stands_for: dict[int, int] | None = None,
) -> dict[int, dict[str, Any]]:
    """assignment id → the values of the report that stands for it, in one query.

    `reports` narrows the reports looked at (a plan's, the issued plans'); `period`
    keeps those up to and including it (None: every period); `states` are the states
    that count (the public page passes only the approved one). Within the order of
    periods the latest one wins; ties (impossible while a report is unique per
    assignment and period) are broken by id so the answer never depends on the database.

    `stands_for` maps a transferred assignment to the one that took it over (see
    `plan_progress`): their reports are read as one assignment's, keyed by the successor,
    and the later one wins, so the successor's own report replaces its predecessor's.
    """
    selected = reports.filter(state__in=states)
    if period is not None:
        selected = selected.filter(period__position__lte=period.position)
    wanted = tuple(dict.fromkeys(("assignment_id", *fields)))
    latest: dict[int, dict[str, Any]] = {}
    for row in selected.order_by("period__position", "pk").values(*wanted):
        assignment_id = row["assignment_id"]
        if stands_for:
            assignment_id = stands_for.get(assignment_id, assignment_id)
        latest[assignment_id] = row
    return latest
