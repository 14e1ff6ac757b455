"""Writers at the same moment, through the API of a live server, on PostgreSQL.

Each request runs in its own thread with its own database connection, as under gunicorn.
The optimistic `version` and the row lock of `cchc.monitoring.services` must make two
people who edit one report at once end with one saved change and one 409, never a
silent overwrite; and a crowd of submitters must leave exactly one report per assignment
and period, sent once.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from cchc.accounts.models import ApiToken, User
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Api:
    """One person's API client: a bearer token against the live server."""

    def __init__(self, base: str, user: User) -> None:
        _token, key = ApiToken.issue(user=user, name="kiểm thử đồng thời")
        self.base = base
        self.headers = {"Authorization": f"Bearer {key}"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(
            method, self.base + path, json=body or {}, headers=self.headers, timeout=60
        )
        assert response.status_code < 500, response.text
        return response


@pytest.fixture
def world(live_server: Any) -> dict[str, Any]:
    agencies = factories.make_structure()
    personas = factories.make_personas(agencies)
    plan = factories.make_plan(40)
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    agency: Agency = agencies["a"]
    assignments = list(Assignment.objects.filter(activity__plan=plan, agency=agency).order_by("pk"))
    return {
        "base": live_server.url,
        "personas": personas,
        "period": period,
        "assignments": assignments,
    }


def test_two_writers_of_one_report_one_wins_the_other_gets_409(world: dict[str, Any]) -> None:
    officer = Api(world["base"], world["personas"]["officer_a"])
    head = Api(world["base"], world["personas"]["head_a"])
    assignment, period = world["assignments"][0], world["period"]
    opened = officer.call("POST", f"/api/assignments/{assignment.pk}/reports/{period.pk}")
    report_id = opened.json()["id"]
    path = f"/api/reports/{report_id}"
    rounds = 12
    for round_ in range(rounds):
        version = officer.call("GET", path).json()["version"]
        start = threading.Barrier(2)

        def write(
            api: Api,
            who: str,
            version: int = version,
            round_: int = round_,
            start: threading.Barrier = start,
        ) -> Any:
            start.wait()
            return api.call(
                "PUT",
                path,
                {
                    "status": "in_progress",
                    "percent": 10 + round_,
                    "narrative": f"Vòng {round_}: {who} ghi",
                    "version": version,
                },
            )

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(write, (officer, head), ("cán bộ", "lãnh đạo")))
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 409], [r.text for r in results]
        winner = next(r for r in results if r.status_code == 200).json()
        loser = next(r for r in results if r.status_code == 409).json()
        assert "đã được người khác cập nhật" in loser["detail"]
        stored = officer.call("GET", path).json()
        # The winner's words are what is stored, under the next version, and nothing else.
        assert stored["narrative"] == winner["narrative"]
        assert stored["version"] == version + 1

        # The one who lost reads again and saves on top: nothing is lost, only ordered.
        retry = officer.call(
            "PUT",
            path,
            {
                "status": "in_progress",
                "percent": 50,
                "narrative": f"Vòng {round_}: sửa lại",
                "version": stored["version"],
            },
        )
        assert retry.status_code == 200, retry.text

    report = ProgressReport.objects.get(pk=report_id)
    assert report.version == 1 + 2 * rounds
    versions = list(
        ReportVersion.objects.filter(report=report)
        .order_by("version")
        .values_list("version", flat=True)
    )
    assert versions == list(range(2, 2 + 2 * rounds)), "every saved change is in the history"


def test_many_parallel_submitters_store_each_report_once(world: dict[str, Any]) -> None:
    """Eight people per assignment open, fill in and send its report at the same time."""
    personas, period = world["personas"], world["period"]
    assignments = world["assignments"][:15]
    people = [Api(world["base"], personas[name]) for name in ("officer_a", "head_a") * 4]

    def attempt(job: tuple[Assignment, Api]) -> tuple[int, list[int]]:
        assignment, api = job
        codes = []
        opened = api.call("POST", f"/api/assignments/{assignment.pk}/reports/{period.pk}")
        codes.append(opened.status_code)
        report = opened.json()
        saved = api.call(
            "PUT",
            f"/api/reports/{report['id']}",
            {
                "status": "in_progress",
                "percent": 30,
                "narrative": "Đang thực hiện",
                "version": report["version"],
            },
        )
        # Someone who opens after the head has sent it finds it sent: the save is refused
        # as invalid (422), not lost and not a crash.
        assert saved.status_code != 422 or "đã gửi" in saved.json()["detail"], saved.text
        codes.append(saved.status_code)
        # A sender told that someone saved in between reads again and sends again, as a
        # person would; without that, a run where every head loses a race leaves a draft.
        for _attempt in range(5):
            current = api.call("GET", f"/api/reports/{report['id']}").json()
            sent = api.call(
                "POST", f"/api/reports/{report['id']}/submit", {"version": current["version"]}
            )
            codes.append(sent.status_code)
            if sent.status_code != 409:
                break
        return assignment.pk, codes

    jobs = [(assignment, api) for assignment in assignments for api in people]
    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(attempt, jobs))

    codes = Counter(code for _pk, steps in outcomes for code in steps)
    assert set(codes) <= {200, 201, 400, 403, 409, 422}, codes
    assert codes[201] == len(assignments), "each report is created by exactly one opener"

    reports = ProgressReport.objects.filter(period=period, assignment__in=assignments)
    assert reports.count() == len(assignments)
    assert set(reports.values_list("state", flat=True)) == {ProgressReport.State.SUBMITTED}
    sent_versions = Counter(
        ReportVersion.objects.filter(
            report__in=reports, action=ReportVersion.Action.SUBMITTED
        ).values_list("report_id", flat=True)
    )
    assert sorted(sent_versions.values()) == [1] * len(assignments), "each report sent once"
