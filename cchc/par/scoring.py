"""Scoring a campaign: self-assessment, appraisal, replies, final scores and publication.

Every change goes through one function here, inside a transaction, asks the access
policy (the windows are policy rules, see cchc/par/policy.py), keeps a version of the item
and writes an audit record; or changes nothing and raises with a Vietnamese message:
PermissionDenied (never allowed), WindowClosed (allowed, but not today) or ParError (the
input or the scorecard's state is wrong).

Who may touch which score:
* self score, evidence, explanation: the agency's staff, while the scorecard is a draft in
  the self-assessment window; a computed item whose data gives points is not typed in;
* appraised score and comment: an appraiser assigned to the item's area (the coordinator:
  any area), on a submitted scorecard, in the appraisal window;
* reply: the agency's staff, on an item with an appraisal comment, in the reply window;
* final score and lock: the coordinator, for a whole scorecard, in the appraisal window;
* publication: the coordinator, once every scorecard of the campaign is locked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.accounts.models import User
from cchc.accounts.policy import Actor, can, sees_every_agency
from cchc.agencies.models import GroupMembership
from cchc.audit.log import log_action
from cchc.audit.types import Source
from cchc.documents.models import Document, DocumentLink
from cchc.lib import calendar
from cchc.par import computed, index
from cchc.par.document import bad_text, fmt_points
from cchc.par.models import (
    AppraiserAssignment,
    Campaign,
    CampaignResult,
    Criterion,
    Scorecard,
    ScoreItem,
    ScoreItemVersion,
)
from cchc.par.services import ParError, WindowClosed, bands_for

MAX_TEXT = 5000
PHASES = {
    "self": (_("tự đánh giá"), "self_opens", "self_closes"),
    "appraisal": (_("thẩm định"), "appraisal_opens", "appraisal_closes"),
    "reply": (_("giải trình"), "reply_opens", "reply_closes"),
    "survey": (_("nhập điểm điều tra xã hội học"), "self_opens", "appraisal_closes"),
}


def _require(user: Actor, action: str, obj: Any, campaign: Campaign, phase: str) -> None:
    """PermissionDenied if `user` may never do `action` to `obj`; WindowClosed, with the
    window's dates, if they may but not today."""
    if not can(user, action, obj, when=False):
        card = obj if isinstance(obj, Scorecard) else getattr(obj, "scorecard", None)
        if (
            card is not None
            and card.is_locked
            and can(user, action)  # their role may do it to some item
            and can(user, "par.scorecard.view", card)
        ):
            # Someone who could act but for the lock: say so rather than "no permission".
            raise ParError(
                _("Phiếu của %(agency)s đã chốt điểm; không ai sửa được nữa.")
                % {"agency": card.agency.name}
            )
        raise PermissionDenied
    if can(user, action, obj):
        return
    label, opens_field, closes_field = PHASES[phase]
    opens, closes = getattr(campaign, opens_field), getattr(campaign, closes_field)
    when = _("chưa mở") if calendar.today() < opens else _("đã đóng")
    raise WindowClosed(
        _(
            "Thời hạn %(phase)s của «%(campaign)s» %(when)s (từ %(opens)s đến hết %(closes)s); "
            "thay đổi không được lưu."
        )
        % {
            "phase": label,
            "campaign": campaign.title,
            "when": when,
            "opens": opens.strftime("%d/%m/%Y"),
            "closes": closes.strftime("%d/%m/%Y"),
        }
    )


def _text(value: Any, label: str) -> str:
    text = str(value or "").strip()
    if bad_text(text):
        raise ParError(
            _("%(field)s có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL); hãy xoá đi.")
            % {"field": label}
        )
    if len(text) > MAX_TEXT:
        raise ParError(_("%(field)s dài quá %(n)s ký tự.") % {"field": label, "n": MAX_TEXT})
    return text


