"""The plan register: plans, areas (lĩnh vực), tasks (nhiệm vụ), activities (hoạt động).

An activity keeps its deadline phrase word for word beside the due dates computed from
it, and its lead (chủ trì) and cooperating (phối hợp) agencies as the plan wrote them
beside the agency or collective group each name resolved to.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cchc.agencies.models import Agency, AgencyGroup
from cchc.lib.text import fold


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        ISSUED = "issued", _("Đã ban hành")
        CLOSED = "closed", _("Đã kết thúc")

    issuer = models.CharField(_("cơ quan ban hành"), max_length=255)
    issuer_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan ban hành (trong danh mục)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_plans",
    )
    # The province (tenant) whose plan this is (docs/tenants.md): an agency's own plan and
    # a remediation plan take their parent's or issuer's; `save` fills it in when it can.
    # Empty: a national plan, seen by every province.
    province = models.ForeignKey(
        Agency,
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="province_plans",
    )
    number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("năm kế hoạch"))
    title = models.CharField(_("trích yếu"), max_length=500)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.ISSUED
    )
    rollup_method = models.CharField(
        _("cách tính tiến độ chung"),
        max_length=20,
        choices=[
            ("equal", _("Trung bình cộng")),
            ("weighted", _("Bình quân gia quyền theo trọng số")),
            ("status", _("Tỷ lệ hoạt động đã hoàn thành")),
        ],
        default="equal",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("kế hoạch cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived_plans",
    )
    # Who signed it (người ký): an agency's own plan is issued with its number, date and
    # signer (docs/agency-plans.md).
    signer = models.CharField(_("người ký"), max_length=255, blank=True)
    # On a plan that others derive theirs from: the day by which each agency named in it
    # must have issued its own plan ("ban hành kế hoạch CCHC đúng hạn").
    agency_plans_due = models.DateField(
        _("hạn ban hành kế hoạch của các cơ quan"), null=True, blank=True
    )
    # The body of the plan beyond the appendix: purposes, focus areas, responsibilities.
    document = models.JSONField(_("nội dung văn bản"), default=dict, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("kế hoạch")
        verbose_name_plural = _("kế hoạch")
        ordering = ["-year", "title"]
        constraints = [
            # A number is unique per issuer within a province: every province has its
            # "21/KH-UBND" of "UBND tỉnh". National plans (no province) among themselves.
            models.UniqueConstraint(
                fields=["province", "issuer", "number"],
                condition=~Q(number="") & Q(province__isnull=False),
                name="plan_number_unique_per_issuer_in_province",
                violation_error_message=_("Cơ quan ban hành này đã có kế hoạch số này."),
            ),
            models.UniqueConstraint(
                fields=["issuer", "number"],
                condition=~Q(number="") & Q(province__isnull=True),
                name="plan_number_unique_per_issuer_national",
                violation_error_message=_("Cơ quan ban hành này đã có kế hoạch số này."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1990) & Q(year__lte=2200), name="plan_year_plausible"
            ),
            # One plan of its own per agency from each plan above it.
            models.UniqueConstraint(
                fields=["parent", "issuer_agency"],
                condition=Q(parent__isnull=False) & Q(issuer_agency__isnull=False),
                name="plan_one_derived_per_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} – {self.title}" if self.number else self.title

    def save(self, *args: object, **kwargs: object) -> None:
        if self.province_id is None:
            self.province_id = self.derived_province_id()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def derived_province_id(self) -> int | None:
        """The province this plan belongs to when nobody said: its parent's (an agency's
        own plan), its issuer's, else the installation's only province."""
        from cchc.accounts.tenancy import sole_province_id

        if self.parent_id is not None:
            return Plan.objects.filter(pk=self.parent_id).values_list("province_id", flat=True)[0]
        if self.issuer_agency_id is not None:
            found = (
                Agency.objects.filter(pk=self.issuer_agency_id)
                .values_list("province_id", flat=True)
                .first()
            )
            if found is not None:
                return found
        return sole_province_id()


class Area(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="areas"
    )
    code = models.CharField(_("mã"), max_length=10)
    title = models.CharField(_("lĩnh vực"), max_length=500)
    description = models.TextField(_("nhiệm vụ trọng tâm"), blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="area_code_unique_in_plan")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class Task(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="tasks"
    )
    area = models.ForeignKey(
        Area, verbose_name=_("lĩnh vực"), on_delete=models.CASCADE, related_name="tasks"
    )
    number = models.CharField(_("số thứ tự"), max_length=20)
    title = models.TextField(_("nhiệm vụ cụ thể"))
    notes = models.TextField(_("ghi chú"), blank=True)
    # The transcriber's doubts about the source (an unreadable cell, an inferred number):
    # not part of the plan, so never in its notes column, its appendix or its search.
    transcription_notes = models.TextField(_("ghi chú chép lại"), blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    search_text = models.TextField(_("văn bản để tìm kiếm"), editable=False, blank=True)

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["area__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["area", "number"], name="task_number_unique_in_area")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title[:80]}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = fold(f"{self.title}\n{self.notes}")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Activity(models.Model):
    class DeadlineKind(models.TextChoices):
        DAY = "day", _("Ngày cụ thể")
        MONTH = "month", _("Tháng")
        QUARTER = "quarter", _("Quý")
        HALF_YEAR = "half_year", _("6 tháng")
        YEAR = "year", _("Năm")
        RECURRING = "recurring", _("Định kỳ")
        ONGOING = "ongoing", _("Thường xuyên")
        MULTIPLE = "multiple", _("Nhiều mốc")
        UNDATED = "undated", _("Chưa xác định được ngày")

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="activities"
    )
    task = models.ForeignKey(
        Task, verbose_name=_("nhiệm vụ"), on_delete=models.CASCADE, related_name="activities"
    )
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    title = models.TextField(_("hoạt động"))
    outputs = models.TextField(_("kết quả/sản phẩm"), blank=True)
    deadline = models.CharField(_("thời gian hoàn thành"), max_length=500, blank=True)
    deadline_kind = models.CharField(
        _("loại thời hạn"), max_length=20, choices=DeadlineKind.choices
    )
    recurring = models.CharField(_("chu kỳ"), max_length=20, blank=True)
    needs_date = models.BooleanField(_("cần xác định ngày"), default=False)
    first_due = models.DateField(_("hạn sớm nhất"), null=True, blank=True, db_index=True)
    weight = models.PositiveSmallIntegerField(
        _("trọng số"), default=1, help_text=_("Dùng khi tính tiến độ bình quân gia quyền.")
    )
    notes = models.TextField(_("ghi chú"), blank=True)
    # See Task.transcription_notes.
    transcription_notes = models.TextField(_("ghi chú chép lại"), blank=True)
    # In an agency's own plan: the activity of the plan above it that this one carries
    # out; null for the agency's own activities (and when the province replaces its plan:
    # the agency's copy stays, as issued).
    source = models.ForeignKey(
        "self",
        verbose_name=_("hoạt động của kế hoạch cấp trên"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived",
    )
    # The agency cells as the plan writes them ("Các Sở: Tài chính, Nội vụ"), one entry a
    # line; the assignees are what they were read as. Exports write these back.
    lead_written = models.TextField(_("cơ quan chủ trì như văn bản ghi"), blank=True)
    cooperating_written = models.TextField(_("cơ quan phối hợp như văn bản ghi"), blank=True)
    search_text = models.TextField(_("văn bản để tìm kiếm"), editable=False, blank=True)

    class Meta:
        verbose_name = _("hoạt động")
        verbose_name_plural = _("hoạt động")
        ordering = ["task__area__position", "task__position", "position"]

    def __str__(self) -> str:
        return self.title[:80]

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = fold(f"{self.title}\n{self.outputs}\n{self.notes}")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class DueDate(models.Model):
    """One due date of an activity; a row each so that "due in May" is a plain query."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("hoạt động"), on_delete=models.CASCADE, related_name="due_dates"
    )
    due_on = models.DateField(_("hạn"), db_index=True)

    class Meta:
        verbose_name = _("hạn hoàn thành")
        verbose_name_plural = _("hạn hoàn thành")
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "due_on"], name="due_date_unique")
        ]

    def __str__(self) -> str:
        return self.due_on.isoformat()


