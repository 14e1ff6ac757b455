"""Feedback on administrative regulations (phản ánh, kiến nghị): submission, routing,
answer, publication; the deadline in working days; the figures other modules read.

Every change of state after submission is written to the audit trail (`cchc.audit`) in
the same transaction. The audit records never carry the sender's name or contact.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.audit.log import log_here
from cchc.citizens.models import Feedback, FeedbackAttachment, FeedbackType
from cchc.lib import calendar, storage
from cchc.lib.uploads import EVIDENCE_KINDS, CheckedUpload, check_upload

# Crockford's base 32: no I, L, O, U, so a code read aloud or typed is not mistaken.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: not guessable, and the lookup is rate limited as well
MAX_ATTACHMENTS = 3
CONTENT_MAX = 5000
ANSWER_MAX = 10000


class FeedbackError(Exception):
    """A refused change; the message is for the user, in Vietnamese."""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCDE-FGHJK: two groups of five, easier to read out and type."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


def normalize_code(typed: str) -> str:
    """What a person typed, as a stored code: case, spaces and dashes do not matter, and
    the letters Crockford's alphabet leaves out read as the digits they look like."""
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))[:CODE_LENGTH]


def attachment_check(*, name: str, data: Any, declared_type: str | None) -> CheckedUpload:
    """The upload checks of evidence files (real type, size, safe name)."""
    return check_upload(
        name,
        data,
        allowed=EVIDENCE_KINDS,
        max_bytes=settings.CCHC_MAX_UPLOAD_BYTES,
        declared_type=declared_type,
    )


def _state(item: Feedback) -> dict[str, Any]:
    # Never the sender's name or contact: the audit trail is read by more people.
    return {
        "status": item.status,
        "agency": item.agency_id,
        "due_on": item.due_on,
        "answered_on": item.answered_on,
        "published_on": item.published_on,
        "rejection_reason": item.rejection_reason,
    }


# The kinds citizens 0004 writes: (code, name, working days to answer, position).
DEFAULT_TYPES = [
    ("phan-anh", "Phản ánh về quy định hành chính", 10, 1),
    ("kien-nghi", "Kiến nghị về quy định hành chính", 20, 2),
]


def feedback_types_ensure() -> None:
    """Put back the default kinds when there are none at all (a database emptied after its
    migrations ran): the public form needs a kind to be sent."""
    if FeedbackType.objects.exists():
        return
    for code, name, days, position in DEFAULT_TYPES:
        FeedbackType.objects.get_or_create(
            code=code, defaults={"name": name, "deadline_days": days, "position": position}
        )


def due_date(received_on: date, feedback_type: FeedbackType) -> date:
    return calendar.add_working_days(received_on, feedback_type.deadline_days)


@dataclass(frozen=True)
class Attachment:
    checked: CheckedUpload
    data: bytes


@transaction.atomic
def feedback_submit(
    *,
    feedback_type: FeedbackType,
    regulation: str,
    content: str,
    sender_name: str,
    sender_phone: str = "",
    sender_email: str = "",
    sender_address: str = "",
    attachments: list[Attachment] | None = None,
    province: Agency | None = None,
) -> Feedback:
    """Record a citizen's or a business's feedback; its deadline counts from today.
    `province`: the province it is sent to (the public form's choice); without it the
    installation's only province (cchc.citizens.models.Feedback.save)."""
    if not feedback_type.is_active:
        raise FeedbackError(_("Loại phản ánh này không còn được tiếp nhận."))
    if not sender_phone.strip() and not sender_email.strip():
        raise FeedbackError(_("Hãy ghi số điện thoại hoặc thư điện tử để cơ quan liên hệ."))
    if len(attachments or []) > MAX_ATTACHMENTS:
        raise FeedbackError(_("Chỉ gửi kèm tối đa %(n)s tệp.") % {"n": MAX_ATTACHMENTS})
    today = calendar.today()
    code = new_code()
    while Feedback.objects.filter(code=code).exists():
        code = new_code()
    item = Feedback.objects.create(
        code=code,
        type=feedback_type,
        regulation=regulation.strip(),
        content=content.strip(),
        sender_name=sender_name.strip(),
        sender_phone=sender_phone.strip(),
        sender_email=sender_email.strip(),
        sender_address=sender_address.strip(),
        received_at=timezone.now(),
        received_on=today,
        due_on=due_date(today, feedback_type),
        province=province,
    )
    for attachment in attachments or []:
        stored = storage.store(attachment.data, content_type=attachment.checked.content_type)
        FeedbackAttachment.objects.create(
            feedback=item, stored=stored, filename=attachment.checked.safe_name
        )
    return item


