"""CCHC_TODAY: the demo runs on a day of its own plan year. Deadlines, overdue counts, the
public page and the reminders count from that day; every page says so in a banner; a
value that is not a date stops the start with a message naming the variable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.lib import calendar
from cchc.lib.env import env_date
from cchc.plans.models import Plan

ROOT = Path(__file__).resolve().parent.parent
BANNER = "Bản trình diễn — ngày trong hệ thống:"
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# ----------------------------------------------------------------------- the setting


@pytest.mark.parametrize("value", ["2022-07-15", " 2022-07-15 "])
def test_an_iso_date_is_read(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CCHC_TODAY", value)
    assert env_date("CCHC_TODAY", earliest=EARLIEST, latest=LATEST) == date(2022, 7, 15)


def test_unset_or_empty_means_the_real_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCHC_TODAY", raising=False)
    assert env_date("CCHC_TODAY", earliest=EARLIEST, latest=LATEST) is None
    monkeypatch.setenv("CCHC_TODAY", "")
    assert env_date("CCHC_TODAY", earliest=EARLIEST, latest=LATEST) is None


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("15/07/2022", "is not a date; write it as YYYY-MM-DD"),
        ("2022-13-01", "is not a date"),
        ("2022-02-30", "is not a date"),
        ("hôm nay", "is not a date"),
        ("0001-01-01", "is outside 2000-01-01..2100-12-31"),
        ("9999-12-31", "is outside"),
    ],
)
def test_a_value_that_is_not_a_plausible_date_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    monkeypatch.setenv("CCHC_TODAY", value)
    with pytest.raises(ImproperlyConfigured, match=re.escape(says)) as refused:
        env_date("CCHC_TODAY", earliest=EARLIEST, latest=LATEST)
    assert "CCHC_TODAY" in str(refused.value)


def test_the_app_refuses_to_start_with_a_bad_date() -> None:
    env = {**os.environ, "CCHC_TODAY": "2022-13-01", "DEBUG": "1", "SECRET_KEY": "t"}
    done = subprocess.run(
        [sys.executable, "-m", "cchc", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "CCHC_TODAY='2022-13-01' is not a date; write it as YYYY-MM-DD" in done.stderr


def test_today_is_the_fixed_day_and_timestamps_stay_real(settings: Any) -> None:
    settings.CCHC_TODAY = date(2022, 7, 15)
    assert calendar.today() == date(2022, 7, 15)
    settings.CCHC_TODAY = None
    assert calendar.today().year >= 2026


# ---------------------------------------------------------------------------- pages


@pytest.mark.django_db
def test_the_public_page_counts_to_the_demo_day_under_a_banner(
    settings: Any, client: Client, plan: Plan
) -> None:
    settings.CCHC_TODAY = date(2022, 7, 15)
    page = _text(client.get(reverse("public_progress")))
    assert "Số liệu đến ngày 15/07/2022." in page
    assert f"{BANNER} 15/07/2022" in page


@pytest.mark.django_db
def test_every_page_shows_the_banner_in_demo_mode_and_none_without(
    settings: Any, client: Client, personas: dict[str, User], plan: Plan
) -> None:
    pages = [
        reverse("login"),
        reverse("plan_list"),
        reverse("plan_detail", args=[plan.pk]),
        reverse("report_worklist"),
        reverse("notifications"),
    ]
    client.force_login(personas["officer_a"])
    settings.CCHC_TODAY = date(2022, 7, 15)
    for url in pages:
        assert f"{BANNER} 15/07/2022" in _text(client.get(url, follow=True)), url
    settings.CCHC_TODAY = None
    for url in pages:
        assert BANNER not in _text(client.get(url, follow=True)), url


@pytest.mark.django_db
def test_overdue_counts_follow_the_demo_day(
    settings: Any,
    client: Client,
    personas: dict[str, User],
    agencies: dict[str, Agency],
    plan: Plan,
) -> None:
    client.force_login(personas["head_a"])
    url = reverse("dashboard_agency", args=[agencies["a"].pk])

    def overdue() -> int:
        html = client.get(url).content.decode()
        found = re.search(r'stat-overdue"><span class="stat-value">(\d+)</span>', html)
        assert found is not None
        return int(found.group(1))

    settings.CCHC_TODAY = date(2022, 1, 5)
    early = overdue()
    settings.CCHC_TODAY = date(2022, 12, 31)
    late = overdue()
    assert early == 0
    assert late > 0


@pytest.mark.django_db
def test_the_reminder_run_uses_the_demo_day(
    settings: Any, plan: Plan, personas: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    settings.CCHC_TODAY = date(2022, 7, 15)
    call_command("send_reminders", "--dry-run")
    assert "Nhắc việc ngày 15/07/2022" in capsys.readouterr().out
