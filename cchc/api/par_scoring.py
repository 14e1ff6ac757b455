"""PAR INDEX scoring in the API: scorecards, self scores, submission, appraisal, replies,
final scores, publication and results. The same policy actions and services as the pages
(cchc/par/scoring.py); the services' Vietnamese messages come back as `detail`:
403 never allowed, 409 allowed but outside its window or in the wrong state, 400 bad input,
404 not there or not yours to see."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import HttpError

from cchc.accounts import policy
from cchc.api.auth import api_auth
from cchc.api.schemas import ErrorOut
from cchc.api.views import api
from cchc.lib.uploads import UploadRejected
from cchc.par.models import (
    AppraiserAssignment,
    Campaign,
    CampaignResult,
    Criterion,
    Scorecard,
    ScoreItem,
    ScoreItemVersion,
)
from cchc.par.scoring import (
    appraiser_assign,
    campaign_publish,
    item_appraise,
    item_reply,
    item_self_score,
    scorecard_finalise,
    scorecard_submit,
    scorecard_withdraw,
    scorecards_visible,
)
from cchc.par.services import ParError, WindowClosed

TAGS = ["par"]
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class AgencyRef(Schema):
    id: int
    name: str


class VersionOut(Schema):
    number: int
    phase: str
    actor: str
    at: datetime
    state: dict[str, Any]


class ItemOut(Schema):
    id: int
    criterion_id: int
    code: str
    title: str
    max_points: Decimal
    method: str
    computation_key: str
    computed: dict[str, Any] | None
    self_score: Decimal | None
    evidence_document_id: int | None
    evidence_pages: str
    explanation: str
    appraised_score: Decimal | None
    appraisal_comment: str
    reply: str
    final_score: Decimal | None
    locked: bool
    versions: list[VersionOut]


class ScorecardOut(Schema):
    id: int
    campaign_id: int
    agency: AgencyRef
    status: str
    submitted_at: datetime | None
    finalised_at: datetime | None


class ScorecardDetailOut(ScorecardOut):
    items: list[ItemOut]


class SelfIn(Schema):
    score: str
    document_id: int | None = None
    explanation: str = ""


class AppraiseIn(Schema):
    score: str
    comment: str = ""


class ReplyIn(Schema):
    reply: str


class FinaliseIn(Schema):
    finals: dict[int, str] = {}


class AppraiserIn(Schema):
    area_code: str
    user_id: int


class AppraiserOut(Schema):
    id: int
    area_code: str
    user_id: int
    username: str


class ResultOut(Schema):
    agency: AgencyRef
    total: Decimal
    maximum: Decimal
    index: Decimal
    components: dict[str, str]
    rank: int
    classification: str
    classification_regulation: str
    previous_index: Decimal | None
    change: Decimal | None
    published_at: datetime


def _card_out(card: Scorecard) -> dict[str, Any]:
    return {
        "id": card.pk,
        "campaign_id": card.campaign_id,
        "agency": {"id": card.agency_id, "name": card.agency.name},
        "status": card.status,
        "submitted_at": card.submitted_at,
        "finalised_at": card.finalised_at,
    }


def _item_out(item: ScoreItem) -> dict[str, Any]:
    c = item.criterion
    return {
        "id": item.pk,
        "criterion_id": c.pk,
        "code": c.code,
        "title": c.title,
        "max_points": c.max_points,
        "method": c.method,
        "computation_key": c.computation_key,
        "computed": item.computed_inputs,
        "self_score": item.self_score,
        "evidence_document_id": item.evidence_document_id,
        "evidence_pages": item.evidence_pages,
        "explanation": item.explanation,
        "appraised_score": item.appraised_score,
        "appraisal_comment": item.appraisal_comment,
        "reply": item.reply,
        "final_score": item.final_score,
        "locked": item.locked,
        "versions": [
            {
                "number": v.number,
                "phase": v.phase,
                "actor": str(v.actor) if v.actor else "",
                "at": v.at,
                "state": v.state,
            }
            for v in item.versions.all()
        ],
    }


def _campaign(request: HttpRequest, campaign_id: int, view: str = "par.view") -> Campaign:
    campaign = (
        Campaign.objects.select_related("criteria_set", "group").filter(pk=campaign_id).first()
    )
    if campaign is None or not policy.can(request.user, view, campaign, when=False):
        raise HttpError(404, _("Không tìm thấy đợt đánh giá."))
    return campaign


def _card(request: HttpRequest, scorecard_id: int) -> Scorecard:
    card = (
        Scorecard.objects.select_related("campaign__criteria_set", "agency")
        .filter(pk=scorecard_id)
        .first()
    )
    if card is None or not policy.can(request.user, "par.scorecard.view", card, when=False):
        raise HttpError(404, _("Không tìm thấy phiếu chấm điểm."))
    return card


def _item(request: HttpRequest, item_id: int) -> ScoreItem:
    item = (
        ScoreItem.objects.select_related(
            "criterion", "scorecard__campaign__criteria_set", "scorecard__agency"
        )
        .filter(pk=item_id)
        .first()
    )
    if item is None or not policy.can(
        request.user, "par.scorecard.view", item.scorecard, when=False
    ):
        raise HttpError(404, _("Không tìm thấy tiêu chí trên phiếu."))
    return item


def _do(action: Any) -> Any:
    try:
        return action()
    except PermissionDenied:
        raise HttpError(403, _("Bạn không có quyền thực hiện thao tác này.")) from None
    except WindowClosed as error:
        raise HttpError(409, error.message) from None
    except ParError as error:
        raise HttpError(400, error.message) from None
    except UploadRejected as error:
        raise HttpError(400, " ".join(str(m) for m in error.messages)) from None


def _item_fresh(item_id: int) -> dict[str, Any]:
    item = (
        ScoreItem.objects.select_related("criterion")
        .prefetch_related(
            Prefetch("versions", queryset=ScoreItemVersion.objects.select_related("actor"))
        )
        .get(pk=item_id)
    )
    return _item_out(item)


@api.get(
    "/par/campaigns/{int:campaign_id}/scorecards",
    response={200: list[ScorecardOut], 404: ErrorOut},
    tags=TAGS,
    summary="Các phiếu chấm điểm của một đợt (cơ quan: chỉ phiếu của mình)",
    auth=api_auth("par.scorecard.view"),
)
def list_scorecards(request: HttpRequest, campaign_id: int) -> list[dict[str, Any]]:
    campaign = _campaign(request, campaign_id)
    return [_card_out(c) for c in scorecards_visible(request.user, campaign).order_by("pk")]


@api.get(
    "/par/scorecards/{int:scorecard_id}",
    response={200: ScorecardDetailOut, 404: ErrorOut},
    tags=TAGS,
    summary="Một phiếu chấm điểm: tự chấm, thẩm định, cuối cùng và lịch sử từng tiêu chí",
    auth=api_auth("par.scorecard.view"),
)
def get_scorecard(request: HttpRequest, scorecard_id: int) -> dict[str, Any]:
    card = _card(request, scorecard_id)
    items = (
        card.items.select_related("criterion")
        .prefetch_related(
            Prefetch("versions", queryset=ScoreItemVersion.objects.select_related("actor"))
        )
        .order_by("criterion__position")
    )
    return {**_card_out(card), "items": [_item_out(i) for i in items]}


@api.post(
    "/par/items/{int:item_id}/self",
    response={200: ItemOut, **ERRORS},
    tags=TAGS,
    summary="Tự chấm một tiêu chí, kèm văn bản kết quả làm tài liệu kiểm chứng hoặc giải thích",
    auth=api_auth("par.scorecard.fill"),
)
def self_score(request: HttpRequest, item_id: int, data: SelfIn) -> dict[str, Any]:
    item = _item(request, item_id)
    _do(
        lambda: item_self_score(
            item,
            actor=request.user,
            score=data.score,
            document_id=data.document_id,
            explanation=data.explanation,
            source="api",
        )
    )
    return _item_fresh(item.pk)


@api.post(
    "/par/scorecards/{int:scorecard_id}/submit",
    response={200: ScorecardOut, **ERRORS},
    tags=TAGS,
    summary="Nộp phiếu tự đánh giá (lãnh đạo cơ quan, trong thời hạn)",
    auth=api_auth("par.scorecard.submit"),
)
def submit_scorecard(request: HttpRequest, scorecard_id: int) -> dict[str, Any]:
    card = _card(request, scorecard_id)
    return _card_out(_do(lambda: scorecard_submit(card, actor=request.user, source="api")))


@api.post(
    "/par/scorecards/{int:scorecard_id}/withdraw",
    response={200: ScorecardOut, **ERRORS},
    tags=TAGS,
    summary="Rút lại phiếu đã nộp để sửa (lãnh đạo cơ quan, trong thời hạn)",
    auth=api_auth("par.scorecard.submit"),
)
def withdraw_scorecard(request: HttpRequest, scorecard_id: int) -> dict[str, Any]:
    card = _card(request, scorecard_id)
    return _card_out(_do(lambda: scorecard_withdraw(card, actor=request.user, source="api")))


@api.post(
    "/par/items/{int:item_id}/appraise",
    response={200: ItemOut, **ERRORS},
    tags=TAGS,
    summary="Điểm thẩm định và ý kiến (người được phân công lĩnh vực, trong thời hạn)",
    auth=api_auth("par.item.appraise"),
)
def appraise(request: HttpRequest, item_id: int, data: AppraiseIn) -> dict[str, Any]:
    item = _item(request, item_id)
    _do(
        lambda: item_appraise(
            item, actor=request.user, score=data.score, comment=data.comment, source="api"
        )
    )
    return _item_fresh(item.pk)


@api.post(
    "/par/items/{int:item_id}/reply",
    response={200: ItemOut, **ERRORS},
    tags=TAGS,
    summary="Giải trình ý kiến thẩm định (cơ quan, trong thời hạn giải trình)",
    auth=api_auth("par.item.reply"),
)
def reply(request: HttpRequest, item_id: int, data: ReplyIn) -> dict[str, Any]:
    item = _item(request, item_id)
    _do(lambda: item_reply(item, actor=request.user, text=data.reply, source="api"))
    return _item_fresh(item.pk)


@api.post(
    "/par/scorecards/{int:scorecard_id}/finalise",
    response={200: ScorecardOut, **ERRORS},
    tags=TAGS,
    summary="Chốt điểm cuối cùng và khoá phiếu (cơ quan thường trực, trong thời hạn thẩm định)",
    auth=api_auth("par.scorecard.finalise"),
)
def finalise(request: HttpRequest, scorecard_id: int, data: FinaliseIn) -> dict[str, Any]:
    card = _card(request, scorecard_id)
    return _card_out(
        _do(
            lambda: scorecard_finalise(
                card, actor=request.user, finals=dict(data.finals), source="api"
            )
        )
    )


@api.post(
    "/par/campaigns/{int:campaign_id}/appraisers",
    response={200: AppraiserOut, **ERRORS},
    tags=TAGS,
    summary="Phân công người thẩm định một lĩnh vực của đợt",
    auth=api_auth("par.appraisers.manage"),
)
def assign_appraiser(request: HttpRequest, campaign_id: int, data: AppraiserIn) -> dict[str, Any]:
    from cchc.accounts.models import User

    campaign = _campaign(request, campaign_id)
    area = Criterion.objects.filter(
        criteria_set_id=campaign.criteria_set_id, level=1, code=data.area_code[:20]
    ).first()
    person = User.objects.filter(pk=data.user_id).first()
    if area is None or person is None:
        raise HttpError(400, _("Hãy chọn lĩnh vực và người thẩm định có trong danh sách."))
    made: AppraiserAssignment = _do(
        lambda: appraiser_assign(campaign, area=area, user=person, actor=request.user, source="api")
    )
    return {
        "id": made.pk,
        "area_code": area.code,
        "user_id": person.pk,
        "username": person.username,
    }


@api.post(
    "/par/campaigns/{int:campaign_id}/publish",
    response={200: list[ResultOut], **ERRORS},
    tags=TAGS,
    summary="Tính và công bố kết quả của đợt (khi mọi phiếu đã chốt)",
    auth=api_auth("par.publish"),
)
def publish(request: HttpRequest, campaign_id: int) -> list[dict[str, Any]]:
    campaign = _campaign(request, campaign_id)
    _do(lambda: campaign_publish(campaign, actor=request.user, source="api"))
    return _results(campaign)


def _results(campaign: Campaign) -> list[dict[str, Any]]:
    return [
        {
            "agency": {"id": r.agency_id, "name": r.agency.name},
            "total": r.total,
            "maximum": r.maximum,
            "index": r.index,
            "components": r.components,
            "rank": r.rank,
            "classification": r.classification,
            "classification_regulation": r.classification_regulation,
            "previous_index": r.previous_index,
            "change": r.change,
            "published_at": r.published_at,
        }
        for r in CampaignResult.objects.filter(campaign=campaign)
        .select_related("agency")
        .order_by("rank", "agency__sort_name")
    ]


@api.get(
    "/par/campaigns/{int:campaign_id}/results",
    response={200: list[ResultOut], 404: ErrorOut},
    tags=TAGS,
    summary="Kết quả đã công bố: chỉ số, thành phần, hạng, xếp loại, thay đổi so với năm trước",
    auth=api_auth("par.results.view"),
)
def results(request: HttpRequest, campaign_id: int) -> list[dict[str, Any]]:
    campaign = _campaign(request, campaign_id, view="par.results.view")
    return _results(campaign)
