"""The officer's worklist is built once per change of the agency and read from the cache
(cchc.monitoring.worklist), and never shows a state older than the last change: after
each kind of change (a report opened, a draft saved, sent, returned, approved, a period
or an assignment changed) the next read shows the new state."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.monitoring.services import (
    report_get_or_create,
    report_review,
    report_save,
    report_submit,
)
from cchc.plans.models import Plan

pytestmark = pytest.mark.django_db

TODAY = date(2022, 3, 25)  # "6 tháng" is the period being written
S = ProgressReport.Status

# A read of a list already built: session, the user (with their agency and unread
# notifications for the header, read with them), the plan, the period, the stamps (one
# query for the plan's and the agency's), the cache. Nothing of the agency's assignments
# or reports. Was 8, with the header's agency and count read on their own.
CACHED_READ = 6


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def work(plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]) -> dict[str, Any]:
    assignment = (
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"], role="lead")
        .order_by("pk")
        .first()
    )
    assert assignment is not None
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    officer = Client()
    officer.force_login(personas["officer_a"])
    return {"assignment": assignment, "period": period, "officer": officer, **personas}


def _page(client: Client) -> str:
    response = client.get(reverse("report_worklist"))
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, assignment: Assignment, period: ReportingPeriod) -> str:
    """The assignment's row of the list ('' when it is not listed)."""
    link = reverse("report_detail", args=[assignment.pk, period.pk])
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if f'href="{link}"' in row]
    return rows[0] if rows else ""


