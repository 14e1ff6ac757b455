"""Progress tracking: who reports on what, for which period, and the review of each report.

An `Assignment` is one agency's share of one activity, made by expanding the activity's
lead and cooperating agencies and groups. Each assignment gets one `ProgressReport` per
`ReportingPeriod`. A report moves draft → submitted → approved, or back to returned;
every saved state is kept as a `ReportVersion`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency, AgencyGroup
from cchc.documents.models import Document, DocumentLink
from cchc.plans.models import Activity, Plan


class ReportingPeriod(models.Model):
    class Kind(models.TextChoices):
        QUARTER = "quarter", _("Quý")
        HALF_YEAR = "half_year", _("6 tháng")
        NINE_MONTHS = "nine_months", _("9 tháng")
        YEAR = "year", _("Năm")

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="periods"
    )
    code = models.SlugField(_("mã"), max_length=20)
    name = models.CharField(_("kỳ báo cáo"), max_length=100)
    kind = models.CharField(_("loại kỳ"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày (chốt số liệu)"))
    due_on = models.DateField(_("hạn gửi báo cáo"))
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="period_code_unique_in_plan"),
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")), name="period_starts_before_end"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__lte=models.F("due_on")), name="period_due_after_cutoff"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Chủ trì")
        COOPERATING = "cooperating", _("Phối hợp")

    # No single-column index on either: the unique (activity, agency) index and the
    # (agency, role) index lead with them and serve every lookup. A plan that names big
    # groups makes hundreds of thousands of assignments at once, and each index costs
    # every one of those rows.
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("hoạt động"),
        on_delete=models.CASCADE,
        related_name="assignments",
        db_index=False,
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="assignments_set",
        db_index=False,
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    via_group = models.ForeignKey(
        AgencyGroup,
        verbose_name=_("giao qua nhóm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # No index: nothing looks assignments up by their group, and most rows of a big
        # plan name one, so the index cost every imported row. Deleting a group (rare, by
        # an administrator) scans the table once for its PROTECT check.
        db_index=False,
    )
    # When the agency is merged or closed, its open assignments end on that day. A merge
    # hands the work to the successor's assignment of the same activity (made if needed)
    # and points there; this row keeps the reports the old agency wrote.
    closed_on = models.DateField(_("kết thúc ngày"), null=True, blank=True)
    transferred_to = models.ForeignKey(
        "self",
        verbose_name=_("chuyển giao cho"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_from",
        db_index=False,  # the partial index below
    )

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        constraints = [
            models.UniqueConstraint(fields=["activity", "agency"], name="assignment_unique"),
            models.CheckConstraint(
                condition=Q(transferred_to__isnull=True) | Q(closed_on__isnull=False),
                name="assignment_transferred_is_closed",
            ),
            models.CheckConstraint(
                condition=~Q(transferred_to=models.F("pk")),
                name="assignment_not_transferred_to_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "role"]),
            # Only a merge sets it, so only those few rows are indexed: the lookups (a
            # PROTECT check when assignments are deleted, "transferred_from") all ask
            # for a given id, which both databases serve from a partial index.
            models.Index(
                fields=["transferred_to"],
                condition=Q(transferred_to__isnull=False),
                name="assignment_transferred_to",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} – {self.activity}"


class ProgressReport(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Chưa triển khai")
        IN_PROGRESS = "in_progress", _("Đang triển khai")
        DONE = "done", _("Hoàn thành")
        NOT_DONE = "not_done", _("Không thực hiện")

    class State(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        SUBMITTED = "submitted", _("Đã gửi")
        APPROVED = "approved", _("Đã duyệt")
        RETURNED = "returned", _("Trả lại")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("phân công"), on_delete=models.CASCADE, related_name="reports"
    )
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("kỳ báo cáo"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    status = models.CharField(
        _("tình trạng"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField(_("tỷ lệ hoàn thành (%)"), default=0)
    reason = models.TextField(_("lý do không thực hiện"), blank=True)
    narrative = models.TextField(_("kết quả thực hiện"), blank=True)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    state = models.CharField(
        _("trạng thái duyệt"), max_length=20, choices=State.choices, default=State.DRAFT
    )
    review_comment = models.TextField(_("ý kiến của cơ quan thường trực"), blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gửi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cập nhật"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Output documents and evidence files are documents of `cchc.documents`, linked to
    # the report; deleting a report removes its links, never the agency's documents.
    document_links = GenericRelation(
        DocumentLink,
        content_type_field="target_type",
        object_id_field="target_id",
        related_query_name="progress_report",
    )

    class Meta:
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "period"], name="one_report_per_assignment_and_period"
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="report_percent_0_100"
            ),
            models.CheckConstraint(
                condition=~Q(status="not_done") | ~Q(reason=""),
                name="report_not_done_has_reason",
            ),
        ]
        # The review queue (and its count) looks the plan's submitted reports up per
        # assignment: a small index of only those, rather than every report's history.
        indexes = [
            models.Index(
                fields=["assignment"],
                condition=Q(state="submitted"),
                name="report_submitted_assignment",
            )
        ]

    # Not a field: the report's document links as a save read them inside its
    # transaction, when the save did not change them (`report_save`), so that the API's
    # answer does not read them again. None: not known, read them.
    links_read: list[DocumentLink] | None = None

    def __str__(self) -> str:
        return f"{self.assignment} – {self.period}"

    @property
    def is_editable(self) -> bool:
        return self.state in {self.State.DRAFT, self.State.RETURNED}

    @property
    def documents(self) -> QuerySet[Document]:
        """The report's output documents, by date of issue."""
        return Document.objects.filter(
            links__progress_report=self, links__role=DocumentLink.Role.OUTPUT
        ).order_by("issued_on", "pk")

    @property
    def evidence(self) -> QuerySet[DocumentLink]:
        """The report's evidence files, as links (the handle a download or removal names)."""
        return (
            self.document_links.filter(role=DocumentLink.Role.EVIDENCE)
            .select_related("document")
            .prefetch_related("document__files__stored")
            .order_by("pk")
        )


