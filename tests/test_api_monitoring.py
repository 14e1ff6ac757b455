"""The monitoring API: the review loop, the optimistic version, who sees what, roll-ups."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from tests.factories import make_plan


def put(client: Client, url: str, data: dict) -> object:
    return client.put(url, data=data, content_type="application/json")


def post(client: Client, url: str, data: dict | None = None) -> object:
    return client.post(url, data=data or {}, content_type="application/json")


@pytest.fixture
def q1(plan):
    return ReportingPeriod.objects.get(plan=plan, code="q1")


@pytest.fixture
def mine(plan, agencies):
    """An assignment of agency A (Sở Tư pháp)."""
    return Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()


@pytest.fixture
def report_a(login, mine, q1):
    """Agency A's draft for Quý I, opened through the API by its officer."""
    response = post(login("officer_a"), f"/api/assignments/{mine.pk}/reports/{q1.pk}")
    assert response.status_code == 201
    return response.json()


DONE = {
    "status": "done",
    "percent": 100,
    "narrative": "Đã ban hành Kế hoạch số 12/KH-STP ngày 14/01/2022.",
    "completed_on": "2022-01-14",
    "documents": [
        {"number": "12/KH-STP", "issued_on": "2022-01-14", "summary": "Kế hoạch CCHC năm 2022"}
    ],
}


def test_an_agency_reports_and_the_coordinator_approves(login, report_a, mine, q1):
    url = f"/api/reports/{report_a['id']}"
    officer = login("officer_a")
    again = post(officer, f"/api/assignments/{mine.pk}/reports/{q1.pk}")
    assert again.status_code == 200
    assert again.json()["id"] == report_a["id"]

    saved = put(officer, url, {**DONE, "version": report_a["version"]})
    assert saved.status_code == 200, saved.json()
    assert saved.json()["state"] == "draft"
    assert saved.json()["documents"][0]["number"] == "12/KH-STP"

    submitted = post(login("head_a"), f"{url}/submit", {"version": saved.json()["version"]})
    assert submitted.status_code == 200
    assert submitted.json()["state_label"] == "Đã gửi"

    reviewed = post(
        login("coordinator"),
        f"{url}/review",
        {"approve": True, "version": submitted.json()["version"]},
    )
    assert reviewed.status_code == 200
    body = login("officer_a").get(url).json()
    assert body["state"] == "approved"
    assert [h["action"] for h in body["history"]] == ["saved", "submitted", "approved"]
    assert body["history"][1]["actor"] == "head_a"


def test_a_returned_report_shows_the_comment_and_the_officer_resubmits(login, report_a):
    url = f"/api/reports/{report_a['id']}"
    saved = put(login("officer_a"), url, {**DONE, "version": report_a["version"]}).json()
    sent = post(login("head_a"), f"{url}/submit", {"version": saved["version"]}).json()
    returned = post(
        login("coordinator"),
        f"{url}/review",
        {"approve": False, "comment": "Bổ sung số văn bản", "version": sent["version"]},
    ).json()
    assert returned["state"] == "returned"
    officer = login("officer_a")
    assert officer.get(url).json()["review_comment"] == "Bổ sung số văn bản"
    again = post(officer, f"{url}/submit", {"version": returned["version"]})
    assert again.status_code == 200
    assert again.json()["state"] == "submitted"


def test_a_stale_update_gets_409_and_overwrites_nothing(login, report_a):
    url = f"/api/reports/{report_a['id']}"
    first = put(login("officer_a"), url, {**DONE, "version": report_a["version"]})
    assert first.status_code == 200

    late = put(
        login("head_a"),
        url,
        {
            "status": "in_progress",
            "percent": 40,
            "narrative": "Đang làm",
            "version": report_a["version"],
        },
    )
    assert late.status_code == 409
    assert "người khác cập nhật" in late.json()["detail"]
    report = ProgressReport.objects.get(pk=report_a["id"])
    assert report.status == "done"
    assert report.narrative == DONE["narrative"]
    assert report.version == first.json()["version"]


def test_a_stale_submit_or_review_gets_409_too(login, report_a):
    url = f"/api/reports/{report_a['id']}"
    saved = put(login("officer_a"), url, {**DONE, "version": report_a["version"]}).json()
    assert (
        post(login("head_a"), f"{url}/submit", {"version": report_a["version"]}).status_code == 409
    )
    sent = post(login("head_a"), f"{url}/submit", {"version": saved["version"]}).json()
    stale = post(
        login("coordinator"), f"{url}/review", {"approve": True, "version": saved["version"]}
    )
    assert stale.status_code == 409
    assert ProgressReport.objects.get(pk=sent["id"]).state == "submitted"