def parse_score(value: Any, item: ScoreItem, label: str) -> Decimal:
    """A score typed for `item`: a number from 0 to its maximum, on the set's step."""
    raw = str(value if value is not None else "").strip().replace(",", ".")
    if not raw:
        raise ParError(_("%(field)s: hãy nhập điểm.") % {"field": label})
    try:
        score = Decimal(raw)
    except InvalidOperation:
        raise ParError(
            _("%(field)s «%(v)s» không phải là số.") % {"field": label, "v": raw[:20]}
        ) from None
    if not score.is_finite():
        raise ParError(_("%(field)s «%(v)s» không phải là số.") % {"field": label, "v": raw[:20]})
    maximum = item.criterion.max_points
    step = item.scorecard.campaign.criteria_set.step
    if score < 0 or score > maximum:
        raise ParError(
            _("%(field)s của tiêu chí %(code)s phải từ 0 đến %(max)s; %(v)s không hợp lệ.")
            % {
                "field": label,
                "code": item.criterion.code,
                "max": fmt_points(maximum),
                "v": raw[:20],
            }
        )
    if score % step != 0:
        raise ParError(
            _(
                "%(field)s của tiêu chí %(code)s phải là bội số của bước điểm %(step)s; "
                "%(v)s không hợp lệ."
            )
            % {"field": label, "code": item.criterion.code, "step": fmt_points(step), "v": raw[:20]}
        )
    return score.quantize(Decimal("0.01"))


def _state(item: ScoreItem) -> dict[str, Any]:
    def num(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "criterion": item.criterion.code,
        "self_score": num(item.self_score),
        "evidence_document": item.evidence_document_id,
        "evidence_pages": item.evidence_pages,
        "explanation": item.explanation,
        "appraised_score": num(item.appraised_score),
        "appraisal_comment": item.appraisal_comment,
        "reply": item.reply,
        "final_score": num(item.final_score),
        "locked": item.locked,
    }


def _version(item: ScoreItem, phase: str, actor: Actor | None) -> None:
    last = item.versions.aggregate(n=Max("number"))["n"] or 0
    ScoreItemVersion.objects.create(
        item=item,
        number=last + 1,
        phase=phase,
        state=_state(item),
        actor=actor if isinstance(actor, User) else None,
    )


def _save(
    item: ScoreItem, before: dict[str, Any], phase: str, actor: Actor | None, source: Source
) -> ScoreItem:
    item.save()
    _version(item, phase, actor)
    log_action(
        actor=actor,
        action=f"par.item.{phase}",
        obj=item,
        before=before,
        after=_state(item),
        source=source,
    )
    return item


# ---------------------------------------------------------------------------
# Scorecards


def leaves_of(criteria_set_id: int) -> list[Criterion]:
    nodes = list(Criterion.objects.filter(criteria_set_id=criteria_set_id).order_by("position"))
    parents = {n.parent_id for n in nodes if n.parent_id}
    return [n for n in nodes if n.pk not in parents]


def group_agency_ids(campaign: Campaign) -> list[int]:
    """The agencies of the campaign's group at some time of its year."""
    year = campaign.year
    return sorted(
        set(
            GroupMembership.objects.filter(group_id=campaign.group_id)
            .exclude(valid_from__gt=date(year, 12, 31))
            .exclude(valid_to__lte=date(year, 1, 1))
            .values_list("agency_id", flat=True)
        )
    )


def _is_computed(criterion: Criterion) -> bool:
    return bool(criterion.computation_key) and criterion.method in ("computed", "survey")


@transaction.atomic
def scorecards_ensure(campaign: Campaign, *, agency_ids: list[int] | None = None) -> int:
    """A scorecard for every agency of the group (or those given) with an item per leaf;
    new items of computed criteria are filled from the data. Returns how many were made."""
    wanted = agency_ids if agency_ids is not None else group_agency_ids(campaign)
    existing = set(
        Scorecard.objects.filter(campaign=campaign, agency_id__in=wanted).values_list(
            "agency_id", flat=True
        )
    )
    new = [a for a in wanted if a not in existing]
    if not new:
        return 0
    Scorecard.objects.bulk_create([Scorecard(campaign=campaign, agency_id=a) for a in new])
    cards = list(Scorecard.objects.filter(campaign=campaign, agency_id__in=new))
    leaves = leaves_of(campaign.criteria_set_id)
    ScoreItem.objects.bulk_create(
        [ScoreItem(scorecard=card, criterion=leaf) for card in cards for leaf in leaves]
    )
    ctx = computed.Context(year=campaign.year, today=calendar.today())
    for card in cards:
        computed_refresh(card, ctx=ctx)
    return len(new)


