"""One report's whole loop in a real browser: officer, head, coordinator, and back.

Debian's Chromium is driven by Playwright against the live server. Screenshots of each
step go to var/screenshots/report-*.png so that a person can look at them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.monitoring.models import ProgressReport
from tests import factories
from tests.conftest import SCREENSHOTS

# The smallest PDF a reader opens: one empty page.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on every input, which htmx then
    # copies on a swap and the CSP (rightly) refuses.
    page.screenshot(path=str(SCREENSHOTS / f"report-{name}.png"), full_page=True, caret="initial")


def log_in(page: Any, base: str, username: str, then: str) -> None:
    page.goto(f"{base}/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(re.escape(then) + "$"))


def log_out(page: Any) -> None:
    page.click("form.logout button")
    page.wait_for_url(re.compile(r"/login/"))


def test_a_report_goes_from_officer_to_head_to_coordinator_and_back(
    live_server: Any,
    browser: Any,
    storage: None,
    agencies: dict[str, Agency],
    personas: dict[str, User],
) -> None:
    factories.make_plan(14, year=timezone.localdate().year)
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []  # on the report pages; the dashboard is another part's business
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "/bao-cao/" in page.url else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)) if "/bao-cao/" in page.url else None)
    base = live_server.url

    # The coordinator notes what the agency dashboard says before anything is sent.
    log_in(page, base, "coordinator", f"/dashboard/agency/{agencies['a'].pk}/")
    dashboard_before = page.inner_text("main")
    log_out(page)

    # 1. The officer opens the list of what to report and picks an activity.
    log_in(page, base, "officer_a", "/bao-cao/")
    assert "Việc cần báo cáo" in page.inner_text("h1")
    shot(page, "01-officer-worklist")
    page.locator(".work-table a.btn").first.click()
    page.wait_for_selector("form.report-form")
    report_url = page.url
    shot(page, "02-report-form")

    # 2. Status, percent, a sentence, an output document, the signed PDF; save a draft.
    page.click("label.status-option:has-text('Đang triển khai')")
    page.fill("#id_percent", "60")
    page.fill("#id_narrative", "Đã rà soát 12 thủ tục, trình công bố 3 thủ tục sửa đổi.")
    page.fill("#id_doc-0-number", "12/QĐ-STP")
    page.fill("#id_doc-0-issued_on", "10/02/2022")
    page.fill("#id_doc-0-summary", "Công bố thủ tục hành chính sửa đổi")
    page.click("button.add-row")  # htmx: a second row, nothing typed is lost
    page.wait_for_selector("#id_doc-1-number")
    assert page.input_value("#id_doc-0-number") == "12/QĐ-STP"
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "quyet-dinh-12.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    shot(page, "03-report-filled")
    page.click("button[name=then][value=save]")
    page.wait_for_selector(".message-success")
    assert "quyet-dinh-12.pdf" in page.inner_text(".evidence-list")
    assert "Lưu nháp" in page.inner_text(".history")
    shot(page, "04-draft-saved")
    report = ProgressReport.objects.get()
    assert report.state == ProgressReport.State.DRAFT and report.percent == 60
    log_out(page)

    # 3. The head sends the agency's drafts.
    log_in(page, base, "head_a", "/bao-cao/cho-gui/")
    assert page.locator(".drafts-table tbody tr").count() == 1
    shot(page, "05-head-drafts")
    page.click("button.btn-send")
    page.wait_for_selector(".message-success")
    assert "Đã gửi 1 báo cáo." in page.inner_text(".messages")
    log_out(page)

    # 4. The coordinator returns it with a comment.
    log_in(page, base, "coordinator", "/bao-cao/cho-duyet/")
    shot(page, "06-coordinator-queue")
    page.click(".queue-table a:has-text('Xem, trả lại')")
    page.wait_for_selector("form.review-form")
    page.fill("#id_comment", "Đề nghị bổ sung số liệu thủ tục được cắt giảm thời gian.")
    shot(page, "07-coordinator-review")
    page.click("form.review-form button[value=return]")
    page.wait_for_selector(".message-success")
    assert "/bao-cao/cho-duyet/" in page.url
    log_out(page)

    # 5. The officer sees the comment, corrects and sends again.
    log_in(page, base, "officer_a", "/bao-cao/")
    assert "Đề nghị bổ sung số liệu" in page.inner_text("#returned")
    shot(page, "08-officer-sees-return")
    page.click("#returned a")
    page.wait_for_selector(".callout-returned")
    assert "Đề nghị bổ sung số liệu" in page.inner_text(".callout-returned")
    page.fill("#id_percent", "80")
    page.fill("#id_narrative", "Đã rà soát 12 thủ tục; giảm 20% thời gian giải quyết 5 thủ tục.")
    shot(page, "09-officer-corrects")
    page.click("button[name=then][value=submit]")
    page.wait_for_selector(".message-success")
    log_out(page)

    # 6. The coordinator approves from the queue.
    log_in(page, base, "coordinator", "/bao-cao/cho-duyet/")
    page.click(".queue-table button[value=approve]")
    page.wait_for_selector(".message-success")
    assert "Không có báo cáo nào chờ duyệt." in page.inner_text("main")
    page.goto(report_url)
    history = page.inner_text(".history")
    for step in ["Lưu nháp", "Gửi duyệt", "Trả lại", "Duyệt"]:
        assert step in history
    shot(page, "10-approved-history")
    report.refresh_from_db()
    assert report.state == ProgressReport.State.APPROVED and report.percent == 80

    # 7. The agency dashboard shows the approved report.
    page.goto(f"{base}/dashboard/agency/{agencies['a'].pk}/")
    assert page.inner_text("main") != dashboard_before
    shot(page, "11-dashboard-after")

    # The PDF downloads for whoever may see the report.
    with page.expect_download() as download:
        page.goto(report_url)
        page.click(".evidence-list a")
    assert Path(download.value.path()).read_bytes() == PDF

    # On a phone, the officer's list and the report still read well.
    phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    small = phone.new_page()
    log_in(small, base, "officer_a", "/bao-cao/")
    shot(small, "12-phone-worklist")
    small.goto(report_url)
    shot(small, "13-phone-report")
    phone.close()
    assert not errors, errors


def test_an_officer_picks_a_document_the_agency_already_recorded(
    live_server: Any,
    browser: Any,
    storage: None,
    agencies: dict[str, Agency],
    personas: dict[str, User],
) -> None:
    from datetime import date

    from cchc.documents.models import Document
    from cchc.monitoring.models import Assignment
    from cchc.monitoring.services import (
        DocumentInput,
        period_current,
        report_get_or_create,
        report_save,
    )

    plan = factories.make_plan(14, year=timezone.localdate().year)
    period = period_current(plan, timezone.localdate())
    assert period is not None
    first, second = Assignment.objects.filter(
        activity__plan=plan, agency=agencies["a"], role="lead"
    ).order_by("pk")[:2]
    theirs = Assignment.objects.filter(activity__plan=plan, agency=agencies["b"]).first()
    assert theirs is not None
    for assignment, actor, number in [
        (first, personas["officer_a"], "12/QĐ-STP"),
        (theirs, personas["officer_b"], "9/QĐ-SXD"),
    ]:
        report = report_get_or_create(assignment=assignment, period=period)
        report_save(
            report=report,
            actor=actor,
            expected_version=report.version,
            status="in_progress",
            percent=20,
            documents=[DocumentInput(number, date(2022, 3, 20), "Quyết định công bố thủ tục")],
        )
    recorded = Document.objects.get(agency=agencies["a"])

    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    report_url = f"/bao-cao/{second.pk}/{period.pk}/"
    log_in(page, live_server.url, "officer_a", report_url)

    page.click("label.status-option:has-text('Đang triển khai')")
    page.fill("#id_percent", "30")
    # Typed without diacritics, as on a phone; htmx searches as one types.
    page.fill("#doc-find", "quyet dinh cong bo")
    page.wait_for_selector("#doc-found li")
    found = page.inner_text("#doc-found")
    assert "12/QĐ-STP" in found and "9/QĐ-SXD" not in found
    assert page.input_value("#id_percent") == "30"  # the search swapped only its results
    shot(page, "pick-01-found")
    page.click("#doc-found button:has-text('Chọn')")
    page.wait_for_selector(f"#id_doc-0-document_id[value='{recorded.pk}']", state="attached")
    assert page.input_value("#id_doc-0-number") == "12/QĐ-STP"
    assert page.get_attribute("#id_doc-0-number", "readonly") is not None
    shot(page, "pick-02-picked")
    page.click("button[name=then][value=save]")
    page.wait_for_selector(".message-success")
    assert page.input_value("#id_doc-0-number") == "12/QĐ-STP"  # the saved form shows it
    report = ProgressReport.objects.get(assignment=second, period=period)
    assert list(report.documents) == [recorded]
    assert Document.objects.filter(agency=agencies["a"]).count() == 1
    assert not errors, errors
    context.close()
