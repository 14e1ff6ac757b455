"""Indicators: the plan's measurable targets, their measured values and their status.

An indicator stands on its own (no foreign key to a plan, a task or a period), so that
replacing a plan by a new import never deletes it or its measurements, and one indicator
may span several years (−10 % staffing by 2025 against 2021).

The status rule (`RULE_TEXT`, shown beside every status):

* no value yet: "Chưa có số liệu";
* the latest value reaches the target (≥ when higher is better, ≤ when lower is better):
  "Đạt chỉ tiêu";
* otherwise, past the due date: "Không đạt";
* otherwise, the latest value is compared with the straight line from the baseline (at
  the end of the baseline year) to the target (at the due date), read at the value's date:
  on or beyond the line, "Đúng tiến độ"; behind it, "Có nguy cơ không đạt".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from babel.numbers import NumberFormatError
from babel.numbers import parse_decimal as babel_parse_decimal
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.audit.log import log_here
from cchc.citizens.models import Indicator, Measurement
from cchc.lib import calendar, storage
from cchc.lib.uploads import EVIDENCE_KINDS, CheckedUpload, check_upload

ON_TRACK, AT_RISK, MISSED, MET, NO_DATA = "on_track", "at_risk", "missed", "met", "no_data"
STATUS_LABELS = {
    MET: gettext_lazy("Đạt chỉ tiêu"),
    ON_TRACK: gettext_lazy("Đúng tiến độ"),
    AT_RISK: gettext_lazy("Có nguy cơ không đạt"),
    MISSED: gettext_lazy("Không đạt"),
    NO_DATA: gettext_lazy("Chưa có số liệu"),
}
RULE_TEXT = gettext_lazy(
    "Đạt: giá trị mới nhất đạt chỉ tiêu. Đúng tiến độ: chưa đạt nhưng không kém mức dự kiến "
    "theo đường thẳng từ giá trị năm gốc (cuối năm gốc) đến chỉ tiêu (tại hạn). Có nguy cơ: "
    "kém mức dự kiến đó. Không đạt: đã qua hạn mà chưa đạt."
)


class IndicatorError(Exception):
    """A refused change; the message is for the user, in Vietnamese."""


class IndicatorInvalid(IndicatorError):
    """Values refused field by field: `errors` maps a field name (or "" for the whole)
    to its Vietnamese messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file already passed through `cchc.lib.uploads.check_upload`."""

    checked: CheckedUpload
    data: bytes


def evidence_upload(name: str, data: IO[bytes], declared_type: str | None) -> EvidenceFile:
    """An uploaded evidence file checked as every upload is (kind by content, the size
    limit), for the page and the API alike; `UploadRejected` says why not."""
    checked = check_upload(
        name,
        data,
        allowed=EVIDENCE_KINDS,
        max_bytes=settings.CCHC_MAX_UPLOAD_BYTES,
        declared_type=declared_type,
    )
    data.seek(0)
    return EvidenceFile(checked, data.read())


def _reaches(indicator: Indicator, value: Decimal, goal: Decimal) -> bool:
    if indicator.direction == Indicator.Direction.DOWN:
        return value <= goal
    return value >= goal


def expected_on(indicator: Indicator, day: date) -> Decimal:
    """The value the straight line from baseline to target gives on `day`."""
    start = date(indicator.baseline_year, 12, 31)
    span = (indicator.due_on - start).days
    if span <= 0 or day >= indicator.due_on:
        return indicator.target_value
    share = Decimal(max(0, (day - start).days)) / Decimal(span)
    return indicator.baseline_value + (indicator.target_value - indicator.baseline_value) * share


def status_of(indicator: Indicator, latest: Measurement | None, today: date) -> str:
    if latest is None:
        return MISSED if today > indicator.due_on else NO_DATA
    if _reaches(indicator, latest.value, indicator.target_value):
        return MET
    if today > indicator.due_on:
        return MISSED
    if _reaches(indicator, latest.value, expected_on(indicator, latest.measured_on)):
        return ON_TRACK
    return AT_RISK


@dataclass(frozen=True)
class IndicatorValue:
    indicator: Indicator
    latest: Measurement | None
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def value(self) -> Decimal | None:
        return None if self.latest is None else self.latest.value

    def as_dict(self) -> dict[str, Any]:
        i = self.indicator
        return {
            "code": i.code,
            "name": i.name,
            "unit": i.unit,
            "direction": i.direction,
            "baseline_year": i.baseline_year,
            "baseline_value": i.baseline_value,
            "target_value": i.target_value,
            "due_on": i.due_on,
            "agency": i.agency.name,
            "latest_value": self.value,
            "latest_period": self.latest.period if self.latest else "",
            "latest_on": self.latest.measured_on if self.latest else None,
            "status": self.status,
            "status_label": self.status_label,
        }


def indicator_values(
    agency: Agency | int | None,
    on_date: date,
    user: Any = None,
    *,
    province: int | None = None,
) -> list[IndicatorValue]:
    """Each indicator (of one responsible agency, or all with None; of `user`'s province,
    cchc.accounts.tenancy; only of `province`'s agencies when it is given) with its latest
    value measured on or before `on_date`, its target and its status on that date. Two
    queries."""
    indicators = tenancy.scope(
        Indicator.objects.select_related("agency"), user, "agency__province"
    ).order_by("due_on", "code")
    if province is not None:
        indicators = indicators.filter(agency__province_id=province)
    if agency is not None:
        indicators = indicators.filter(agency_id=agency if isinstance(agency, int) else agency.pk)
    rows = list(indicators)
    latest: dict[int, Measurement] = {}
    for measurement in Measurement.objects.filter(
        indicator__in=rows, measured_on__lte=on_date
    ).order_by("indicator_id", "measured_on"):
        latest[measurement.indicator_id] = measurement
    return [
        IndicatorValue(row, latest.get(row.pk), status_of(row, latest.get(row.pk), on_date))
        for row in rows
    ]


def status_counts(on_date: date | None = None, *, province: int | None = None) -> dict[str, int]:
    """How many indicators (of `province`'s agencies; of the installation with None) are
    in each status on `on_date`."""
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for value in indicator_values(None, on_date or calendar.today(), province=province):
        counts[value.status] += 1
    return counts


# ---------------------------------------------------------------------------
# Writing


def _measurement_state(m: Measurement) -> dict[str, Any]:
    return {
        "indicator": m.indicator.code,
        "period": m.period,
        "measured_on": m.measured_on,
        "value": m.value,
        "source": m.source,
        "evidence": m.evidence,
        "evidence_file": m.evidence_file.sha256 if m.evidence_file else None,
    }


def _check_measurement(period: str, value: Any, source: str, measured_on: Any) -> list[str]:
    errors = []
    if not period.strip():
        errors.append(_("Hãy ghi kỳ của số liệu (ví dụ «Quý II/2022»)."))
    if not isinstance(measured_on, date):
        errors.append(_("Ngày tính số liệu không hợp lệ (dd/mm/yyyy)."))
    if not isinstance(value, Decimal):
        errors.append(_("Giá trị phải là một số."))
    elif abs(value) >= Decimal("1e12"):
        errors.append(_("Giá trị quá lớn."))
    if not source.strip():
        errors.append(_("Hãy ghi nguồn số liệu."))
    return errors


@transaction.atomic
def measurement_record(
    *,
    indicator: Indicator,
    period: str,
    measured_on: date,
    value: Decimal,
    source: str,
    evidence: str = "",
    evidence_file: EvidenceFile | None = None,
    actor: User | None,
) -> Measurement:
    """Record the value of a period; a second value on the same date replaces the first
    (a correction), and both states are kept in the audit trail. An evidence file goes to
    the content-addressed store; a correction without a new file keeps the one it had."""
    if actor is not None and not policy.can(actor, "indicator.measure", indicator):
        raise IndicatorError(_("Bạn không nhập số liệu cho chỉ tiêu này được."))
    errors = _check_measurement(period, value, source, measured_on)
    if errors:
        raise IndicatorError(" ".join(errors))
    if measured_on > calendar.today():
        raise IndicatorError(_("Ngày tính số liệu ở tương lai; số liệu đo phải là số đã có."))
    existing = (
        Measurement.objects.select_for_update()
        .filter(indicator=indicator, measured_on=measured_on)
        .first()
    )
    before = _measurement_state(existing) if existing else None
    measurement = existing or Measurement(indicator=indicator, measured_on=measured_on)
    measurement.period = period.strip()[:40]
    measurement.value = value
    measurement.source = source.strip()[:500]
    measurement.evidence = evidence.strip()[:500]
    if evidence_file is not None:
        measurement.evidence_file = storage.store(
            evidence_file.data, content_type=evidence_file.checked.content_type
        )
        measurement.evidence_filename = evidence_file.checked.safe_name[:255]
    measurement.entered_by = actor
    measurement.save()
    log_here(
        action="indicator.measure",
        obj=measurement,
        before=before,
        after=_measurement_state(measurement),
    )
    return measurement


class NumberInvalid(ValueError):
    """Text that is not a number as a Vietnamese writes it; the message says why."""


# Spaces a sheet or a phone may put between groups of thousands (1 234,5).
_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?:\D|$))")
_NUMBER_CHARS = re.compile(r"[+-]?[0-9.,]+")


def read_decimal(raw: Any) -> Decimal | None:
    """A number as written in a Vietnamese form or sheet, or a cell's own number.

    The rule is the Vietnamese one (CLDR locale «vi», read by Babel, strictly): the comma
    is the decimal mark and the dot groups thousands by three. So "2.430" is 2430, "2,43"
    is 2.43 and "1.234,5" is 1234.5. A dot that does not group three digits ("2.43",
    "52.5") is ambiguous and refused, with the comma reading suggested; so is anything that
    is not digits, one sign, dots and one comma (1e5, NaN, "12,3,4"), and more than two
    significant decimals (the stored precision). A trailing "%" and spaces grouping thousands are
    allowed. Empty gives None; bad text raises `NumberInvalid` with a Vietnamese message.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | Decimal):
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            return None
        if not number.is_finite():
            raise NumberInvalid(_("Giá trị phải là một số."))
        return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = str(raw).strip()
    if text.endswith("%"):
        text = text[:-1].rstrip()
    if not text:
        return None
    shown = text[:30]
    text = _GROUP_SPACE.sub(".", text.replace("\u2212", "-"))
    if not _NUMBER_CHARS.fullmatch(text):
        raise NumberInvalid(
            _(
                "«%(text)s» không phải là một số. Viết số kiểu Việt Nam: dấu phẩy trước "
                "phần thập phân, dấu chấm ngăn hàng nghìn (ví dụ 52,5 hoặc 1.234,5)."
            )
            % {"text": shown}
        )
    try:
        number = babel_parse_decimal(text, locale="vi", strict=True)
    except NumberFormatError as refused:
        whole, _dot, part = text.partition(".")
        if "," not in text and text.count(".") == 1 and whole.lstrip("+-") and part:
            raise NumberInvalid(
                _(
                    "«%(text)s» không rõ: dấu chấm chỉ dùng để ngăn hàng nghìn (2.430 là hai "
                    "nghìn bốn trăm ba mươi). Số thập phân thì viết %(comma)s."
                )
                % {"text": shown, "comma": f"{whole},{part}"}
            ) from refused
        raise NumberInvalid(
            _(
                "«%(text)s» không phải là một số viết đúng. Dấu phẩy trước phần thập phân, "
                "dấu chấm ngăn từng nhóm ba chữ số (ví dụ 1.234,5)."
            )
            % {"text": shown}
        ) from refused
    if number != number.quantize(Decimal("0.01")):
        raise NumberInvalid(
            _("«%(text)s»: chỉ ghi tối đa 2 chữ số sau dấu phẩy.") % {"text": shown}
        )
    return number.quantize(Decimal("0.01"))


def parse_decimal(raw: Any) -> Decimal | None:
    """`read_decimal`, with None for bad text as for empty (the caller says what it wants)."""
    try:
        return read_decimal(raw)
    except NumberInvalid:
        return None


def indicator_from_plan(
    row: Any, *, agency: Agency, baseline_year: int, baseline_value: Decimal
) -> tuple[Indicator, bool]:
    """Track an indicator a plan states (`plans.Indicator`), under the same code. The copy
    stands alone: replacing or deleting the plan leaves it and its measurements. An
    indicator already tracked under that code is returned as it is."""
    existing = Indicator.objects.filter(code=row.code).first()
    if existing is not None:
        return existing, False
    plan = row.plan
    label = plan.number or str(plan.year)
    indicator = Indicator.objects.create(
        code=row.code,
        name=row.name[:500],
        unit=row.unit[:40],
        direction=Indicator.Direction.DOWN if row.comparator == "<=" else Indicator.Direction.UP,
        baseline_year=baseline_year,
        baseline_value=baseline_value,
        target_value=row.target,
        due_on=row.due_on,
        agency=agency,
        source=(f"{label}: {row.source_text or row.name}")[:500],
    )
    log_here(
        action="indicator.create",
        obj=indicator,
        before=None,
        after={"code": indicator.code, "from_plan": plan.pk, "target_value": row.target},
    )
    return indicator, True


# ---------------------------------------------------------------------------
# Defining an indicator on a page or through the API

INDICATOR_FIELDS = (
    "code",
    "name",
    "unit",
    "direction",
    "baseline_year",
    "baseline_value",
    "target_value",
    "due_on",
    "agency",
    "source",
)


def _indicator_state(i: Indicator) -> dict[str, Any]:
    return {
        "code": i.code,
        "name": i.name,
        "unit": i.unit,
        "direction": i.direction,
        "baseline_year": i.baseline_year,
        "baseline_value": i.baseline_value,
        "target_value": i.target_value,
        "due_on": i.due_on,
        "agency": i.agency_id,
        "source": i.source,
    }


def _clean_text(value: Any) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())


