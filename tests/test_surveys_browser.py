"""A citizen at a phone answers the survey a QR code opens; the coordinator reads it.

Debian's Chromium through Playwright, at a phone's viewport (390×844), then at 1366 px
for the screenshots a person looks at (var/screenshots/)."""

from __future__ import annotations

from typing import Any

import pytest

from cchc.citizens.models import Counter, SurveyResponse
from cchc.citizens.qr import survey_url
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_scans_answers_and_is_thanked_then_the_coordinator_reads_it(
    live_server: Any, browser: Any, agencies: Any, personas: Any, shots: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    counter = Counter.objects.create(
        agency=agencies["d1"], name="Bộ phận một cửa UBND huyện Đakrông"
    )
    # What the printed QR code holds.
    url = survey_url(agency_id=counter.agency_id, counter=counter)
    phone = browser.new_context(
        locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto(url)
    assert page.locator("h1").inner_text().startswith("Ông/bà hài lòng")
    assert "Bộ phận một cửa UBND huyện Đakrông" in page.locator(".survey-place").inner_text()
    # The page fits the phone: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "survey-390.png"), full_page=False)
    questions = page.locator("fieldset.scale-question")
    assert questions.count() == 19
    for i in range(questions.count()):
        level = 5 if i % 3 else 4
        questions.nth(i).locator(f"label.scale-option:has(input[value='{level}'])").tap()
    # One left unanswered on purpose: it does not apply to everyone.
    questions.nth(18).locator("label.scale-option:has(input[value='2'])").tap()
    page.fill("textarea[name=comment]", "Cán bộ hướng dẫn tận tình, nhanh gọn.")
    page.screenshot(path=str(shots / "survey-390-answered.png"), full_page=True)
    page.click("button.survey-submit")
    page.wait_for_url("**/khao-sat/cam-on/")
    assert "Cảm ơn ông/bà đã đánh giá" in page.locator("h1").inner_text()
    page.screenshot(path=str(shots / "survey-thanks-390.png"))
    response = SurveyResponse.objects.get()
    assert response.counter == counter and response.answers.count() == 19
    assert response.comment == "Cán bộ hướng dẫn tận tình, nhanh gọn."
    # The same phone, the same link again: already answered.
    page.goto(url)
    assert "đã gửi phiếu đánh giá" in page.locator(".survey-done").inner_text()
    assert page.locator("button.survey-submit").count() == 0
    phone.close()

    desk = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = desk.new_page()
    page.goto(url)
    page.screenshot(path=str(shots / "survey-1366.png"))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda u: "/login/" not in u)
    page.goto(f"{live_server.url}/khao-sat/ket-qua/")
    body = page.locator("main").inner_text()
    assert "UBND huyện Đakrông" in body and "1 phiếu trả lời" in body
    assert "Tỷ lệ hài lòng" in body
    page.screenshot(path=str(shots / "survey-results-1366.png"), full_page=True)
    page.goto(f"{live_server.url}/khao-sat/ma-qr/quay/{counter.pk}/in/")
    image = page.locator("img.sheet-qr")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=str(shots / "survey-sheet-1366.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(shots / "survey-sheet-print.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    desk.close()