def scorecards_missing(campaign: Campaign) -> list[Any]:
    """The group's agencies of the campaign's year that have no scorecard: those that joined
    the group after the campaign was opened."""
    from cchc.agencies.models import Agency

    have = Scorecard.objects.filter(campaign=campaign).values("agency_id")
    return list(
        Agency.objects.filter(pk__in=group_agency_ids(campaign))
        .exclude(pk__in=have)
        .order_by("sort_name")
    )


@transaction.atomic
def scorecards_add_missing(campaign: Campaign, *, actor: Actor, source: Source = "web") -> int:
    """The coordinator makes the scorecards of the late members; audited. Returns how many."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not can(actor, "par.scorecard.add", campaign, when=False):
        if campaign.published_at is not None and can(actor, "par.publish", campaign):
            raise ParError(_("Kết quả của đợt đã công bố; không thêm phiếu được nữa."))
        raise PermissionDenied
    missing = scorecards_missing(campaign)
    if not missing:
        raise ParError(_("Mọi cơ quan của nhóm đã có phiếu chấm điểm."))
    made = scorecards_ensure(campaign, agency_ids=[a.pk for a in missing])
    log_action(
        actor=actor,
        action="par.scorecard.add",
        obj=campaign,
        before=None,
        after={"agencies": [a.pk for a in missing], "names": [a.name for a in missing]},
        source=source,
    )
    return made


def computed_refresh(scorecard: Scorecard, *, ctx: computed.Context | None = None) -> int:
    """Fill the computed items of a draft scorecard from today's data; returns how many
    changed. A submitted or locked scorecard keeps the numbers it was submitted with."""
    if scorecard.status != Scorecard.Status.DRAFT:
        return 0
    campaign = scorecard.campaign
    ctx = ctx or computed.Context(year=campaign.year, today=calendar.today())
    step = campaign.criteria_set.step
    changed = 0
    items = ScoreItem.objects.filter(scorecard=scorecard).select_related("criterion")
    for item in items:
        criterion = item.criterion
        if not _is_computed(criterion) or criterion.computation_key not in computed.REGISTRY:
            continue
        result = computed.evaluate(
            criterion.computation_key,
            agency_id=scorecard.agency_id,
            maximum=criterion.max_points,
            step=step,
            ctx=ctx,
        )
        payload = result.as_json(criterion.computation_key)
        if item.computed_inputs == payload:
            continue
        item.computed_inputs = payload
        if result.points is not None:
            item.self_score = result.points
        item.save(update_fields=["computed_inputs", "self_score", "updated_at"])
        _version(item, ScoreItemVersion.Phase.COMPUTED, None)
        changed += 1
    return changed


def self_fillable(item: ScoreItem) -> bool:
    """Typed by the agency: self-assessed criteria, and computed ones the data cannot
    score. Survey criteria are the coordinator's (as an appraiser)."""
    method = item.criterion.method
    if method == Criterion.Method.SELF:
        return True
    if method == Criterion.Method.COMPUTED:
        return not (item.computed_inputs and item.computed_inputs.get("points") is not None)
    return False


def evidence_choices(agency_id: int, year: int) -> QuerySet[Document]:
    """The agency's documents recorded as outputs of its progress reports of the year's
    plans: what an item may link as evidence without uploading anything."""
    from django.contrib.contenttypes.models import ContentType

    from cchc.monitoring.models import ProgressReport

    report_ids = ProgressReport.objects.filter(
        assignment__agency_id=agency_id, assignment__activity__plan__year=year
    ).values("pk")
    return (
        Document.objects.filter(
            agency_id=agency_id,
            links__role=DocumentLink.Role.OUTPUT,
            links__target_type=ContentType.objects.get_for_model(ProgressReport),
            links__target_id__in=report_ids,
        )
        .distinct()
        .order_by("issued_on", "pk")
    )


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    content_type: str | None = None


