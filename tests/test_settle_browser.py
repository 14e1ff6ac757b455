"""The settle page in Debian's Chromium, on a desktop and on a 390 px phone: from the failed
import's job page to the new import. Screenshots go to var/screenshots/settle-*.png so
that a person can look at them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cchc.accounts.models import User
from cchc.agencies.models import Agency, Alias
from cchc.jobs.models import Job
from cchc.plans.formats import write_json
from tests import factories
from tests.conftest import SCREENSHOTS
from tests.test_settle import ETHNIC, JUSTICE, document_with_unknown_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def failed_import(user: User) -> Job:
    client = Client()
    client.force_login(user)
    data = write_json(document_with_unknown_names())
    response = client.post("/plans/import/", {"file": SimpleUploadedFile("ke-hoach.json", data)})
    job = factories.job_of(response)
    assert job.status == Job.Status.FAILED
    return job


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_unknown_names_are_settled_from_the_failed_jobs_page(
    live_server: Any,
    browser: Any,
    agencies: dict[str, Agency],
    personas: dict[str, User],
    name: str,
    viewport: dict[str, int],
) -> None:
    job = failed_import(personas["coordinator"])
    context = browser.new_context(locale="vi-VN", viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    page.get_by_role("link", name="Xác định 2 tên cơ quan chưa biết").click()
    page.wait_for_url(lambda url: url.endswith("/names/"))

    # Sent with nothing chosen: each name says so, and nothing is kept.
    page.get_by_role("button", name="Lưu và nhập lại").click()
    assert page.locator(".settle-name .field-error").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"settle-{name}-errors.png"), full_page=True)
    assert not Alias.objects.filter(name__in=[JUSTICE, ETHNIC]).exists()

    justice = page.locator("fieldset.settle-name", has_text=JUSTICE)
    justice.get_by_label("Sở Tư pháp", exact=False).first.check()
    ethnic = page.locator("fieldset.settle-name", has_text=ETHNIC)
    ethnic.get_by_label("Bỏ qua", exact=False).check()
    page.screenshot(path=str(SCREENSHOTS / f"settle-{name}.png"), full_page=True)
    page.get_by_role("button", name="Lưu và nhập lại").click()
    page.wait_for_url(lambda url: "/jobs/" in url and "/names/" not in url)
    page.locator(".badge.job-done").wait_for()
    assert Alias.objects.get(name=JUSTICE).agency == agencies["a"]
    assert not errors
    context.close()
