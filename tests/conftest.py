"""Shared fixtures: a small province, the personas, a plan; the browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.plans.models import Plan
from tests import factories


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked `postgres` needs PostgreSQL: skipped, saying why, on SQLite; failed
    under CI=true, where a missing database must never pass as a skip. `dev.py test`
    leaves these tests out of its SQLite pass and runs them in its PostgreSQL one."""
    if item.get_closest_marker("postgres") is None:
        return
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    reason = "needs PostgreSQL (DATABASE_URL=postgres://…); `dev.py test` runs it there"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def agencies(db: None) -> dict[str, Agency]:
    return factories.make_structure()


@pytest.fixture
def personas(agencies: dict[str, Agency]) -> dict[str, User]:
    return factories.make_personas(agencies)


@pytest.fixture
def plan(agencies: dict[str, Agency]) -> Plan:
    return factories.make_plan(14)


@pytest.fixture
def province_b(db: None) -> dict[str, Any]:
    """A second province in the same installation (docs/tenants.md): its agencies, group,
    people (coordinator_bs, leader_bs, officer_bs, head_bs) and plan."""
    agencies = factories.make_second_province()
    people = factories.make_second_personas(agencies)
    plan = factories.make_second_plan(agencies["province"])
    return {"agencies": agencies, "people": people, "plan": plan}


@pytest.fixture
def login(client: Client, personas: dict[str, User]):  # type: ignore[no-untyped-def]
    """login("officer_a") logs the test client in as that persona and returns it."""

    def _login(name: str) -> Client:
        client.force_login(personas[name])
        return client

    return _login


@pytest.fixture(autouse=True)
def _job_files_in_tmp(settings, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    # Job results and uploaded import files are written for real; not into var/, and not
    # into a test's own tmp_path, whose contents some tests check.
    settings.CCHC_JOB_FILES_DIR = tmp_path_factory.mktemp("jobs")


@pytest.fixture(autouse=True)
def _real_calendar(settings) -> None:  # type: ignore[no-untyped-def]
    # A CCHC_TODAY exported for a demo must not move every test's "today"; tests of the
    # demo clock set it themselves.
    settings.CCHC_TODAY = None


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # Argon2 is deliberately slow; tests that check hashing itself set it back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------------
# The browser: Debian's Chromium driven by Playwright; never a downloaded one.

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless Chromium; skipped with the reason where it is missing, failed under CI."""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the live server's database
    # calls from the test itself are safe here. Set for the test only: set at import, it
    # would leak into every later subprocess (`check --deploy` refuses it, rightly).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shots() -> Path:
    """Where screenshots go, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
