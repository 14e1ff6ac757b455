"""PAR INDEX scoring (docs/par.md): self-assessment, appraisal, replies, final scores and
publication, tried as each role, inside and outside each window, with bad input."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.audit.models import AuditRecord
from cchc.lib import calendar
from cchc.par import computed
from cchc.par.models import Campaign, CampaignResult, CriteriaSet, Criterion, Scorecard, ScoreItem
from cchc.par.results import published_index, published_result
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
    scorecards_ensure,
)
from cchc.par.services import ParError, WindowClosed, Windows, campaign_create, default_sets_load
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal
SELF_DAY = date(2022, 12, 5)
APPRAISAL_DAY = date(2022, 12, 20)
REPLY_DAY = date(2023, 1, 8)
LATE_DAY = date(2023, 2, 1)
WINDOWS = Windows(
    self_opens=date(2022, 12, 1),
    self_closes=date(2022, 12, 15),
    appraisal_opens=date(2022, 12, 16),
    appraisal_closes=date(2023, 1, 20),
    reply_opens=date(2023, 1, 5),
    reply_closes=date(2023, 1, 12),
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def campaign(personas: dict[str, User]) -> Campaign:
    default_sets_load(2022)
    criteria_set = CriteriaSet.objects.get(year=2022, group__code="so-ban-nganh")
    made = campaign_create(criteria_set, windows=WINDOWS, actor=None)
    scorecards_ensure(made)
    return made


def _card(campaign: Campaign, agency: Agency) -> Scorecard:
    return Scorecard.objects.get(campaign=campaign, agency=agency)


def _item(card: Scorecard, code: str) -> ScoreItem:
    return card.items.select_related("criterion").get(criterion__code=code)


def _fill_all(card: Scorecard, actor: User, *, score: str = "max") -> None:
    for item in card.items.select_related("criterion"):
        if item.criterion.method != "self":
            continue
        value = item.criterion.max_points if score == "max" else D(0)
        item_self_score(item, actor=actor, score=value, explanation="Chưa có văn bản riêng.")


def test_every_agency_of_the_group_gets_a_scorecard_with_an_item_per_leaf(
    campaign: Campaign, agencies: dict[str, Agency]
) -> None:
    cards = Scorecard.objects.filter(campaign=campaign)
    assert {c.agency_id for c in cards} == {agencies[k].pk for k in ("a", "b", "home", "office")}
    card = _card(campaign, agencies["a"])
    codes = set(card.items.values_list("criterion__code", flat=True))
    assert {"1.1.1", "1.1.4", "1.2.1", "2", "8"} <= codes
    assert "1" not in codes and "1.1" not in codes
    assert scorecards_ensure(campaign) == 0  # idempotent


def test_a_computed_item_shows_its_formula_inputs_and_is_not_typed(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    item = _item(_card(campaign, agencies["a"]), "1.1.4")
    assert item.computed_inputs is not None
    assert item.computed_inputs["key"] == "lead_activities_on_time"
    # No province plan for 2022 in this world: the data cannot say, the agency scores it.
    assert item.computed_inputs["points"] is None
    assert "kế hoạch" in item.computed_inputs["note"].lower()
    assert "lead_activities_on_time" in computed.REGISTRY


def test_self_score_must_be_in_range_on_step_and_evidenced(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    officer = personas["officer_a"]
    item = _item(_card(campaign, agencies["a"]), "1.1.2")  # max 1, step 0.25
    with calendar.as_of(SELF_DAY):
        with pytest.raises(ParError, match="từ 0 đến 1"):
            item_self_score(item, actor=officer, score="1.5", explanation="x")
        with pytest.raises(ParError, match="từ 0 đến 1"):
            item_self_score(item, actor=officer, score="-0.25", explanation="x")
        with pytest.raises(ParError, match="bội số của bước điểm 0,25"):
            item_self_score(item, actor=officer, score="0.3", explanation="x")
        with pytest.raises(ParError, match="không phải là số"):
            item_self_score(item, actor=officer, score="NaN", explanation="x")
        with pytest.raises(ParError, match="hãy ghi giải thích"):
            item_self_score(item, actor=officer, score="0.5")
        with pytest.raises(ParError, match="ký tự điều khiển"):
            item_self_score(item, actor=officer, score="0.5", explanation="a\x00b")
        with pytest.raises(ParError, match="trang tham chiếu"):
            item_self_score(
                item, actor=officer, score="0.5", upload=Upload("kh.pdf", PDF, "application/pdf")
            )
        item.refresh_from_db()
        assert item.self_score is None and item.versions.count() == 0
        item_self_score(
            item,
            actor=officer,
            score="0,75",
            upload=Upload("kh.pdf", PDF, "application/pdf"),
            pages="tr. 2–3",
        )
    item.refresh_from_db()
    assert item.self_score == D("0.75")
    assert item.evidence_document is not None and item.evidence_pages == "tr. 2–3"
    assert item.versions.count() == 1
    assert AuditRecord.objects.filter(action="par.item.self", object_id=str(item.pk)).exists()


def test_only_the_agency_may_self_score_and_only_in_the_window(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    item = _item(_card(campaign, agencies["a"]), "2")
    with calendar.as_of(SELF_DAY):
        for name in ("officer_b", "appraiser", "coordinator", "leader", "admin"):
            with pytest.raises(PermissionDenied):
                item_self_score(item, actor=personas[name], score="5", explanation="x")
    with calendar.as_of(APPRAISAL_DAY), pytest.raises(WindowClosed, match="đã đóng"):
        item_self_score(item, actor=personas["officer_a"], score="5", explanation="x")
    with calendar.as_of(date(2022, 11, 1)), pytest.raises(WindowClosed, match="chưa mở"):
        item_self_score(item, actor=personas["officer_a"], score="5", explanation="x")
    item.refresh_from_db()
    assert item.self_score is None


def test_the_head_submits_and_withdraws_in_the_window_only(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    card = _card(campaign, agencies["a"])
    with calendar.as_of(SELF_DAY):
        with pytest.raises(ParError, match="Chưa chấm các tiêu chí"):
            scorecard_submit(card, actor=personas["head_a"])
        _fill_all(card, personas["officer_a"])
        _item_fill_computed_gaps(card, personas["officer_a"])
        with pytest.raises(PermissionDenied):
            scorecard_submit(card, actor=personas["officer_a"])  # the head submits
        scorecard_submit(card, actor=personas["head_a"])
        with pytest.raises(ParError, match="rút lại"):
            item_self_score(
                _item(card, "2"), actor=personas["officer_a"], score="5", explanation="x"
            )
        scorecard_withdraw(card, actor=personas["head_a"])
        item_self_score(_item(card, "2"), actor=personas["officer_a"], score="5", explanation="x")
        scorecard_submit(card, actor=personas["head_a"])
    with calendar.as_of(APPRAISAL_DAY), pytest.raises(WindowClosed):
        scorecard_withdraw(card, actor=personas["head_a"])
    card.refresh_from_db()
    assert card.status == Scorecard.Status.SUBMITTED


def _item_fill_computed_gaps(card: Scorecard, actor: User) -> None:
    for item in card.items.select_related("criterion").filter(criterion__method="computed"):
        if (item.computed_inputs or {}).get("points") is None:
            item_self_score(item, actor=actor, score=0, explanation="Không có số liệu.")


def _submitted(
    campaign: Campaign, agency: Agency, personas: dict[str, User], officer: User, head: User
) -> Scorecard:
    card = _card(campaign, agency)
    with calendar.as_of(SELF_DAY):
        _fill_all(card, officer)
        _item_fill_computed_gaps(card, officer)
        scorecard_submit(card, actor=head)
    return card


@pytest.fixture
def people_b(agencies: dict[str, Agency]) -> dict[str, User]:
    return {
        "head_b": factories.make_user("head_b", Role.HEAD, agencies["b"]),
        "appraiser2": factories.make_user("appraiser2", Role.APPRAISER),
    }


def test_appraisal_reply_finalise_and_publish(
    campaign: Campaign,
    agencies: dict[str, Agency],
    personas: dict[str, User],
    people_b: dict[str, User],
) -> None:
    card_a = _submitted(
        campaign, agencies["a"], personas, personas["officer_a"], personas["head_a"]
    )
    card_b = _submitted(
        campaign, agencies["b"], personas, personas["officer_b"], people_b["head_b"]
    )
    area2 = Criterion.objects.get(criteria_set=campaign.criteria_set, code="2")
    appraiser = personas["appraiser"]
    with pytest.raises(PermissionDenied):
        appraiser_assign(campaign, area=area2, user=appraiser, actor=personas["officer_a"])
    with pytest.raises(ParError, match="tổ thẩm định"):
        appraiser_assign(
            campaign, area=area2, user=personas["leader"], actor=personas["coordinator"]
        )
    appraiser_assign(campaign, area=area2, user=appraiser, actor=personas["coordinator"])
    item2 = _item(card_a, "2")
    item3 = _item(card_a, "3")
    with calendar.as_of(SELF_DAY), pytest.raises(WindowClosed, match="chưa mở"):
        item_appraise(item2, actor=appraiser, score="8", comment="Thiếu văn bản.")
    with calendar.as_of(APPRAISAL_DAY):
        with pytest.raises(PermissionDenied):  # not the appraiser's area
            item_appraise(item3, actor=appraiser, score="8", comment="x")
        with pytest.raises(PermissionDenied):  # a second appraiser, assigned nowhere
            item_appraise(item2, actor=people_b["appraiser2"], score="8", comment="x")
        with pytest.raises(PermissionDenied):  # the officer cannot appraise
            item_appraise(item2, actor=personas["officer_a"], score="8", comment="x")
        with pytest.raises(ParError, match="hãy ghi ý kiến"):
            item_appraise(item2, actor=appraiser, score="8")
        with pytest.raises(ParError, match="từ 0 đến 10"):
            item_appraise(item2, actor=appraiser, score="11", comment="x")
        item_appraise(item2, actor=appraiser, score="8", comment="Thiếu văn bản chỉ đạo.")
        # The appraiser cannot touch the self score, nor reply
        with pytest.raises(PermissionDenied):
            item_self_score(item2, actor=appraiser, score="1", explanation="x")
        with pytest.raises(WindowClosed):  # the reply window opens later
            item_reply(item2, actor=personas["officer_a"], text="Đã có văn bản.")
        item_appraise(_item(card_b, "3"), actor=personas["coordinator"], score="10")
        # The survey area has no responses in this world: the coordinator scores it.
        for card in (card_a, card_b):
            item_appraise(_item(card, "8"), actor=personas["coordinator"], score="16")
    with calendar.as_of(REPLY_DAY):
        with pytest.raises(PermissionDenied):
            item_reply(item2, actor=personas["officer_b"], text="x")
        with pytest.raises(ParError, match="không có ý kiến thẩm định"):
            item_reply(item3, actor=personas["officer_a"], text="x")
        item_reply(item2, actor=personas["officer_a"], text="Văn bản 12/QĐ-STP đã gửi kèm.")
        with pytest.raises(PermissionDenied):
            scorecard_finalise(card_a, actor=appraiser)
        with pytest.raises(ParError, match="bội số"):
            scorecard_finalise(card_a, actor=personas["coordinator"], finals={item2.pk: "8.1"})
        scorecard_finalise(card_a, actor=personas["coordinator"], finals={item2.pk: "9"})
        with pytest.raises(ParError, match="chưa công bố"):
            campaign_publish(campaign, actor=personas["coordinator"])
        scorecard_finalise(card_b, actor=personas["coordinator"])
    item2.refresh_from_db()
    assert (item2.self_score, item2.appraised_score, item2.final_score) == (D(10), D(8), D(9))
    assert item2.locked
    assert list(item2.versions.values_list("phase", flat=True)) == [
        "self",
        "appraisal",
        "reply",
        "final",
    ]
    # Locked: nothing changes it any more, whatever the window, and the team is told why.
    with calendar.as_of(REPLY_DAY), pytest.raises(ParError, match="đã chốt điểm"):
        item_appraise(item2, actor=personas["coordinator"], score="1", comment="x")
    # The other two agencies never submitted: publishing waits for them.
    for key in ("home", "office"):
        Scorecard.objects.filter(campaign=campaign, agency=agencies[key]).delete()
    assert published_index(campaign, agencies["a"]) is None
    with pytest.raises(PermissionDenied):
        campaign_publish(campaign, actor=personas["leader"])
    assert campaign_publish(campaign, actor=personas["coordinator"]) == 2
    result_a = published_result(campaign, agencies["a"])
    result_b = published_result(campaign, agencies["b"])
    assert result_a is not None and result_b is not None
    # Self items at their maximum, computed ones without data at 0 (1.1.1, 1.1.4, 1.2.1:
    # 4 points), area 1 readable only up to 10 of its 20, the survey area 16 of 20; A lost
    # 1 point in area 2 at appraisal.
    assert (result_b.total, result_b.maximum, result_b.index) == (D(82), D(100), D("82.00"))
    assert (result_a.total, result_a.index) == (D(81), D("81.00"))
    assert result_a.components["2"] == "90.00" and result_a.components["1"] == "30.00"
    assert (result_b.rank, result_a.rank) == (1, 2)
    assert result_a.classification == "Tốt"
    with pytest.raises(ParError, match="đã được công bố"):
        campaign_publish(campaign, actor=personas["coordinator"])


def test_year_on_year_change_against_the_previous_published_campaign(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    older = CriteriaSet.objects.get(year=2022, group__code="so-ban-nganh")
    from cchc.par.services import set_copy

    set_2021 = set_copy(older, year=2021, actor=None)
    c2021 = campaign_create(
        set_2021,
        windows=Windows(*(d.replace(year=d.year - 1) for d in astuple(WINDOWS))),
        actor=None,
    )
    c2021.published_at = c2021.created_at
    c2021.save()
    CampaignResult.objects.create(
        campaign=c2021,
        agency=agencies["a"],
        total=D(50),
        maximum=D(100),
        index=D(50),
        rank=1,
        classification="Trung bình",
        published_at=c2021.created_at,
    )
    card = _submitted(campaign, agencies["a"], personas, personas["officer_a"], personas["head_a"])
    Scorecard.objects.filter(campaign=campaign).exclude(pk=card.pk).delete()
    with calendar.as_of(APPRAISAL_DAY):
        scorecard_finalise(card, actor=personas["coordinator"], finals={_item(card, "8").pk: 0})
    campaign_publish(campaign, actor=personas["coordinator"])
    result = published_result(campaign, agencies["a"])
    assert result is not None and result.previous_index == D(50)
    assert result.change == result.index - D(50)


def test_nothing_is_editable_after_the_appraisal_window(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    card = _submitted(campaign, agencies["a"], personas, personas["officer_a"], personas["head_a"])
    item = _item(card, "2")
    with calendar.as_of(LATE_DAY):
        with pytest.raises(WindowClosed):
            item_appraise(item, actor=personas["coordinator"], score="5", comment="x")
        with pytest.raises(WindowClosed):
            item_reply(item, actor=personas["officer_a"], text="x")
        with pytest.raises(WindowClosed):
            scorecard_finalise(card, actor=personas["coordinator"])
        with pytest.raises(WindowClosed):
            item_self_score(item, actor=personas["officer_a"], score="1", explanation="x")
    item.refresh_from_db()
    assert item.appraised_score is None and item.final_score is None


# ---------------------------------------------------------------------------
# Pages and API


def test_before_publication_an_agency_sees_only_its_own_scorecard(
    campaign: Campaign, agencies: dict[str, Agency], login: Any
) -> None:
    own = _card(campaign, agencies["a"])
    other = _card(campaign, agencies["b"])
    client: Client = login("officer_a")
    assert client.get(f"/par/phieu/{own.pk}/").status_code == 200
    assert client.get(f"/par/phieu/{other.pk}/").status_code == 404
    assert client.get(f"/par/dot/{campaign.pk}/ket-qua/").status_code == 404
    listing = client.get(f"/par/dot/{campaign.pk}/phieu/")
    assert agencies["b"].name not in listing.content.decode()
    api = client.get(f"/api/par/campaigns/{campaign.pk}/scorecards")
    assert [c["agency"]["id"] for c in api.json()] == [agencies["a"].pk]
    assert client.get(f"/api/par/scorecards/{other.pk}").status_code == 404
    assert client.get(f"/api/par/campaigns/{campaign.pk}/results").status_code == 404


def test_the_self_assessment_page_saves_and_refuses_with_a_message(
    campaign: Campaign, agencies: dict[str, Agency], login: Any
) -> None:
    card = _card(campaign, agencies["a"])
    item = _item(card, "2")
    client: Client = login("officer_a")
    with calendar.as_of(SELF_DAY):
        page = client.get(f"/par/phieu/{card.pk}/")
        body = page.content.decode()
        assert "Tự đánh giá" in body and item.criterion.title in body
        bad = client.post(
            f"/par/muc/{item.pk}/tu-cham/", {"score": "12", "explanation": "x"}, follow=True
        )
        assert "phải từ 0 đến 10" in bad.content.decode()
        good = client.post(
            f"/par/muc/{item.pk}/tu-cham/", {"score": "7,5", "explanation": "Chưa có"}
        )
        assert good.status_code == 302
    item.refresh_from_db()
    assert item.self_score == D("7.5")
    with calendar.as_of(LATE_DAY):
        late = client.post(
            f"/par/muc/{item.pk}/tu-cham/", {"score": "5", "explanation": "x"}, follow=True
        )
        assert "đã đóng" in late.content.decode()
    item.refresh_from_db()
    assert item.self_score == D("7.5")


def test_api_self_score_appraise_and_hostile_input(
    campaign: Campaign, agencies: dict[str, Agency], login: Any, personas: dict[str, User]
) -> None:
    card = _card(campaign, agencies["a"])
    item = _item(card, "2")
    client: Client = login("officer_a")
    with calendar.as_of(SELF_DAY):
        nul = client.post(
            f"/api/par/items/{item.pk}/self",
            {"score": "5", "explanation": "a\u0000b"},
            content_type="application/json",
        )
        assert nul.status_code == 400 and "NUL" in nul.json()["detail"]
        bell = client.post(
            f"/api/par/items/{item.pk}/self",
            {"score": "5", "explanation": "a\u0007b"},
            content_type="application/json",
        )
        assert bell.status_code == 400 and "ký tự điều khiển" in bell.json()["detail"]
        off_step = client.post(
            f"/api/par/items/{item.pk}/self",
            {"score": "5.1", "explanation": "x"},
            content_type="application/json",
        )
        assert off_step.status_code == 400 and "bội số" in off_step.json()["detail"]
        ok = client.post(
            f"/api/par/items/{item.pk}/self",
            {"score": "5", "explanation": "Chưa có văn bản"},
            content_type="application/json",
        )
        assert ok.status_code == 200, ok.content
        assert ok.json()["self_score"] == "5.00"
        appraise = client.post(
            f"/api/par/items/{item.pk}/appraise",
            {"score": "5", "comment": "x"},
            content_type="application/json",
        )
        assert appraise.status_code == 403
    with calendar.as_of(LATE_DAY):
        late = client.post(
            f"/api/par/items/{item.pk}/self",
            {"score": "6", "explanation": "x"},
            content_type="application/json",
        )
        assert late.status_code == 409 and "đã đóng" in late.json()["detail"]
    item.refresh_from_db()
    assert item.self_score == D(5)


def test_ranking_page_query_count_does_not_grow_with_agencies(
    campaign: Campaign, agencies: dict[str, Agency], login: Any, personas: dict[str, User]
) -> None:
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    now = campaign.created_at
    campaign.published_at = now
    campaign.save()

    def add(n: int) -> None:
        for i in range(n):
            agency = Agency.objects.create(
                name=f"Sở thử {CampaignResult.objects.count()}-{i}", kind=Agency.Kind.DEPARTMENT
            )
            GroupMembership.objects.create(group=group, agency=agency)
            CampaignResult.objects.create(
                campaign=campaign,
                agency=agency,
                total=D(70),
                maximum=D(100),
                index=D(70),
                components={"1": "70.00"},
                rank=1,
                classification="Khá",
                published_at=now,
            )

    client: Client = login("leader")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/par/dot/{campaign.pk}/ket-qua/").status_code == 200
        return len(ctx.captured_queries)

    add(3)
    few = count()
    add(30)
    assert count() == few


def test_an_agency_that_never_submits_is_appraised_and_finalised_after_its_window(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    """One silent agency must not hold back the campaign: after the self-assessment window
    the team scores its card from what it has, settles it, and the campaign publishes."""
    coordinator = personas["coordinator"]
    card = _card(campaign, agencies["office"])
    item = _item(card, "2")
    with calendar.as_of(SELF_DAY), pytest.raises(WindowClosed, match="chưa mở"):
        item_appraise(item, actor=coordinator, score="0")
    with calendar.as_of(APPRAISAL_DAY):
        for each in card.items.select_related("criterion"):
            item_appraise(each, actor=coordinator, score=D(0))
        scorecard_finalise(card, actor=coordinator)
    card.refresh_from_db()
    assert card.status == Scorecard.Status.FINALISED and card.submitted_at is None
    item.refresh_from_db()
    assert item.locked and item.final_score == 0 and item.self_score is None


def test_acting_on_a_locked_scorecard_says_it_is_locked(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    coordinator = personas["coordinator"]
    card = _card(campaign, agencies["office"])
    with calendar.as_of(APPRAISAL_DAY):
        for each in card.items.select_related("criterion"):
            item_appraise(each, actor=coordinator, score=D(0))
        scorecard_finalise(card, actor=coordinator)
        item = _item(card, "2")
        with pytest.raises(ParError, match="đã chốt điểm; không ai sửa được nữa"):
            item_appraise(item, actor=coordinator, score="1", comment="Sửa")
        with pytest.raises(ParError, match="đã chốt điểm"):
            scorecard_finalise(card, actor=coordinator)
        answer = login("coordinator").post(
            f"/api/par/items/{item.pk}/appraise",
            {"score": "1", "comment": "Sửa"},
            content_type="application/json",
        )
        assert answer.status_code == 400
        assert "Văn phòng UBND tỉnh đã chốt điểm" in answer.json()["detail"]
        # Someone who could never act is still only told "no".
        with pytest.raises(PermissionDenied):
            item_appraise(item, actor=personas["officer_a"], score="1", comment="x")
    item.refresh_from_db()
    assert item.final_score == 0 and item.appraised_score == 0
