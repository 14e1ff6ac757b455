"""Reminders and calendars: the administrator's days off and make-up days, what was sent
to whom (so that nothing is sent twice), in-app notifications, and iCalendar feeds.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency
from cchc.lib import calendar


class CalendarDay(models.Model):
    """A day the administrator declares off (holiday) or on (make-up working day).

    It overrides both the public holidays of the `holidays` package and the weekday.
    """

    class Kind(models.TextChoices):
        HOLIDAY = calendar.HOLIDAY, _("Ngày nghỉ")
        WORKDAY = calendar.WORKDAY, _("Ngày làm việc (làm bù)")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("tên, lý do"), max_length=200)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.name}"


class ReminderLog(models.Model):
    """One reminder sent: either an item of a digest, or a digest to one address.

    Item rows (assignment set, no recipient) make sure no item is reminded twice with the
    same kind on the same day. Recipient rows (no assignment) record who got each digest.
    """

    class Kind(models.TextChoices):
        DUE_7 = "due_7", _("Còn 7 ngày đến hạn")
        DUE_3 = "due_3", _("Còn 3 ngày đến hạn")
        DUE_1 = "due_1", _("Còn 1 ngày đến hạn")
        OVERDUE = "overdue", _("Quá hạn")
        ESCALATION = "escalation", _("Báo cáo cơ quan thường trực việc quá hạn")
        DIGEST = "digest", _("Thư nhắc việc")
        HEAD = "head", _("Thư nhắc việc gửi lãnh đạo cơ quan")

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    recipient = models.CharField(_("người nhận"), max_length=254, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    assignment = models.ForeignKey(
        "monitoring.Assignment",
        verbose_name=_("phân công"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    due_on = models.DateField(_("hạn"), null=True, blank=True)
    sent_on = models.DateField(_("ngày gửi"), db_index=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("nhật ký nhắc việc")
        verbose_name_plural = _("nhật ký nhắc việc")
        ordering = ["-sent_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "sent_on"],
                condition=Q(assignment__isnull=False),
                name="reminder_item_once_per_kind_and_day",
            ),
            models.UniqueConstraint(
                fields=["agency", "recipient", "kind", "sent_on"],
                condition=Q(assignment__isnull=True, agency__isnull=False),
                name="reminder_digest_once_per_recipient_and_day",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "sent_on"],
                condition=Q(assignment__isnull=True, agency__isnull=True),
                name="reminder_escalation_once_per_recipient_and_day",
            ),
            models.CheckConstraint(
                condition=(Q(assignment__isnull=False) & Q(recipient=""))
                | (Q(assignment__isnull=True) & ~Q(recipient="")),
                name="reminder_is_item_or_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sent_on} {self.kind} {self.recipient or self.assignment_id}"


class Notification(models.Model):
    """Something one user is told in the app: a copy of a daily digest (`items` is what it
    listed), the end of a background job, or a step of a progress report's review."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Nhắc việc")
        ESCALATION = "escalation", _("Cảnh báo quá hạn")
        # A background job asked by the user ended; `items` holds its link.
        JOB = "job", _("Công việc nền")
        # A report moved on its way (cchc.reminders.events): `items` holds one report.
        REPORT_READY = "report_ready", _("Báo cáo chờ lãnh đạo gửi")
        REPORT_SENT = "report_sent", _("Báo cáo chờ duyệt")
        REPORT_RETURNED = "report_returned", _("Báo cáo bị trả lại")
        REPORT_APPROVED = "report_approved", _("Báo cáo đã được duyệt")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    sent_on = models.DateField(_("ngày"))
    title = models.CharField(_("tiêu đề"), max_length=300)
    items = models.JSONField(_("các việc"), default=list)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    # What the notification is about, once per user: a report event saved twice (two
    # saves of the same draft, a retried request) is still one notification.
    key = models.CharField(_("mã sự việc"), max_length=100, blank=True, default="")
    # The day the daily mail carried it; report events go out once, in the next run.
    mailed_on = models.DateField(_("đã gửi thư ngày"), null=True, blank=True)

    REPORT_KINDS = (
        Kind.REPORT_READY,
        Kind.REPORT_SENT,
        Kind.REPORT_RETURNED,
        Kind.REPORT_APPROVED,
    )

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-sent_on", "-pk"]
        constraints = [
            # One digest a day; a user may see many jobs end and many reports move.
            models.UniqueConstraint(
                fields=["user", "kind", "sent_on"],
                condition=Q(kind__in=["digest", "escalation"]),
                name="notification_once_per_kind_and_day",
            ),
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=~Q(key=""),
                name="notification_once_per_event",
            ),
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_report_event(self) -> bool:
        return self.kind in self.REPORT_KINDS


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret URL serving an agency's due dates as iCalendar; revoked, it serves nothing.

    The token is kept in clear because the page must show the URL again; it grants read
    access to due dates only, never to reports or files.
    """

    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(
        _("mã bí mật"), max_length=64, unique=True, default=_new_token, editable=False
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lịch iCalendar")
        verbose_name_plural = _("lịch iCalendar")
        ordering = ["agency", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_feed_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} ({self.token[:6]}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
