"""The folded plan page in Chromium: an area's tasks arrive as it is opened, by a click or
from the keyboard, and without JavaScript its link leads to them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.plans.models import Activity
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "officer_a")
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r"^(?!.*/login/)"))


def test_an_area_opens_with_its_activities_by_click_and_keyboard(
    live_server: Any,
    browser: Any,
    shots: Path,
    agencies: dict[str, Agency],
    personas: dict[str, User],
) -> None:
    plan = factories.make_plan(21)
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = live_server.url
    _log_in(page, base)
    page.goto(f"{base}/plans/{plan.pk}/")
    assert page.locator("details.area").count() == plan.areas.count()
    assert page.locator("tr.activity").count() == 0

    # A click: the area's own activities, and no other area's.
    page.click("details.area#area-II summary")
    rows = page.locator("details.area#area-II tr.activity")
    rows.first.wait_for()
    expected = Activity.objects.filter(task__area__plan=plan, task__area__code="II")
    assert rows.count() == expected.count()
    assert page.locator("tr.activity").count() == expected.count()
    first = expected.order_by("task__position", "position").first()
    assert first is not None
    assert first.title.splitlines()[0] in rows.first.inner_text()
    page.screenshot(path=str(shots / "plan-area-opened.png"))

    # Closed and opened again: read once, shown again.
    page.click("details.area#area-II summary")
    page.click("details.area#area-II summary")
    assert rows.count() == expected.count()

    # The keyboard: Tab to an area's line, Enter opens it.
    summary = page.locator("details.area#area-III summary")
    summary.focus()
    page.keyboard.press("Enter")
    page.locator("details.area#area-III tr.activity").first.wait_for()
    assert page.locator("details.area#area-III").get_attribute("open") is not None
    assert page.locator("details.area#area-III tr.activity").count() == (
        Activity.objects.filter(task__area__plan=plan, task__area__code="III").count()
    )
    assert not errors, errors
    context.close()


def test_without_javascript_an_area_links_to_its_tasks(
    live_server: Any, browser: Any, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    plan = factories.make_plan(14)
    context = browser.new_context(locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base)
    page.goto(f"{base}/plans/{plan.pk}/")
    page.click("details.area#area-IV summary")
    page.click("details.area#area-IV >> text=Xem các nhiệm vụ của lĩnh vực này")
    area = plan.areas.get(code="IV")
    page.wait_for_url(re.compile(rf"/plans/{plan.pk}/\?area={area.pk}$"))
    assert page.locator("details.area#area-IV[open] tr.activity").count() == (
        Activity.objects.filter(task__area=area).count()
    )
    context.close()
