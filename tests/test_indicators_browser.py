"""The coordinator defines an indicator on a page (desktop and phone), a wrong value is
explained in Vietnamese, and the agency's officer enters a value with its evidence file.
Debian's Chromium through Playwright, screenshots in var/screenshots/."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from cchc.citizens.models import Indicator, Measurement
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda u: "/login/" not in u)


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_the_coordinator_defines_an_indicator_and_an_officer_enters_its_value(
    live_server: Any,
    browser: Any,
    agencies: Any,
    personas: Any,
    shots: Any,
    width,
    height,
    tmp_path,
) -> None:
    base = live_server.url
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": height}, is_mobile=width < 500
    )
    page = context.new_page()
    _log_in(page, base, "coordinator")
    page.goto(f"{base}/chi-tieu/")
    page.click("text=Thêm chỉ tiêu")
    page.fill("#id_code", "giam-bien-che")
    page.fill("#id_name", "Giảm 10 % biên chế công chức so với năm 2021")
    page.fill("#id_unit", "người")
    page.select_option("#id_direction", "down")
    page.fill("#id_baseline_year", "2021")
    page.fill("#id_baseline_value", "2500")
    page.fill("#id_target_value", "2600")  # worse than the baseline: refused
    page.fill("#id_due_on", "2025-12-31")
    page.select_option("#id_agency", str(agencies["a"].pk))
    page.click("form.stacked button[type=submit]")
    assert "Chỉ tiêu kém hơn giá trị năm gốc" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shots / f"indicator-form-error-{width}.png"), full_page=True)
    assert not Indicator.objects.exists()
    page.fill("#id_target_value", "2250")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda u: "/sua/" not in u and "/them/" not in u)
    indicator = Indicator.objects.get(code="giam-bien-che")
    assert indicator.due_on == date(2025, 12, 31)
    page.goto(f"{base}/chi-tieu/{indicator.pk}/sua/")
    page.screenshot(path=str(shots / f"indicator-edit-{width}.png"), full_page=True)

    officer = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    entry = officer.new_page()
    _log_in(entry, base, "officer_a")
    entry.goto(f"{base}/chi-tieu/{indicator.pk}/")
    evidence = tmp_path / "Biên bản rà soát biên chế.pdf"
    evidence.write_bytes(PDF)
    entry.fill("#m-period", "Năm 2022")
    entry.fill("#m-date", "2022-12-31")
    entry.fill("#m-value", "2430")
    entry.fill("#m-source", "Sở Nội vụ")
    entry.set_input_files("#m-evidence-file", str(evidence))
    entry.click("form.indicator-entry button[type=submit]")
    entry.wait_for_load_state()
    measurement = Measurement.objects.get()
    assert measurement.evidence_file is not None
    assert entry.locator(f"a[href='/chi-tieu/so-lieu/{measurement.pk}/minh-chung/']").count() == 1
    entry.screenshot(path=str(shots / f"indicator-evidence-{width}.png"), full_page=True)
    context.close()
    officer.close()


def test_the_trend_chart_keeps_its_labels_small_on_a_phone(
    live_server: Any, browser: Any, agencies: Any, personas: Any, shots: Any, settings: Any
) -> None:
    """On a 390 px phone the trend chart is drawn at its own size and scrolls sideways in
    its box: no label is scaled up (12 px text, not the 30 px a stretched chart gave), no
    two period labels overlap, and the page itself does not scroll sideways."""
    from decimal import Decimal

    settings.CCHC_TODAY = date(2022, 7, 15)
    indicator = Indicator.objects.create(
        code="giam-bien-che",
        name="Giảm biên chế sự nghiệp",
        unit="%",
        direction="down",
        baseline_year=2021,
        baseline_value=Decimal("0"),
        target_value=Decimal("-10"),
        due_on=date(2025, 12, 31),
        agency=agencies["a"],
    )
    for day, period, value in (
        (date(2021, 12, 31), "Năm 2021", "0"),
        (date(2022, 6, 30), "6 tháng đầu năm 2022", "-1.8"),
    ):
        Measurement.objects.create(
            indicator=indicator, period=period, measured_on=day, value=Decimal(value), source="VP"
        )
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    _log_in(page, live_server.url, "officer_a")
    page.goto(f"{live_server.url}/chi-tieu/{indicator.pk}/")
    chart = page.locator("figure.chart-wrap svg")
    heights = chart.locator("text").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and max(heights) <= 18, heights
    boxes = chart.locator("g > text:last-of-type").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })"
    )
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(boxes)), boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#h-trend").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "indicator-trend-390.png"), full_page=True)
    context.close()
