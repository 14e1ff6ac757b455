"""The official CCHC reports: quarterly, 6-month, 9-month and annual, agency and province.

A `ReportTemplate` says what a report holds: numbered sections, each with data blocks
(`cchc.official.blocks`, computed from cchc's own data) and narrative slots a person
writes. Templates are versioned: the admin's edit makes a new version, and a report keeps
the version it was made from.

An `OfficialReport` is one agency's (or, with no agency, the province's) report for a
reporting period. It moves draft → head-approved → submitted → received by the
coordinator → consolidated into the province's report. Every narrative edit is a
`NarrativeEdit`; every step after the draft freezes the whole content (figures and text)
as a `ReportSnapshot`, so a sent report reads, and prints, the same forever.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency
from cchc.monitoring.models import ReportingPeriod


class ReportTemplate(models.Model):
    kind = models.CharField(_("loại báo cáo"), max_length=20, choices=ReportingPeriod.Kind.choices)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    title = models.CharField(
        _("trích yếu"),
        max_length=300,
        help_text=_("«{period}» được thay bằng tên kỳ, ví dụ «quý II năm 2022»."),
    )
    sections = models.JSONField(
        _("các phần"),
        help_text=_(
            "Danh sách các phần: mỗi phần có «title», «per_area» (true: một mục cho mỗi "
            "lĩnh vực của kế hoạch), «blocks» (mã các khối số liệu) và «slots» (các đoạn "
            "lời văn: «key», «label», «prefill»: «progress» để điền sẵn từ báo cáo tiến độ)."
        ),
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

    class Meta:
        verbose_name = _("mẫu báo cáo")
        verbose_name_plural = _("mẫu báo cáo")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="report_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · v{self.version}"

    @classmethod
    def current(cls, kind: str) -> ReportTemplate | None:
        return cls.objects.filter(kind=kind).order_by("-version").first()


class OfficialReport(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        APPROVED = "approved", _("Lãnh đạo đã duyệt")
        SUBMITTED = "submitted", _("Đã gửi")
        RECEIVED = "received", _("Cơ quan thường trực đã nhận")
        CONSOLIDATED = "consolidated", _("Đã tổng hợp vào báo cáo của tỉnh")

    template = models.ForeignKey(
        ReportTemplate, verbose_name=_("mẫu"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("kỳ báo cáo"),
        on_delete=models.CASCADE,
        related_name="official_reports",
    )
    # None: the province's report, consolidated by the coordinator.
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="official_reports",
    )
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=State.choices, default=State.DRAFT
    )
    number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    place = models.CharField(_("địa danh"), max_length=100)
    dated_on = models.DateField(_("ngày ký"))
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=200, blank=True)
    recipients = models.TextField(_("nơi nhận"), blank=True)
    consolidated_into = models.ForeignKey(
        "self",
        verbose_name=_("tổng hợp vào"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sources",
    )
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("báo cáo CCHC định kỳ")
        verbose_name_plural = _("báo cáo CCHC định kỳ")
        ordering = ["period__position", "agency__sort_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "agency"],
                condition=Q(agency__isnull=False),
                name="official_report_one_per_agency",
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(agency__isnull=True),
                name="official_report_one_for_province",
            ),
        ]

    def __str__(self) -> str:
        who = self.agency.name if self.agency_id and self.agency else _("Toàn tỉnh")
        return f"{who} · {self.period.name} {self.period.plan.year}"

    @property
    def is_province(self) -> bool:
        return self.agency_id is None

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT


class NarrativeEdit(models.Model):
    """One saved text of one narrative slot; the latest per slot is the report's text."""

    report = models.ForeignKey(
        OfficialReport, verbose_name=_("báo cáo"), on_delete=models.CASCADE, related_name="edits"
    )
    slot = models.CharField(_("đoạn"), max_length=60)
    text = models.TextField(_("nội dung"), blank=True)
    report_version = models.PositiveIntegerField(_("phiên bản báo cáo"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người sửa"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lần sửa lời văn")
        verbose_name_plural = _("các lần sửa lời văn")
        ordering = ["report", "slot", "pk"]

    def __str__(self) -> str:
        return f"{self.slot} · {self.report_version}"


class ReportSnapshot(models.Model):
    """The whole content at a step of the workflow: what was approved, sent, received."""

    report = models.ForeignKey(
        OfficialReport,
        verbose_name=_("báo cáo"),
        on_delete=models.CASCADE,
        related_name="snapshots",
    )
    version = models.PositiveIntegerField(_("phiên bản"))
    state = models.CharField(_("trạng thái"), max_length=20, choices=OfficialReport.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("lúc"), auto_now_add=True)
    content: Any = models.JSONField(_("nội dung"))

    class Meta:
        verbose_name = _("phiên bản báo cáo")
        verbose_name_plural = _("các phiên bản báo cáo")
        ordering = ["report", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="official_snapshot_version")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} · v{self.version}"