@transaction.atomic
def item_self_score(
    item: ScoreItem,
    *,
    actor: Actor,
    score: Any,
    document_id: int | None = None,
    upload: Upload | None = None,
    pages: str = "",
    explanation: str = "",
    source: Source = "web",
) -> ScoreItem:
    """The agency's own score of an item, with its evidence or an explanation."""
    from cchc.documents.services import document_store_file
    from cchc.monitoring.evidence import evidence_check

    item = (
        ScoreItem.objects.select_for_update()
        .select_related("criterion", "scorecard__campaign__criteria_set")
        .get(pk=item.pk)
    )
    campaign = item.scorecard.campaign
    _require(actor, "par.scorecard.fill", item, campaign, "self")
    if item.scorecard.status != Scorecard.Status.DRAFT:
        raise ParError(_("Phiếu đã nộp: lãnh đạo cơ quan rút lại phiếu thì mới sửa được."))
    if not self_fillable(item):
        raise ParError(
            _("Tiêu chí %(code)s được tính từ dữ liệu theo dõi; cơ quan không tự chấm.")
            % {"code": item.criterion.code}
        )
    value = parse_score(score, item, _("Điểm tự chấm"))
    pages = _text(pages, _("Trang tham chiếu"))[:100]
    explanation = _text(explanation, _("Giải thích"))
    document: Document | None = None
    if upload is not None and upload.data:
        checked = evidence_check(
            name=upload.name, data=upload.data, declared_type=upload.content_type
        )
        if not pages:
            raise ParError(_("Tệp tải lên làm tài liệu kiểm chứng cần ghi trang tham chiếu."))
        document = document_store_file(
            agency=item.scorecard.agency,
            actor=actor if isinstance(actor, User) else None,
            checked=checked,
            data=upload.data,
        )
    elif document_id:
        document = (
            evidence_choices(item.scorecard.agency_id, campaign.year).filter(pk=document_id).first()
        )
        if document is None:
            raise ParError(
                _(
                    "Tài liệu kiểm chứng phải là văn bản kết quả đã ghi trong báo cáo tiến độ "
                    "của cơ quan, hoặc tệp tải lên."
                )
            )
    if document is None and not explanation:
        raise ParError(
            _("Tiêu chí %(code)s chưa có tài liệu kiểm chứng: hãy ghi giải thích.")
            % {"code": item.criterion.code}
        )
    before = _state(item)
    item.self_score = value
    item.evidence_document = document
    item.evidence_pages = pages if document is not None else ""
    item.explanation = explanation
    return _save(item, before, ScoreItemVersion.Phase.SELF, actor, source)


def _card_for_update(scorecard: Scorecard) -> Scorecard:
    return (
        Scorecard.objects.select_for_update()
        .select_related("campaign__criteria_set", "agency")
        .get(pk=scorecard.pk)
    )


def _card_state(card: Scorecard) -> dict[str, Any]:
    return {"status": card.status, "agency": card.agency_id, "campaign": card.campaign_id}


@transaction.atomic
def scorecard_submit(scorecard: Scorecard, *, actor: Actor, source: Source = "web") -> Scorecard:
    """The head sends the self-assessment; every item must have a score."""
    card = _card_for_update(scorecard)
    _require(actor, "par.scorecard.submit", card, card.campaign, "self")
    if card.status != Scorecard.Status.DRAFT:
        raise ParError(_("Phiếu đã được nộp."))
    missing = [
        i.criterion.code
        for i in card.items.select_related("criterion").order_by("criterion__position")
        if self_fillable(i) and i.self_score is None
    ]
    if missing:
        raise ParError(
            _("Chưa chấm các tiêu chí: %(codes)s; phiếu chưa được nộp.")
            % {"codes": ", ".join(missing)}
        )
    before = _card_state(card)
    card.status = Scorecard.Status.SUBMITTED
    card.submitted_at = timezone.now()
    card.submitted_by = actor if isinstance(actor, User) else None
    card.save()
    log_action(
        actor=actor,
        action="par.scorecard.submit",
        obj=card,
        before=before,
        after=_card_state(card),
        source=source,
    )
    return card


