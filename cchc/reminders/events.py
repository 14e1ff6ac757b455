"""Telling people that a progress report moved: in the app at once, by mail the next run.

The review loop of a report, and who hears of each step (the audiences are the policy's
`notify.*` actions, so no role is named here):

* An officer saves a draft that only the head may send (`report.submit` refuses the
  officer): the draft is ready for the head. There is no separate "ready" button: a saved
  draft is what the head's send page lists, so the first save is the moment the head has
  something to send. The heads of the agency are told once per report; later saves of
  the same draft tell nobody again. When a report is sent, their notice is marked read:
  there is nothing left for them to do. A head who saves, or an officer saving a returned
  report they may send themselves, tells nobody: they can send it.
* Someone of the agency sends a report: the coordinators are told, once per sending.
  Their notice is marked read once the report is reviewed (by any of them).
* The coordinator approves or returns a report: the agency's people who wrote it (saved
  a version of it) are told, once per review, with the comment.

Each notice has a `key` naming the event (report, step, version), unique per user: the
same event written twice is one notice. The daily run (`reminders_send`) mails each user
the notices of report events they have not read yet, once, in one personal message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.lib import calendar
from cchc.monitoring.models import ProgressReport, ReportVersion
from cchc.reminders.models import Notification

Kind = Notification.Kind


def _key(report: ProgressReport, step: str, version: int | None = None) -> str:
    key = f"report:{report.pk}:{step}:"
    return key if version is None else f"{key}{version}"


def _audience(
    action: str, report: ProgressReport, narrow: Q | None = None, *, not_told: str = ""
) -> list[User]:
    """The active users the policy's `action` names for this report. `narrow` only cuts
    the query down (to the agency's people); the policy has the last word on each.
    `not_told` leaves out, in the same query, those who have the notice of that key
    already: every save of a draft asks, and nearly always everyone has it."""
    users = User.objects.filter(policy.POLICY.audience(action))
    if narrow is not None:
        users = users.filter(narrow)
    if not_told:
        users = users.exclude(
            Exists(Notification.objects.filter(user=OuterRef("pk"), key=not_told))
        )
    candidates = list(users.order_by("pk"))
    tenancy.share_province_agency_ids(candidates)
    return [user for user in candidates if policy.can(user, action, report)]


def _item(report: ProgressReport, actor: User) -> dict[str, Any]:
    assignment = report.assignment
    return {
        "report": report.pk,
        "url": reverse("report_detail", args=[assignment.pk, report.period_id]),
        "agency": assignment.agency.name,
        "activity": assignment.activity.title,
        "period": report.period.name,
        "actor": str(actor),
        "status": report.get_status_display(),
        "percent": report.percent,
        "comment": report.review_comment,
    }


def _notify(
    users: list[User],
    *,
    kind: str,
    key: str,
    title: str,
    report: ProgressReport,
    actor: User,
    checked: bool = False,
) -> int:
    """One notice per user for the event `key`; a second write of the same event adds none.
    `checked`: the users were chosen among those without it (`_audience(not_told=key)`)."""
    users = [u for u in users if u.pk != actor.pk]
    if not users:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        item = _item(report, actor)
    already: set[int] = (
        set()
        if checked
        else set(
            Notification.objects.filter(user__in=users, key=key).values_list("user_id", flat=True)
        )
    )
    fresh = [
        Notification(
            user=user,
            kind=kind,
            agency_id=report.assignment.agency_id,
            sent_on=calendar.today(),
            title=title[:300],
            items=[item],
            key=key,
        )
        for user in users
        if user.pk not in already
    ]
    # The report's row is locked by the caller, so the check above is not raced by the
    # same report; ignore_conflicts is the unique constraint's second line of defence.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def _label(report: ProgressReport) -> dict[str, str]:
    return {
        "activity": report.assignment.activity.title[:150],
        "period": report.period.name,
        "agency": report.assignment.agency.name,
    }


def report_saved(report: ProgressReport, actor: User) -> int:
    """A draft was saved: tell the heads if it waits for them to send it."""
    if report.state != ProgressReport.State.DRAFT or policy.can(actor, "report.submit", report):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Báo cáo chờ lãnh đạo gửi: «%(activity)s» (%(period)s)") % _label(report)
    key = _key(report, "ready")
    heads = _audience(
        "notify.report_ready", report, narrow=Q(agency_id=report.assignment.agency_id), not_told=key
    )
    return _notify(
        heads,
        kind=Kind.REPORT_READY,
        key=key,
        title=title,
        report=report,
        actor=actor,
        checked=True,
    )


def report_submitted(report: ProgressReport, actor: User) -> int:
    """A report was sent: the heads' "ready" notice is done; tell the coordinators."""
    _resolve(report, "ready")
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(agency)s gửi báo cáo chờ duyệt: «%(activity)s» (%(period)s)") % _label(report)
    return _notify(
        _audience("notify.report_sent", report),
        kind=Kind.REPORT_SENT,
        key=_key(report, "sent", report.version),
        title=title,
        report=report,
        actor=actor,
    )


def report_reviewed(report: ProgressReport, actor: User) -> int:
    """A report was approved or returned: tell the agency's people who wrote it."""
    _resolve(report, "sent")
    approved = report.state == ProgressReport.State.APPROVED
    with translation.override(settings.LANGUAGE_CODE):
        if approved:
            title = _("Báo cáo đã được duyệt: «%(activity)s» (%(period)s)") % _label(report)
        else:
            title = _("Báo cáo bị trả lại: «%(activity)s» (%(period)s)") % _label(report)
    writers = ReportVersion.objects.filter(report=report, action=ReportVersion.Action.SAVED).values(
        "actor_id"
    )
    return _notify(
        _audience(
            "notify.report_reviewed",
            report,
            narrow=Q(agency_id=report.assignment.agency_id, pk__in=writers),
        ),
        kind=Kind.REPORT_APPROVED if approved else Kind.REPORT_RETURNED,
        key=_key(report, "approved" if approved else "returned", report.version),
        title=title,
        report=report,
        actor=actor,
    )


def _resolve(report: ProgressReport, step: str) -> None:
    """The step's notices need nothing more from anyone: mark them read."""
    Notification.objects.filter(key__startswith=_key(report, step), read_at__isnull=True).update(
        read_at=timezone.now()
    )