class Assignee(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Chủ trì")
        COOPERATING = "cooperating", _("Phối hợp")

    activity = models.ForeignKey(
        Activity, verbose_name=_("hoạt động"), on_delete=models.CASCADE, related_name="assignees"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    written_name = models.CharField(_("tên như văn bản ghi"), max_length=500)
    # What the cell adds to the name: a note in brackets, or a group's qualifier.
    note = models.TextField(_("ghi chú kèm tên"), blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    group = models.ForeignKey(
        AgencyGroup,
        verbose_name=_("nhóm cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )

    class Meta:
        verbose_name = _("cơ quan thực hiện")
        verbose_name_plural = _("cơ quan thực hiện")
        ordering = ["activity", "role", "position"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(agency__isnull=False) & Q(group__isnull=True))
                | (Q(agency__isnull=True) & Q(group__isnull=False)),
                name="assignee_is_agency_or_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.written_name}"


class Indicator(models.Model):
    """A numeric target of the plan: baseline, target, unit and when it is due."""

    class Comparator(models.TextChoices):
        AT_LEAST = ">=", _("tối thiểu")
        AT_MOST = "<=", _("tối đa")
        EQUAL = "=", _("bằng")

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="indicators"
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("lĩnh vực"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
    )
    code = models.SlugField(_("mã"), max_length=60)
    name = models.CharField(_("chỉ tiêu"), max_length=500)
    unit = models.CharField(_("đơn vị"), max_length=30, default="%")
    comparator = models.CharField(
        _("so sánh"), max_length=2, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    target = models.DecimalField(_("mục tiêu"), max_digits=12, decimal_places=2)
    baseline = models.DecimalField(
        _("giá trị gốc"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(_("năm gốc"), null=True, blank=True)
    due_on = models.DateField(_("thời hạn"), null=True, blank=True)
    source_text = models.TextField(_("trích văn bản"), blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_code_unique_in_plan")
        ]

    def __str__(self) -> str:
        return self.name


class Responsibility(models.Model):
    """Section III of a plan (Tổ chức thực hiện): what each agency is charged with."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    heading = models.CharField(_("cơ quan"), max_length=500)
    duties = models.TextField(_("nhiệm vụ"))
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("cơ quan"), blank=True, related_name="responsibilities"
    )
    groups = models.ManyToManyField(
        AgencyGroup, verbose_name=_("nhóm cơ quan"), blank=True, related_name="responsibilities"
    )

    class Meta:
        verbose_name = _("trách nhiệm tổ chức thực hiện")
        verbose_name_plural = _("trách nhiệm tổ chức thực hiện")
        ordering = ["plan", "position"]

    def __str__(self) -> str:
        return self.heading
