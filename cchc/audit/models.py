"""One row per change of state, written only by `cchc.audit.log.log_action`."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRecord(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("Trang web")
        API = "api", _("API")
        CLI = "cli", _("Dòng lệnh")
        SYSTEM = "system", _("Hệ thống")
        # A background job; the actor is the person who asked for it.
        JOB = "job", _("Công việc nền")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        # The record outlives the account: it keeps the label written at the time.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("người thực hiện (lúc ghi)"), max_length=200, blank=True)
    action = models.CharField(_("thao tác"), max_length=60, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=60, db_index=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("đối tượng"), max_length=300, blank=True)
    before = models.JSONField(_("trước"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("sau"), null=True, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(_("lúc"), auto_now_add=True, db_index=True)
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)

    class Meta:
        verbose_name = _("bản ghi nhật ký")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=["web", "api", "cli", "system", "job"]),
                name="audit_source_known",
            )
        ]

    def __str__(self) -> str:
        who = self.actor_label or "—"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_label}"
