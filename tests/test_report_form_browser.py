"""The report form in Chromium: Vietnamese messages only, the problem brought into view,
one save for a double click, and the page after someone else saved first.

Screenshots go to var/screenshots/report-form-*.png (desktop and a 390 px phone).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from cchc.monitoring.services import period_current, report_get_or_create, report_save
from tests import factories
from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
ENGLISH = ["Value must be", "Please fill", "Please enter", "Please select"]


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


def shot(page: Any, name: str, *, full: bool = False) -> None:
    """What the user sees on arrival (the viewport), or the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"report-form-{name}.png"), full_page=full, caret="initial"
    )


def log_in(page: Any, base: str, username: str, then: str) -> None:
    page.goto(f"{base}/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(re.escape(then) + "$"))


def focused_and_visible(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            return {id: el.id, text: el.innerText || "",
                    visible: box.top >= 0 && box.top < window.innerHeight};
        }"""
    )


def test_the_report_form_speaks_vietnamese_focuses_the_problem_and_saves_once(
    live_server: Any,
    browser: Any,
    storage: None,
    agencies: dict[str, Agency],
    personas: dict[str, User],
) -> None:
    plan = factories.make_plan(14, year=timezone.localdate().year)
    item = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"], role="lead")[0]
    period = period_current(plan, timezone.localdate())
    assert isinstance(period, ReportingPeriod)
    url = f"/bao-cao/{item.pk}/{period.pk}/"
    base = live_server.url
    errors: list[str] = []

    for width, height, label in [(1366, 900, "desktop"), (390, 844, "phone")]:
        context = browser.new_context(locale="en-US", viewport={"width": width, "height": height})
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        log_in(page, base, "officer_a", url)

        # 1. A percent over 100: the browser, in English here, does not stop the form with
        # its own bubble; the server's message shows under the field, in Vietnamese, and
        # the problem box takes the focus.
        page.click("label.status-option:has-text('Đang triển khai')")
        page.fill("#id_percent", "150")
        page.click("button[name=then][value=save]")
        page.wait_for_selector("#form-problems")
        assert page.inner_text(".percent-row .field-error") == "Tỷ lệ hoàn thành phải từ 0 đến 100."
        focus = focused_and_visible(page)
        assert focus["id"] == "form-problems" and focus["visible"]
        body = page.inner_text("body")
        assert not [word for word in ENGLISH if word in body]

        # 2. A program renamed as a document: named as picked, and in view. The picker
        # reads Vietnamese, not the English browser's "Choose Files", and names the pick.
        picker = page.locator("[data-file-pick]")
        assert picker.locator(".file-pick-button").inner_text() == "Chọn tệp…"
        assert picker.locator(".file-pick-names").inner_text() == "Chưa chọn tệp nào"
        assert page.eval_on_selector("#id_attachments", "e => getComputedStyle(e).opacity") == "0"
        page.fill("#id_percent", "40")
        page.set_input_files(
            "#id_attachments",
            files=[{"name": "chuong-trinh.exe", "mimeType": "application/pdf", "buffer": EXE}],
        )
        assert picker.locator(".file-pick-names").inner_text() == "chuong-trinh.exe"
        page.click("button[name=then][value=save]")
        page.wait_for_selector("#form-problems")
        focus = focused_and_visible(page)
        assert focus["id"] == "form-problems" and focus["visible"]
        assert "Tệp «chuong-trinh.exe» là chương trình chạy được" in focus["text"]
        assert "chuong-trinh.bin" not in page.inner_text("body")
        shot(page, f"upload-refused-{label}")
        context.close()

    # 3. A double click on save: one save, and the page says saved, not "someone else".
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "officer_a", url)
    page.click("label.status-option:has-text('Đang triển khai')")
    page.fill("#id_percent", "33")
    page.fill("#id_narrative", "Đã họp với ba phòng chuyên môn.")
    page.dblclick("button[name=then][value=save]")
    page.wait_for_selector(".message-success")
    assert "Đã lưu bản nháp." in page.inner_text(".messages")
    assert "người khác cập nhật" not in page.inner_text("body")
    report = ProgressReport.objects.get(assignment=item, period=period)
    assert report.percent == 33
    assert ReportVersion.objects.filter(report=report).count() == 1

    # 4. Someone else saves while the officer types: their text stays, beside the newer.
    for width, height, label in [(1366, 900, "desktop"), (390, 844, "phone")]:
        context.close()
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        log_in(page, base, "officer_a", url)
        report = report_get_or_create(assignment=item, period=period)
        report_save(
            report=report,
            actor=personas["head_a"],
            expected_version=report.version,
            status=ProgressReport.Status.IN_PROGRESS,
            percent=80,
            narrative="Lãnh đạo bổ sung: đã trình UBND tỉnh dự thảo quyết định.",
        )
        typed = f"Cán bộ ghi ({label}): đã công bố 3 thủ tục sửa đổi."
        page.fill("#id_narrative", typed)
        page.click("button[name=then][value=save]")
        page.wait_for_selector("#unsaved-narrative")
        assert page.input_value("#unsaved-narrative") == typed
        assert "Lãnh đạo bổ sung" in page.input_value("#id_narrative")
        focus = focused_and_visible(page)
        assert focus["id"] == "report-problem" and focus["visible"]
        shot(page, f"conflict-{label}")
        shot(page, f"conflict-{label}-full", full=True)
    context.close()
    assert not errors