def indicator_check(values: dict[str, Any], *, current: Indicator | None) -> dict[str, Any]:
    """The values of an indicator, cleaned, or IndicatorInvalid with a Vietnamese message
    per field. `values` holds typed values (Decimal, date, Agency) or None where the
    input could not be read."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, text: str) -> None:
        errors.setdefault(name, []).append(text)

    clean: dict[str, Any] = {}
    code = _clean_text(values.get("code")).lower()
    if (
        not code
        or len(code) > 60
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    ):
        refuse("code", _("Mã chỉ tiêu gồm chữ không dấu, số, «-» hoặc «_», tối đa 60 ký tự."))
    elif Indicator.objects.filter(code=code).exclude(pk=current.pk if current else 0).exists():
        refuse("code", _("Đã có chỉ tiêu mã «%(code)s».") % {"code": code})
    clean["code"] = code
    for name, limit, message in (
        ("name", 500, _("Hãy ghi tên chỉ tiêu (tối đa 500 ký tự).")),
        ("unit", 40, _("Hãy ghi đơn vị tính (tối đa 40 ký tự), ví dụ «%» hoặc «người».")),
    ):
        text = _clean_text(values.get(name))
        if not text or len(text) > limit:
            refuse(name, message)
        clean[name] = text
    direction = values.get("direction")
    if direction not in Indicator.Direction.values:
        refuse("direction", _("Chọn chiều tốt: càng cao càng tốt hoặc càng thấp càng tốt."))
    clean["direction"] = direction
    year = values.get("baseline_year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        refuse("baseline_year", _("Năm gốc phải là năm từ 2000 đến 2100."))
        year = None
    clean["baseline_year"] = year
    for name, label in (
        ("baseline_value", _("Giá trị năm gốc")),
        ("target_value", _("Chỉ tiêu")),
    ):
        number = values.get(name)
        if not isinstance(number, Decimal) or not number.is_finite():
            refuse(name, _("%(label)s phải là một số (ví dụ 52,5).") % {"label": label})
            number = None
        elif abs(number) >= Decimal("1e12"):
            refuse(name, _("%(label)s quá lớn.") % {"label": label})
            number = None
        else:
            number = number.quantize(Decimal("0.01"))
        clean[name] = number
    due_on = values.get("due_on")
    if not isinstance(due_on, date):
        refuse("due_on", _("Hạn đạt chỉ tiêu phải là một ngày (dd/mm/yyyy)."))
        due_on = None
    elif year is not None and due_on.year <= year:
        refuse("due_on", _("Hạn đạt chỉ tiêu phải sau năm gốc %(year)s.") % {"year": year})
    clean["due_on"] = due_on
    agency = values.get("agency")
    if not isinstance(agency, Agency):
        refuse("agency", _("Chọn cơ quan chịu trách nhiệm."))
    elif agency.closed_on is not None and (current is None or current.agency_id != agency.pk):
        refuse("agency", _("Cơ quan «%(name)s» đã giải thể.") % {"name": agency.name})
    clean["agency"] = agency
    source = _clean_text(values.get("source"))
    if len(source) > 500:
        refuse("source", _("Căn cứ dài quá 500 ký tự."))
    clean["source"] = source
    if (
        clean["baseline_value"] is not None
        and clean["target_value"] is not None
        and direction in Indicator.Direction.values
        and clean["target_value"] != clean["baseline_value"]
        and (clean["target_value"] < clean["baseline_value"])
        == (direction == Indicator.Direction.UP)
    ):
        refuse(
            "target_value",
            _(
                "Chỉ tiêu kém hơn giá trị năm gốc theo chiều tốt đã chọn; xem lại chỉ tiêu "
                "hoặc chiều tốt."
            ),
        )
    if errors:
        raise IndicatorInvalid(errors)
    return clean


@transaction.atomic
def indicator_save(
    *, indicator: Indicator | None, values: dict[str, Any], actor: User | None
) -> Indicator:
    """Create an indicator (`indicator` None) or change one; audited. Nothing is written
    when a value is refused. An indicator belongs to no plan: it runs over the years
    between its baseline and its due date."""
    if actor is not None and not policy.can(actor, "indicator.manage", indicator):
        raise IndicatorError(_("Bạn không được tạo hay sửa chỉ tiêu."))
    if indicator is not None:
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    clean = indicator_check(values, current=indicator)
    before = _indicator_state(indicator) if indicator is not None else None
    target = indicator or Indicator()
    for name in INDICATOR_FIELDS:
        setattr(target, name, clean[name])
    target.save()
    log_here(
        action="indicator.edit" if before is not None else "indicator.create",
        obj=target,
        before=before,
        after=_indicator_state(target),
    )
    return target
