"""What is due upward: each reporting period's official report, its cut-off and due date,
and where the user's (their agency's, or the province's) report stands.

The list page shows it, and the agencies' calendar feeds carry the due dates
(`official_deadlines`, read by `cchc.reminders.services.calendar_feed_ics`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.monitoring.models import ReportingPeriod
from cchc.official.models import OfficialReport
from cchc.plans.models import Plan

SENT = {
    OfficialReport.State.SUBMITTED,
    OfficialReport.State.RECEIVED,
    OfficialReport.State.CONSOLIDATED,
}


def top_plan() -> Plan | None:
    """The province's newest plan (not an agency's own plan derived from it)."""
    return (
        Plan.objects.filter(parent__isnull=True)
        .exclude(status=Plan.Status.DRAFT)
        .order_by("-year", "-pk")
        .first()
    ) or Plan.objects.filter(parent__isnull=True).order_by("-year", "-pk").first()


@dataclass
class DueRow:
    period: ReportingPeriod
    report: OfficialReport | None
    sent_agencies: int  # for the province's row: agency reports sent in the period

    def overdue(self, today: date) -> bool:
        return today > self.period.due_on and (self.report is None or self.report.state not in SENT)

    def days_left(self, today: date) -> int:
        return (self.period.due_on - today).days


def due_rows(plan: Plan, user: User, today: date) -> list[DueRow]:
    """One row per period of `plan`: the user's agency's report (the coordinator: the
    province's), in 3 queries."""
    periods = list(plan.periods.order_by("position"))
    province = policy.can(user, "official.create", {"agency": None})
    reports = OfficialReport.objects.filter(period__plan=plan)
    mine = {
        r.period_id: r
        for r in (
            reports.filter(agency__isnull=True)
            if province
            else reports.filter(agency_id=user.agency_id or 0)
        )
    }
    sent: dict[int, int] = {}
    if province:
        for period_id in reports.filter(agency__isnull=False, state__in=SENT).values_list(
            "period_id", flat=True
        ):
            sent[period_id] = sent.get(period_id, 0) + 1
    return [DueRow(p, mine.get(p.pk), sent.get(p.pk, 0)) for p in periods]


def official_deadlines(plan_ids: list[int] | None = None) -> list[ReportingPeriod]:
    """The periods whose official report is due upward, of the province's issued plans."""
    periods = ReportingPeriod.objects.filter(
        plan__parent__isnull=True, plan__status=Plan.Status.ISSUED
    ).select_related("plan")
    if plan_ids is not None:
        periods = periods.filter(plan_id__in=plan_ids)
    return list(periods.order_by("plan__year", "position"))
