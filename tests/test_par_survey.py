"""PAR INDEX, the parts around scoring (docs/par.md): survey criteria entered, imported or
taken from the citizens' index; evidence files through the API; late members' scorecards;
an agency's own results page; the inspection draw from the command line; the one results
page. Tried as each role, inside and outside the windows, with bad input."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook, load_workbook

from cchc.accounts.models import User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.audit.models import AuditRecord
from cchc.lib import calendar
from cchc.par.models import (
    Campaign,
    CriteriaSet,
    InspectionPlan,
    Scorecard,
    ScoreItem,
    ScoreItemVersion,
)
from cchc.par.scoring import scorecards_add_missing, scorecards_ensure, scorecards_missing
from cchc.par.services import ParError, WindowClosed, campaign_create, default_sets_load
from cchc.par.survey import (
    SurveyImportError,
    survey_import_xlsx,
    survey_scores_save,
    survey_take_index,
    survey_template_xlsx,
)
from tests.test_par_scoring import (
    APPRAISAL_DAY,
    LATE_DAY,
    PDF,
    SELF_DAY,
    WINDOWS,
    _card,
    _item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def campaign(personas: dict[str, User]) -> Campaign:
    """The departments' 2022 campaign with its scorecards, as in tests/test_par_scoring.py."""
    default_sets_load(2022)
    made = campaign_create(
        CriteriaSet.objects.get(year=2022, group__code="so-ban-nganh"), windows=WINDOWS, actor=None
    )
    scorecards_ensure(made)
    return made


def _survey_item(campaign: Campaign, agency: Agency) -> ScoreItem:
    return _item(_card(campaign, agency), "8")


# ---------------------------------------------------------------------------
# Survey criteria


