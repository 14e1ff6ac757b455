"""PAR INDEX scoring in the API: scorecards, self scores, submission, appraisal, replies,
final scores, publication and results. The same policy actions and services as the pages
(cchc/par/scoring.py); the services' Vietnamese messages come back as `detail`:
403 never allowed, 409 allowed but outside its window or in the wrong state, 400 bad input,
404 not there or not yours to see."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from cchc.accounts import policy
from cchc.api.auth import api_auth
from cchc.api.openapi import MAX_ID
from cchc.api.par_common import campaign_or_404, run
from cchc.api.schemas import ErrorOut
from cchc.api.views import api
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
    Upload,
    appraiser_assign,
    campaign_publish,
    item_appraise,
    item_reply,
    item_self_score,
    scorecard_finalise,
    scorecard_submit,
    scorecard_withdraw,
    scorecards_add_missing,
    scorecards_missing,
    scorecards_visible,
)
from cchc.par.survey import survey_rows, survey_scores_save

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


_campaign = campaign_or_404


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


_do = run


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


def _result_out(r: CampaignResult) -> dict[str, Any]:
    return {
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


def _results(campaign: Campaign) -> list[dict[str, Any]]:
    return [
        _result_out(r)
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


# ---------------------------------------------------------------------------
# Evidence files, survey scores, late members, an agency's own results


@api.post(
    "/par/items/{int:item_id}/self-with-file",
    response={200: ItemOut, **ERRORS},
    tags=TAGS,
    summary="Tự chấm một tiêu chí kèm tệp tài liệu kiểm chứng tải lên và trang tham chiếu",
    description=(
        "multipart/form-data: `file` (PDF, Word, Excel, ảnh …: cùng kiểm tra như trang phiếu), "
        "`score`, `pages` (bắt buộc khi có tệp), `explanation`. Tệp được lưu thành văn bản của "
        "cơ quan và gắn vào tiêu chí."
    ),
    auth=api_auth("par.scorecard.fill"),
)
def self_score_with_file(
    request: HttpRequest,
    item_id: int,
    file: File[UploadedFile],
    score: Form[str],
    pages: Form[str] = "",
    explanation: Form[str] = "",
) -> dict[str, Any]:
    item = _item(request, item_id)
    if (file.size or 0) > settings.CCHC_MAX_UPLOAD_BYTES:
        raise HttpError(400, _("Tệp quá lớn."))
    upload = Upload(file.name or "", file.read(), file.content_type)
    if not upload.data:
        raise HttpError(400, _("Tệp rỗng, không có nội dung."))
    _do(
        lambda: item_self_score(
            item,
            actor=request.user,
            score=score,
            upload=upload,
            pages=pages,
            explanation=explanation,
            source="api",
        )
    )
    return _item_fresh(item.pk)


class SurveyScoreIn(Schema):
    agency_id: int = Field(..., ge=0, le=MAX_ID)
    code: str = Field(..., max_length=20)
    score: str = Field("", max_length=20)
    clear: bool = Field(False, description="Xoá điểm đã nhập nhầm (bỏ qua «score»).")


class SurveyIn(Schema):
    scores: list[SurveyScoreIn] = Field(..., max_length=100_000)


class SurveyRowOut(Schema):
    agency: AgencyRef
    scorecard_id: int
    locked: bool
    scores: dict[str, Decimal | None]


class SurveyOut(Schema):
    criteria: list[str]
    changed: int
    rows: list[SurveyRowOut]


def _survey_out(campaign: Campaign, changed: int = 0) -> dict[str, Any]:
    leaves, rows = survey_rows(campaign)
    return {
        "criteria": [c.code for c in leaves],
        "changed": changed,
        "rows": [
            {
                "agency": {"id": r.card.agency_id, "name": r.card.agency.name},
                "scorecard_id": r.card.pk,
                "locked": r.card.is_locked,
                "scores": {
                    c.code: (None if i is None else i.self_score)
                    for c, i in zip(leaves, r.items, strict=True)
                },
            }
            for r in rows
        ],
    }


@api.get(
    "/par/campaigns/{int:campaign_id}/survey",
    response={200: SurveyOut, **ERRORS},
    tags=TAGS,
    summary="Điểm điều tra xã hội học của từng cơ quan trong đợt",
    auth=api_auth("par.survey.enter"),
)
def survey_get(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _survey_out(_campaign(request, campaign_id))


@api.post(
    "/par/campaigns/{int:campaign_id}/survey",
    response={200: SurveyOut, **ERRORS},
    tags=TAGS,
    summary="Nhập điểm điều tra xã hội học theo cơ quan và mã tiêu chí (tất cả hoặc không)",
    auth=api_auth("par.survey.enter"),
)
def survey_post(request: HttpRequest, campaign_id: int, data: SurveyIn) -> dict[str, Any]:
    campaign = _campaign(request, campaign_id)
    leaves, rows = survey_rows(campaign)
    position = {c.code: n for n, c in enumerate(leaves)}
    by_agency = {r.card.agency_id: r for r in rows}
    scores: dict[int, Any] = {}
    clear: list[int] = []
    for entry in data.scores:
        row = by_agency.get(entry.agency_id)
        n = position.get(entry.code)
        item = None if row is None or n is None else row.items[n]
        if item is None:
            raise HttpError(
                400,
                _(
                    "Cơ quan %(agency)s hoặc tiêu chí «%(code)s» không có trong phần điều tra "
                    "xã hội học của đợt; chưa lưu điểm nào."
                )
                % {"agency": entry.agency_id, "code": entry.code[:20]},
            )
        if entry.clear:
            clear.append(item.pk)
        else:
            scores[item.pk] = entry.score
    changed = _do(
        lambda: survey_scores_save(
            campaign, actor=request.user, scores=scores, clear=clear, source="api"
        )
    )
    return _survey_out(campaign, changed)


class MissingOut(Schema):
    missing: list[AgencyRef]
    added: int


@api.get(
    "/par/campaigns/{int:campaign_id}/missing-scorecards",
    response={200: MissingOut, **ERRORS},
    tags=TAGS,
    summary="Cơ quan của nhóm chưa có phiếu (vào nhóm sau khi mở đợt)",
    auth=api_auth("par.scorecard.add"),
)
def missing_get(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    campaign = _campaign(request, campaign_id)
    return {
        "missing": [{"id": a.pk, "name": a.name} for a in scorecards_missing(campaign)],
        "added": 0,
    }


@api.post(
    "/par/campaigns/{int:campaign_id}/missing-scorecards",
    response={200: MissingOut, **ERRORS},
    tags=TAGS,
    summary="Tạo phiếu cho các cơ quan vào nhóm sau khi mở đợt (ghi nhật ký)",
    auth=api_auth("par.scorecard.add"),
)
def missing_add(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    campaign = _campaign(request, campaign_id)
    added = _do(lambda: scorecards_add_missing(campaign, actor=request.user, source="api"))
    return {"missing": [], "added": added}


class OwnResultOut(Schema):
    campaign_id: int
    campaign_title: str
    year: int
    scorecard_id: int
    scorecard_status: str
    result: ResultOut | None


class OwnRatingOut(Schema):
    year: int
    group_id: int
    on_time_rate: Decimal | None
    index: Decimal | None
    score: Decimal | None
    band: str
    inputs: dict[str, Any]


class OwnOut(Schema):
    agency: AgencyRef | None
    campaigns: list[OwnResultOut]
    ratings: list[OwnRatingOut]


@api.get(
    "/par/own",
    response={200: OwnOut, 403: ErrorOut},
    tags=TAGS,
    summary="Kết quả của cơ quan mình: phiếu, chỉ số đã công bố, mức hoàn thành nhiệm vụ",
    auth=api_auth("par.own.view"),
)
def own(request: HttpRequest) -> dict[str, Any]:
    from cchc.par.models import TaskRating

    agency_id = getattr(request.user, "agency_id", None)
    if agency_id is None:
        raise HttpError(403, _("Tài khoản không thuộc cơ quan nào."))
    cards = list(
        Scorecard.objects.filter(agency_id=agency_id)
        .select_related("campaign", "agency")
        .order_by("-campaign__year", "pk")
    )
    results = {
        r.campaign_id: r
        for r in CampaignResult.objects.filter(
            agency_id=agency_id, campaign__published_at__isnull=False
        ).select_related("agency")
    }
    return {
        "agency": {"id": cards[0].agency_id, "name": cards[0].agency.name} if cards else None,
        "campaigns": [
            {
                "campaign_id": c.campaign_id,
                "campaign_title": c.campaign.title,
                "year": c.campaign.year,
                "scorecard_id": c.pk,
                "scorecard_status": c.status,
                "result": _result_out(results[c.campaign_id]) if c.campaign_id in results else None,
            }
            for c in cards
        ],
        "ratings": [
            {
                "year": r.scheme.year,
                "group_id": r.scheme.group_id,
                "on_time_rate": r.on_time_rate,
                "index": r.index,
                "score": r.score,
                "band": r.band,
                "inputs": r.inputs,
            }
            for r in TaskRating.objects.filter(agency_id=agency_id)
            .select_related("scheme")
            .order_by("-scheme__year", "pk")
        ],
    }