@transaction.atomic
def scorecard_withdraw(scorecard: Scorecard, *, actor: Actor, source: Source = "web") -> Scorecard:
    """The head takes the submission back to fix it, while the window is open and before
    anyone has appraised it."""
    card = _card_for_update(scorecard)
    _require(actor, "par.scorecard.submit", card, card.campaign, "self")
    if card.status != Scorecard.Status.SUBMITTED:
        raise ParError(_("Phiếu chưa nộp nên không cần rút lại."))
    before = _card_state(card)
    card.status = Scorecard.Status.DRAFT
    card.submitted_at = None
    card.submitted_by = None
    card.save()
    log_action(
        actor=actor,
        action="par.scorecard.withdraw",
        obj=card,
        before=before,
        after=_card_state(card),
        source=source,
    )
    return card


def appraisable(card: Scorecard) -> bool:
    """Whether the appraisal team may score and settle the scorecard: once submitted, or,
    for an agency that never submitted, once its self-assessment window has closed (the
    team scores it from what it has; otherwise one silent agency would hold back the
    whole campaign's publication)."""
    if card.status == Scorecard.Status.SUBMITTED:
        return True
    return card.status == Scorecard.Status.DRAFT and calendar.today() > card.campaign.self_closes


def _item_for_update(item: ScoreItem) -> ScoreItem:
    return (
        ScoreItem.objects.select_for_update()
        .select_related("criterion", "scorecard__campaign__criteria_set", "scorecard__agency")
        .get(pk=item.pk)
    )


@transaction.atomic
def item_appraise(
    item: ScoreItem, *, actor: Actor, score: Any, comment: str = "", source: Source = "web"
) -> ScoreItem:
    """An appraiser's score and comment; a score other than the self score needs a comment."""
    item = _item_for_update(item)
    campaign = item.scorecard.campaign
    _require(actor, "par.item.appraise", item, campaign, "appraisal")
    if not appraisable(item.scorecard):
        raise ParError(_("Cơ quan chưa nộp phiếu tự đánh giá; chưa thẩm định được."))
    value = parse_score(score, item, _("Điểm thẩm định"))
    comment = _text(comment, _("Ý kiến thẩm định"))
    if item.self_score is not None and value != item.self_score and not comment:
        raise ParError(
            _("Điểm thẩm định khác điểm tự chấm của tiêu chí %(code)s: hãy ghi ý kiến.")
            % {"code": item.criterion.code}
        )
    before = _state(item)
    item.appraised_score = value
    item.appraisal_comment = comment
    item.appraised_by = actor if isinstance(actor, User) else None
    item.appraised_at = timezone.now()
    return _save(item, before, ScoreItemVersion.Phase.APPRAISAL, actor, source)


@transaction.atomic
def item_reply(item: ScoreItem, *, actor: Actor, text: str, source: Source = "web") -> ScoreItem:
    """The agency's reply (giải trình) to an appraisal comment."""
    item = _item_for_update(item)
    _require(actor, "par.item.reply", item, item.scorecard.campaign, "reply")
    if not item.appraisal_comment:
        raise ParError(
            _("Tiêu chí %(code)s không có ý kiến thẩm định để giải trình.")
            % {"code": item.criterion.code}
        )
    text = _text(text, _("Giải trình"))
    if not text:
        raise ParError(_("Hãy ghi nội dung giải trình."))
    before = _state(item)
    item.reply = text
    item.replied_by = actor if isinstance(actor, User) else None
    item.replied_at = timezone.now()
    return _save(item, before, ScoreItemVersion.Phase.REPLY, actor, source)


