"""Survey services: the active definition, a response saved all-or-nothing, N entered.

Anti-abuse is layered: the view limits submissions per address (django-ratelimit, in the
shared cache) and drops honeypot submissions; this module refuses a second response from
the same device for the same agency in a quarter, and the database's unique constraint
refuses it again if two arrive at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.citizens import defaults, index
from cchc.citizens.models import (
    Counter,
    SamplePopulation,
    SurveyAnswer,
    SurveyDefinition,
    SurveyQuestion,
    SurveyResponse,
)
from cchc.citizens.stamps import citizens_changed
from cchc.lib import calendar

DEVICE_COOKIE = "cchc_survey_device"
DEVICE_SALT = "cchc.citizens.device"
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
COMMENT_MAX = 1000


class SurveyError(Exception):
    """A response that cannot be saved; the message is for the citizen, in Vietnamese."""


class AlreadyAnswered(SurveyError):
    pass


def active_definition() -> SurveyDefinition:
    """The definition new responses answer: the newest active one (the default if none)."""
    found = SurveyDefinition.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
    if found is None:
        created = defaults.create_default()
        assert isinstance(created, SurveyDefinition)
        return created
    return found


def new_device_token() -> str:
    return secrets.token_urlsafe(24)


def sign_device_token(token: str) -> str:
    return signing.dumps(token, salt=DEVICE_SALT)


def device_token_from(cookie: str | None) -> str | None:
    """The device's token from its signed cookie; None if missing or tampered with."""
    if not cookie:
        return None
    try:
        value = signing.loads(cookie, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and 16 <= len(value) <= 64 else None


def device_hash(token: str) -> str:
    # Keyed by SECRET_KEY: the stored value does not give the cookie back.
    return salted_hmac("cchc.citizens.device-hash", token, algorithm="sha256").hexdigest()


def quarter_of(day: object) -> tuple[int, int]:
    year, month = day.year, day.month  # type: ignore[attr-defined]
    return int(year), (int(month) - 1) // 3 + 1


@dataclass(frozen=True)
class Place:
    """Where a survey is answered: an agency, and perhaps one of its counters."""

    agency: Agency
    counter: Counter | None = None

    @property
    def name(self) -> str:
        return self.counter.name if self.counter else self.agency.name


def already_answered(place: Place, token: str | None) -> bool:
    if token is None:
        return False
    year, quarter = quarter_of(calendar.today())
    return SurveyResponse.objects.filter(
        device_hash=device_hash(token), agency=place.agency, year=year, quarter=quarter
    ).exists()


def response_submit(
    *,
    place: Place,
    definition: SurveyDefinition,
    token: str,
    answers: dict[int, int],
    comment: str = "",
    questions: dict[int, int] | None = None,
) -> SurveyResponse:
    """Save one response with its answers, or nothing (SurveyError). `questions` (question
    id → element id of `definition`) spares a query when the caller has read them."""
    if questions is None:
        questions = dict(
            SurveyQuestion.objects.filter(element__definition=definition).values_list(
                "pk", "element_id"
            )
        )
    if not answers:
        raise SurveyError(_("Xin ông/bà chọn mức hài lòng cho ít nhất một câu hỏi."))
    for question, value in answers.items():
        if question not in questions:
            raise SurveyError(_("Phiếu đã thay đổi; xin tải lại trang và trả lời lại."))
        if value not in (1, 2, 3, 4, 5):
            raise SurveyError(_("Mức hài lòng phải là một trong 5 mức của thang đo."))
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise SurveyError(
            _("Ý kiến khác dài quá %(max)s ký tự; xin rút gọn.") % {"max": COMMENT_MAX}
        )
    if "\x00" in comment:
        raise SurveyError(_("Ý kiến khác chứa ký tự không hợp lệ."))
    if place.counter is not None and place.counter.agency_id != place.agency.pk:
        raise SurveyError(_("Quầy không thuộc cơ quan này."))
    year, quarter = quarter_of(calendar.today())
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                definition=definition,
                agency=place.agency,
                counter=place.counter,
                year=year,
                quarter=quarter,
                submitted_at=timezone.now(),
                comment=comment,
                device_hash=device_hash(token),
            )
            SurveyAnswer.objects.bulk_create(
                [
                    SurveyAnswer(response=response, question_id=q, element_id=questions[q], value=v)
                    for q, v in sorted(answers.items())
                ]
            )
            # The counts the results read, in the same transaction: both or neither.
            index.tally_add(response, [(questions[q], v) for q, v in answers.items()])
            # The dashboards' citizens' panel of the agency's province shows the new
            # response from the commit on (cchc.citizens.stamps); last, so that the
            # stamp's row is locked only until the commit.
            citizens_changed([place.agency.province_id])
    except IntegrityError:
        raise AlreadyAnswered(already_answered_message(place)) from None
    return response


def already_answered_message(place: Place) -> str:
    return _(
        "Thiết bị này đã gửi phiếu đánh giá cho %(place)s trong quý này. Mỗi thiết bị chỉ "
        "gửi một phiếu cho một cơ quan mỗi quý; cảm ơn ông/bà đã tham gia."
    ) % {"place": place.agency.name}


def population_set(
    *, agency: Agency, year: int, quarter: int, population: int, actor: object
) -> SamplePopulation:
    if not 0 <= quarter <= 4:
        raise SurveyError(_("Quý phải từ 1 đến 4 (hoặc cả năm)."))
    if population < 0 or population > 100_000_000:
        raise SurveyError(_("Số hồ sơ (N) phải là số nguyên từ 0 đến 100.000.000."))
    row, _created = SamplePopulation.objects.update_or_create(
        agency=agency,
        year=year,
        quarter=quarter,
        defaults={"population": population, "entered_by": actor},
    )
    return row


def counter_create(*, agency: Agency, name: str) -> Counter:
    """A new counter of `agency`, with its own survey link."""
    name = " ".join(name.split())
    if not name:
        raise SurveyError(_("Hãy nhập tên quầy."))
    if len(name) > 255 or "\x00" in name:
        raise SurveyError(_("Tên quầy không được dài quá 255 ký tự."))
    if agency.closed_on is not None:
        raise SurveyError(_("Cơ quan đã giải thể, không thêm quầy được."))
    if Counter.objects.filter(agency=agency, name__iexact=name).exists():
        raise SurveyError(
            _("%(agency)s đã có quầy «%(name)s».") % {"agency": agency.name, "name": name}
        )
    return Counter.objects.create(agency=agency, name=name)
