"""The daily reminder run, in-app notifications and the agencies' iCalendar feeds.

What a run sends on day D (D in Asia/Ho_Chi_Minh, see cchc.lib.calendar):

* An item is an assignment of an issued plan that is still open: the latest report its
  agency has sent (submitted or approved; `cchc.monitoring.readmodel.latest_sent_reports`,
  as on the dashboards) does not say "hoàn thành" or "không thực hiện". Returned reports
  and drafts do not count.
* It is *due soon* when one of its due dates is exactly 7, 3 or 1 calendar days after
  D. Calendar days, not working days: a deadline does not move for a weekend, and a
  reminder one calendar day before a Monday deadline reaches people on Sunday's cron
  run, so run the command every day, weekends included.
* It is *overdue* by (D - last due date) days once its last due date has passed, as
  `cchc.monitoring.progress.timeliness` says; ongoing ("Thường xuyên") items never are.
* Each agency with items gets ONE digest: to its officers and its own address, and also
  to its heads once an item is overdue by CCHC_ESCALATE_HEAD_DAYS (default 3) days.
  Items overdue by CCHC_ESCALATE_COORDINATOR_DAYS (default 10) days are also listed, for
  every agency, in one escalation digest to the coordinators.
* Every recipient with an account also gets the digest as an in-app notification.

A `ReminderLog` row per item, kind and day (and per address and day) is written in the
same transaction as the notifications; the mail goes out only after it commits. A
second run on the same day finds its rows and sends nothing; two runs at once collide
on the unique constraints and one of them rolls back without sending. A message whose
SMTP delivery fails is logged and counted, not retried: reminders are at most once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.audit import context as audit_context
from cchc.audit.log import log_action, log_here
from cchc.citizens.feedback import OverdueLine, overdue_lines
from cchc.lib import calendar
from cchc.monitoring.models import Assignment, ProgressReport
from cchc.monitoring.readmodel import latest_sent_reports
from cchc.official.status import UpwardLine, upward_lines
from cchc.plans.models import DueDate, Plan
from cchc.reminders.models import CalendarFeed, Notification, ReminderLog

logger = logging.getLogger(__name__)

REMINDER_DAYS = (7, 3, 1)
DUE_KINDS = {
    7: ReminderLog.Kind.DUE_7,
    3: ReminderLog.Kind.DUE_3,
    1: ReminderLog.Kind.DUE_1,
}
AGENCY_ITEM_KINDS = (*DUE_KINDS.values(), ReminderLog.Kind.OVERDUE)
CLOSED_STATUSES = (ProgressReport.Status.DONE, ProgressReport.Status.NOT_DONE)


def escalate_head_days() -> int:
    return int(getattr(settings, "CCHC_ESCALATE_HEAD_DAYS", 3))


def escalate_coordinator_days() -> int:
    return int(getattr(settings, "CCHC_ESCALATE_COORDINATOR_DAYS", 10))


def _worklist_url() -> str:
    """Where an officer reports: the report worklist, or the agency list before it exists."""
    try:
        return _absolute(reverse("report_worklist"))
    except NoReverseMatch:
        return _absolute(reverse("agency_list"))


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# ---------------------------------------------------------------------------
# What is due


@dataclass
class Item:
    """One open assignment as a reminder lists it."""

    assignment_id: int
    agency_id: int
    agency_name: str
    activity: str
    task: str
    deadline: str
    due_on: date
    days_left: int  # due_on - today: negative when overdue
    province_id: int | None = None  # the agency's (docs/tenants.md)

    @property
    def overdue_days(self) -> int:
        return max(0, -self.days_left)

    @property
    def kind(self) -> str:
        if self.days_left < 0:
            return ReminderLog.Kind.OVERDUE
        return DUE_KINDS[self.days_left]

    @property
    def label(self) -> str:
        if self.days_left < 0:
            return _("Quá hạn %(days)s ngày (hạn %(due)s)") % {
                "days": self.overdue_days,
                "due": _day(self.due_on),
            }
        return _("Còn %(days)s ngày (hạn %(due)s)") % {
            "days": self.days_left,
            "due": _day(self.due_on),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "assignment": self.assignment_id,
            "agency_id": self.agency_id,
            "agency": self.agency_name,
            "activity": self.activity,
            "task": self.task,
            "deadline": self.deadline,
            "due_on": self.due_on.isoformat(),
            "due": _day(self.due_on),
            "days_left": self.days_left,
            "overdue_days": self.overdue_days,
            "label": self.label,
        }


def reminders_open_items(*, today: date) -> list[Item]:
    """Every open item due in exactly 7, 3 or 1 days, or overdue, on `today`. 4 queries."""
    targets = [today + timedelta(days=n) for n in REMINDER_DAYS]
    issued = Q(activity__plan__status=Plan.Status.ISSUED)
    relevant = DueDate.objects.filter(activity_id=OuterRef("activity_id")).filter(
        Q(due_on__in=targets) | Q(due_on__lt=today)
    )
    rows = list(
        Assignment.objects.filter(issued, closed_on__isnull=True, agency__closed_on__isnull=True)
        .filter(Exists(relevant))
        .values(
            "pk",
            "agency_id",
            "agency__name",
            "agency__province_id",
            "activity_id",
            "activity__title",
            "activity__deadline",
            "activity__task__number",
            "activity__task__title",
        )
        .order_by(
            "agency__sort_name",
            "activity__task__area__position",
            "activity__task__position",
            "activity__position",
            "pk",
        )
    )
    if not rows:
        return []
    due: dict[int, list[date]] = defaultdict(list)
    for activity_id, due_on in DueDate.objects.filter(
        activity__plan__status=Plan.Status.ISSUED
    ).values_list("activity_id", "due_on"):
        due[activity_id].append(due_on)
    latest = latest_sent_reports(
        ProgressReport.objects.filter(assignment__activity__plan__status=Plan.Status.ISSUED),
        fields=("status",),
    )
    items = []
    for row in rows:
        if latest.get(row["pk"], {}).get("status") in CLOSED_STATUSES:
            continue
        dates = sorted(due[row["activity_id"]])
        if not dates:
            continue
        if dates[-1] < today:
            due_on = dates[-1]
        else:
            upcoming = [d for d in dates if (d - today).days in REMINDER_DAYS]
            if not upcoming:
                continue
            due_on = upcoming[0]
        items.append(
            Item(
                assignment_id=row["pk"],
                agency_id=row["agency_id"],
                agency_name=row["agency__name"],
                activity=row["activity__title"],
                task=f"{row['activity__task__number']}. {row['activity__task__title']}",
                deadline=row["activity__deadline"],
                due_on=due_on,
                days_left=(due_on - today).days,
                province_id=row["agency__province_id"],
            )
        )
    return items


# ---------------------------------------------------------------------------
# Who gets what


@dataclass(frozen=True)
class Recipient:
    user_id: int | None
    email: str
    name: str


@dataclass
class Digest:
    agency_id: int
    agency_name: str
    items: list[Item]
    to: list[Recipient]
    heads: list[Recipient]  # empty unless an item is overdue long enough
    # Feedback routed to the agency and not answered by its deadline (cchc.citizens).
    feedback: list[OverdueLine] = field(default_factory=list)
    # Its official reports due upward and not sent (cchc.official).
    upward: list[UpwardLine] = field(default_factory=list)

    @property
    def soon(self) -> list[Item]:
        return [i for i in self.items if i.days_left >= 0]

    @property
    def overdue(self) -> list[Item]:
        return [i for i in self.items if i.days_left < 0]

    @property
    def recipients(self) -> list[Recipient]:
        return self.to + self.heads


@dataclass
class Escalation:
    """The late work of one province to its coordinators; `province_id` None: every
    province's late work to the national level's coordinators (docs/tenants.md)."""

    items: list[Item]
    to: list[Recipient]
    province_id: int | None = None
    province_name: str = ""

    @property
    def agencies(self) -> list[tuple[str, list[Item]]]:
        grouped: dict[str, list[Item]] = {}
        for item in self.items:
            grouped.setdefault(item.agency_name, []).append(item)
        return list(grouped.items())


@dataclass
class ReminderPlan:
    """What a run on `day` would send; nothing is written until `reminders_send`."""

    day: date
    digests: list[Digest] = field(default_factory=list)
    # One per province with late work and coordinators, and one for the national level.
    escalations: list[Escalation] = field(default_factory=list)
    already_sent: int = 0  # agencies reminded earlier on the same day
    without_recipient: list[str] = field(default_factory=list)
    # Late assignments already in an escalation today (logged once a day each).
    escalated_items: set[int] = field(default_factory=set)


def _user_recipient(row: Mapping[str, Any]) -> Recipient:
    name = row["full_name"] or row["username"]
    return Recipient(user_id=row["pk"], email=row["email"], name=name)


def reminders_plan(*, today: date) -> ReminderPlan:
    """Decide what the run on `today` sends: digests per agency and the escalation."""
    result = ReminderPlan(day=today)
    items = reminders_open_items(today=today)
    late_feedback: dict[int, list[OverdueLine]] = defaultdict(list)
    for line in overdue_lines(today=today):
        if line.agency_id is not None:
            late_feedback[line.agency_id].append(line)
    upward: dict[int, list[UpwardLine]] = defaultdict(list)
    for upward_line in upward_lines(today=today, days_before=REMINDER_DAYS):
        upward[upward_line.agency_id].append(upward_line)
    if not items and not late_feedback and not upward:
        return result
    # An agency that got its digest today (even one of feedback only) is done for the day.
    sent_today = ReminderLog.objects.filter(
        Q(assignment__isnull=False)
        | Q(kind__in=(ReminderLog.Kind.DIGEST, ReminderLog.Kind.ESCALATION)),
        sent_on=today,
    ).values_list("agency_id", "kind", "assignment_id", "recipient")
    agencies_done: set[int] = set()
    # Escalations are per recipient (one per province, one national): whoever got one
    # today (an address written down, a notification) is done with it for the day.
    escalated_emails: set[str] = set()
    for agency_id, kind, assignment_id, recipient in sent_today:
        if kind != ReminderLog.Kind.ESCALATION:
            agencies_done.add(agency_id)
        elif assignment_id is not None:
            result.escalated_items.add(assignment_id)
        else:
            escalated_emails.add(recipient.strip().lower())
    officers: dict[int, list[Recipient]] = defaultdict(list)
    heads: dict[int, list[Recipient]] = defaultdict(list)
    # Coordinators by province; None: the national level's.
    coordinators: dict[int | None, list[Recipient]] = defaultdict(list)
    province_names: dict[int | None, str] = {}
    # Who is written to is the policy's: one query for everyone any reminder concerns.
    audience = (
        policy.POLICY.audience("reminder.digest")
        | policy.POLICY.audience("reminder.head")
        | policy.POLICY.audience("reminder.escalation")
    )
    for row in (
        User.objects.filter(audience)
        .order_by("pk")
        .values(
            "pk",
            "username",
            "full_name",
            "email",
            "role",
            "agency_id",
            "province_id",
            "province__name",
        )
    ):
        if policy.POLICY.allows_role(row["role"], "reminder.escalation"):
            coordinators[row["province_id"]].append(_user_recipient(row))
            province_names[row["province_id"]] = row["province__name"] or ""
        if row["agency_id"] is None:
            continue
        if policy.POLICY.allows_role(row["role"], "reminder.digest"):
            officers[row["agency_id"]].append(_user_recipient(row))
        if policy.POLICY.allows_role(row["role"], "reminder.head"):
            heads[row["agency_id"]].append(_user_recipient(row))
    agency_rows = {
        pk: (email, name)
        for pk, email, name in Agency.objects.filter(
            pk__in={i.agency_id for i in items} | set(late_feedback) | set(upward),
            closed_on__isnull=True,
        )
        .order_by("sort_name")
        .values_list("pk", "email", "name")
    }

    by_agency: dict[int, list[Item]] = {}
    for item in items:
        by_agency.setdefault(item.agency_id, []).append(item)
    for agency_id in [*late_feedback, *upward]:
        if agency_id in agency_rows:
            by_agency.setdefault(agency_id, [])
    head_after = escalate_head_days()
    for agency_id, agency_items in by_agency.items():
        if agency_id in agencies_done:
            result.already_sent += 1
            continue
        email, name = agency_rows.get(agency_id, ("", ""))
        to = list(officers.get(agency_id, []))
        if email:
            to.append(Recipient(user_id=None, email=email, name=""))
        escalate = max((i.overdue_days for i in agency_items), default=0) >= head_after
        digest = Digest(
            agency_id=agency_id,
            agency_name=agency_items[0].agency_name if agency_items else name,
            items=sorted(agency_items, key=lambda i: (i.days_left, i.assignment_id)),
            to=to,
            heads=list(heads.get(agency_id, [])) if escalate else [],
            feedback=late_feedback.get(agency_id, []),
            upward=upward.get(agency_id, []),
        )
        if not digest.recipients:
            result.without_recipient.append(digest.agency_name)
            continue
        result.digests.append(digest)

    coordinator_after = escalate_coordinator_days()
    late = sorted(
        (i for i in items if i.overdue_days >= coordinator_after),
        key=lambda i: (i.agency_name, i.days_left, i.assignment_id),
    )
    if not late:
        return result
    # Provinces are tenants: each province's coordinators get their province's late work
    # only; the national level's (no province) get every province's, in one message.
    notified = (
        set(
            Notification.objects.filter(
                kind=Notification.Kind.ESCALATION, sent_on=today
            ).values_list("user_id", flat=True)
        )
        if escalated_emails or result.escalated_items
        else set()
    )
    for province_id, everyone in coordinators.items():
        to = [
            r
            for r in everyone
            if r.user_id not in notified and r.email.strip().lower() not in escalated_emails
        ]
        mine = (
            late
            if province_id is None
            else [i for i in late if i.province_id in (province_id, None)]
        )
        if mine and to:
            result.escalations.append(
                Escalation(
                    items=mine,
                    to=to,
                    province_id=province_id,
                    province_name=province_names.get(province_id, ""),
                )
            )
    result.escalations.sort(key=lambda e: (e.province_id is None, e.province_name))
    return result


# ---------------------------------------------------------------------------
# Messages


def _digest_subject(digest: Digest, day: date) -> str:
    counts = {"day": _day(day), "soon": len(digest.soon), "overdue": len(digest.overdue)}
    if not digest.items and not digest.feedback:
        return _("[CCHC] Nhắc việc ngày %(day)s: %(count)s báo cáo CCHC định kỳ chưa gửi") % {
            "day": _day(day),
            "count": len(digest.upward),
        }
    if not digest.items:
        return _("[CCHC] Nhắc việc ngày %(day)s: %(count)s phản ánh, kiến nghị quá hạn trả lời") % {
            "day": _day(day),
            "count": len(digest.feedback),
        }
    if digest.soon and digest.overdue:
        return (
            _("[CCHC] Nhắc việc ngày %(day)s: %(soon)s việc sắp đến hạn, %(overdue)s việc quá hạn")
            % counts
        )
    if digest.overdue:
        return _("[CCHC] Nhắc việc ngày %(day)s: %(overdue)s việc quá hạn") % counts
    return _("[CCHC] Nhắc việc ngày %(day)s: %(soon)s việc sắp đến hạn") % counts


def _escalation_subject(escalation: Escalation, day: date) -> str:
    return _(
        "[CCHC] Cảnh báo ngày %(day)s: %(count)s việc của %(agencies)s cơ quan quá hạn "
        "từ %(days)s ngày trở lên"
    ) % {
        "day": _day(day),
        "count": len(escalation.items),
        "agencies": len(escalation.agencies),
        "days": escalate_coordinator_days(),
    }


def _message(
    *, subject: str, template: str, context: dict[str, Any], to: list[str], cc: list[str]
) -> EmailMultiAlternatives:
    context = {
        **context,
        "notifications_url": _absolute(reverse("notifications")),
        "worklist_url": _worklist_url(),
        "site_url": settings.SITE_URL,
    }
    text = render_to_string(f"reminders/email/{template}.txt", context)
    html = render_to_string(f"reminders/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, cc=cc)
    message.attach_alternative(html, "text/html")
    return message


def _emails(recipients: list[Recipient], exclude: frozenset[str] = frozenset()) -> list[str]:
    """Distinct non-empty addresses, compared without case, in the order given."""
    seen: dict[str, str] = {}
    for recipient in recipients:
        email = recipient.email.strip()
        key = email.lower()
        if email and key not in exclude and key not in seen:
            seen[key] = email
    return list(seen.values())


@dataclass
class ReminderResult:
    day: date
    digests: int = 0
    to_heads: int = 0
    escalations: int = 0
    notifications: int = 0
    already_sent: int = 0
    without_recipient: list[str] = field(default_factory=list)
    mails_queued: int = 0
    mails_sent: int = 0
    mails_failed: int = 0
    event_mails: int = 0  # personal messages of report events (cchc.reminders.events)
    events_mailed: int = 0


def _deliver(messages: list[EmailMultiAlternatives], result: ReminderResult) -> None:
    try:
        with get_connection() as connection:
            for message in messages:
                message.connection = connection
                try:
                    message.send()
                    result.mails_sent += 1
                except Exception:
                    logger.exception("Reminder to %s was not delivered", message.to)
                    result.mails_failed += 1
    except Exception:
        # The connection itself failed: nothing left for this run.
        logger.exception("Could not open the mail connection for reminders")
        result.mails_failed += len(messages) - result.mails_sent - result.mails_failed


def _events_subject(count: int, day: date) -> str:
    return _("[CCHC] Tin mới về báo cáo ngày %(day)s: %(count)s tin") % {
        "day": _day(day),
        "count": count,
    }


def _report_event_messages(today: date) -> tuple[list[EmailMultiAlternatives], int]:
    """One personal message per user with the report events they have not read and no
    run has mailed yet (see cchc.reminders.events), and mark them mailed. A notice read in
    the app before the run is not mailed: the user already knows. Returns the messages
    and how many notices they carry."""
    pending = list(
        Notification.objects.select_for_update(of=("self",))
        .filter(
            kind__in=Notification.REPORT_KINDS,
            read_at__isnull=True,
            mailed_on__isnull=True,
            sent_on__lte=today,
        )
        .select_related("user")
        .order_by("user_id", "pk")
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        by_user[notification.user_id].append(notification)
    messages = []
    carried = 0
    for events in by_user.values():
        user = events[0].user
        email = user.email.strip()
        if not (user.is_active and email):
            continue
        carried += len(events)
        messages.append(
            _message(
                subject=_events_subject(len(events), today),
                template="events",
                to=[email],
                cc=[],
                context={
                    "events": events,
                    "day": today,
                    "name": str(user),
                    "site_root": settings.SITE_URL.rstrip("/"),
                },
            )
        )
    # Users without an address are settled too: the app is where they read them.
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(mailed_on=today)
    return messages, carried


@transaction.atomic
def reminders_send(*, today: date | None = None, dry_run: bool = False) -> ReminderResult:
    """Run the day's reminders once: logs and notifications now, mail after the commit."""
    today = today or calendar.today()
    with translation.override(settings.LANGUAGE_CODE):
        plan = reminders_plan(today=today)
        result = ReminderResult(
            day=today, already_sent=plan.already_sent, without_recipient=plan.without_recipient
        )
        logs: list[ReminderLog] = []
        notifications: list[Notification] = []
        messages: list[EmailMultiAlternatives] = []
        for digest in plan.digests:
            subject = _digest_subject(digest, today)
            for item in digest.items:
                logs.append(
                    ReminderLog(
                        agency_id=digest.agency_id,
                        kind=item.kind,
                        assignment_id=item.assignment_id,
                        due_on=item.due_on,
                        sent_on=today,
                    )
                )
            to = _emails(digest.to)
            cc = _emails(digest.heads, exclude=frozenset(e.lower() for e in to))
            for email in to:
                logs.append(
                    ReminderLog(
                        agency_id=digest.agency_id,
                        recipient=email,
                        kind=ReminderLog.Kind.DIGEST,
                        sent_on=today,
                    )
                )
            for email in cc:
                logs.append(
                    ReminderLog(
                        agency_id=digest.agency_id,
                        recipient=email,
                        kind=ReminderLog.Kind.HEAD,
                        sent_on=today,
                    )
                )
            payload = [item.as_dict() for item in digest.items]
            payload += [line.as_dict() for line in digest.feedback]
            payload += [line.as_dict() for line in digest.upward]
            for user_id in dict.fromkeys(r.user_id for r in digest.recipients if r.user_id):
                notifications.append(
                    Notification(
                        user_id=user_id,
                        kind=Notification.Kind.DIGEST,
                        agency_id=digest.agency_id,
                        sent_on=today,
                        title=subject[:300],
                        items=payload,
                    )
                )
            if to or cc:
                messages.append(
                    _message(
                        subject=subject,
                        template="digest",
                        to=to or cc,
                        cc=cc if to else [],
                        context={"digest": digest, "day": today, "head_days": escalate_head_days()},
                    )
                )
            result.digests += 1
            result.to_heads += bool(digest.heads)
        logged = set(plan.escalated_items)
        logged_emails: set[str] = set()
        for escalation in plan.escalations:
            subject = _escalation_subject(escalation, today)
            for item in escalation.items:
                if item.assignment_id in logged:
                    continue  # in another province's or the national message too
                logged.add(item.assignment_id)
                logs.append(
                    ReminderLog(
                        agency_id=item.agency_id,
                        kind=ReminderLog.Kind.ESCALATION,
                        assignment_id=item.assignment_id,
                        due_on=item.due_on,
                        sent_on=today,
                    )
                )
            to = _emails(escalation.to)
            for email in to:
                if email.lower() in logged_emails:
                    continue  # one address shared by two provinces' coordinators
                logged_emails.add(email.lower())
                logs.append(
                    ReminderLog(recipient=email, kind=ReminderLog.Kind.ESCALATION, sent_on=today)
                )
            payload = [item.as_dict() for item in escalation.items]
            for user_id in dict.fromkeys(r.user_id for r in escalation.to if r.user_id):
                notifications.append(
                    Notification(
                        user_id=user_id,
                        kind=Notification.Kind.ESCALATION,
                        sent_on=today,
                        title=subject[:300],
                        items=payload,
                    )
                )
            if to:
                messages.append(
                    _message(
                        subject=subject,
                        template="escalation",
                        to=to,
                        cc=[],
                        context={
                            "escalation": escalation,
                            "day": today,
                            "coordinator_days": escalate_coordinator_days(),
                        },
                    )
                )
            result.escalations += 1
        event_messages, result.events_mailed = _report_event_messages(today)
        messages.extend(event_messages)
        result.event_mails = len(event_messages)
        result.notifications = len(notifications)
        result.mails_queued = len(messages)
        if dry_run:
            transaction.set_rollback(True)
            return result
        # Plain bulk_create, no ignore_conflicts: a concurrent run that already wrote
        # today's rows makes this one fail whole, so it sends nothing twice.
        ReminderLog.objects.bulk_create(logs)
        Notification.objects.bulk_create(notifications)
        if messages:
            transaction.on_commit(lambda: _deliver(messages, result))
    return result