@transaction.atomic
def scorecard_finalise(
    scorecard: Scorecard,
    *,
    actor: Actor,
    finals: dict[int, Any] | None = None,
    source: Source = "web",
) -> Scorecard:
    """Settle every item's final score and lock the scorecard.

    `finals` maps item ids to a final score; an item not given takes its appraised score,
    or its self score if it was not appraised. All or nothing."""
    card = _card_for_update(scorecard)
    _require(actor, "par.scorecard.finalise", card, card.campaign, "appraisal")
    if not appraisable(card):
        raise ParError(
            _(
                "Chỉ chốt điểm được phiếu đã nộp (hoặc phiếu cơ quan không nộp, sau khi hết "
                "hạn tự đánh giá) và chưa chốt."
            )
        )
    finals = finals or {}
    items = list(card.items.select_related("criterion", "scorecard__campaign__criteria_set"))
    known = {i.pk for i in items}
    unknown = [k for k in finals if k not in known]
    if unknown:
        raise ParError(_("Có mục không thuộc phiếu này; không chốt điểm."))
    settled: list[tuple[ScoreItem, Decimal]] = []
    missing = []
    for item in items:
        given = finals.get(item.pk)
        if given not in (None, ""):
            value = parse_score(given, item, _("Điểm cuối cùng"))
        elif item.appraised_score is not None:
            value = item.appraised_score
        elif item.self_score is not None:
            value = item.self_score
        else:
            missing.append(item.criterion.code)
            continue
        settled.append((item, value))
    if missing:
        raise ParError(
            _("Chưa có điểm của các tiêu chí: %(codes)s; chưa chốt được.")
            % {"codes": ", ".join(missing)}
        )
    for item, value in settled:
        before = _state(item)
        item.final_score = value
        item.locked = True
        _save(item, before, ScoreItemVersion.Phase.FINAL, actor, source)
    before_card = _card_state(card)
    card.status = Scorecard.Status.FINALISED
    card.finalised_at = timezone.now()
    card.finalised_by = actor if isinstance(actor, User) else None
    card.save()
    log_action(
        actor=actor,
        action="par.scorecard.finalise",
        obj=card,
        before=before_card,
        after=_card_state(card),
        source=source,
    )
    return card


# ---------------------------------------------------------------------------
# Appraisers


@transaction.atomic
def appraiser_assign(
    campaign: Campaign, *, area: Criterion, user: User, actor: Actor, source: Source = "web"
) -> AppraiserAssignment:
    if not can(actor, "par.appraisers.manage", campaign):
        raise PermissionDenied
    if area.criteria_set_id != campaign.criteria_set_id or area.level != Criterion.Level.AREA:
        raise ParError(_("Chỉ phân công theo lĩnh vực của bộ tiêu chí của đợt này."))
    if not user.is_active or not can(user, "par.item.appraise"):
        raise ParError(_("%(user)s không phải thành viên tổ thẩm định.") % {"user": user})
    assignment, created = AppraiserAssignment.objects.get_or_create(
        campaign=campaign,
        area=area,
        user=user,
        defaults={"assigned_by": actor if isinstance(actor, User) else None},
    )
    if created:
        log_action(
            actor=actor,
            action="par.appraiser.assign",
            obj=assignment,
            before=None,
            after={"campaign": campaign.pk, "area": area.code, "user": user.username},
            source=source,
        )
    return assignment


@transaction.atomic
def appraiser_unassign(
    assignment: AppraiserAssignment, *, actor: Actor, source: Source = "web"
) -> None:
    if not can(actor, "par.appraisers.manage", assignment.campaign):
        raise PermissionDenied
    log_action(
        actor=actor,
        action="par.appraiser.unassign",
        obj=assignment,
        before={"area": assignment.area.code, "user": assignment.user.username},
        after=None,
        source=source,
    )
    assignment.delete()


# ---------------------------------------------------------------------------
# Results