class ReportVersion(models.Model):
    """A saved state of a report: who did what, when, and what it then said."""

    class Action(models.TextChoices):
        SAVED = "saved", _("Lưu nháp")
        SUBMITTED = "submitted", _("Gửi duyệt")
        APPROVED = "approved", _("Duyệt")
        RETURNED = "returned", _("Trả lại")

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("báo cáo"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("phiên bản"))
    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("lúc"), auto_now_add=True)
    snapshot = models.JSONField(_("nội dung lúc lưu"), default=dict)
    changes = models.JSONField(_("thay đổi"), default=dict)  # field -> [before, after]
    # The token of the form (or request) this save came from: the same form sent twice,
    # by a double click or a resend, is recognised and answered as saved, not as stale.
    submission = models.CharField(_("mã lần gửi biểu mẫu"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("lịch sử báo cáo")
        verbose_name_plural = _("lịch sử báo cáo")
        ordering = ["report", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version} {self.action}"


class FiguresStamp(models.Model):
    """Which computed figures of a plan are current (`cchc.monitoring.figures`).

    Every change that can move the plan's figures writes new random stamps here in its
    own transaction: `reports` when a report is sent, returned or approved; `structure`
    (and `reports`) when periods, activities, assignments, dates or the plan change. The
    cached figures are keyed by these stamps, so a figure computed before the change can
    never be read after it. Random rather than counted, so that a flushed or restored
    database cannot meet an old cache entry under a reused key.
    """

    plan = models.OneToOneField(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, primary_key=True
    )
    reports = models.CharField(_("dấu báo cáo"), max_length=32)
    structure = models.CharField(_("dấu cấu trúc"), max_length=32)

    class Meta:
        verbose_name = _("dấu số liệu tổng hợp")
        verbose_name_plural = _("dấu số liệu tổng hợp")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.reports}/{self.structure}"


class WorkStamp(models.Model):
    """Which cached worklist of an agency is current (`cchc.monitoring.worklist`).

    The officer's list shows the agency's drafts as they are saved, which the plan's
    `FiguresStamp` does not follow (a draft moves no figure): every change of one of the
    agency's reports (opened, saved, sent, returned, approved) writes a new random token
    here in its own transaction, and the cached list is keyed by it and by the plan's
    stamps. One row per agency, so that saves of different agencies never wait for each
    other; random for the reason `FiguresStamp` is.
    """

    agency = models.OneToOneField(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, primary_key=True
    )
    token = models.CharField(_("dấu việc cần báo cáo"), max_length=32)

    class Meta:
        verbose_name = _("dấu việc cần báo cáo")
        verbose_name_plural = _("dấu việc cần báo cáo")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.token}"
