"""Where each persona lands, and what the landing pages put first (issue 9, items 1 and 8).

- `/` and the login send each role where its work is; a safe ?next= wins, a foreign one
  is refused;
- the officer's and the head's worklist opens with a one-line count and this period's
  work (due soon, returned, to report) before the overdue backlog, which is folded;
- the coordinator's review queue carries the province's headline numbers, and each row
  says whose report of which period it is;
- the plan page opens folded, one line per area, and opens what a filter finds;
- the head's batch send ticks only the reports ready to send.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency
from cchc.dashboards.queries import province_dashboard, select_plan
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.monitoring.services import (
    report_get_or_create,
    report_review,
    report_save,
    report_submit,
)
from cchc.plans.models import DueDate, Plan
from tests import factories
from tests.test_readmodel import _count

pytestmark = pytest.mark.django_db

TODAY = date(2022, 3, 25)  # "6 tháng" is the period being written
S = ProgressReport.Status
STATE = ProgressReport.State


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def log_in_through_the_form(client: Client, username: str, next_url: str = "") -> str:
    """The address the browser ends on after the login form is sent."""
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    data = {"username": username, "password": factories.PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert response.context["user"].username == username
    return str(response.redirect_chain[-1][0])


def lead_assignments(plan: Plan, agency: Agency) -> list[Assignment]:
    return list(
        Assignment.objects.filter(activity__plan=plan, agency=agency, role="lead")
        .select_related("activity")
        .order_by("pk")
    )


def due(assignment: Assignment, *days: date) -> None:
    DueDate.objects.filter(activity=assignment.activity).delete()
    for day in days:
        DueDate.objects.create(activity=assignment.activity, due_on=day)


def period(plan: Plan, code: str = "6-thang") -> ReportingPeriod:
    return ReportingPeriod.objects.get(plan=plan, code=code)


def saved(assignment: Assignment, period_: ReportingPeriod, user: User, **fields: Any):  # type: ignore[no-untyped-def]
    report = report_get_or_create(assignment=assignment, period=period_)
    values: dict[str, Any] = {"status": S.IN_PROGRESS, "percent": 40, "narrative": "Đang làm"}
    values.update(fields)
    return report_save(report=report, actor=user, expected_version=report.version, **values)


def returned(
    assignment: Assignment, period_: ReportingPeriod, personas: dict[str, User]
) -> ProgressReport:
    report = saved(assignment, period_, personas["officer_a"])
    report = report_submit(report=report, actor=personas["head_a"], expected_version=report.version)
    return report_review(
        report=report,
        actor=personas["coordinator"],
        approve=False,
        comment="Bổ sung số liệu.",
        expected_version=report.version,
    )


# ---------------------------------------------------------------------------- landing


LANDING = {
    "officer_a": "/bao-cao/",
    "head_a": "/bao-cao/",
    "coordinator": "/bao-cao/cho-duyet/",
    "leader": "/dashboard/",
    "appraiser": "/dashboard/",
}


@pytest.mark.parametrize("persona", [*LANDING, "admin"])
def test_each_persona_lands_where_its_work_is_after_login_and_at_home(
    client: Client, personas: dict[str, User], plan: Plan, persona: str
) -> None:
    wanted = LANDING.get(persona, f"/plans/{plan.pk}/")
    assert log_in_through_the_form(client, persona) == wanted
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == wanted
    assert response.status_code == 200


def test_the_landing_pages_say_what_each_persona_expects(
    login: Any, personas: dict[str, User], plan: Plan
) -> None:
    officer = text(login("officer_a").get("/", follow=True))
    assert "Việc cần báo cáo · Sở Tư pháp" in officer and "sắp đến hạn" in officer
    coordinator = text(login("coordinator").get("/", follow=True))
    assert "Báo cáo chờ duyệt" in coordinator and "tiến độ chung" in coordinator
    leader = text(login("leader").get("/", follow=True))
    assert "Tiến độ thực hiện kế hoạch cải cách hành chính" in leader


def test_a_safe_next_wins_over_the_landing_page(
    client: Client, personas: dict[str, User], plan: Plan
) -> None:
    assert log_in_through_the_form(client, "officer_a", "/agencies/") == "/agencies/"


@pytest.mark.parametrize(
    "foreign",
    ["https://evil.example/", "//evil.example/bao-cao/", "https:evil.example", "/\\evil.example"],
)
def test_a_next_to_another_site_is_refused_and_the_user_lands_at_home(
    client: Client, personas: dict[str, User], plan: Plan, foreign: str
) -> None:
    assert log_in_through_the_form(client, "coordinator", foreign) == "/bao-cao/cho-duyet/"


def test_without_a_plan_every_role_lands_on_the_plan_list(login: Any, personas) -> None:
    for persona in [*LANDING, "admin"]:
        response = login(persona).get("/")
        assert response["Location"] == reverse("plan_list"), persona


def test_users_without_an_agency_land_where_their_role_works(
    client: Client, agencies: dict[str, Agency], plan: Plan
) -> None:
    # Only officers and heads must have an agency (a database constraint); a
    # coordinator or a leader may have none and still lands on working pages.
    for username, role, wanted in [
        ("tt-no-agency", Role.COORDINATOR, "/bao-cao/cho-duyet/"),
        ("ld-no-agency", Role.LEADER, "/dashboard/"),
    ]:
        factories.make_user(username, role)
        assert log_in_through_the_form(client, username) == wanted
        assert client.get(wanted).status_code == 200
        client.logout()


def test_an_officer_of_an_agency_with_nothing_assigned_is_told_so(
    client: Client, agencies: dict[str, Agency], plan: Plan
) -> None:
    lone = Agency.objects.create(
        name="Sở Y tế", kind=Agency.Kind.DEPARTMENT, parent=agencies["province"]
    )
    factories.make_user("yte", Role.OFFICER, lone)
    assert log_in_through_the_form(client, "yte") == "/bao-cao/"
    page = text(client.get("/bao-cao/"))
    assert "Kế hoạch này không giao hoạt động nào cho cơ quan của bạn." in page


# ---------------------------------------------------------------------------- worklist


@pytest.fixture
def officer_work(plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]) -> dict:
    """Agency A's lead items: one due soon, one returned this period, one to report
    later, the rest overdue."""
    items = lead_assignments(plan, agencies["a"])
    soon, back, later, *rest = items
    due(soon, date(2022, 3, 30))
    due(back, date(2022, 3, 28))  # due soon as well, but listed once: as returned
    due(later, date(2022, 11, 30))
    for item in rest:
        due(item, date(2022, 2, 1))
    returned(back, period(plan), personas)
    return {"soon": soon, "back": back, "later": later, "late": rest}


def detail(assignment: Assignment, period_: ReportingPeriod) -> str:
    return reverse("report_detail", args=[assignment.pk, period_.pk])


def test_the_worklist_counts_each_kind_of_work_on_one_line(
    login: Any, plan: Plan, officer_work: dict
) -> None:
    late = len(officer_work["late"])
    assert late >= 2
    response = login("officer_a").get("/", follow=True)
    html = response.content.decode()
    line = re.search(r'<p class="work-counts".*?</p>', html, re.S)
    assert line is not None
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", line.group(0))).strip()
    # The brief's example: "3 sắp đến hạn · 1 bị trả lại · 34 quá hạn".
    assert words == (f"1 sắp đến hạn · 1 bị trả lại · 1 cần báo cáo kỳ 6 tháng · {late} quá hạn")


def test_this_periods_work_comes_first_and_the_overdue_backlog_last_and_folded(
    login: Any, plan: Plan, officer_work: dict
) -> None:
    six = period(plan)
    html = login("officer_a").get(reverse("report_worklist")).content.decode()
    soon = html.index(detail(officer_work["soon"], six))
    back = html.index(detail(officer_work["back"], six))
    later = html.index(detail(officer_work["later"], six))
    late = html.index(detail(officer_work["late"][0], six))
    assert soon < back < later < late
    assert html.index('id="due-soon"') < html.index('id="returned"')
    assert html.index('id="returned"') < html.index('id="this-period"') < html.index('id="overdue"')
    # The returned report is listed once, with the comment, not again as due soon.
    assert html.count(detail(officer_work["back"], six)) == 1
    assert "Bổ sung số liệu." in html
    # The overdue rows are there but folded; the count's link opens them.
    overdue = re.search(r'<details class="work-group overdue-group" id="overdue"( open)?>', html)
    assert overdue is not None and overdue.group(1) is None
    assert 'href="?show=overdue#overdue"' in html
    opened = login("officer_a").get(reverse("report_worklist"), {"show": "overdue"})
    assert '<details class="work-group overdue-group" id="overdue" open>' in opened.content.decode()


def test_the_overdue_backlog_is_open_when_there_is_nothing_else_to_do(
    login: Any, plan: Plan, agencies: dict[str, Agency]
) -> None:
    for item in lead_assignments(plan, agencies["a"]):
        due(item, date(2022, 2, 1))
    mine = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"])
    mine.filter(role="cooperating").delete()  # nothing to report but the backlog
    html = login("officer_a").get(reverse("report_worklist")).content.decode()
    assert '<details class="work-group overdue-group" id="overdue" open>' in html
    assert "0 sắp đến hạn" in text_of(html) and "0 bị trả lại" in text_of(html)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_worklist_row_links_straight_to_this_periods_report_form(
    login: Any, plan: Plan, officer_work: dict
) -> None:
    six = period(plan)
    client = login("officer_a")
    html = client.get("/", follow=True).content.decode()
    link = detail(officer_work["soon"], six)
    assert f'href="{link}"' in html
    form = client.get(link).content.decode()
    # The form is on the page as it opens: no toggle to show it first.
    assert 'class="panel report-form"' in form
    assert 'name="status"' in form and 'name="percent"' in form
    assert 'name="narrative"' in form and 'name="attachments"' in form
    assert "<details" not in form.split('class="panel report-form"')[1].split("</form>")[0]


def test_the_head_lands_on_the_same_worklist_with_the_drafts_to_send(
    login: Any, plan: Plan, officer_work: dict, personas: dict[str, User]
) -> None:
    saved(officer_work["later"], period(plan), personas["officer_a"])
    page = text(login("head_a").get("/", follow=True))
    assert "Việc cần báo cáo · Sở Tư pháp" in page
    assert "Báo cáo chờ gửi 2" in page  # the new draft and the returned report


# Pinned: `/` (session, user, plan chosen) and the landing page it sends to cost the
# same for a plan of 4 tasks and one of 60: its first read, then a second one. The
# coordinator's queue carries the plan's headline figures, computed on the first read
# after a change and read from the cache after (cchc.monitoring.figures).
LANDING_QUERIES = {
    # The worklist: built on a first read and stored in the database cache, then read
    # back with the stamps (cchc.monitoring.worklist), as in test_readmodel's LIST_QUERIES.
    # The header's agency and unread count come with the session's user (the login
    # backend): 2 queries fewer on each landing page (were 20 and 8, 25 and 11).
    "officer_a": (3, 18, 6),
    "head_a": (3, 18, 6),
    # The queue: its headline figures are computed and cached on a first read, then read
    # back (the stamp and the headline), as in test_readmodel's LIST_QUERIES.
    "coordinator": (3, 23, 9),
}


@pytest.mark.parametrize("who", list(LANDING_QUERIES))
def test_the_landing_costs_a_pinned_number_of_queries_whatever_the_plan_size(
    login: Any, agencies: dict[str, Agency], who: str
) -> None:
    client = login(who)
    counts = []
    for tasks, year in ((4, 2022), (60, 2023)):
        factories.make_plan(tasks, number=f"{tasks}/KH", year=year)
        home, _sql = _count_redirect(client, "/")
        landing, _sql = _count(client, LANDING[who])
        again, _sql = _count(client, LANDING[who])
        counts.append((home, landing, again))
    assert counts == [LANDING_QUERIES[who]] * 2


def _count_redirect(client: Client, url: str) -> tuple[int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 302, url
    return len(captured), [q["sql"] for q in captured.captured_queries]


# ---------------------------------------------------------------------------- queue


def test_the_queue_shows_the_provinces_headline_numbers_as_the_dashboard_does(
    login: Any, rf: Any, plan: Plan, officer_work: dict, personas: dict[str, User]
) -> None:
    client = login("coordinator")
    html = client.get("/", follow=True).content.decode()
    strip = re.search(r'<section class="panel province-strip".*?</section>', html, re.S)
    assert strip is not None
    words = text_of(strip.group(0))
    request = rf.get("/dashboard/")
    request.user = personas["coordinator"]
    selection = select_plan(request, today=TODAY)
    dashboard = province_dashboard(selection, today=TODAY, agency_url=str)
    assert f"{dashboard.progress.plan.display} tiến độ chung" in words
    for item in dashboard.timeliness:
        assert f"{item.count} {item.label.lower()}" in words
    assert "kỳ 6 tháng" in words and "tính đến ngày 25/03/2022" in words
    assert 'href="/dashboard/"' in strip.group(0)


def test_queue_rows_say_whose_report_of_which_period_it_is(
    login: Any, plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    item = lead_assignments(plan, agencies["a"])[0]
    for code in ("q1", "6-thang"):
        report = saved(item, period(plan, code), personas["officer_a"])
        report_submit(report=report, actor=personas["head_a"], expected_version=report.version)
    html = login("coordinator").get(reverse("report_queue")).content.decode()
    titles = [
        text_of(m).strip() for m in re.findall(r'<span class="row-who">(.*?)</span>', html, re.S)
    ]
    assert titles == ["Sở Tư pháp · kỳ Quý I", "Sở Tư pháp · kỳ 6 tháng"]
    # The agency and the period are part of the link's own text, so that each link (and
    # the buttons described by it) reads differently.
    links = re.findall(r'<a id="q-(\d+)" href="[^"]*">(.*?)</a>', html, re.S)
    assert len(links) == 2 and len({text_of(body) for _pk, body in links}) == 2
    for pk, _body in links:
        assert f'aria-describedby="q-{pk}"' in html


# ---------------------------------------------------------------------------- batch send


def test_the_batch_send_ticks_only_reports_ready_to_send(
    login: Any, plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    draft_item, fresh_back, fixed_back = lead_assignments(plan, agencies["a"])[:3]
    draft = saved(draft_item, period(plan), personas["officer_a"])
    untouched = returned(fresh_back, period(plan), personas)
    fixed = returned(fixed_back, period(plan), personas)
    fixed = saved(fixed_back, period(plan), personas["officer_a"], narrative="Đã bổ sung số liệu.")
    html = login("head_a").get(reverse("report_drafts")).content.decode()

    def box(report: ProgressReport) -> str:
        pattern = rf'<input type="checkbox" name="report" value="{report.pk}:\d+"[^>]*>'
        found = re.search(pattern, html)
        assert found is not None, report
        return found.group(0)

    assert " checked" in box(draft)
    assert " checked" in box(fixed)
    assert " checked" not in box(untouched)
    assert "Chưa sửa sau khi bị trả lại" in text_of(html)
    # Sending the page as it opened sends the ready ones and leaves the other.
    ticked = re.findall(r'name="report" value="([^"]+)"[^>]* checked', html)
    client = login("head_a")
    client.post(reverse("report_drafts_submit"), {"report": ticked})
    states = {r.pk: r.state for r in ProgressReport.objects.all()}
    assert states[draft.pk] == STATE.SUBMITTED and states[fixed.pk] == STATE.SUBMITTED
    assert states[untouched.pk] == STATE.RETURNED


# ---------------------------------------------------------------------------- plan page


def areas_of(html: str) -> list[tuple[str, bool]]:
    return [
        (code, bool(opened))
        for code, opened in re.findall(r'<details class="area" id="area-(\w+)"( open)?[^>]*>', html)
    ]


def test_the_plan_page_opens_folded_one_line_per_area(login: Any, plan: Plan) -> None:
    client = login("admin")
    html = client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    areas = areas_of(html)
    assert [code for code, _open in areas] == list(
        plan.areas.order_by("position").values_list("code", flat=True)
    )
    assert not any(opened for _code, opened in areas)
    # Each closed area says how much it holds.
    first = plan.areas.order_by("position").first()
    assert first is not None
    tasks = first.tasks.count()
    activities = sum(t.activities.count() for t in first.tasks.all())
    assert f"{tasks} nhiệm vụ · {activities} hoạt động" in text_of(html)
    assert "Mở tất cả lĩnh vực" in html
    everything = client.get(reverse("plan_detail", args=[plan.pk]), {"open": "all"})
    assert all(opened for _code, opened in areas_of(everything.content.decode()))


@pytest.mark.parametrize("query", [{"q": "rà soát"}, {"month": "3"}, {"area": "first"}])
def test_a_filter_opens_the_areas_it_found(login: Any, plan: Plan, query: dict) -> None:
    if query.get("area") == "first":
        query = {"area": str(plan.areas.order_by("position").first().pk)}  # type: ignore[union-attr]
    client = login("officer_a")
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = client.get(reverse("plan_detail", args=[plan.pk]), query, **headers)
        areas = areas_of(html.content.decode())
        assert areas and all(opened for _code, opened in areas), (query, headers)
