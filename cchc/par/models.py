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
    published_at = models.DateTimeField(_("công bố kết quả lúc"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người công bố"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

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

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def windows(self) -> list[tuple[str, str, date, date]]:
        """(phase, label, opens, closes) in the order they come."""
        return [
            ("self", str(_("Tự đánh giá")), self.self_opens, self.self_closes),
            ("appraisal", str(_("Thẩm định")), self.appraisal_opens, self.appraisal_closes),
            ("reply", str(_("Giải trình")), self.reply_opens, self.reply_closes),
        ]


# ---------------------------------------------------------------------------
# Scoring: scorecards, their items and versions, appraisers, published results


class Scorecard(models.Model):
    """One agency's scoring in one campaign: an item per leaf criterion.

    The agency fills it in the self-assessment window and its head submits it (and may
    withdraw it while the window is open); appraisers, the agency's replies and the final
    scores follow in the appraisal window; `finalised_at` locks it for good.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang tự đánh giá")
        SUBMITTED = "submitted", _("Đã nộp")
        FINALISED = "finalised", _("Đã chốt điểm")

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("đợt đánh giá"),
        on_delete=models.CASCADE,
        related_name="scorecards",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="par_scorecards",
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nộp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finalised_at = models.DateTimeField(_("chốt điểm lúc"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người chốt điểm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("phiếu chấm điểm")
        verbose_name_plural = _("phiếu chấm điểm")
        ordering = ["campaign", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "agency"], name="scorecard_one_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.agency}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.FINALISED


class ScoreItem(models.Model):
    """The scores of one leaf criterion on a scorecard, from self-assessment to final.

    Evidence is a `Document` of the agency: one already recorded as an output of its
    progress reports, or a file uploaded here (recorded as a document too), with the pages
    that prove the point. Without evidence, `explanation` is required. A computed item
    keeps the numbers it came from in `computed_inputs`.
    """

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("phiếu chấm điểm"), on_delete=models.CASCADE, related_name="items"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("tiêu chí"), on_delete=models.PROTECT, related_name="score_items"
    )
    self_score = models.DecimalField(
        _("điểm tự chấm"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    evidence_document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("tài liệu kiểm chứng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="par_items",
    )
    evidence_pages = models.CharField(_("trang tham chiếu"), max_length=100, blank=True)
    explanation = models.TextField(_("giải thích (khi không có tài liệu)"), blank=True)
    computed_inputs = models.JSONField(_("số liệu tính điểm"), null=True, blank=True)
    appraised_score = models.DecimalField(
        _("điểm thẩm định"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    appraisal_comment = models.TextField(_("ý kiến thẩm định"), blank=True)
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thẩm định"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appraised_at = models.DateTimeField(_("thẩm định lúc"), null=True, blank=True)
    reply = models.TextField(_("giải trình của cơ quan"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người giải trình"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("giải trình lúc"), null=True, blank=True)
    final_score = models.DecimalField(
        _("điểm cuối cùng"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    locked = models.BooleanField(_("đã khoá"), default=False)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("điểm tiêu chí")
        verbose_name_plural = _("điểm tiêu chí")
        ordering = ["scorecard", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "criterion"], name="score_item_unique"),
            models.CheckConstraint(
                condition=Q(self_score__isnull=True) | Q(self_score__gte=0),
                name="score_item_self_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(appraised_score__isnull=True) | Q(appraised_score__gte=0),
                name="score_item_appraised_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(final_score__isnull=True) | Q(final_score__gte=0),
                name="score_item_final_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard.agency} — {self.criterion.code}"

    @property
    def agency_id(self) -> int:
        """The scorecard's agency: the access policy finds an item's owner by it."""
        return int(self.scorecard.agency_id)

    @property
    def campaign(self) -> Campaign:
        return self.scorecard.campaign


class ScoreItemVersion(models.Model):
    """Every saved state of an item, in order: who changed what, in which phase."""

    class Phase(models.TextChoices):
        SELF = "self", _("Tự đánh giá")
        COMPUTED = "computed", _("Tính từ dữ liệu")
        SURVEY = "survey", _("Điều tra xã hội học")
        APPRAISAL = "appraisal", _("Thẩm định")
        REPLY = "reply", _("Giải trình")
        FINAL = "final", _("Chốt điểm")

    item = models.ForeignKey(
        ScoreItem,
        verbose_name=_("điểm tiêu chí"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("lần"))
    phase = models.CharField(_("giai đoạn"), max_length=10, choices=Phase.choices)
    state = models.JSONField(_("nội dung"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thay đổi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản điểm tiêu chí")
        verbose_name_plural = _("phiên bản điểm tiêu chí")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="score_item_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item} #{self.number}"


class AppraiserAssignment(models.Model):
    """An appraiser (or coordinator) appraises one area of a campaign, for every agency."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("đợt đánh giá"),
        on_delete=models.CASCADE,
        related_name="appraisers",
    )
    area = models.ForeignKey(
        Criterion, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="appraisers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thẩm định"),
        on_delete=models.PROTECT,
        related_name="par_appraisals",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phân công"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("phân công lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phân công thẩm định")
        verbose_name_plural = _("phân công thẩm định")
        ordering = ["campaign", "area__position", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "area", "user"], name="appraiser_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area.code} — {self.user}"


class CampaignResult(models.Model):
    """An agency's published result in a campaign, frozen at publication.

    `components` maps each area code to its component index (%, 2 decimals, as strings);
    `previous_index` / `change` compare with the same group's published campaign of the
    year before (None when there is none or the agency was not in it).
    """

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("đợt đánh giá"), on_delete=models.CASCADE, related_name="results"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="par_results",
    )
    total = models.DecimalField(_("tổng điểm"), max_digits=8, decimal_places=2)
    maximum = models.DecimalField(_("điểm tối đa"), max_digits=8, decimal_places=2)
    index = models.DecimalField(_("chỉ số (%)"), max_digits=5, decimal_places=2)
    components = models.JSONField(_("chỉ số thành phần"), default=dict)
    rank = models.PositiveIntegerField(_("xếp hạng trong nhóm"))
    classification = models.CharField(_("xếp loại"), max_length=60)
    classification_regulation = models.TextField(_("căn cứ xếp loại"), blank=True)
    previous_index = models.DecimalField(
        _("chỉ số năm trước (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    change = models.DecimalField(
        _("thay đổi so với năm trước"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    published_at = models.DateTimeField(_("công bố lúc"))

    class Meta:
        verbose_name = _("kết quả chỉ số")
        verbose_name_plural = _("kết quả chỉ số")
        ordering = ["campaign", "rank", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "agency"], name="campaign_result_unique"),
            models.CheckConstraint(
                condition=Q(index__gte=0, index__lte=100), name="campaign_result_index_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.index}"


# ---------------------------------------------------------------------------
# Task-completion ratings (mức độ hoàn thành nhiệm vụ CCHC) and inspection plans


class RatingScheme(models.Model):
    """How a year's task-completion rating is computed for one group: the weights of the
    on-time rate and of the published index (percent, summing to 100) and the bands."""

    year = models.PositiveSmallIntegerField(_("năm"))
    group = models.ForeignKey(
        "agencies.AgencyGroup",
        verbose_name=_("nhóm cơ quan"),
        on_delete=models.PROTECT,
        related_name="rating_schemes",
    )
    weight_on_time = models.PositiveSmallIntegerField(_("trọng số tỷ lệ đúng hạn (%)"), default=50)
    weight_index = models.PositiveSmallIntegerField(_("trọng số chỉ số CCHC (%)"), default=50)
    source_note = models.TextField(_("căn cứ"), blank=True)

    class Meta:
        verbose_name = _("cách xếp mức hoàn thành nhiệm vụ")
        verbose_name_plural = _("cách xếp mức hoàn thành nhiệm vụ")
        ordering = ["-year", "group__name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "group"], name="rating_scheme_one_per_year"),
            models.CheckConstraint(
                condition=Q(weight_on_time__lte=100)
                & Q(weight_index__lte=100)
                & Q(weight_on_time__gte=0)
                & Q(weight_index__gte=0),
                name="rating_scheme_weights_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} — {self.group}"


class RatingBand(models.Model):
    """A band of the rating score: lower bound included, upper bound excluded (none: no
    limit)."""

    scheme = models.ForeignKey(
        RatingScheme, verbose_name=_("cách xếp"), on_delete=models.CASCADE, related_name="bands"
    )
    label = models.CharField(_("mức"), max_length=60)
    lower = models.DecimalField(_("từ (điểm)"), max_digits=5, decimal_places=2)
    upper = models.DecimalField(
        _("đến dưới (điểm)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("mức hoàn thành nhiệm vụ")
        verbose_name_plural = _("mức hoàn thành nhiệm vụ")
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "label"], name="rating_band_unique_label"),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(lower__lt=models.F("upper")),
                name="rating_band_lower_below_upper",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class TaskRating(models.Model):
    """An agency's computed rating for a year, with every number it came from."""

    scheme = models.ForeignKey(
        RatingScheme, verbose_name=_("cách xếp"), on_delete=models.CASCADE, related_name="ratings"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="task_ratings",
    )
    on_time_rate = models.DecimalField(
        _("tỷ lệ đúng hạn (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    index = models.DecimalField(
        _("chỉ số CCHC (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("điểm"), max_digits=5, decimal_places=2, null=True, blank=True)
    band = models.CharField(_("mức"), max_length=60, blank=True)
    inputs = models.JSONField(_("số liệu tính"), default=dict)
    computed_at = models.DateTimeField(_("tính lúc"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tính"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mức hoàn thành nhiệm vụ CCHC")
        verbose_name_plural = _("mức hoàn thành nhiệm vụ CCHC")
        ordering = ["scheme", "-score", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "agency"], name="task_rating_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.band}"


class InspectionPlan(models.Model):
    """The agencies of one group to inspect in a year, drawn with a seed: the same seed
    and the same data draw the same agencies."""

    year = models.PositiveSmallIntegerField(_("năm kiểm tra"))
    group = models.ForeignKey(
        "agencies.AgencyGroup",
        verbose_name=_("nhóm cơ quan"),
        on_delete=models.PROTECT,
        related_name="inspection_plans",
    )
    seed = models.PositiveIntegerField(_("số khởi tạo (seed)"))
    share = models.PositiveSmallIntegerField(_("tỷ lệ tối thiểu (%)"), default=30)
    basis_campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("căn cứ chỉ số của đợt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_plans",
    )
    remediation_plan = models.ForeignKey(
        "plans.Plan",
        verbose_name=_("kế hoạch khắc phục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("bốc chọn lúc"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người bốc chọn"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("kế hoạch kiểm tra CCHC")
        verbose_name_plural = _("kế hoạch kiểm tra CCHC")
        ordering = ["-year", "group__name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "group"], name="inspection_plan_one_per_year"),
            models.CheckConstraint(
                condition=Q(share__gte=1, share__lte=100), name="inspection_plan_share_1_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} — {self.group}"


class InspectionSelection(models.Model):
    """An agency chosen for inspection, and why."""

    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("kế hoạch kiểm tra"),
        on_delete=models.CASCADE,
        related_name="selections",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    position = models.PositiveIntegerField(_("thứ tự"))
    reason = models.TextField(_("lý do chọn"))
    inspected_last_year = models.BooleanField(_("đã kiểm tra năm trước"), default=False)
    index = models.DecimalField(
        _("chỉ số căn cứ (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("cơ quan được kiểm tra")
        verbose_name_plural = _("cơ quan được kiểm tra")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "agency"], name="inspection_selection_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.agency}"


class InspectionFinding(models.Model):
    """A finding of an inspection; its remediation is an activity of the year's
    remediation plan, led by the inspected agency, so it is reported on and reminded of
    like any plan task."""

    selection = models.ForeignKey(
        InspectionSelection,
        verbose_name=_("cuộc kiểm tra"),
        on_delete=models.CASCADE,
        related_name="findings",
    )
    text = models.TextField(_("nội dung phát hiện"))
    remedy = models.TextField(_("yêu cầu khắc phục"))
    due_on = models.DateField(_("hạn khắc phục"))
    activity = models.OneToOneField(
        "plans.Activity",
        verbose_name=_("nhiệm vụ khắc phục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_finding",
    )
    created_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("phát hiện khi kiểm tra")
        verbose_name_plural = _("phát hiện khi kiểm tra")
        ordering = ["selection", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
