"""What a background job was asked to do, how it went, and what it produced.

The queue itself belongs to the tasks backend (`django_tasks_db`); this row is the part a
person sees: who asked, what for (a kind from `cchc.jobs.registry` and its parameters),
the subject that decides who may see it, progress, every error, and the result file with
the day it expires.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Đã xong")
        FAILED = "failed", _("Thất bại")

    class Subject(models.TextChoices):
        """What a job is about; `cchc.jobs.access` turns it into who may see the job."""

        PLAN = "plan", _("Kế hoạch")
        AGENCY = "agency", _("Cơ quan")
        PROVINCE = "province", _("Toàn tỉnh")
        PLAN_IMPORT = "plan_import", _("Nhập kế hoạch")
        PUBLIC = "public", _("Công khai")
        SYSTEM = "system", _("Hệ thống")

    # Not a counter: a job's address must not let one guess another's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("loại công việc"), max_length=40, db_index=True)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    subject_type = models.CharField(_("loại đối tượng"), max_length=20, choices=Subject.choices)
    subject_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("đã xử lý"), default=0)
    progress_total = models.PositiveIntegerField(_("tổng số"), default=0)
    progress_message = models.CharField(_("đang làm"), max_length=300, blank=True)
    errors = models.JSONField(_("lỗi"), default=list, blank=True)
    summary = models.CharField(_("kết quả"), max_length=500, blank=True)
    # The uploaded file an import or a restore reads, kept in the job store.
    input_sha256 = models.CharField(_("tệp đầu vào (SHA-256)"), max_length=64, blank=True)
    input_name = models.CharField(_("tên tệp đầu vào"), max_length=255, blank=True)
    result_sha256 = models.CharField(_("tệp kết quả (SHA-256)"), max_length=64, blank=True)
    result_name = models.CharField(_("tên tệp kết quả"), max_length=255, blank=True)
    result_type = models.CharField(_("kiểu tệp kết quả"), max_length=120, blank=True)
    result_size = models.PositiveBigIntegerField(_("kích thước tệp kết quả"), default=0)
    expires_at = models.DateTimeField(_("tệp hết hạn lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    # Liveness of the worker that runs it: the machine and process, and when it last spoke.
    worker_host = models.CharField(_("máy xử lý"), max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(_("tiến trình xử lý"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("tín hiệu gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("công việc nền")
        verbose_name_plural = _("công việc nền")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["asked_by", "-created_at"]),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="job_status_known",
            ),
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")) | Q(progress_total=0),
                name="job_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def has_result(self) -> bool:
        return bool(self.result_sha256)
