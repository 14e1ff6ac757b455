"""A citizen of a two-province installation chooses their province on the public progress
page and on the feedback form, on a phone (390 wide) and a desktop (1366 wide); the chosen
province's page shows its plan only. Debian's Chromium through Playwright, screenshots in
var/screenshots/ (docs/tenants.md)."""

from __future__ import annotations

from typing import Any

import pytest

from cchc.citizens.models import Feedback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height", "mobile"), [(390, 844, True), (1366, 900, False)])
def test_a_citizen_chooses_a_province(
    live_server: Any,
    browser: Any,
    agencies: Any,
    personas: Any,
    plan: Any,
    province_b: Any,
    shots: Any,
    width: int,
    height: int,
    mobile: bool,
) -> None:
    base = live_server.url
    context = browser.new_context(
        locale="vi-VN",
        viewport={"width": width, "height": height},
        is_mobile=mobile,
        has_touch=mobile,
    )
    page = context.new_page()
    page.goto(f"{base}/cong-khai/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shots / f"public-choose-province-{width}.png"), full_page=True)
    page.click("text=UBND tỉnh Bắc Sơn")
    text = page.locator("main").inner_text()
    assert "7/KH-BS" in text and "99/KH-UBND" not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shots / f"public-province-b-{width}.png"))

    page.goto(f"{base}/phan-anh/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.fill("#id_regulation", "Thủ tục đăng ký hộ kinh doanh")
    page.fill("#id_content", "Đề nghị rút ngắn thời hạn giải quyết.")
    page.fill("#id_sender_name", "Lê Văn Cường")
    page.fill("#id_sender_phone", "0912 345 678")
    page.click("button.survey-submit")
    assert "Hãy chọn tỉnh nhận phản ánh, kiến nghị." in page.locator("main").inner_text()
    page.screenshot(path=str(shots / f"feedback-province-missing-{width}.png"), full_page=True)
    assert not Feedback.objects.exists()
    page.select_option("#id_province", str(province_b["agencies"]["province"].pk))
    page.click("button.survey-submit")
    assert page.locator("#feedback-code").inner_text().strip()
    assert Feedback.objects.get().province_id == province_b["agencies"]["province"].pk
    context.close()
