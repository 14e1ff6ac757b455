"""In Chromium: the demo banner, the coordinator's "Ghi chú chép lại" toggle on the plan
page (closed until opened, absent for an officer), and the head's notification of a draft,
on a desktop and on a 390 px phone. Screenshots go to var/screenshots/."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.monitoring.services import report_get_or_create, report_save
from cchc.plans.models import Activity, Task
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Bản OCR ghi 'Trước 25/12/2022'; giữ nguyên."
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_banner_and_transcription_notes_toggle(
    live_server: Any,
    browser: Any,
    shots: Path,
    settings: Any,
    agencies: dict[str, Agency],
    personas: dict[str, User],
    device: str,
) -> None:
    settings.CCHC_TODAY = date(2022, 7, 15)
    plan = factories.make_plan(7)
    activity = Activity.objects.filter(plan=plan).order_by("pk").first()
    assert activity is not None
    Activity.objects.filter(pk=activity.pk).update(transcription_notes=NOTE)
    Task.objects.filter(pk=activity.task_id).update(
        transcription_notes="Số TT không có trong bản OCR; suy là 1."
    )
    base = live_server.url
    context = browser.new_context(locale="vi-VN", viewport=VIEWPORTS[device])
    page = context.new_page()

    # The officer: the banner, and no trace of the transcriber.
    _login(page, base, "officer_a")
    page.goto(f"{base}/plans/{plan.pk}/")
    banner = page.locator(".demo-banner")
    assert banner.is_visible()
    assert "Bản trình diễn — ngày trong hệ thống: 15/07/2022" in banner.inner_text()
    # Whole on a desktop; the first sentence alone on a phone, on at most two lines.
    assert ("tính theo ngày này" in banner.inner_text()) == (device == "desktop")
    assert banner.bounding_box()["height"] < 60
    assert page.locator(".transcription-notes").count() == 0
    assert "Bản OCR" not in page.content()
    page.screenshot(path=str(shots / f"notify-banner-officer-{device}.png"))

    # The coordinator: closed toggles, one opens on a click.
    context.clear_cookies()
    _login(page, base, "coordinator")
    # As the pages link to an activity: its area open (the plan opens folded).
    area_id = Task.objects.get(pk=activity.task_id).area_id
    page.goto(f"{base}/plans/{plan.pk}/?area={area_id}#activity-{activity.pk}")
    toggle = page.locator(f"#activity-{activity.pk} .transcription-notes")
    assert toggle.count() == 1
    text = toggle.locator("p")
    assert not text.is_visible()
    toggle.locator("summary").click()
    assert text.is_visible()
    assert text.inner_text() == NOTE
    # The filter bar sticks to the top of the window and would hide the row in the shot.
    page.evaluate("document.querySelector('.filterbar').style.position = 'static'")
    page.locator(f"#task-{activity.task_id}").screenshot(
        path=str(shots / f"notify-transcription-notes-{device}.png")
    )
    context.close()


def test_the_head_sees_the_waiting_draft_in_notifications(
    live_server: Any,
    browser: Any,
    shots: Path,
    settings: Any,
    agencies: dict[str, Agency],
    personas: dict[str, User],
) -> None:
    settings.CCHC_TODAY = date(2022, 7, 15)
    plan = factories.make_plan(7)
    assignment = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()
    assert assignment is not None
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    report = report_get_or_create(assignment=assignment, period=period)
    report_save(
        report=report,
        actor=personas["officer_a"],
        expected_version=report.version,
        status="in_progress",
        percent=40,
        narrative="Đã rà soát 12 thủ tục.",
    )
    base = live_server.url
    for device, viewport in VIEWPORTS.items():
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        page = context.new_page()
        _login(page, base, "head_a")
        notifications = f"{base}{reverse('notifications')}"
        page.goto(notifications)
        assert "Báo cáo chờ lãnh đạo gửi" in page.locator("main").inner_text()
        page.click("text=Mở báo cáo")
        page.wait_for_load_state()
        assert page.url.endswith(reverse("report_detail", args=[assignment.pk, period.pk]))
        page.goto(notifications)
        page.screenshot(path=str(shots / f"notify-head-notifications-{device}.png"))
        context.close()
