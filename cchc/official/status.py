"""What is due upward: each reporting period's official report, its cut-off and due date,
and where the user's (their agency's, or the province's) report stands.

The list page shows it, and the agencies' calendar feeds carry the due dates
(`agency_upward_deadlines`, read by `cchc.reminders.services.calendar_feed_ics`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.monitoring.models import ReportingPeriod
from cchc.official.models import OfficialReport
from cchc.plans.models import Plan

SENT = {
    OfficialReport.State.SUBMITTED,
    OfficialReport.State.RECEIVED,
    OfficialReport.State.CONSOLIDATED,
}


def top_plan(user: Any = None) -> Plan | None:
    """The province's newest plan (not an agency's own plan derived from it): of the
    user's province (cchc.accounts.tenancy) when a user is given."""
    tops = tenancy.scope(Plan.objects.filter(parent__isnull=True), user)
    return (
        tops.exclude(status=Plan.Status.DRAFT).order_by("-year", "-pk").first()
        or tops.order_by("-year", "-pk").first()
    )


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


def agency_upward_deadlines(agency_id: int) -> list[ReportingPeriod]:
    """The periods whose official report `agency_id` owes upward, by the digest's rule
    (`upward_lines`): the province's issued plans in which it has open assignments. The
    agency's calendar feed carries their due dates. One query."""
    from cchc.monitoring.models import Assignment

    plans = Assignment.objects.filter(agency_id=agency_id, closed_on__isnull=True).values(
        "activity__plan_id"
    )
    return list(
        ReportingPeriod.objects.filter(
            plan__parent__isnull=True, plan__status=Plan.Status.ISSUED, plan_id__in=plans
        )
        .select_related("plan")
        .order_by("plan__year", "position")
    )


def upward_title(period: ReportingPeriod) -> str:
    return _("Báo cáo CCHC %(period)s năm %(year)s gửi Sở Nội vụ") % {
        "period": period.name,
        "year": period.plan.year,
    }


# After its due date an unsent report is recalled every day for this long; later, the
# list page still shows it overdue, but the digest stops repeating it.
OVERDUE_REMINDER_DAYS = 30


@dataclass(frozen=True)
class UpwardLine:
    """An agency's official report due upward, as the daily digest lists it."""

    agency_id: int
    period_id: int
    period_name: str
    year: int
    ends_on: date
    due_on: date
    days_left: int

    @property
    def label(self) -> str:
        if self.days_left < 0:
            return _("Quá hạn %(days)s ngày (hạn gửi %(due)s)") % {
                "days": -self.days_left,
                "due": self.due_on.strftime("%d/%m/%Y"),
            }
        return _("Còn %(days)s ngày (hạn gửi %(due)s, chốt số liệu %(cut)s)") % {
            "days": self.days_left,
            "due": self.due_on.strftime("%d/%m/%Y"),
            "cut": self.ends_on.strftime("%d/%m/%Y"),
        }

    @property
    def title(self) -> str:
        return _("Báo cáo CCHC %(period)s năm %(year)s gửi Sở Nội vụ") % {
            "period": self.period_name,
            "year": self.year,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "official_period": self.period_id,
            "activity": self.title,
            "task": _("Báo cáo định kỳ công tác cải cách hành chính"),
            "deadline": self.due_on.strftime("%d/%m/%Y"),
            "due_on": self.due_on.isoformat(),
            "due": self.due_on.strftime("%d/%m/%Y"),
            "label": self.label,
            "days_left": self.days_left,
            "overdue_days": max(0, -self.days_left),
        }


def upward_lines(*, today: date, days_before: tuple[int, ...]) -> list[UpwardLine]:
    """Official reports due upward that an agency has not sent: on each of `days_before`
    days before the due date, and every day once overdue (for OVERDUE_REMINDER_DAYS).
    The agencies that owe a report are those with open assignments in the plan. 3 queries."""
    periods = [
        p
        for p in official_deadlines()
        if (p.due_on - today).days in days_before
        or 0 < (today - p.due_on).days <= OVERDUE_REMINDER_DAYS
    ]
    if not periods:
        return []
    from cchc.monitoring.models import Assignment

    owing: dict[int, set[int]] = {}
    for plan_id, agency_id in (
        Assignment.objects.filter(
            activity__plan_id__in={p.plan_id for p in periods}, closed_on__isnull=True
        )
        .values_list("activity__plan_id", "agency_id")
        .distinct()
    ):
        owing.setdefault(plan_id, set()).add(agency_id)
    sent = set(
        OfficialReport.objects.filter(
            period__in=periods, agency__isnull=False, state__in=SENT
        ).values_list("period_id", "agency_id")
    )
    return [
        UpwardLine(
            agency_id=agency_id,
            period_id=p.pk,
            period_name=p.name,
            year=p.plan.year,
            ends_on=p.ends_on,
            due_on=p.due_on,
            days_left=(p.due_on - today).days,
        )
        for p in periods
        for agency_id in sorted(owing.get(p.plan_id, ()))
        if (p.pk, agency_id) not in sent
    ]
