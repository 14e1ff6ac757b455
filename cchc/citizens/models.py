"""Satisfaction surveys (SIPAS): versioned definitions, counters, anonymous responses.

A definition (code + version) holds its elements, their questions and the 5-point scale.
A response points at the definition it answered, so a later version never changes what an
earlier response meant. Answers carry their element, so that the index is one grouped
aggregate over the answers table. Responses hold nothing that names a person: the device
is kept only as a keyed hash of a random cookie token (for "one response per device"), and
the address is never stored (the rate limit counts it in the cache).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The 5-point satisfaction scale of the SIPAS method (1001/QĐ-BNV, 2640/QĐ-BNV).
SCALE = (
    (1, _("Rất không hài lòng")),
    (2, _("Không hài lòng")),
    (3, _("Bình thường")),
    (4, _("Hài lòng")),
    (5, _("Rất hài lòng")),
)
SATISFIED_FROM = 4  # "Hài lòng" and "Rất hài lòng"


class SurveyDefinition(models.Model):
    code = models.SlugField(_("mã"), max_length=40)
    version = models.PositiveIntegerField(_("phiên bản"))
    title = models.CharField(_("tên phiếu"), max_length=255)
    source = models.TextField(
        _("căn cứ"), blank=True, help_text=_("Văn bản và phần của văn bản mà phiếu dựa theo.")
    )
    illustrative = models.BooleanField(
        _("nội dung minh họa"),
        default=False,
        help_text=_("Câu hỏi chưa đối chiếu được với văn bản chính thức."),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    scale = models.JSONField(_("thang đo"), default=list)
    is_active = models.BooleanField(_("đang dùng"), default=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiếu khảo sát")
        verbose_name_plural = _("phiếu khảo sát")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="survey_definition_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class SurveyElement(models.Model):
    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.PROTECT, related_name="elements"
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    # Stable across versions: results of several versions are read by element code.
    code = models.SlugField(_("mã yếu tố"), max_length=40)
    title = models.CharField(_("yếu tố"), max_length=255)

    class Meta:
        verbose_name = _("yếu tố")
        verbose_name_plural = _("yếu tố")
        ordering = ["definition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "code"], name="survey_element_code"),
        ]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    element = models.ForeignKey(SurveyElement, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    text = models.CharField(_("câu hỏi"), max_length=500)

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        ordering = ["element__position", "position"]

    def __str__(self) -> str:
        return self.text


class Counter(models.Model):
    """A place where citizens are served and asked: a one-stop counter (bộ phận một cửa)."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="survey_counters"
    )
    name = models.CharField(_("tên quầy"), max_length=255)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("quầy tiếp nhận")
        verbose_name_plural = _("quầy tiếp nhận")
        ordering = ["agency__sort_name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="survey_counter_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SurveyResponse(models.Model):
    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.PROTECT, related_name="responses"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="survey_responses"
    )
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    # The quarter of the province's calendar it was given in, kept as numbers so that
    # results by quarter are a plain GROUP BY on any database.
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(
        _("quý"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    submitted_at = models.DateTimeField(_("gửi lúc"))
    comment = models.TextField(_("ý kiến khác"), blank=True)
    # HMAC of the device's random cookie token (never the token, never the address).
    device_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("phiếu trả lời")
        verbose_name_plural = _("phiếu trả lời")
        indexes = [models.Index(fields=["year", "quarter", "agency"])]
        constraints = [
            # One response per device for an agency in a quarter: the same survey sent
            # twice is refused by the database too, whatever the application missed.
            models.UniqueConstraint(
                fields=["device_hash", "agency", "year", "quarter"],
                name="survey_response_once_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    # The question's element, copied: the index groups answers by element without a join.
    element = models.ForeignKey(SurveyElement, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(
        _("mức"), choices=SCALE, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
            models.CheckConstraint(
                condition=models.Q(value__gte=1, value__lte=5), name="survey_answer_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"


class SamplePopulation(models.Model):
    """N for the sample-size helper: the dossiers an agency handled in a period, entered by
    the coordinator. Quarter 0 is the whole year."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="survey_populations"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(
        _("quý"), default=0, validators=[MaxValueValidator(4)]
    )
    population = models.PositiveIntegerField(_("số hồ sơ đã giải quyết (N)"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quy mô tổng thể khảo sát")
        verbose_name_plural = _("quy mô tổng thể khảo sát")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "quarter"], name="survey_population_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.quarter}/{self.year}: {self.population}"


class SurveyTally(models.Model):
    """Counted answers, kept in the same transaction as each response, so that the index
    reads a few hundred rows instead of every answer.

    One row per definition version, agency, counter (0: none), year, quarter, element and
    answer value, with how many answers gave that value; the row with element 0 and value
    0 counts the responses themselves. Rebuilt from the answers by
    `cchc.citizens.index.tally_rebuild` after a bulk load (demo, bench).
    """

    # Derived data: it goes with its agency or definition (the responses protect both).
    definition = models.ForeignKey(SurveyDefinition, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    counter_key = models.PositiveIntegerField(default=0)  # Counter pk, 0 without a counter
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    element_key = models.PositiveIntegerField(default=0)  # SurveyElement pk, 0: responses
    value = models.PositiveSmallIntegerField(default=0)  # 1 to 5, 0 on the responses row
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("số đếm khảo sát")
        verbose_name_plural = _("số đếm khảo sát")
        constraints = [
            # The key of the upsert (INSERT … ON CONFLICT) that adds a response's counts.
            models.UniqueConstraint(
                fields=[
                    "definition",
                    "agency",
                    "counter_key",
                    "year",
                    "quarter",
                    "element_key",
                    "value",
                ],
                name="survey_tally_key",
            ),
        ]
        indexes = [models.Index(fields=["year", "quarter", "agency"])]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.quarter}/{self.year} {self.element_key}={self.value}"


# ---------------------------------------------------------------------------
# Feedback on administrative regulations (phản ánh, kiến nghị; Nghị định 20/2008/NĐ-CP)


class FeedbackType(models.Model):
    """A kind of feedback and the working days the agency has to answer it."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("loại"), max_length=255)
    deadline_days = models.PositiveSmallIntegerField(
        _("thời hạn trả lời (ngày làm việc)"),
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("loại phản ánh, kiến nghị")
        verbose_name_plural = _("loại phản ánh, kiến nghị")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Feedback(models.Model):
    """One feedback item. The sender's name and contact are private: only the province's
    and the routed agency's staff read them; the public page shows the code, the
    regulation, the status and the answer."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Đã tiếp nhận")
        ROUTED = "routed", _("Đã chuyển cơ quan xử lý")
        HANDLING = "handling", _("Đang xử lý")
        ANSWERED = "answered", _("Đã trả lời")
        PUBLISHED = "published", _("Đã công khai trả lời")
        REJECTED = "rejected", _("Không tiếp nhận xử lý")

    code = models.CharField(_("mã tra cứu"), max_length=10, unique=True)
    type = models.ForeignKey(
        FeedbackType, verbose_name=_("loại"), on_delete=models.PROTECT, related_name="items"
    )
    regulation = models.CharField(_("quy định hành chính được phản ánh"), max_length=500)
    content = models.TextField(_("nội dung"))
    sender_name = models.CharField(_("họ và tên người gửi"), max_length=200)
    sender_phone = models.CharField(_("số điện thoại"), max_length=30, blank=True)
    sender_email = models.EmailField(_("thư điện tử"), blank=True)
    sender_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("tiếp nhận lúc"))
    received_on = models.DateField(_("ngày tiếp nhận"))
    due_on = models.DateField(_("hạn trả lời"))
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_items",
    )
    # Provinces are tenants (docs/tenants.md): the province the item was sent to, set
    # by the public form (the only province, or the one the sender chose) and by routing
    # (the agency's province). Empty: national, seen by every province.
    province = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "province", "parent__isnull": True},
    )
    routed_at = models.DateTimeField(_("chuyển lúc"), null=True, blank=True)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_on = models.DateField(_("ngày trả lời"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_on = models.DateField(_("ngày công khai"), null=True, blank=True)
    rejection_reason = models.TextField(_("lý do không tiếp nhận"), blank=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["agency"])]

    def __str__(self) -> str:
        return self.code

    OPEN = (Status.RECEIVED, Status.ROUTED, Status.HANDLING)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Provinces are tenants: an item routed to an agency is in the agency's province;
        # one sent to nobody yet, in the installation's only province (several: the
        # sender chose, or it stays national until routed).
        if self.province_id is None:
            from cchc.accounts.tenancy import sole_province_id
            from cchc.agencies.models import Agency

            if self.agency_id is not None:
                self.province_id = (
                    Agency.objects.filter(pk=self.agency_id)
                    .values_list("province_id", flat=True)
                    .first()
                )
            if self.province_id is None:
                self.province_id = sole_province_id()
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class FeedbackAttachment(models.Model):
    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="attachments")
    stored = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("tên tệp"), max_length=255)

    class Meta:
        verbose_name = _("tệp đính kèm phản ánh")
        verbose_name_plural = _("tệp đính kèm phản ánh")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


# ---------------------------------------------------------------------------
# Indicators: the plan's targets and their measured values


class Indicator(models.Model):
    """A measurable target. Not tied to a plan's periods or rows: a plan replaced by a new
    import never touches it, and an indicator may run over several years."""

    class Direction(models.TextChoices):
        UP = "up", _("càng cao càng tốt")
        DOWN = "down", _("càng thấp càng tốt")

    code = models.SlugField(_("mã chỉ tiêu"), max_length=60, unique=True)
    name = models.CharField(_("tên chỉ tiêu"), max_length=500)
    unit = models.CharField(_("đơn vị tính"), max_length=40)
    direction = models.CharField(
        _("chiều tốt"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    baseline_year = models.PositiveSmallIntegerField(
        _("năm gốc"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    baseline_value = models.DecimalField(_("giá trị năm gốc"), max_digits=14, decimal_places=2)
    target_value = models.DecimalField(_("chỉ tiêu"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("hạn đạt chỉ tiêu"))
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan chịu trách nhiệm"),
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    source = models.CharField(_("căn cứ"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["due_on", "code"]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """A value measured for a period (a quarter, a half-year, a year), with its source."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="measurements")
    period = models.CharField(_("kỳ"), max_length=40)
    measured_on = models.DateField(_("số liệu tính đến ngày"))
    value = models.DecimalField(_("giá trị"), max_digits=14, decimal_places=2)
    source = models.CharField(_("nguồn số liệu"), max_length=500)
    evidence = models.CharField(_("minh chứng"), max_length=500, blank=True)
    # An evidence file (a scan, a sheet), checked and stored like every other upload.
    evidence_file = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence_filename = models.CharField(_("tệp minh chứng"), max_length=255, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("nhập lúc"), auto_now=True)

    class Meta:
        verbose_name = _("số liệu đo")
        verbose_name_plural = _("số liệu đo")
        ordering = ["indicator", "measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "measured_on"], name="indicator_measurement_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period}: {self.value}"


# ---------------------------------------------------------------------------
# The citizens' panel of the dashboards, computed once per change


class CitizensStamp(models.Model):
    """Which computed citizens' panels of a province are current (`cchc.citizens.stamps`).

    Every change the panel shows (a survey response, a sample size, a feedback item, an
    indicator or its values, the survey's definition, the agencies, the holidays) writes
    a new random token here in its own transaction; the cached panels are keyed by it, so
    a panel computed before the change is never read after it. Random rather than counted,
    so that a flushed or restored database cannot meet an old cache entry.
    """

    # The province (its agency's pk); 0 for what belongs to no province (national
    # feedback, ministries' indicators). A plain number: the row of a province that is
    # gone only costs its few bytes, and 0 needs no agency.
    scope = models.PositiveIntegerField(_("tỉnh"), primary_key=True)
    token = models.CharField(_("dấu"), max_length=32)

    class Meta:
        verbose_name = _("dấu số liệu người dân")
        verbose_name_plural = _("dấu số liệu người dân")

    def __str__(self) -> str:
        return f"{self.scope} {self.token}"