# ---------------------------------------------------------------------------
# Notifications


def notifications_unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read (or all when no id). Returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


# ---------------------------------------------------------------------------
# iCalendar feeds


def calendar_feed_active(agency: Agency) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(agency=agency, revoked_at__isnull=True).first()


@transaction.atomic
def calendar_feed_regenerate(*, agency: Agency, actor: User | None) -> CalendarFeed:
    """Revoke the agency's current feed URL, if any, and issue a new one."""
    now = timezone.now()
    revoked = (
        CalendarFeed.objects.select_for_update()
        .filter(agency=agency, revoked_at__isnull=True)
        .update(revoked_at=now)
    )
    feed = CalendarFeed(agency=agency, created_by=actor)
    feed.full_clean()
    feed.save()
    # The secret itself stays out of the trail: it is a password to the feed.
    log_action(
        actor=actor,
        source=audit_context.current().source,
        action="calendar_feed.regenerate",
        obj=agency,
        before={"active_feeds": revoked},
        after={"active_feeds": 1},
    )
    return feed


@transaction.atomic
def calendar_feed_revoke(*, agency: Agency) -> int:
    revoked = CalendarFeed.objects.filter(agency=agency, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        log_here(
            action="calendar_feed.revoke",
            obj=agency,
            before={"active_feeds": revoked},
            after={"active_feeds": 0},
        )
    return revoked


def calendar_feed_ics(feed: CalendarFeed) -> bytes:
    """The agency's due dates as iCalendar: one all-day event per assignment and due date,
    and one per official report it owes upward (on its due date).

    UIDs are built from the assignment and the date, so a calendar app that polls the feed
    updates its events instead of duplicating them. 4 queries whatever the size.
    """
    agency = feed.agency
    host = urlsplit(settings.SITE_URL).hostname or "cchc"
    roles = dict(Assignment.Role.choices)
    rows = list(
        Assignment.objects.filter(agency=agency, closed_on__isnull=True)
        .exclude(activity__plan__status=Plan.Status.DRAFT)
        .values(
            "pk",
            "role",
            "activity_id",
            "activity__title",
            "activity__deadline",
            "activity__task__number",
            "activity__task__title",
            "activity__plan__number",
            "activity__plan__title",
        )
        .order_by("pk")
    )
    due: dict[int, list[date]] = defaultdict(list)
    for activity_id, due_on in DueDate.objects.filter(
        activity__assignments__agency=agency
    ).values_list("activity_id", "due_on"):
        due[activity_id].append(due_on)
    stamp = timezone.now()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//CCHC//Lich han hoan thanh//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("CCHC – %(agency)s") % {"agency": agency.name})
    cal.add("x-wr-timezone", str(calendar.TZ))
    url = _absolute(reverse("agency_detail", args=[agency.pk]))
    for row in rows:
        for due_on in sorted(set(due.get(row["activity_id"], []))):
            event = icalendar.Event()
            event.add("uid", f"cchc-{row['pk']}-{due_on:%Y%m%d}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", due_on)
            event.add("dtend", due_on + timedelta(days=1))
            event.add("summary", _("Hạn: %(activity)s") % {"activity": row["activity__title"]})
            event.add(
                "description",
                "\n".join(
                    [
                        _("Nhiệm vụ: %(number)s. %(task)s")
                        % {
                            "number": row["activity__task__number"],
                            "task": row["activity__task__title"],
                        },
                        _("Thời gian hoàn thành: %(deadline)s")
                        % {"deadline": row["activity__deadline"] or "—"},
                        _("Vai trò: %(role)s") % {"role": roles.get(row["role"], row["role"])},
                        _("Kế hoạch: %(plan)s")
                        % {"plan": row["activity__plan__number"] or row["activity__plan__title"]},
                    ]
                ),
            )
            event.add("transp", "TRANSPARENT")
            event.add("url", url)
            cal.add_component(event)
    _official_events(cal, agency, host, stamp)
    return cal.to_ical()


def _official_events(cal: icalendar.Calendar, agency: Agency, host: str, stamp: Any) -> None:
    """The official reports the agency owes upward (cchc.official), one all-day event on
    each due date, with the period's cut-off date of the figures: the deadlines the daily
    digest recalls. One query."""
    from cchc.official.status import agency_upward_deadlines, upward_title

    url = _absolute(reverse("official_list"))
    for period in agency_upward_deadlines(agency.pk):
        event = icalendar.Event()
        event.add("uid", f"cchc-official-{period.pk}-{agency.pk}-{period.due_on:%Y%m%d}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", period.due_on)
        event.add("dtend", period.due_on + timedelta(days=1))
        event.add("summary", _("Hạn gửi: %(report)s") % {"report": upward_title(period)})
        event.add(
            "description",
            "\n".join(
                [
                    _("Số liệu chốt đến ngày %(cut)s.") % {"cut": f"{period.ends_on:%d/%m/%Y}"},
                    _("Hạn gửi báo cáo lên tỉnh: %(due)s.") % {"due": f"{period.due_on:%d/%m/%Y}"},
                    _("Kế hoạch: %(plan)s") % {"plan": period.plan.number or period.plan.title},
                ]
            ),
        )
        event.add("transp", "TRANSPARENT")
        event.add("url", url)
        cal.add_component(event)
