"""Sở Tư pháp's own plan in a real browser: derived from the province's, extended with an
activity for one of its phòng, issued, downloaded; the coordinator's table. Screenshots
at 1366 and 390 px go to var/screenshots/ for a person to look at."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.plans.models import Plan
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_the_head_derives_extends_issues_and_downloads_the_agencys_plan(
    live_server: Any,
    browser: Any,
    shots: Path,
    agencies: dict[str, Agency],
    personas: dict[str, User],
) -> None:
    plan = factories.make_plan(14)
    unit = Agency.objects.create(
        name="Phòng Hành chính tư pháp", kind=Agency.Kind.UNIT, parent=agencies["a"]
    )
    base = live_server.url
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _log_in(page, base, "head_a")

    # From the province's plan, the agency's own draft.
    page.goto(f"{base}/plans/{plan.pk}/")
    page.click("button:has-text('Kế hoạch của cơ quan tôi')")
    page.wait_for_url(re.compile(r"/plans/\d+/own/$"))
    own = Plan.objects.get(parent=plan, issuer_agency=agencies["a"])
    assert "Đã lập dự thảo kế hoạch của Sở Tư pháp" in page.inner_text(".messages")
    page.screenshot(path=str(shots / "agency-plan-01-draft.png"), full_page=True)

    # Hand a copied activity to the phòng.
    first = own.activities.order_by("task__area__position", "task__position", "position").first()
    page.select_option(f"#lead-{first.pk}", str(unit.pk))
    page.click(f"#activity-{first.pk} button:has-text('Giao')")
    page.wait_for_load_state()
    assert first.assignees.get().agency == unit

    # An activity of its own, in a new task.
    page.select_option("#id_task", "new")
    page.select_option("#id_area", "I")
    page.fill("#id_task_title", "Kiểm soát thủ tục hành chính của Sở")
    page.fill("#id_title", "Rà soát, đơn giản hóa thủ tục lĩnh vực hộ tịch")
    page.fill("#id_outputs", "Phương án đơn giản hóa")
    page.fill("#id_deadline", "Quý III")
    page.select_option("#id_lead", str(unit.pk))
    page.click("form.add-activity-form button[type=submit]")
    page.wait_for_url(re.compile(r"/own/$"))
    assert "Đã thêm hoạt động" in page.inner_text(".messages")
    assert own.activities.filter(title__startswith="Rà soát, đơn giản hóa").exists()

    # A wrong date first, then issued.
    page.fill("#id_number", "45/KH-STP")
    page.fill("#id_issued_on", "2099-01-01")
    page.fill("#id_signer", "Nguyễn Văn An")
    page.click("form.issue-form button[type=submit]")
    assert "ở sau hôm nay" in page.inner_text(".messages")
    page.fill("#id_issued_on", "2022-02-10")
    page.click("form.issue-form button[type=submit]")
    page.wait_for_url(re.compile(r"/own/$"))
    assert "Đã ban hành kế hoạch số 45/KH-STP ngày 10/02/2022" in page.inner_text(".messages")
    assert page.locator("form.add-activity-form").count() == 0
    page.screenshot(path=str(shots / "agency-plan-02-issued.png"), full_page=True)

    # The appendix as DOCX, with Sở Tư pháp in its header.
    page.click("a:has-text('Tải phụ lục DOCX')")
    page.wait_for_url(re.compile(r"/jobs/"))
    with page.expect_download() as download:
        page.click("a:has-text('Tải tệp kết quả')")
    document = Document(BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs).upper()
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "SỞ TƯ PHÁP" in text
    assert "Rà soát, đơn giản hóa thủ tục lĩnh vực hộ tịch" in cells

    phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    mobile = phone.new_page()
    _log_in(mobile, base, "head_a")
    mobile.goto(f"{base}/plans/{own.pk}/own/")
    mobile.screenshot(path=str(shots / "agency-plan-03-issued-phone.png"), full_page=True)
    phone.close()

    # The coordinator's table.
    context.clear_cookies()
    _log_in(page, base, "coordinator")
    page.goto(f"{base}/plans/{plan.pk}/agency-plans/")
    page.fill("#id_due", "2022-02-28")
    page.click("form.due-form button[type=submit]")
    page.wait_for_url(re.compile(r"/agency-plans/$"))
    row = page.locator("tr", has_text="Sở Tư pháp")
    assert "số 45/KH-STP ngày 10/02/2022" in row.inner_text()
    assert "Đúng hạn" in row.inner_text()
    page.screenshot(path=str(shots / "agency-plan-04-table.png"), full_page=True)
    phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    mobile = phone.new_page()
    _log_in(mobile, base, "coordinator")
    mobile.goto(f"{base}/plans/{plan.pk}/agency-plans/")
    mobile.screenshot(path=str(shots / "agency-plan-05-table-phone.png"), full_page=True)
    phone.close()
    context.close()
    assert not errors, errors