def test_the_coordinator_enters_survey_scores_in_the_window_versioned_and_audited(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    item = _survey_item(campaign, agencies["a"])
    other = _survey_item(campaign, agencies["b"])
    with calendar.as_of(SELF_DAY):
        changed = survey_scores_save(
            campaign, actor=personas["coordinator"], scores={item.pk: "15,5", other.pk: ""}
        )
    assert changed == 1
    item.refresh_from_db()
    other.refresh_from_db()
    assert item.self_score == Decimal("15.50") and other.self_score is None
    assert item.versions.order_by("-number")[0].phase == ScoreItemVersion.Phase.SURVEY
    assert AuditRecord.objects.filter(action="par.item.survey").count() == 1


def test_a_wrong_survey_score_saves_nothing_and_names_each_problem(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    good = _survey_item(campaign, agencies["a"])
    bad = _survey_item(campaign, agencies["b"])
    with calendar.as_of(SELF_DAY), pytest.raises(ParError) as caught:
        survey_scores_save(
            campaign, actor=personas["coordinator"], scores={good.pk: "10", bad.pk: "25"}
        )
    assert "Sở Xây dựng" in caught.value.message and "từ 0 đến 20" in caught.value.message
    assert "Chưa lưu điểm nào." in caught.value.message
    good.refresh_from_db()
    assert good.self_score is None


def test_survey_scores_only_by_the_coordinator_and_only_in_the_window(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    item = _survey_item(campaign, agencies["a"])
    with calendar.as_of(SELF_DAY):
        for who in ("officer_a", "head_a", "leader", "appraiser"):
            with pytest.raises(PermissionDenied):
                survey_scores_save(campaign, actor=personas[who], scores={item.pk: "10"})
            assert login(who).post(f"/par/dot/{campaign.pk}/dieu-tra/").status_code == 403
    with calendar.as_of(LATE_DAY), pytest.raises(WindowClosed, match="đã đóng"):
        survey_scores_save(campaign, actor=personas["coordinator"], scores={item.pk: "10"})
    with calendar.as_of(date(2022, 11, 1)), pytest.raises(WindowClosed, match="chưa mở"):
        survey_scores_save(campaign, actor=personas["coordinator"], scores={item.pk: "10"})
    item.refresh_from_db()
    assert item.self_score is None


def test_the_survey_page_saves_and_refuses_in_vietnamese(
    campaign: Campaign, agencies: dict[str, Agency], login: Any
) -> None:
    item = _survey_item(campaign, agencies["a"])
    client = login("coordinator")
    url = f"/par/dot/{campaign.pk}/dieu-tra/"
    with calendar.as_of(APPRAISAL_DAY):
        page = client.get(url)
        assert page.status_code == 200
        assert f'name="s_{item.pk}"'.encode() in page.content
        assert "Điểm tiêu chí 8 của Sở Tư pháp" in page.content.decode()
        done = client.post(url, {"s_" + str(item.pk): "abc"}, follow=True)
        assert "không phải là số" in done.content.decode()
        item.refresh_from_db()
        assert item.self_score is None
        client.post(url, {"s_" + str(item.pk): "12"})
        item.refresh_from_db()
        assert item.self_score == Decimal("12.00")
    with calendar.as_of(LATE_DAY):
        closed = client.get(url).content.decode()
        assert "Hôm nay ngoài thời hạn: chỉ xem." in closed
        assert f'name="s_{item.pk}"' not in closed


def test_a_survey_score_entered_by_mistake_is_cleared_on_the_page_audited(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    item = _survey_item(campaign, agencies["a"])
    other = _survey_item(campaign, agencies["b"])
    coordinator = personas["coordinator"]
    url = f"/par/dot/{campaign.pk}/dieu-tra/"
    client = login("coordinator")
    with calendar.as_of(APPRAISAL_DAY):
        survey_scores_save(campaign, actor=coordinator, scores={item.pk: "12", other.pk: "9"})
        page = client.get(url).content.decode()
        assert f'name="clear" value="{item.pk}"' in page
        assert "Xoá điểm tiêu chí 8 của Sở Tư pháp" in page
        # The other cells typed in the same form are not saved by the «Xoá» button.
        done = client.post(
            url, {f"s_{item.pk}": "12", f"s_{other.pk}": "3", "clear": str(item.pk)}, follow=True
        )
        assert "Đã xoá điểm điều tra: 1 ô thay đổi." in done.content.decode()
        assert login("officer_a").post(url, {"clear": str(other.pk)}).status_code == 403
        client = login("coordinator")
        wrong = client.post(url, {"clear": "x" * 5000}, follow=True)
        assert "không thuộc tiêu chí điều tra" in wrong.content.decode()
    item.refresh_from_db()
    other.refresh_from_db()
    assert item.self_score is None and item.computed_inputs is None
    assert other.self_score == Decimal("9.00")
    record = AuditRecord.objects.filter(action="par.item.survey").order_by("-pk")[0]
    assert record.before["self_score"] == "12.00" and record.after["self_score"] is None
    assert item.versions.order_by("-number")[0].phase == ScoreItemVersion.Phase.SURVEY
    with calendar.as_of(LATE_DAY):
        assert f'name="clear" value="{other.pk}"' not in client.get(url).content.decode()
        client.post(url, {"clear": str(other.pk)})
        with pytest.raises(WindowClosed):
            survey_scores_save(campaign, actor=coordinator, scores={}, clear=[other.pk])
    other.refresh_from_db()
    assert other.self_score == Decimal("9.00")


def test_a_locked_survey_score_is_not_cleared(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    item = _survey_item(campaign, agencies["a"])
    with calendar.as_of(APPRAISAL_DAY):
        survey_scores_save(campaign, actor=personas["coordinator"], scores={item.pk: "12"})
        ScoreItem.objects.filter(pk=item.pk).update(locked=True)
        with pytest.raises(ParError, match="đã chốt điểm"):
            survey_scores_save(campaign, actor=personas["coordinator"], scores={}, clear=[item.pk])
    item.refresh_from_db()
    assert item.self_score == Decimal("12.00")


def _fill(data: bytes, values: dict[str, Any]) -> bytes:
    """The template with cells written by agency name → value of the first criterion."""
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook.active
    for row in ws.iter_rows(min_row=5):
        if row[1].value in values:
            row[2].value = values[row[1].value]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_survey_workbook_round_trips_all_or_nothing(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    coordinator = personas["coordinator"]
    template = survey_template_xlsx(campaign)
    assert template == survey_template_xlsx(campaign)  # byte-stable
    sheet = load_workbook(io.BytesIO(template)).active
    assert sheet.title == "Điều tra XHH"
    assert [c.value for c in sheet[4]][:3] == ["Mã cơ quan", "Cơ quan", "8 (tối đa 20)"]
    with calendar.as_of(SELF_DAY):
        # One wrong cell: nothing is stored, the row and column are named.
        bad = _fill(template, {"Sở Tư pháp": 18, "Sở Xây dựng": 21})
        with pytest.raises(SurveyImportError) as caught:
            survey_import_xlsx(campaign, bad, actor=coordinator)
        text = " ".join(str(i) for i in caught.value.issues)
        assert "C" in text and "từ 0 đến 20" in text
        assert _survey_item(campaign, agencies["a"]).self_score is None
        good = _fill(template, {"Sở Tư pháp": 18, "Sở Xây dựng": "12,5"})
        assert survey_import_xlsx(campaign, good, actor=coordinator) == 2
    assert _survey_item(campaign, agencies["a"]).self_score == Decimal("18.00")
    assert _survey_item(campaign, agencies["b"]).self_score == Decimal("12.50")
    # The template now carries the scores it was given.
    again = load_workbook(io.BytesIO(survey_template_xlsx(campaign))).active
    assert {r[1]: r[2] for r in again.iter_rows(min_row=5, values_only=True)}["Sở Tư pháp"] == 18


def test_a_wrong_survey_workbook_is_refused_with_its_problems(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    coordinator = personas["coordinator"]
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Điều tra XHH"
    ws.append(["Mã cơ quan", "Cơ quan", "8", "9.9"])
    ws.append([agencies["a"].pk, "Sở Tư pháp", 10, None])
    ws.append([agencies["a"].pk, "Sở Tư pháp", 11, None])
    ws.append([999999, "Không có", 10, None])
    out = io.BytesIO()
    workbook.save(out)
    with calendar.as_of(SELF_DAY):
        with pytest.raises(SurveyImportError) as caught:
            survey_import_xlsx(campaign, out.getvalue(), actor=coordinator)
        text = "\n".join(str(i) for i in caught.value.issues)
        assert "9.9" in text and "không phải tiêu chí điều tra" in text
        assert "đã có ở dòng 2" in text
        assert "999999" in text
        with pytest.raises(SurveyImportError, match="không phải là bảng tính"):
            survey_import_xlsx(campaign, b"not a workbook", actor=coordinator)
        page = login("coordinator").post(
            f"/par/dot/{campaign.pk}/dieu-tra/",
            {"action": "import", "file": io.BytesIO(out.getvalue())},
        )
    assert page.status_code == 400
    assert "Dữ liệu không thay đổi" in page.content.decode()
    assert _survey_item(campaign, agencies["a"]).self_score is None


def test_the_template_downloads_for_the_coordinator_only(campaign: Campaign, login: Any) -> None:
    url = f"/par/dot/{campaign.pk}/dieu-tra/mau.xlsx"
    got = login("coordinator").get(url)
    assert got.status_code == 200 and got["Content-Disposition"].endswith('.xlsx"')
    assert login("officer_a").get(url).status_code == 403


def test_a_survey_criterion_takes_the_satisfaction_index(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    from cchc.citizens.models import SurveyQuestion
    from cchc.citizens.services import Place, active_definition, response_submit

    with calendar.as_of(date(2022, 6, 1)):
        definition = active_definition()
        answers = {q.pk: 5 for q in SurveyQuestion.objects.filter(element__definition=definition)}
        for n in range(3):
            response_submit(
                place=Place(agencies["a"]), definition=definition, token=f"t{n}", answers=answers
            )
    item = _survey_item(campaign, agencies["a"])
    with calendar.as_of(APPRAISAL_DAY):
        taken = survey_take_index(campaign, item.criterion, actor=personas["coordinator"])
    assert taken.changed == 1
    assert "Sở Xây dựng" in taken.without_data
    item.refresh_from_db()
    assert item.self_score == Decimal("20.00")  # everyone fully satisfied: 100 % × 20
    assert item.computed_inputs and item.computed_inputs["key"] == "citizens_satisfaction"
    assert _survey_item(campaign, agencies["b"]).self_score is None


# ---------------------------------------------------------------------------
# Evidence through the API


def _token(user: User) -> dict[str, str]:
    from cchc.accounts.models import ApiToken

    _made, key = ApiToken.issue(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_evidence_is_uploaded_through_the_api_with_the_page_checks(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    client = Client()
    item = _item(_card(campaign, agencies["a"]), "1.1.2")
    url = f"/api/par/items/{item.pk}/self-with-file"
    headers = _token(personas["officer_a"])
    with calendar.as_of(SELF_DAY):
        no_pages = client.post(url, {"score": "1", "file": _file("minh-chung.pdf", PDF)}, **headers)
        assert no_pages.status_code == 400 and "trang tham chiếu" in no_pages.json()["detail"]
        exe = client.post(
            url,
            {"score": "1", "pages": "3", "file": _file("x.exe", b"MZ\x90\x00" * 10)},
            **headers,
        )
        assert exe.status_code == 400
        item.refresh_from_db()
        assert item.evidence_document_id is None
        ok = client.post(
            url, {"score": "1", "pages": "tr. 3-4", "file": _file("minh-chung.pdf", PDF)}, **headers
        )
        assert ok.status_code == 200, ok.content
        body = ok.json()
        assert body["evidence_pages"] == "tr. 3-4" and body["evidence_document_id"]
        other = _item(_card(campaign, agencies["b"]), "1.1.2")
        hidden = client.post(
            f"/api/par/items/{other.pk}/self-with-file",
            {"score": "1", "pages": "1", "file": _file("a.pdf", PDF)},
            **headers,
        )
        assert hidden.status_code == 404
    with calendar.as_of(LATE_DAY):
        late = client.post(
            url, {"score": "1", "pages": "1", "file": _file("a.pdf", PDF)}, **headers
        )
        assert late.status_code == 409 and "đã đóng" in late.json()["detail"]


def _file(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


# ---------------------------------------------------------------------------
# Late members


def test_an_agency_joining_late_is_listed_then_gets_its_scorecard_audited(
    campaign: Campaign, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    late = Agency.objects.create(
        name="Sở Du lịch", kind=Agency.Kind.DEPARTMENT, parent=agencies["province"]
    )
    GroupMembership.objects.create(group=AgencyGroup.objects.get(code="so-ban-nganh"), agency=late)
    assert [a.pk for a in scorecards_missing(campaign)] == [late.pk]
    page = login("coordinator").get(f"/par/dot/{campaign.pk}/phieu/").content.decode()
    assert "Sở Du lịch" in page and "Tạo phiếu cho các cơ quan này" in page
    assert login("officer_a").post(f"/par/dot/{campaign.pk}/them-phieu/").status_code == 403
    with pytest.raises(PermissionDenied):
        scorecards_add_missing(campaign, actor=personas["leader"])
    login("coordinator").post(f"/par/dot/{campaign.pk}/them-phieu/")
    card = Scorecard.objects.get(campaign=campaign, agency=late)
    assert card.items.count() == _card(campaign, agencies["a"]).items.count()
    record = AuditRecord.objects.get(action="par.scorecard.add")
    assert record.after["agencies"] == [late.pk]
    assert scorecards_missing(campaign) == []
    with pytest.raises(ParError, match="đã có phiếu"):
        scorecards_add_missing(campaign, actor=personas["coordinator"])


# ---------------------------------------------------------------------------
# The agency's own page


def test_an_agency_sees_only_its_own_result_and_rating(
    agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    from tests.test_par_ratings import publish
    from tests.test_permission_matrix import par_objects

    campaign = Campaign.objects.get(pk=par_objects()["campaign_id"])
    officer = login("officer_a")
    before = officer.get("/par/co-quan-toi/").content.decode()
    assert "Chưa công bố kết quả" in before and "/par/co-quan-toi/" in before  # in its menu
    assert login("leader").get("/par/co-quan-toi/").status_code == 403
    publish({agencies["a"]: "88.00", agencies["b"]: "77.00"})
    from cchc.par.ratings import ratings_compute, scheme_for

    scheme = scheme_for(campaign.year, campaign.group)
    assert scheme is not None
    ratings_compute(scheme, actor=personas["coordinator"], today=date(2022, 12, 31))
    page = login("officer_a").get("/par/co-quan-toi/").content.decode()
    assert "88,00" in page or "88.00" in page
    assert "77,00" not in page and "77.00" not in page  # agency B's index is not there
    assert "Mức độ hoàn thành nhiệm vụ CCHC" in page
    api = Client().get("/api/par/own", **_token(personas["officer_b"])).json()
    assert api["agency"]["name"] == "Sở Xây dựng"
    assert [c["result"]["index"] for c in api["campaigns"]] == ["77.00"]
    assert {r["index"] for r in api["ratings"]} <= {"77.00", None}


# ---------------------------------------------------------------------------
# The inspection draw from the command line


def test_the_command_draws_like_the_page_and_dry_run_stores_nothing(
    agencies: dict[str, Agency], login: Any
) -> None:
    from tests.test_permission_matrix import par_objects

    par_objects()
    InspectionPlan.objects.all().delete()
    out = io.StringIO()
    call_command(
        "par_draw",
        "--year",
        "2024",
        "--seed",
        "77",
        "--group",
        "so-ban-nganh",
        "--dry-run",
        stdout=out,
    )
    assert "Thử (không lưu)" in out.getvalue()
    assert not InspectionPlan.objects.exists()
    call_command("par_draw", "--year", "2024", "--seed", "77", "--group", "so-ban-nganh")
    cli = list(
        InspectionPlan.objects.get(year=2024)
        .selections.order_by("position")
        .values_list("agency_id", "reason")
    )
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    login("coordinator").post(
        "/par/kiem-tra/", {"year": "2024", "group": str(group.pk), "seed": "77", "share": "30"}
    )
    page = list(
        InspectionPlan.objects.get(year=2024)
        .selections.order_by("position")
        .values_list("agency_id", "reason")
    )
    assert cli == page and len(cli) >= 2
    dry = out.getvalue().splitlines()[1:]
    assert len(dry) == len(cli)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2024", "--seed", "-1"], "Số khởi tạo phải là số nguyên"),
        (["--year", "2024", "--seed", "x\x00"], "Số khởi tạo phải là số nguyên"),
        (["--year", "hai", "--seed", "1"], "Năm kiểm tra phải là số nguyên"),
        (["--year", "2024", "--seed", "1", "--group", "khong-co"], "Không có nhóm cơ quan mã"),
        (["--year", "1900", "--seed", "1", "--group", "so-ban-nganh"], "chưa bốc chọn được"),
    ],
)
def test_the_command_refuses_bad_input_in_vietnamese(
    agencies: dict[str, Agency], args: list[str], message: str
) -> None:
    from tests.test_permission_matrix import par_objects

    par_objects()
    with pytest.raises(CommandError, match=message):
        call_command("par_draw", *args, stdout=io.StringIO(), stderr=io.StringIO())