def test_another_agency_gets_404_for_the_report(login, report_a, mine, q1):
    url = f"/api/reports/{report_a['id']}"
    outsider = login("officer_b")
    assert outsider.get(url).status_code == 404
    assert put(outsider, url, {**DONE, "version": report_a["version"]}).status_code == 404
    assert post(outsider, f"{url}/submit", {"version": report_a["version"]}).status_code == 404
    assert post(outsider, f"/api/assignments/{mine.pk}/reports/{q1.pk}").status_code == 404
    assert ProgressReport.objects.get(pk=report_a["id"]).version == report_a["version"]


@pytest.mark.parametrize("persona", ["coordinator", "leader", "appraiser", "admin", "head_a"])
def test_the_agency_and_the_province_can_read_the_report(login, report_a, persona):
    assert login(persona).get(f"/api/reports/{report_a['id']}").status_code == 200


def test_anonymous_requests_are_refused(report_a, plan):
    anonymous = Client()
    assert anonymous.get(f"/api/reports/{report_a['id']}").status_code == 401
    assert anonymous.get(f"/api/plans/{plan.pk}/assignments").status_code == 401
    assert (
        post(anonymous, f"/api/reports/{report_a['id']}/submit", {"version": 1}).status_code == 401
    )


def test_an_officer_cannot_review(login, report_a):
    url = f"/api/reports/{report_a['id']}"
    saved = put(login("officer_a"), url, {**DONE, "version": report_a["version"]}).json()
    sent = post(login("head_a"), f"{url}/submit", {"version": saved["version"]}).json()
    response = post(
        login("officer_a"), f"{url}/review", {"approve": True, "version": sent["version"]}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Bạn không có quyền thực hiện thao tác này."


@pytest.mark.parametrize("persona", ["coordinator", "leader", "appraiser", "admin"])
def test_the_province_cannot_write_the_agencys_report(login, report_a, persona):
    url = f"/api/reports/{report_a['id']}"
    assert put(login(persona), url, {**DONE, "version": report_a["version"]}).status_code == 403


def test_the_head_submits_but_the_officer_cannot_submit_a_draft(login, report_a):
    url = f"/api/reports/{report_a['id']}"
    saved = put(login("officer_a"), url, {**DONE, "version": report_a["version"]}).json()
    refused = post(login("officer_a"), f"{url}/submit", {"version": saved["version"]})
    assert refused.status_code == 403
    assert "lãnh đạo cơ quan" in refused.json()["detail"]
    assert post(login("head_a"), f"{url}/submit", {"version": saved["version"]}).status_code == 200
    twice = post(login("head_a"), f"{url}/submit", {"version": saved["version"] + 1})
    assert twice.status_code in {400, 403}


def test_a_percent_over_100_is_refused_in_vietnamese(login, report_a):
    response = put(
        login("officer_a"),
        f"/api/reports/{report_a['id']}",
        {"status": "in_progress", "percent": 150, "version": report_a["version"]},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Tỷ lệ hoàn thành phải từ 0 đến 100."
    assert ProgressReport.objects.get(pk=report_a["id"]).version == report_a["version"]


def test_not_done_needs_a_reason(login, report_a):
    url = f"/api/reports/{report_a['id']}"
    response = put(login("officer_a"), url, {"status": "not_done", "version": report_a["version"]})
    assert response.status_code == 422
    assert response.json()["detail"] == "Hãy ghi rõ lý do không thực hiện."
    with_reason = put(
        login("officer_a"),
        url,
        {
            "status": "not_done",
            "reason": "Trung ương chưa hướng dẫn",
            "version": report_a["version"],
        },
    )
    assert with_reason.status_code == 200
    assert with_reason.json()["status_label"] == "Không thực hiện"


def test_an_unknown_status_or_an_empty_document_number_is_refused(login, report_a):
    url = f"/api/reports/{report_a['id']}"
    officer = login("officer_a")
    assert put(officer, url, {"status": "xong", "version": report_a["version"]}).status_code == 422
    empty = {**DONE, "documents": [{"number": "", "issued_on": "2022-01-14", "summary": "x"}]}
    response = put(officer, url, {**empty, "version": report_a["version"]})
    assert response.status_code == 422
    assert ProgressReport.objects.get(pk=report_a["id"]).status == "not_started"


def test_returning_without_a_comment_is_refused(login, report_a):
    url = f"/api/reports/{report_a['id']}"
    saved = put(login("officer_a"), url, {**DONE, "version": report_a["version"]}).json()
    sent = post(login("head_a"), f"{url}/submit", {"version": saved["version"]}).json()
    response = post(
        login("coordinator"), f"{url}/review", {"approve": False, "version": sent["version"]}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Hãy ghi ý kiến khi trả lại báo cáo."


def test_a_report_cannot_be_opened_for_a_period_of_another_plan(login, mine, agencies):
    other = make_plan(3, number="2/KH-UBND")
    period = ReportingPeriod.objects.get(plan=other, code="q1")
    response = post(login("officer_a"), f"/api/assignments/{mine.pk}/reports/{period.pk}")
    assert response.status_code == 404


def test_it_lists_the_plans_periods(login, plan):
    periods = login("officer_b").get(f"/api/plans/{plan.pk}/periods").json()
    assert [p["name"] for p in periods] == ["Quý I", "6 tháng", "9 tháng", "Năm"]


def test_an_officer_lists_only_their_agencys_assignments(login, plan, agencies, report_a, q1):
    officer = login("officer_a")
    items = officer.get(f"/api/plans/{plan.pk}/assignments?period={q1.pk}").json()
    assert items and {i["agency_id"] for i in items} == {agencies["a"].pk}
    opened = [i for i in items if i["report"]]
    assert [i["report"]["id"] for i in opened] == [report_a["id"]]
    assert all(i["timeliness_label"] for i in items)
    other = officer.get(f"/api/plans/{plan.pk}/assignments?agency={agencies['b'].pk}")
    assert other.status_code == 403


def test_the_coordinator_lists_every_agency_and_filters(login, plan, agencies):
    client = login("coordinator")
    every = client.get(f"/api/plans/{plan.pk}/assignments").json()
    assert len(every) == Assignment.objects.filter(activity__plan=plan).count()
    only_b = client.get(f"/api/plans/{plan.pk}/assignments?agency={agencies['b'].pk}").json()
    assert only_b and {i["agency_name"] for i in only_b} == {"Sở Xây dựng"}


def test_overdue_items_say_so(login, plan, q1):
    items = login("coordinator").get(f"/api/plans/{plan.pk}/assignments?period={q1.pk}").json()
    # The synthetic plan is for 2022, so anything due and not reported is long overdue.
    overdue = [i for i in items if i["due_dates"] and i["counted"]["report_id"] is None]
    assert overdue and {i["timeliness_label"] for i in overdue} == {"Quá hạn"}


def test_progress_rolls_up_with_the_method_named(login, plan, report_a, agencies):
    url = f"/api/reports/{report_a['id']}"
    saved = put(login("officer_a"), url, {**DONE, "version": report_a["version"]}).json()
    post(login("head_a"), f"{url}/submit", {"version": saved["version"]})

    body = login("leader").get(f"/api/plans/{plan.pk}/progress?method=status").json()
    assert body["method"] == "status"
    assert "hoàn thành" in body["method_label"]
    assert body["plan"]["done"] >= 1
    assert [a["code"] for a in body["areas"]] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    names = {a["name"]: a["figure"] for a in body["agencies"]}
    assert names["Sở Tư pháp"]["done"] == 1


def test_an_officer_sees_only_their_agency_among_the_roll_ups(login, plan, agencies):
    body = login("officer_b").get(f"/api/plans/{plan.pk}/progress").json()
    assert [a["id"] for a in body["agencies"]] == [agencies["b"].pk]
    assert len(body["areas"]) == 7


def test_an_unknown_method_is_refused(login, plan):
    response = login("leader").get(f"/api/plans/{plan.pk}/progress?method=median")
    assert response.status_code == 422
    assert "Cách tính" in response.json()["detail"]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context)


def _send_some(plan, personas) -> None:
    from cchc.monitoring.services import report_get_or_create, report_save, report_submit

    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    head = personas["head_a"]
    for assignment in Assignment.objects.filter(activity__plan=plan, agency=head.agency)[:3]:
        report = report_get_or_create(assignment=assignment, period=period)
        report = report_save(
            report=report,
            actor=head,
            expected_version=report.version,
            status="in_progress",
            percent=50,
        )
        report_submit(report=report, actor=head, expected_version=report.version)


@pytest.mark.parametrize("persona", ["coordinator", "officer_a"])
def test_assignments_and_progress_cost_the_same_queries_for_20_or_200_tasks(
    login, personas, agencies, persona
):
    small, large = make_plan(20, number="20/KH-UBND"), make_plan(200, number="200/KH-UBND")
    client = login(persona)
    counts = {}
    for plan in (small, large):
        _send_some(plan, personas)
        period = ReportingPeriod.objects.get(plan=plan, code="q1")
        counts[plan.pk] = (
            _queries(client, f"/api/plans/{plan.pk}/assignments?period={period.pk}"),
            _queries(client, f"/api/plans/{plan.pk}/assignments"),
            _queries(client, f"/api/plans/{plan.pk}/progress?period={period.pk}"),
        )
    assert counts[small.pk] == counts[large.pk]
    assert max(counts[small.pk]) <= 12
