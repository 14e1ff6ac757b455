"""The PAR INDEX scoring flow in a real browser: self-assessment with an uploaded evidence
file → submit → appraise → reply → finalise → publish, the province's "today" moved from
window to window. Screenshots at 1366 and 390 px go to var/screenshots/ for a person to
look at."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.par.models import Campaign, CampaignResult, CriteriaSet, Criterion, Scorecard
from cchc.par.scoring import appraiser_assign
from cchc.par.services import Windows, campaign_create, default_sets_load
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


def _log_in(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_a_scorecard_from_self_assessment_to_published_ranking(
    live_server: Any,
    browser: Any,
    shots: Path,
    settings: Any,
    tmp_path: Path,
    agencies: dict[str, Agency],
    personas: dict[str, User],
) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    default_sets_load(2022)
    campaign: Campaign = campaign_create(
        CriteriaSet.objects.get(year=2022, group__code="so-ban-nganh"),
        windows=Windows(
            date(2022, 12, 1),
            date(2022, 12, 15),
            date(2022, 12, 16),
            date(2023, 1, 20),
            date(2023, 1, 5),
            date(2023, 1, 12),
        ),
        actor=None,
    )
    # Only agency A takes part, so that publishing waits for nobody else.
    Scorecard.objects.filter(campaign=campaign).exclude(agency=agencies["a"]).delete()
    card = Scorecard.objects.get(campaign=campaign, agency=agencies["a"])
    appraiser_assign(
        campaign,
        area=Criterion.objects.get(criteria_set=campaign.criteria_set, code="2"),
        user=personas["appraiser"],
        actor=personas["coordinator"],
    )
    base = live_server.url
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Self-assessment: area 2 with an uploaded file and its pages; every other self item
    # with an explanation; computed items without data scored 0 with an explanation.
    settings.CCHC_TODAY = date(2022, 12, 5)
    _log_in(page, base, "officer_a")
    page.goto(f"{base}/par/phieu/{card.pk}/?area=2")
    item2 = card.items.get(criterion__code="2")
    page.fill(f"#score-{item2.pk}", "12")
    page.fill(f"#expl-{item2.pk}", "Thử")
    page.click(f"#item-{item2.pk} form[action$='/tu-cham/'] button[type=submit]")
    page.wait_for_load_state()
    assert "phải từ 0 đến 10" in page.inner_text(".messages")
    evidence = tmp_path / "ke-hoach.pdf"
    evidence.write_bytes(PDF)
    page.fill(f"#score-{item2.pk}", "9,5")
    page.fill(f"#expl-{item2.pk}", "")
    page.set_input_files(f"#file-{item2.pk}", str(evidence))
    page.fill(f"#pages-{item2.pk}", "tr. 2–4")
    page.click(f"#item-{item2.pk} form[action$='/tu-cham/'] button[type=submit]")
    page.wait_for_load_state()
    assert "Đã lưu điểm tự chấm tiêu chí 2" in page.inner_text(".messages")
    page.screenshot(path=str(shots / "par-01-self-assessment.png"), full_page=True)
    for item in card.items.select_related("criterion").exclude(pk=item2.pk):
        if item.criterion.method == "survey":
            continue
        page.goto(f"{base}/par/phieu/{card.pk}/?area={item.criterion.code.split('.')[0]}")
        value = "0" if item.criterion.method == "computed" else str(item.criterion.max_points)
        page.fill(f"#score-{item.pk}", value)
        page.fill(f"#expl-{item.pk}", "Chưa có văn bản riêng.")
        page.click(f"#item-{item.pk} form[action$='/tu-cham/'] button[type=submit]")
        page.wait_for_load_state()
    mobile = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    phone = mobile.new_page()
    _log_in(phone, base, "officer_a")
    phone.goto(f"{base}/par/phieu/{card.pk}/?area=2")
    phone.screenshot(path=str(shots / "par-01-self-assessment-390.png"), full_page=True)
    mobile.close()

    # The head submits, withdraws, submits again.
    _log_in(page, base, "head_a")
    page.goto(f"{base}/par/phieu/{card.pk}/")
    page.click("button:has-text('Nộp phiếu tự đánh giá')")
    page.wait_for_load_state()
    assert "Đã nộp phiếu tự đánh giá" in page.inner_text(".messages")
    page.click("button:has-text('Rút lại để sửa')")
    page.wait_for_load_state()
    page.click("button:has-text('Nộp phiếu tự đánh giá')")
    page.wait_for_load_state()

    # Appraisal of area 2 by the assigned appraiser.
    settings.CCHC_TODAY = date(2022, 12, 20)
    _log_in(page, base, "appraiser")
    page.goto(f"{base}/par/phieu/{card.pk}/?area=2")
    page.fill(f"#ascore-{item2.pk}", "8")
    page.fill(f"#comment-{item2.pk}", "Thiếu văn bản chỉ đạo của lãnh đạo Sở.")
    page.click(f"#item-{item2.pk} form[action$='/tham-dinh/'] button[type=submit]")
    page.wait_for_load_state()
    assert "Đã lưu điểm thẩm định" in page.inner_text(".messages")
    page.screenshot(path=str(shots / "par-02-appraisal.png"), full_page=True)
    # The coordinator enters the survey area's score on the survey page (no citizens'
    # responses here): a wrong value first, refused in Vietnamese, then 15.
    _log_in(page, base, "coordinator")
    item8 = card.items.get(criterion__code="8")
    page.goto(f"{base}/par/dot/{campaign.pk}/phieu/")
    # The other members have no scorecard in this flow: listed as missing.
    assert "Tạo phiếu cho các cơ quan này" in page.inner_text("main")
    page.screenshot(path=str(shots / "par-05-scorecards-missing.png"), full_page=True)
    page.click("a:has-text('Điểm điều tra xã hội học')")
    page.fill(f"input[name=s_{item8.pk}]", "25")
    page.click("#survey-scores button[type=submit]")
    page.wait_for_load_state()
    assert "Chưa lưu điểm nào." in page.inner_text(".messages")
    # Enter in the field saves (the «Xoá» buttons are not the form's default button).
    page.fill(f"input[name=s_{item8.pk}]", "15")
    page.press(f"input[name=s_{item8.pk}]", "Enter")
    page.wait_for_load_state()
    assert "Đã lưu điểm điều tra: 1 ô thay đổi." in page.inner_text(".messages")
    # A score entered by mistake is cleared by its own button, then typed again.
    page.click(f"button[name=clear][value='{item8.pk}']")
    page.wait_for_load_state()
    assert "Đã xoá điểm điều tra: 1 ô thay đổi." in page.inner_text(".messages")
    assert page.input_value(f"input[name=s_{item8.pk}]") == ""
    page.fill(f"input[name=s_{item8.pk}]", "15")
    page.press(f"input[name=s_{item8.pk}]", "Enter")
    page.wait_for_load_state()
    assert "Đã lưu điểm điều tra: 1 ô thay đổi." in page.inner_text(".messages")
    page.screenshot(path=str(shots / "par-06-survey.png"), full_page=True)
    mobile = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    phone = mobile.new_page()
    _log_in(phone, base, "coordinator")
    phone.goto(f"{base}/par/dot/{campaign.pk}/dieu-tra/")
    phone.screenshot(path=str(shots / "par-06-survey-390.png"), full_page=True)
    phone.goto(f"{base}/par/dot/{campaign.pk}/phieu/")
    phone.screenshot(path=str(shots / "par-05-scorecards-missing-390.png"), full_page=True)
    mobile.close()

    # The agency replies.
    settings.CCHC_TODAY = date(2023, 1, 8)
    _log_in(page, base, "officer_a")
    page.goto(f"{base}/par/phieu/{card.pk}/?area=2")
    page.fill(f"#reply-{item2.pk}", "Văn bản 12/QĐ-STP ngày 10/3/2022 đã có trong báo cáo quý I.")
    page.click(f"#item-{item2.pk} form[action$='/giai-trinh/'] button[type=submit]")
    page.wait_for_load_state()
    assert "Đã gửi giải trình" in page.inner_text(".messages")

    # The coordinator settles area 2 at 9 and locks; then publishes.
    _log_in(page, base, "coordinator")
    page.goto(f"{base}/par/phieu/{card.pk}/?area=2")
    page.fill(f"#final-{item2.pk}", "9")
    page.click("#finalise-form button[type=submit]")
    page.wait_for_load_state()
    assert "Đã chốt điểm và khoá phiếu" in page.inner_text(".messages")
    page.screenshot(path=str(shots / "par-03-finalised.png"), full_page=True)
    page.goto(f"{base}/par/dot/{campaign.pk}/")
    page.click("button:has-text('Tính và công bố kết quả')")
    page.wait_for_url(re.compile(r"/ket-qua/$"))
    assert "Sở Tư pháp" in page.inner_text("table")
    page.screenshot(path=str(shots / "par-04-ranking.png"), full_page=True)
    result = CampaignResult.objects.get(campaign=campaign, agency=agencies["a"])
    assert result.rank == 1
    item2.refresh_from_db()
    assert (item2.self_score, item2.appraised_score, item2.final_score) == (9.5, 8, 9)
    item8.refresh_from_db()
    assert item8.final_score == 15
    # The agency finds its own result from its menu.
    _log_in(page, base, "officer_a")
    page.click("nav.mainnav a:has-text('Kết quả CCHC của cơ quan')")
    page.wait_for_url(re.compile(r"/par/co-quan-toi/$"))
    assert "Sở Tư pháp" in page.inner_text("main")
    page.screenshot(path=str(shots / "par-07-own.png"), full_page=True)
    mobile = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    phone = mobile.new_page()
    _log_in(phone, base, "officer_a")
    phone.goto(f"{base}/par/co-quan-toi/")
    phone.screenshot(path=str(shots / "par-07-own-390.png"), full_page=True)
    phone.goto(f"{base}/par/dot/{campaign.pk}/ket-qua/")
    phone.screenshot(path=str(shots / "par-04-ranking-390.png"), full_page=True)
    mobile.close()
    assert not errors