def area_points(
    campaign: Campaign, field: str = "final_score"
) -> dict[int, list[index.AreaPoints]]:
    """Per agency, the points of each area from its items' `field` (missing points: 0)."""
    areas = list(
        Criterion.objects.filter(criteria_set_id=campaign.criteria_set_id, level=1).order_by(
            "position"
        )
    )
    sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    rows = ScoreItem.objects.filter(scorecard__campaign=campaign).values_list(
        "scorecard__agency_id", "criterion__code", field
    )
    agencies: set[int] = set()
    for agency_id, code, value in rows:
        agencies.add(agency_id)
        sums[(agency_id, code.split(".")[0])] += value or Decimal(0)
    return {
        agency_id: [
            index.AreaPoints(a.code, a.max_points, sums[(agency_id, a.code)]) for a in areas
        ]
        for agency_id in agencies
    }


def previous_campaign(campaign: Campaign) -> Campaign | None:
    return (
        Campaign.objects.filter(
            group_id=campaign.group_id, year=campaign.year - 1, published_at__isnull=False
        )
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def campaign_publish(campaign: Campaign, *, actor: Actor | None, source: Source = "web") -> int:
    """Compute and publish every agency's index, rank, class and change; returns how many.

    Refused until every scorecard of the campaign is locked; published once."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not can(actor, "par.publish", campaign):
        raise PermissionDenied
    if campaign.published_at is not None:
        raise ParError(_("Kết quả của đợt này đã được công bố."))
    cards = Scorecard.objects.filter(campaign=campaign)
    if not cards.exists():
        raise ParError(_("Đợt đánh giá chưa có phiếu chấm điểm nào."))
    open_cards = list(
        cards.exclude(status=Scorecard.Status.FINALISED).select_related("agency")[:10]
    )
    if open_cards:
        raise ParError(
            _("Còn phiếu chưa chốt điểm: %(names)s; chưa công bố được.")
            % {"names": ", ".join(c.agency.name for c in open_cards)}
        )
    points = area_points(campaign)
    computed_results = {a: index.compute_index(areas) for a, areas in points.items()}
    ranks = index.dense_ranks({a: r.index for a, r in computed_results.items()})
    bands = bands_for(campaign.year, campaign.group)
    problems = index.band_problems(bands)
    if problems:
        raise ParError(" ".join(problems))
    previous = previous_campaign(campaign)
    before_index: dict[int, Decimal] = {}
    if previous is not None:
        before_index = dict(
            CampaignResult.objects.filter(campaign=previous).values_list("agency_id", "index")
        )
    now = timezone.now()
    rows = []
    for agency_id, result in computed_results.items():
        band = index.classify(result.index, bands)
        prior = before_index.get(agency_id)
        rows.append(
            CampaignResult(
                campaign=campaign,
                agency_id=agency_id,
                total=result.total,
                maximum=result.maximum,
                index=result.index,
                components={k: str(v) for k, v in result.components.items()},
                rank=ranks[agency_id],
                classification=band.label if band else "",
                classification_regulation=band.regulation if band else "",
                previous_index=prior,
                change=None if prior is None else result.index - prior,
                published_at=now,
            )
        )
    CampaignResult.objects.filter(campaign=campaign).delete()
    CampaignResult.objects.bulk_create(rows)
    campaign.published_at = now
    campaign.published_by = actor if isinstance(actor, User) else None
    campaign.save(update_fields=["published_at", "published_by"])
    log_action(
        actor=actor,
        action="par.campaign.publish",
        obj=campaign,
        before=None,
        after={"agencies": len(rows), "previous_campaign": previous.pk if previous else None},
        source=source,
    )
    return len(rows)


def scorecards_visible(user: Actor, campaign: Campaign) -> QuerySet[Scorecard]:
    """The campaign's scorecards the user may read: all for the province-wide roles, their
    own agency's for an agency's staff."""
    cards = Scorecard.objects.filter(campaign=campaign).select_related("agency")
    if sees_every_agency(user):
        return cards
    agency_id = getattr(user, "agency_id", None)
    return cards.filter(agency_id=agency_id) if agency_id else cards.none()
