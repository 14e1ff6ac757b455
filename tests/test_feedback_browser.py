"""A business sends feedback from a phone and gets a code; the coordinator routes it, the
agency answers, the coordinator publishes; the public lookup on the phone shows the
answer and never the sender. Debian's Chromium through Playwright at 390×844, with
screenshots in var/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from cchc.citizens.models import Feedback
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENDER = "Công ty TNHH Ánh Dương Bí Mật"


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda u: "/login/" not in u)


def test_feedback_from_submission_to_the_published_answer(
    live_server: Any, browser: Any, agencies: Any, personas: Any, shots: Any
) -> None:
    base = live_server.url
    phone = browser.new_context(
        locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto(f"{base}/phan-anh/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#id_regulation", "Thủ tục cấp phiếu lý lịch tư pháp")
    page.fill("#id_content", "Đề nghị cho nộp hồ sơ trực tuyến, không cần bản giấy.")
    page.fill("#id_sender_name", SENDER)
    page.fill("#id_sender_phone", "0912 345 678")
    page.fill("#id_sender_email", "lien.he@anhduong.example")
    page.screenshot(path=str(shots / "feedback-form-390.png"), full_page=True)
    page.click("button.survey-submit")
    code = page.locator("#feedback-code").inner_text().strip()
    assert len(code) == 11 and code[5] == "-"
    page.screenshot(path=str(shots / "feedback-code-390.png"))
    item = Feedback.objects.get()

    desk = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    staff = desk.new_page()
    _log_in(staff, base, "coordinator")
    staff.goto(f"{base}/phan-anh/xu-ly/")
    staff.click(f"text={code}")
    staff.select_option("#route-agency", str(agencies["a"].pk))
    staff.click("form.feedback-action:has(input[value=route]) button")
    assert "Đã chuyển đến Sở Tư pháp" in staff.locator("main").inner_text()
    desk.clear_cookies()
    _log_in(staff, base, "officer_a")
    staff.goto(f"{base}/phan-anh/xu-ly/{item.pk}/")
    staff.fill("#answer-text", "Sở Tư pháp đã cho phép nộp hồ sơ trực tuyến từ tháng 8.")
    staff.click("form.feedback-action:has(input[value=answer]) button")
    assert "Đã gửi trả lời" in staff.locator("main").inner_text()
    desk.clear_cookies()
    _log_in(staff, base, "coordinator")
    staff.goto(f"{base}/phan-anh/xu-ly/{item.pk}/")
    staff.click("form.feedback-action:has(input[value=publish]) button")
    assert "Đã công khai" in staff.locator("main").inner_text()
    staff.screenshot(path=str(shots / "feedback-detail-1366.png"), full_page=True)

    page.goto(f"{base}/phan-anh/tra-cuu/")
    page.fill("#lookup-code", code.lower())
    page.click(".lookup-form button")
    text = page.locator("main").inner_text()
    assert "Sở Tư pháp đã cho phép nộp hồ sơ trực tuyến từ tháng 8." in text
    assert "Đã công khai trả lời" in text
    html = page.content()
    for secret in (SENDER, "Bí Mật", "0912 345 678", "lien.he@anhduong.example"):
        assert secret not in html
    page.screenshot(path=str(shots / "feedback-lookup-390.png"), full_page=True)
