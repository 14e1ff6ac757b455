"""The landing pages in a real browser (Debian's Chromium through Playwright).

- An officer reports one activity in at most six interactions from the page the login
  lands on: open the item, status, percent, a line, a file, save. Every click, fill and
  file pick goes through `Counted`; logging in is not counted.
- Each persona's landing page, on a desktop and on a 390 px phone, goes to
  var/screenshots/landing-*.png for a person to look at.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.lib import calendar
from cchc.monitoring.models import Assignment, ProgressReport
from cchc.monitoring.services import period_current
from cchc.plans.models import DueDate
from tests import factories
from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
MAX_INTERACTIONS = 6


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


class Counted:
    """A page whose user actions are counted: what a person clicks, types or picks."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.steps: list[str] = []

    def click(self, selector: str, what: str) -> None:
        self.steps.append(f"click: {what}")
        self.page.click(selector)

    def fill(self, selector: str, value: str, what: str) -> None:
        self.steps.append(f"type: {what}")
        self.page.fill(selector, value)

    def pick_file(self, selector: str, files: list[dict[str, Any]], what: str) -> None:
        self.steps.append(f"pick: {what}")
        self.page.set_input_files(selector, files=files)


def log_in(page: Any, base: str, username: str, password: str = factories.PASSWORD) -> None:
    """Through the form, without ?next=: the user lands where `/` sends them."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_an_officer_reports_one_activity_in_six_interactions_from_the_landing_page(
    live_server: Any,
    browser: Any,
    storage: None,
    agencies: dict[str, Agency],
    personas: dict[str, User],
) -> None:
    today = calendar.today()
    plan = factories.make_plan(14, year=today.year)
    # A backlog of overdue items, and one item due in three days: the one to report.
    items = list(
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"], role="lead")
        .select_related("activity")
        .order_by("pk")
    )
    target, *backlog = items
    for item in items:
        DueDate.objects.filter(activity=item.activity).delete()
    DueDate.objects.create(activity=target.activity, due_on=today + timedelta(days=3))
    for item in backlog:
        DueDate.objects.create(activity=item.activity, due_on=today - timedelta(days=40))
    period = period_current(plan, today)
    assert period is not None

    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = live_server.url
    log_in(page, base, "officer_a")
    assert re.search(r"/bao-cao/$", page.url), page.url
    counts = page.inner_text("#work-counts")
    assert re.sub(r"\s+", " ", counts).startswith("1 sắp đến hạn · 0 bị trả lại")
    # What is due now is on the first screen; the backlog below it is folded.
    row = page.locator("#due-soon .work-table a").first
    assert row.bounding_box()["y"] < 900
    assert not page.locator("#overdue").evaluate("d => d.open")
    page.screenshot(path=str(SCREENSHOTS / "landing-officer-count-start.png"), full_page=True)

    user = Counted(page)
    user.click("#due-soon .work-table td a", "the item's row")
    page.wait_for_selector("form.report-form")
    assert page.url.endswith(f"/bao-cao/{target.pk}/{period.pk}/")
    # The form is there as the page opens: its first field is on the first screen.
    assert page.locator("fieldset.status-field").bounding_box()["y"] < 900
    user.click("label.status-option:has-text('Đang triển khai')", "status")
    user.fill("#id_percent", "35", "percent")
    user.fill("#id_narrative", "Đã rà soát 8 thủ tục, trình công bố 2 thủ tục.", "a line")
    user.pick_file(
        "#id_attachments",
        [{"name": "bao-cao-ra-soat.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        "the evidence file",
    )
    user.click("button[name=then][value=save]", "save")
    page.wait_for_selector(".message-success")
    assert "Đã lưu bản nháp." in page.inner_text(".messages")
    assert "bao-cao-ra-soat.pdf" in page.inner_text(".evidence-list")
    page.screenshot(path=str(SCREENSHOTS / "landing-officer-count-saved.png"), full_page=True)

    report = ProgressReport.objects.get(assignment=target, period=period)
    assert report.state == ProgressReport.State.DRAFT
    assert (report.status, report.percent) == (ProgressReport.Status.IN_PROGRESS, 35)
    assert report.narrative == "Đã rà soát 8 thủ tục, trình công bố 2 thủ tục."
    assert [link.file.filename for link in report.evidence if link.file] == ["bao-cao-ra-soat.pdf"]
    assert len(user.steps) <= MAX_INTERACTIONS, user.steps
    context.close()
    assert not errors, errors


# ---------------------------------------------------------------------------- screenshots

DEMO_DAY = date(2022, 6, 10)  # inside the demo plan's year, the "6 tháng" period open
DEMO_PASSWORD = "cchc-demo-2022"
PERSONAS = {
    "canbo.tuphap": ("officer", r"/bao-cao/$"),
    "lanhdao.tuphap": ("head", r"/bao-cao/$"),
    "thuongtruc": ("coordinator", r"/bao-cao/cho-duyet/$"),
    "lanhdaotinh": ("leader", r"/dashboard/$"),
    "thamdinh": ("appraiser", r"/dashboard/$"),
    "quantri": ("admin", r"/plans/\d+/$"),
}


@pytest.mark.parametrize("clock", ["demo-day", "today"])
def test_each_personas_landing_page_reads_well_on_a_desktop_and_a_phone(
    live_server: Any, browser: Any, settings: Any, clock: str
) -> None:
    """The demo data (the Quảng Trị 2022 plan and its reports) as each demo account
    meets it: on a day inside the plan's year (CCHC_TODAY, as the demo runs), and
    today, when all of it is late."""
    from django.core.management import call_command

    if clock == "demo-day":
        settings.CCHC_TODAY = DEMO_DAY
    call_command("load_demo", "--quiet-accounts", stdout=open(os.devnull, "w"))  # noqa: SIM115
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    for username, (role, landing) in PERSONAS.items():
        for device, viewport in (("desktop", (1366, 900)), ("phone", (390, 844))):
            context = browser.new_context(
                locale="vi-VN", viewport={"width": viewport[0], "height": viewport[1]}
            )
            page = context.new_page()
            log_in(page, base, username, DEMO_PASSWORD)
            assert re.search(landing, page.url), (username, page.url)
            name = f"landing-{clock}-{role}-{device}"
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))
            # Nothing is wider than the screen: no sideways scrolling to read a page.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport[0] + 1, (name, width)
            if role in ("officer", "head"):
                assert page.locator("#work-counts").is_visible()
            if role == "coordinator":
                assert page.locator(".province-strip").is_visible()
            if role == "head":
                # The batch send: drafts ticked, reports returned and not yet corrected not.
                page.click(".head-actions a:has-text('Báo cáo chờ gửi')")
                page.wait_for_selector(".drafts-table")
                page.screenshot(path=str(SCREENSHOTS / f"{name}-drafts.png"), full_page=True)
                rows = page.locator(".drafts-table tbody tr")
                returned = page.locator(".drafts-table tbody tr:has(.badge.s-returned)")
                assert returned.count() > 0
                assert page.locator(".drafts-table input:checked").count() == (
                    rows.count() - returned.count()
                )
            context.close()
