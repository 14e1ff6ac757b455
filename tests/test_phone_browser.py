"""On a 390 px phone and on a desktop, in Debian's Chromium: the header menu, the public
page's chart, the periods and calendar pages. Screenshots go to var/screenshots/ux-*.png
so that a person can look at them."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from tests import factories
from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def shot(page: Any, name: str, full: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"ux-{name}.png"), full_page=full, caret="initial")


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_the_menu_folds_behind_a_button_on_a_phone_and_not_on_a_desktop(
    live_server: Any, browser: Any, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    factories.make_plan(5)
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/plans/")

    toggle = page.locator("button.menu-toggle")
    links = page.locator("nav.mainnav a")
    total = links.count()
    assert total >= 9
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert "Menu" in toggle.inner_text()
    assert not links.first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "menu-phone-closed")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    # Every item shows, none cut off at the screen's edge.
    for index in range(total):
        box = links.nth(index).bounding_box()
        assert links.nth(index).is_visible() and box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.locator("form.logout button").is_visible()
    shot(page, "menu-phone-open")
    links.filter(has_text="Thông báo").click()
    page.wait_for_url(lambda url: "/thong-bao/" in url)
    assert page.locator("button.menu-toggle").get_attribute("aria-expanded") == "false"

    # Escape folds it again and gives the focus back to the button.
    page.locator("button.menu-toggle").click()
    page.keyboard.press("Escape")
    assert page.locator("button.menu-toggle").get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")

    # On a desktop there is no button: the whole menu is in view.
    page.set_viewport_size(DESKTOP)
    assert not page.locator("button.menu-toggle").is_visible()
    assert all(links.nth(i).is_visible() for i in range(total))
    shot(page, "menu-desktop")
    assert errors == []


def test_the_public_chart_fits_a_phone_and_the_public_page_is_reachable(
    live_server: Any, browser: Any, agencies: dict[str, Agency]
) -> None:
    factories.make_plan(14, year=timezone.localdate().year)
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    # From the login page, one click.
    page.goto(f"{live_server.url}/login/")
    page.click(".login-card >> text=Trang công khai tiến độ")
    page.wait_for_url(lambda url: "/cong-khai/" in url)
    chart = page.locator(".chart-wrap svg.chart-bars").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # The whole scale shows, up to 100 %, without scrolling sideways.
    hundred = chart.locator("text", has_text="100%")
    tick = hundred.bounding_box()
    assert tick is not None and tick["x"] + tick["width"] <= PHONE["width"]
    wrap = page.locator(".chart-wrap").first
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Labels stay legible: the chart is drawn at 85 % of its size or more, so its 13 px
    # labels are 11 px or more.
    drawn = chart.evaluate("svg => svg.viewBox.baseVal.width")
    assert box["width"] / drawn >= 0.85
    page.locator(".chart-wrap").first.screenshot(path=str(SCREENSHOTS / "ux-public-chart.png"))
    shot(page, "public-phone")


def test_screens_of_the_periods_and_calendar_pages(
    live_server: Any, browser: Any, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    """For a person to look at; the behaviour is tested in test_periods and test_ical."""
    plan = factories.make_plan(5)
    context = browser.new_context(locale="vi-VN", viewport=DESKTOP)
    page = context.new_page()
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/plans/{plan.pk}/periods/")
    assert page.locator("thead th").first.inner_text() == "Tên kỳ"
    shot(page, "periods-desktop", full=True)
    page.goto(f"{live_server.url}/lich/")
    page.click("text=Tạo đường dẫn lịch")
    page.wait_for_selector(".message-success")
    assert ".ics" in page.inner_text(".feed-url")
    shot(page, "calendar-desktop")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/plans/{plan.pk}/periods/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "periods-phone", full=True)


def test_the_coordinators_first_report_is_on_the_first_phone_screen(
    live_server: Any, browser: Any, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    from cchc.monitoring.models import Assignment, ReportingPeriod
    from cchc.monitoring.services import report_get_or_create, report_save, report_submit

    plan = factories.make_plan(5, year=timezone.localdate().year)
    q1 = ReportingPeriod.objects.get(plan=plan, code="q1")
    for item in Assignment.objects.filter(activity__plan=plan, agency=agencies["a"])[:3]:
        report = report_get_or_create(assignment=item, period=q1)
        report = report_save(
            report=report,
            actor=personas["officer_a"],
            expected_version=report.version,
            status="in_progress",
            percent=40,
            narrative="Đang làm",
        )
        report_submit(report=report, actor=personas["head_a"], expected_version=report.version)

    for viewport, folded in [(PHONE, True), (DESKTOP, False)]:
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        page = context.new_page()
        log_in(page, live_server.url, "coordinator")
        assert page.url.endswith("/bao-cao/cho-duyet/")
        assert "{#" not in page.inner_text("main")
        first = page.locator("table.queue-table tbody tr").first
        assert first.bounding_box()["y"] + 40 < viewport["height"], "the first report is off screen"
        agency_filter = page.locator("#id_agency")
        assert agency_filter.is_visible() is not folded
        if folded:
            page.click(".filter-fold > summary")
            assert agency_filter.is_visible()
            shot(page, "queue-phone-filters-open")
        else:
            shot(page, "queue-desktop")
        # A filter in use keeps the filters open on the phone too.
        page.goto(f"{live_server.url}/bao-cao/cho-duyet/?agency={agencies['a'].pk}")
        assert agency_filter.is_visible()
        context.close()


def test_a_long_overdue_list_shows_ten_cards_on_a_phone_until_asked_for_all(
    live_server: Any, browser: Any, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    # Last year's plan: every activity is past its deadline with no report.
    factories.make_plan(15, year=timezone.localdate().year - 1)
    for viewport, folded in [(PHONE, True), (DESKTOP, False)]:
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        page = context.new_page()
        log_in(page, live_server.url, "leader")
        page.goto(f"{live_server.url}/dashboard/")
        rows = page.locator("#overdue tbody tr")
        total = rows.count()
        assert total > 10
        shown = page.evaluate(
            "[...document.querySelectorAll('#overdue tbody tr')]"
            ".filter(row => row.offsetParent !== null).length"
        )
        more = page.locator("#overdue label.rows-more")
        if folded:
            assert shown == 10
            assert more.is_visible() and more.inner_text() == "Xem toàn bộ danh sách"
            shot(page, "overdue-phone-folded")
            # By keyboard as well as by touch: the box is focusable.
            page.focus("#all-overdue")
            page.keyboard.press("Space")
            assert rows.nth(total - 1).is_visible()
            assert more.inner_text() == "Thu gọn danh sách"
            more.click()
            assert not rows.nth(10).is_visible() and rows.nth(9).is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        else:
            assert shown == total
            assert not more.is_visible()
        context.close()