def _unmasked(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _read_twice(client: Client) -> str:
    """The list, read once to build it and once from the cache: both say the same."""
    first = _page(client)
    with CaptureQueriesContext(connection) as captured:
        second = _page(client)
    # The same page, but for the form tokens each response masks afresh.
    assert _unmasked(second) == _unmasked(first)
    assert len(captured) == CACHED_READ
    return second


def _draft(work: dict[str, Any], percent: int) -> ProgressReport:
    report = report_get_or_create(assignment=work["assignment"], period=work["period"])
    return report_save(
        report=report,
        actor=work["officer_a"],
        expected_version=report.version,
        status=S.IN_PROGRESS,
        percent=percent,
    )


def test_a_cached_read_reads_no_assignment_and_no_report(work: dict[str, Any]) -> None:
    _page(work["officer"])
    with CaptureQueriesContext(connection) as captured:
        html = _page(work["officer"])
    assert len(captured) == CACHED_READ
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "monitoring_assignment" not in sql
    assert "monitoring_progressreport" not in sql
    assert _row(html, work["assignment"], work["period"])


def test_opening_and_saving_a_draft_shows_on_the_next_read(work: dict[str, Any]) -> None:
    before = _row(_read_twice(work["officer"]), work["assignment"], work["period"])
    assert "s-none" in before

    report_get_or_create(assignment=work["assignment"], period=work["period"])
    opened = _row(_read_twice(work["officer"]), work["assignment"], work["period"])
    assert "s-draft" in opened and ">0%<" in opened

    _draft(work, 40)
    saved = _row(_read_twice(work["officer"]), work["assignment"], work["period"])
    assert "s-draft" in saved and ">40%<" in saved

    # The head's "to send" count on the same page follows the draft too.
    head = Client()
    head.force_login(work["head_a"])
    assert re.search(r'class="count">1<', _page(head))
    _draft(work, 55)
    assert ">55%<" in _row(_read_twice(work["officer"]), work["assignment"], work["period"])


def test_a_draft_saved_through_the_api_shows_on_the_next_read(work: dict[str, Any]) -> None:
    officer = work["officer"]
    _read_twice(officer)
    opened = officer.post(f"/api/assignments/{work['assignment'].pk}/reports/{work['period'].pk}")
    assert opened.status_code == 201
    saved = officer.put(
        f"/api/reports/{opened.json()['id']}",
        {"status": "in_progress", "percent": 35, "version": 1},
        content_type="application/json",
    )
    assert saved.status_code == 200
    assert ">35%<" in _row(_read_twice(officer), work["assignment"], work["period"])


def test_sending_returning_and_approving_show_on_the_next_read(work: dict[str, Any]) -> None:
    report = _draft(work, 60)
    _read_twice(work["officer"])

    report = report_submit(report=report, actor=work["head_a"], expected_version=report.version)
    sent = _read_twice(work["officer"])
    assert "s-submitted" in _row(sent, work["assignment"], work["period"])
    assert "Bị trả lại" not in sent

    report = report_review(
        report=report,
        actor=work["coordinator"],
        approve=False,
        comment="Bổ sung văn bản kết quả.",
        expected_version=report.version,
    )
    returned = _read_twice(work["officer"])
    assert 'id="returned"' in returned
    assert "Bổ sung văn bản kết quả." in returned

    report = _draft(work, 80)
    report = report_submit(report=report, actor=work["head_a"], expected_version=report.version)
    report_review(
        report=report, actor=work["coordinator"], approve=True, expected_version=report.version
    )
    approved = _read_twice(work["officer"])
    assert 'id="returned"' not in approved
    assert "s-approved" in _row(approved, work["assignment"], work["period"])


def test_a_period_changed_shows_on_the_next_read(work: dict[str, Any]) -> None:
    assert "Cần báo cáo kỳ 6 tháng" in _read_twice(work["officer"])
    period = work["period"]
    period.name = "Sáu tháng đầu năm"
    period.save()
    assert "Cần báo cáo kỳ Sáu tháng đầu năm" in _read_twice(work["officer"])


def test_an_assignment_changed_shows_on_the_next_read(work: dict[str, Any]) -> None:
    assert _row(_read_twice(work["officer"]), work["assignment"], work["period"])
    assignment = work["assignment"]
    assignment.closed_on = TODAY
    assignment.save()
    assert not _row(_read_twice(work["officer"]), assignment, work["period"])


def test_another_agencys_draft_leaves_the_list_cached(
    work: dict[str, Any], plan: Plan, agencies: dict[str, Agency]
) -> None:
    _page(work["officer"])
    other = Assignment.objects.filter(activity__plan=plan, agency=agencies["b"]).first()
    assert other is not None
    report = report_get_or_create(assignment=other, period=work["period"])
    report_save(
        report=report,
        actor=work["officer_b"],
        expected_version=report.version,
        status=S.IN_PROGRESS,
        percent=10,
    )
    with CaptureQueriesContext(connection) as captured:
        _page(work["officer"])
    assert len(captured) == CACHED_READ


def test_each_language_and_page_has_its_own_list(work: dict[str, Any]) -> None:
    officer = work["officer"]
    vietnamese = _page(officer)
    officer.cookies["django_language"] = "en"
    english = officer.get(reverse("report_worklist"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert english.content.decode() != vietnamese
    paged = officer.get(reverse("report_worklist"), {"show": "overdue", "page": "2"})
    assert paged.status_code == 200
    # A parameter the key does not name is served without the cache, the same list.
    other = officer.get(reverse("report_worklist"), {"utm": "x"})
    assert other.status_code == 200


def test_a_save_of_the_text_alone_leaves_the_list_cached(work: dict[str, Any]) -> None:
    report = _draft(work, 40)
    _page(work["officer"])
    with CaptureQueriesContext(connection) as saving:
        report_save(
            report=report,
            actor=work["officer_a"],
            expected_version=report.version,
            status=S.IN_PROGRESS,
            percent=40,
            narrative="Đã họp rà soát lần hai.",
        )
    assert not [q for q in saving.captured_queries if "monitoring_workstamp" in q["sql"]]
    with CaptureQueriesContext(connection) as captured:
        html = _page(work["officer"])
    assert len(captured) == CACHED_READ
    assert ">40%<" in _row(html, work["assignment"], work["period"])
