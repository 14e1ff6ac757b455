"""The pages in a real browser: Debian's Chromium driven by Playwright against a live server.

Screenshots of every step go to var/screenshots/ so that a person can look at them.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.plans.models import Plan
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_pushed_url(page, fragment: str) -> None:
    """Wait for htmx to push a URL and settle; pushState is no navigation to wait for."""
    page.wait_for_function("(f) => location.href.includes(f)", arg=fragment)
    page.wait_for_function("!document.querySelector('.htmx-request')")


def _decorate(plan: Plan) -> None:
    """Indicators and a body text, so that the screenshots show every part of the page."""
    plan.indicators.create(
        code="dvc-muc-do-cao",
        name="Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến toàn trình",
        target=50,
        baseline=32.5,
        baseline_year=2021,
        due_on=date(plan.year, 12, 31),
    )
    plan.indicators.create(
        code="kiem-tra",
        name="Tỷ lệ cơ quan được kiểm tra công tác CCHC",
        target=30,
        due_on=date(plan.year, 11, 30),
    )
    plan.document = {
        "focus_areas": [
            {
                "code": "I",
                "title": "Công tác chỉ đạo điều hành",
                "items": ["Tăng cường vai trò người đứng đầu.", "Kiểm tra thường xuyên."],
            },
        ],
        "responsibilities": [
            {"heading": "Sở Nội vụ", "duties": ["Theo dõi, đôn đốc, tổng hợp báo cáo."]},
        ],
    }
    plan.save()


def test_a_coordinator_works_through_the_pages(
    live_server, browser, shots: Path, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    plan = factories.make_plan(21)
    _decorate(plan)
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = live_server.url

    # Log in through the form.
    page.goto(f"{base}/")
    assert "/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "vi"
    page.screenshot(path=str(shots / "01-login.png"), full_page=True)
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    # The coordinator lands on the review queue, the province's figures on top.
    page.wait_for_url(re.compile(r"/bao-cao/cho-duyet/$"))
    assert page.locator(".province-strip").is_visible()
    page.click("nav.mainnav >> text=Kế hoạch")
    page.click(f"a[href='/plans/{plan.pk}/']")
    page.wait_for_url(re.compile(rf"/plans/{plan.pk}/$"))
    assert "Hiển thị 21/21 nhiệm vụ" in page.inner_text(".counts")
    # The plan opens folded, one line per area; an area opens with a click.
    assert page.locator("details.area[open]").count() == 0
    page.click("details.area#area-I summary")
    # Its tasks are fetched as it opens.
    page.locator("details.area#area-I .plan-table").wait_for()
    assert page.locator("details.area#area-I .plan-table").is_visible()
    assert page.locator("details.area#area-I tr.activity").count() > 0
    assert page.locator("details.area#area-II tr.activity").count() == 0
    page.screenshot(path=str(shots / "02-plan.png"), full_page=True)

    # Filter by an agency (through its group) and by a due month: htmx swaps the results
    # and pushes the URL, without a page load.
    page.select_option("#id_agency", label="UBND huyện Đakrông")
    wait_for_pushed_url(page, "agency=")
    page.select_option("#id_month", value="6")
    wait_for_pushed_url(page, "month=6")
    counts = page.inner_text(".counts")
    shown = int(re.search(r"Hiển thị (\d+)/21", counts).group(1))  # type: ignore[union-attr]
    assert 0 < shown < 21
    page.locator("#filter-q").fill("ra soat")
    wait_for_pushed_url(page, "q=ra")
    page.screenshot(path=str(shots / "03-plan-filtered.png"), full_page=True)

    # Details: the body text of the plan opens.
    page.goto(f"{base}/plans/{plan.pk}/")
    page.click("details.plan-document summary")
    assert page.locator("details.plan-document").get_attribute("open") is not None
    page.screenshot(path=str(shots / "04-plan-document.png"))

    # Search without diacritics.
    page.click("nav.mainnav >> text=Tìm kiếm")
    page.fill("#search-q", "cai cach")
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q=cai\+cach"))
    assert "cải cách" in page.inner_text("main")
    page.screenshot(path=str(shots / "05-search.png"), full_page=True)

    # The agency list and one agency.
    page.click("nav.mainnav >> text=Cơ quan")
    page.locator("#agency-q").fill("tu phap")
    wait_for_pushed_url(page, "q=tu")
    page.screenshot(path=str(shots / "06-agencies.png"), full_page=True)
    page.click("#agency-results >> text=Sở Tư pháp")
    page.wait_for_url(re.compile(rf"/agencies/{agencies['a'].pk}/"))
    assert "qua nhóm «Các sở, ban, ngành»" in page.inner_text("main")
    page.screenshot(path=str(shots / "07-agency.png"), full_page=True)

    # Needs a date: fix the first one.
    page.click("nav.mainnav >> text=Cần xác định ngày")
    page.wait_for_url(re.compile(rf"/plans/{plan.pk}/needs-date/"))
    before = page.locator("form.fix-form").count()
    assert before > 0
    page.screenshot(path=str(shots / "08-needs-date.png"), full_page=True)
    first = page.locator("form.fix-form").first
    first.locator("input[name=text]").fill("Quý II")
    first.locator("button").click()
    page.wait_for_selector(".message-success")
    assert page.locator("form.fix-form").count() == before - 1
    page.screenshot(path=str(shots / "09-needs-date-fixed.png"), full_page=True)

    # An import with mistakes lists every one of them.
    from cchc.plans.formats import write_json

    broken = factories.synthetic_document(3, number="8/KH-LOI")
    broken.areas[0].tasks[0].activities[0].lead = ["Sở Không Tồn Tại"]
    broken.areas[1].tasks[0].activities[0].cooperating = ["Ban Chưa Có"]
    page.click("nav.mainnav >> text=Nhập kế hoạch")
    page.set_input_files(
        "#id_file",
        files=[
            {"name": "ke-hoach.json", "mimeType": "application/json", "buffer": write_json(broken)}
        ],
    )
    page.click("form.import-form button[type=submit]")
    page.wait_for_selector(".issues-table")
    assert page.locator(".issues-table tbody tr").count() >= 2
    page.screenshot(path=str(shots / "12-import-issues.png"), full_page=True)
    page.goto(f"{base}/plans/{plan.pk}/needs-date/")

    # English and back.
    page.click(".langswitch button[value=en]")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "/needs-date/" in page.url
    page.screenshot(path=str(shots / "10-english.png"), full_page=True)
    page.click(".langswitch button[value=vi]")
    page.wait_for_function("document.documentElement.lang === 'vi'")

    # A phone-sized screen.
    phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    mobile.goto(f"{base}/plans/{plan.pk}/?area={plan.areas.get(code='I').pk}")
    mobile.screenshot(path=str(shots / "11-plan-mobile.png"), full_page=True)
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()

    # Log out.
    page.click("form.logout button")
    page.wait_for_url(re.compile(r"/login/"))
    context.close()
    assert errors == []


def test_the_quang_tri_plan_reads_well(live_server, browser, shots: Path) -> None:
    """The real 2022 plan, with its long texts and many agencies, in the screenshots."""
    from django.core.management import call_command

    from cchc.accounts.models import Role

    call_command("load_demo", "--quiet-accounts", stdout=open(os.devnull, "w"))  # noqa: SIM115
    plan = Plan.objects.get(parent=None)
    factories.make_user("xem", Role.LEADER)
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "xem")
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))  # the leader's landing page
    page.goto(f"{base}/plans/{plan.pk}/")
    page.screenshot(path=str(shots / "20-real-plan-top.png"))
    page.goto(f"{base}/plans/{plan.pk}/?open=all")
    page.screenshot(path=str(shots / "21-real-plan.png"), full_page=True)
    page.locator("details.area").nth(2).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "21-real-plan-table.png"))
    page.goto(f"{base}/agencies/")
    page.screenshot(path=str(shots / "22-real-agencies.png"), full_page=True)
    home = Agency.objects.get(name="Sở Nội vụ")
    page.goto(f"{base}/agencies/{home.pk}/")
    page.screenshot(path=str(shots / "23-real-agency.png"), full_page=True)
    district = Agency.objects.filter(kind=Agency.Kind.DISTRICT).first()
    assert district is not None
    page.goto(f"{base}/agencies/{district.pk}/")
    page.screenshot(path=str(shots / "24-real-district.png"), full_page=True)
    page.screenshot(path=str(shots / "24-real-district-top.png"))
    page.goto(f"{base}/plans/{plan.pk}/needs-date/")
    page.screenshot(path=str(shots / "25-real-needs-date.png"), full_page=True)
    context.close()
