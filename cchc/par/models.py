"""PAR INDEX criteria sets, classification bands and scoring campaigns.

A criteria set is a tree for one year and one agency group: areas (lĩnh vực), criteria
(tiêu chí) and sub-criteria (tiêu chí thành phần). Each node has a maximum; each leaf
says how it is scored. Where the real maximum of a node is not known (the national
tables per area were not found), `points_known` is false and the number is illustrative:
the pages say so rather than pass it off as official.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

UNKNOWN_POINTS_LABEL = _("Chưa rõ điểm chuẩn — cần đối chiếu văn bản")


class CriteriaSet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        IN_USE = "in_use", _("Đang dùng")

    year = models.PositiveSmallIntegerField(_("năm đánh giá"))
    group = models.ForeignKey(
        "agencies.AgencyGroup",
        verbose_name=_("nhóm cơ quan"),
        on_delete=models.PROTECT,
        related_name="criteria_sets",
    )
    title = models.CharField(_("tên bộ tiêu chí"), max_length=255)
    step = models.DecimalField(
        _("bước điểm"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.25"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Điểm chấm phải là bội số của bước này, ví dụ 0,25 hoặc 0,5."),
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    source_note = models.TextField(
        _("nguồn"),
        blank=True,
        help_text=_("Văn bản quy định bộ tiêu chí (số, ký hiệu, ngày) và mức độ tin cậy."),
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("sao chép từ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("bộ tiêu chí PAR INDEX")
        verbose_name_plural = _("bộ tiêu chí PAR INDEX")
        ordering = ["-year", "group__name"]
        constraints = [
            # One set per year and group: a campaign and a ranking never have to choose.
            models.UniqueConstraint(fields=["year", "group"], name="criteria_set_one_per_year"),
            models.CheckConstraint(condition=Q(step__gt=0), name="criteria_set_step_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_in_use(self) -> bool:
        """A campaign scores with it: its structure and points are frozen."""
        return self.status == self.Status.IN_USE


class Criterion(models.Model):
    """A node of a criteria set: an area (level 1), a criterion (2) or a sub-criterion (3)."""

    class Method(models.TextChoices):
        SELF = "self", _("Tự đánh giá")
        SURVEY = "survey", _("Điều tra xã hội học")
        COMPUTED = "computed", _("Tính từ dữ liệu theo dõi")

    class Level(models.IntegerChoices):
        AREA = 1, _("Lĩnh vực")
        CRITERION = 2, _("Tiêu chí")
        SUB = 3, _("Tiêu chí thành phần")

    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("bộ tiêu chí"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("thuộc"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("cấp"), choices=Level.choices)
    code = models.CharField(_("mã"), max_length=20)
    title = models.CharField(_("tên"), max_length=500)
    guidance = models.TextField(_("hướng dẫn chấm"), blank=True)
    max_points = models.DecimalField(
        _("điểm tối đa"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    method = models.CharField(
        _("cách chấm"),
        max_length=10,
        choices=Method.choices,
        blank=True,
        help_text=_("Chỉ với tiêu chí không có tiêu chí con."),
    )
    computation_key = models.CharField(
        _("mã phép tính"),
        max_length=60,
        blank=True,
        help_text=_("Với tiêu chí tính từ dữ liệu: phép tính nào cho điểm."),
    )
    points_known = models.BooleanField(
        _("điểm chuẩn đã rõ"),
        default=True,
        help_text=_("Bỏ chọn khi điểm tối đa chỉ là minh hoạ, chưa đối chiếu được văn bản."),
    )
    points_note = models.TextField(_("ghi chú về điểm"), blank=True)
    max_differs_reason = models.TextField(
        _("lý do điểm tối đa khác tổng tiêu chí con"),
        blank=True,
        help_text=_(
            "Để trống: điểm tối đa phải bằng tổng điểm các tiêu chí con. Ghi lý do để cho "
            "phép khác (ví dụ: phần còn lại của văn bản không đọc được)."
        ),
    )

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        ordering = ["criteria_set", "level", "position"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_unique_code"),
            models.CheckConstraint(
                condition=Q(max_points__gte=0), name="criterion_max_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=3), name="criterion_level_1_to_3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class ClassificationBand(models.Model):
    """A class of the index (Xuất sắc, Tốt …) for a year and a group: lower bound included,
    upper bound excluded, an empty upper bound having no limit."""

    year = models.PositiveSmallIntegerField(_("năm"))
    group = models.ForeignKey(
        "agencies.AgencyGroup",
        verbose_name=_("nhóm cơ quan"),
        on_delete=models.PROTECT,
        related_name="classification_bands",
    )
    label = models.CharField(_("xếp loại"), max_length=60)
    lower = models.DecimalField(_("từ (%)"), max_digits=5, decimal_places=2)
    upper = models.DecimalField(
        _("đến dưới (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    regulation = models.TextField(
        _("căn cứ"), help_text=_("Văn bản quy định ngưỡng này, hoặc ghi rõ là mặc định.")
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("mức xếp loại chỉ số")
        verbose_name_plural = _("mức xếp loại chỉ số")
        ordering = ["year", "group", "position"]
        constraints = [
            models.UniqueConstraint(fields=["year", "group", "label"], name="band_unique_label"),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(lower__lt=models.F("upper")),
                name="band_lower_below_upper",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Campaign(models.Model):
    """A year's scoring of one group with one set, and its three windows (dates inclusive)."""

    year = models.PositiveSmallIntegerField(_("năm đánh giá"))
    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("bộ tiêu chí"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    group = models.ForeignKey(
        "agencies.AgencyGroup",
        verbose_name=_("nhóm cơ quan"),
        on_delete=models.PROTECT,
        related_name="par_campaigns",
    )
    title = models.CharField(_("tên đợt đánh giá"), max_length=255)
    self_opens = models.DateField(_("tự đánh giá từ ngày"))
    self_closes = models.DateField(_("tự đánh giá đến hết ngày"))
    appraisal_opens = models.DateField(_("thẩm định từ ngày"))
    appraisal_closes = models.DateField(_("thẩm định đến hết ngày"))
    reply_opens = models.DateField(_("giải trình từ ngày"))
    reply_closes = models.DateField(_("giải trình đến hết ngày"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("đợt đánh giá PAR INDEX")
        verbose_name_plural = _("đợt đánh giá PAR INDEX")
        ordering = ["-year", "group__name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "group"], name="campaign_one_per_year"),
            models.CheckConstraint(
                condition=Q(self_opens__lte=models.F("self_closes"))
                & Q(self_closes__lt=models.F("appraisal_opens"))
                & Q(appraisal_opens__lte=models.F("reply_opens"))
                & Q(reply_opens__lte=models.F("reply_closes"))
                & Q(reply_closes__lte=models.F("appraisal_closes")),
                name="campaign_windows_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def windows(self) -> list[tuple[str, str, date, date]]:
        """(phase, label, opens, closes) in the order they come."""
        return [
            ("self", str(_("Tự đánh giá")), self.self_opens, self.self_closes),
            ("appraisal", str(_("Thẩm định")), self.appraisal_opens, self.appraisal_closes),
            ("reply", str(_("Giải trình")), self.reply_opens, self.reply_closes),
        ]