def _locked(item: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def feedback_route(*, item: Feedback, agency: Agency, actor: User) -> Feedback:
    """The coordinator sends the item to the agency responsible for the regulation."""
    policy.require(actor, "feedback.manage")
    item = _locked(item)
    if item.status not in (Feedback.Status.RECEIVED, Feedback.Status.ROUTED):
        raise FeedbackError(_("Chỉ chuyển được phản ánh chưa được xử lý."))
    if agency.closed_on is not None:
        raise FeedbackError(_("Cơ quan này đã thôi hoạt động; hãy chọn cơ quan khác."))
    if (
        None not in (item.province_id, agency.province_id)
        and item.province_id != agency.province_id
    ):
        raise FeedbackError(_("Cơ quan này không thuộc tỉnh nhận phản ánh; hãy chọn cơ quan khác."))
    before = _state(item)
    item.agency = agency
    if agency.province_id is not None:
        item.province_id = agency.province_id  # the item follows the agency's province
    item.status = Feedback.Status.ROUTED
    item.routed_at = timezone.now()
    item.save()
    log_here(action="feedback.route", obj=item, before=before, after=_state(item))
    return item


@transaction.atomic
def feedback_start(*, item: Feedback, actor: User) -> Feedback:
    """The agency marks the item as being handled."""
    item = _locked(item)
    policy.require(actor, "feedback.answer", item)
    if item.status != Feedback.Status.ROUTED:
        raise FeedbackError(_("Phản ánh này không ở trạng thái chờ xử lý."))
    before = _state(item)
    item.status = Feedback.Status.HANDLING
    item.save()
    log_here(action="feedback.start", obj=item, before=before, after=_state(item))
    return item


@transaction.atomic
def feedback_answer(*, item: Feedback, answer: str, actor: User) -> Feedback:
    """The agency the item was routed to answers it (only that agency's staff)."""
    item = _locked(item)
    if not policy.can(actor, "feedback.answer", item, when=False):
        raise FeedbackError(_("Chỉ cơ quan được giao xử lý mới trả lời phản ánh này."))
    if not policy.can(actor, "feedback.answer", item):
        raise FeedbackError(_("Phản ánh này đã được trả lời hoặc đã đóng."))
    text = answer.strip()
    if not text:
        raise FeedbackError(_("Hãy ghi nội dung trả lời."))
    if len(text) > ANSWER_MAX:
        raise FeedbackError(_("Nội dung trả lời dài quá %(n)s ký tự.") % {"n": ANSWER_MAX})
    before = _state(item)
    item.answer = text
    item.answered_on = calendar.today()
    item.answered_by = actor
    item.status = Feedback.Status.ANSWERED
    item.save()
    log_here(
        action="feedback.answer", obj=item, before=before, after={**_state(item), "answer": text}
    )
    return item


@transaction.atomic
def feedback_publish(*, item: Feedback, actor: User) -> Feedback:
    """The coordinator publishes the answer on the public page under the code."""
    policy.require(actor, "feedback.manage")
    item = _locked(item)
    if item.status != Feedback.Status.ANSWERED:
        raise FeedbackError(_("Chỉ công khai được phản ánh đã có trả lời."))
    before = _state(item)
    item.status = Feedback.Status.PUBLISHED
    item.published_on = calendar.today()
    item.save()
    log_here(action="feedback.publish", obj=item, before=before, after=_state(item))
    return item


@transaction.atomic
def feedback_reject(*, item: Feedback, reason: str, actor: User) -> Feedback:
    """The coordinator declines an item (not about a regulation, duplicate…) with a reason
    the sender reads on the public page."""
    policy.require(actor, "feedback.manage")
    item = _locked(item)
    if not item.is_open:
        raise FeedbackError(_("Phản ánh đã được trả lời hoặc đã đóng, không từ chối được."))
    text = reason.strip()
    if not text:
        raise FeedbackError(_("Hãy ghi lý do không tiếp nhận."))
    before = _state(item)
    item.status = Feedback.Status.REJECTED
    item.rejection_reason = text[:2000]
    item.save()
    log_here(action="feedback.reject", obj=item, before=before, after=_state(item))
    return item


# ---------------------------------------------------------------------------
# Reading


def overdue(today: date | None = None) -> Q:
    """Open items past their deadline."""
    return Q(status__in=Feedback.OPEN, due_on__lt=today or calendar.today())


def feedback_visible_to(user: Any) -> Any:
    qs = Feedback.objects.all()
    ids = policy.agency_ids_visible_to(user)
    if ids is None:
        # The province reads every item of its province, routed or not (docs/tenants.md);
        # an item of no province (national) is everyone's.
        return tenancy.scope(qs, user, "province")
    return qs.filter(agency_id__in=sorted(ids))


@dataclass(frozen=True)
class FeedbackStats:
    received: int
    answered: int  # answered or published
    on_time: int  # answered on or before the deadline
    overdue: int  # still open past the deadline (as of `end`)
    rejected: int
    open: int


def feedback_stats(
    agency: Agency | int | None, start: date, end: date, *, province: int | None = None
) -> FeedbackStats:
    """Feedback received from `start` to `end` (both included), for one agency (the items
    routed to it) or the whole province (None: of `province`, or of the installation when
    that is None too): how many, answered, answered on time, and still open past their
    deadline on `end`. One query.

    An item answered after `end` counts as not answered (the figure is as of `end`).
    """
    qs = Feedback.objects.filter(received_on__gte=start, received_on__lte=end)
    if province is not None:
        qs = qs.filter(province_id=province)
    if agency is not None:
        qs = qs.filter(agency_id=agency if isinstance(agency, int) else agency.pk)
    done = Q(status__in=(Feedback.Status.ANSWERED, Feedback.Status.PUBLISHED), answered_on__lte=end)
    still_open = Q(status__in=Feedback.OPEN) | (
        Q(status__in=(Feedback.Status.ANSWERED, Feedback.Status.PUBLISHED)) & Q(answered_on__gt=end)
    )
    counts = qs.aggregate(
        received=Count("pk"),
        answered=Count("pk", filter=done),
        on_time=Count("pk", filter=done & Q(answered_on__lte=F("due_on"))),
        overdue=Count("pk", filter=still_open & Q(due_on__lt=end)),
        rejected=Count("pk", filter=Q(status=Feedback.Status.REJECTED)),
        open=Count("pk", filter=still_open),
    )
    return FeedbackStats(**counts)


@dataclass(frozen=True)
class OverdueLine:
    """An overdue item as a digest or the dashboard lists it (no personal data)."""

    feedback_id: int
    code: str
    agency_id: int | None
    regulation: str
    due_on: date
    working_days_late: int

    @property
    def label(self) -> str:
        return _("Quá hạn %(days)s ngày làm việc (hạn %(due)s)") % {
            "days": self.working_days_late,
            "due": self.due_on.strftime("%d/%m/%Y"),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "feedback": self.feedback_id,
            "activity": _("Phản ánh, kiến nghị %(code)s: %(regulation)s")
            % {"code": format_code(self.code), "regulation": self.regulation},
            "task": _("Trả lời phản ánh, kiến nghị của người dân, doanh nghiệp"),
            "deadline": self.due_on.strftime("%d/%m/%Y"),
            "due_on": self.due_on.isoformat(),
            "due": self.due_on.strftime("%d/%m/%Y"),
            "label": self.label,
            "days_left": -self.working_days_late,
            "overdue_days": self.working_days_late,
        }


def overdue_lines(
    *, today: date, agency_ids: list[int] | None = None, province: int | None = None
) -> list[OverdueLine]:
    """Open items past their deadline on `today` (of `province` when given), oldest
    deadline first."""
    qs = Feedback.objects.filter(overdue(today))
    if province is not None:
        qs = qs.filter(province_id=province)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    working = calendar.WorkingCalendar()
    return [
        OverdueLine(
            feedback_id=row["pk"],
            code=row["code"],
            agency_id=row["agency_id"],
            regulation=row["regulation"],
            due_on=row["due_on"],
            working_days_late=max(1, working.working_days_between(row["due_on"], today)),
        )
        for row in qs.order_by("due_on", "pk").values(
            "pk", "code", "agency_id", "regulation", "due_on"
        )
    ]


# Forms of address a reply puts before a given name ("bà Ngọc", "ông Lâm").
_HONORIFICS = ("ông", "bà", "anh", "chị", "cô", "chú", "em", "bác")


def public_text(item: Feedback, text: str) -> str:
    """Text of a feedback item (its answer, a rejection's reason, the regulation named) as
    the public page prints it: without the sender's personal data, even when the officer
    who answered wrote it in. The sender's name (whole, without the family name, or a
    given name after ông/bà/anh/chị …), telephone (however its digits are spaced), e-mail
    and address are replaced, then any other telephone number or e-mail address."""
    from cchc.citizens.exports import scrub

    text = unicodedata.normalize("NFC", text or "")
    hidden = _("[đã ẩn thông tin người gửi]")
    patterns: list[str] = []
    words = unicodedata.normalize("NFC", item.sender_name or "").split()
    if words:
        patterns.append(r"\s+".join(map(re.escape, words)))
        if len(words) >= 3:
            patterns.append(r"\s+".join(map(re.escape, words[1:])))
    for value in (item.sender_email, item.sender_address):
        value = unicodedata.normalize("NFC", (value or "").strip())
        if len(value) >= 4:
            patterns.append(r"\s*".join(map(re.escape, value.split())))
    digits = re.sub(r"\D", "", item.sender_phone or "")
    if len(digits) >= 6:
        patterns.append(r"[\s.\-]?".join(digits))
    for pattern in sorted(patterns, key=len, reverse=True):
        text = re.sub(pattern, hidden, text, flags=re.IGNORECASE)
    if words:
        honorific = "|".join(_HONORIFICS)
        text = re.sub(
            rf"\b({honorific})(\s+){re.escape(words[-1])}\b",
            lambda found: found.group(1) + found.group(2) + hidden,
            text,
            flags=re.IGNORECASE,
        )
    return scrub(text)
