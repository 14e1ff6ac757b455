"""One read model per concept: plan counts, the latest sent report, the roll-up and the
plan being looked at are computed once (`cchc.plans.readmodel`,
`cchc.monitoring.readmodel`, `cchc.monitoring.progress`) and pages, API, dashboards and
reminders agree, at a cost that does not grow with the plan."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.monitoring.progress import plan_progress
from cchc.monitoring.readmodel import latest_sent_reports
from cchc.monitoring.services import report_get_or_create, report_review, report_save, report_submit
from cchc.plans.models import Activity, Plan
from cchc.plans.readmodel import plan_viewed, plans_with_counts
from cchc.reminders.services import reminders_open_items
from tests import factories

Status = ProgressReport.Status
State = ProgressReport.State

# The API: session, user, the plans with their counts. The plan list page: the same
# three, plus the header's two (unread notifications, the user's agency).
# The page's header (the user's agency and unread count) comes with the session's user:
# the page costs what the API costs (was 5).
PLAN_LIST_QUERIES = 3
API_PLANS_QUERIES = 3
API_PLAN_QUERIES = 3


def _count(client: Client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), [q["sql"] for q in captured.captured_queries]


def _plan_query(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if '"plans_plan"' in sql and "COUNT" in sql.upper()]


def test_api_plans_costs_what_the_plan_list_page_costs_whatever_the_plan_size(
    login, agencies: dict[str, Agency]
) -> None:
    client = login("coordinator")
    small = factories.make_plan(5, number="5/KH", year=2022)
    sizes = []
    for step in range(2):
        page, page_sql = _count(client, "/plans/")
        api, api_sql = _count(client, "/api/plans")
        one, _one_sql = _count(client, f"/api/plans/{small.pk}")
        sizes.append((page, api, one))
        # Both read the plans through the same single query of `plans_with_counts`; the
        # page's header (the user's agency and unread count) comes with the session's
        # user (the login backend), so the page costs what the API costs: were 2 more.
        assert _plan_query(page_sql) == _plan_query(api_sql)
        user = [sql for sql in page_sql if '"accounts_user"' in sql]
        assert len(user) == 1
        assert "reminders_notification" in user[0] and "agencies_agency" in user[0]
        assert len(page_sql) == len(api_sql)
        assert len(_plan_query(api_sql)) == 1
        if step == 0:
            factories.make_plan(300, number="300/KH", year=2023)
    large = Plan.objects.get(number="300/KH")
    assert Activity.objects.filter(plan=large).count() >= 400
    assert sizes[0] == sizes[1] == (PLAN_LIST_QUERIES, API_PLANS_QUERIES, API_PLAN_QUERIES)
    # And they say the same numbers.
    listed = {p["id"]: p for p in client.get("/api/plans").json()}
    for plan in plans_with_counts():
        assert listed[plan.pk]["tasks"] == plan.task_count == plan.tasks.count()
        assert listed[plan.pk]["activities"] == plan.activity_count == plan.activities.count()
        assert listed[plan.pk]["areas"] == plan.area_count == plan.areas.count()
    page = client.get("/plans/").content.decode()
    assert f">{large.activities.count()}<" in page


def test_a_plan_without_areas_counts_zero_without_asking_again(login, agencies) -> None:
    Plan.objects.create(issuer="UBND tỉnh", number="0/KH", year=2030, title="Trống")
    client = login("officer_a")
    count, _sql = _count(client, "/api/plans")
    assert count == API_PLANS_QUERIES
    (empty,) = [p for p in client.get("/api/plans").json() if p["number"] == "0/KH"]
    assert (empty["areas"], empty["tasks"], empty["activities"]) == (0, 0, 0)


# ---------------------------------------------------------------------------
# The latest sent report


def _report(
    assignment: Assignment, period: ReportingPeriod, user: User, **fields: object
) -> ProgressReport:
    report = report_get_or_create(assignment=assignment, period=period)
    values: dict[str, object] = {"status": Status.IN_PROGRESS, "percent": 0}
    values.update(fields)
    return report_save(
        report=report,
        actor=user,
        expected_version=report.version,
        **values,  # type: ignore[arg-type]
    )


def test_the_latest_sent_report_is_the_same_for_roll_ups_api_and_reminders(
    login, personas, agencies
) -> None:
    plan = factories.make_plan(3, number="3/KH", year=2022)
    plan.status = Plan.Status.ISSUED
    plan.save()
    officer, head = personas["officer_a"], personas["head_a"]
    assignment = (
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"])
        .select_related("activity")
        .first()
    )
    assert assignment is not None
    first, second = list(plan.periods.order_by("position"))[:2]
    # Period 1: sent as done. Period 2: a draft saying 10%, then sent and returned.
    done = _report(
        assignment,
        first,
        officer,
        status=Status.DONE,
        percent=100,
        completed_on=date(2022, 3, 1),
        narrative="Đã xong",
    )
    report_submit(report=done, actor=head, expected_version=done.version)
    later = _report(assignment, second, officer, percent=10, narrative="Mới bắt đầu")
    latest = latest_sent_reports(ProgressReport.objects.filter(assignment=assignment))
    assert latest[assignment.pk]["pk"] == done.pk
    later = report_submit(report=later, actor=head, expected_version=later.version)
    latest = latest_sent_reports(ProgressReport.objects.filter(assignment=assignment))
    assert latest[assignment.pk]["pk"] == later.pk
    report_review(
        report=later,
        actor=personas["coordinator"],
        approve=False,
        comment="Thiếu minh chứng",
        expected_version=later.version,
    )
    # Returned: the done report of period 1 stands again, everywhere.
    latest = latest_sent_reports(ProgressReport.objects.filter(assignment=assignment))
    assert latest[assignment.pk]["pk"] == done.pk
    progress = plan_progress(plan, period=None, today=date(2022, 12, 31))
    (item,) = [i for i in progress.items if i.assignment_id == assignment.pk]
    assert (item.report_id, item.status) == (done.pk, Status.DONE)
    client = login("coordinator")
    rows = client.get(f"/api/plans/{plan.pk}/assignments?period={second.pk}").json()
    (row,) = [r for r in rows if r["id"] == assignment.pk]
    assert row["counted"]["report_id"] == done.pk
    assert row["report"]["state"] == State.RETURNED
    # The reminders do not chase what the agency reported done.
    open_items = reminders_open_items(today=date(2022, 12, 31))
    assert assignment.pk not in {i.assignment_id for i in open_items}
    assert open_items  # the other assignments are still chased


# ---------------------------------------------------------------------------
# The plan being looked at


@pytest.fixture
def years(agencies: dict[str, Agency]) -> tuple[Plan, Plan]:
    return (
        factories.make_plan(4, number="22/KH", year=2022),
        factories.make_plan(4, number="23/KH", year=2023),
    )


def _shown(client: Client, url: str) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return response.content.decode()


def _selected(page: str, plan: Plan) -> bool:
    return f'<option value="{plan.pk}" selected>' in page


def test_a_chosen_plan_is_remembered_across_logins_and_pages_per_user(
    client: Client, personas, years
) -> None:
    old, new = years
    coordinator, leader = personas["coordinator"], personas["leader"]
    client.force_login(coordinator)
    # Nothing chosen yet: the newest plan, and the chooser offers both.
    page = _shown(client, "/bao-cao/cho-duyet/")
    assert "Kế hoạch đang xem" in page and _selected(page, new)
    page = _shown(client, f"/bao-cao/cho-duyet/?plan={old.pk}")
    assert _selected(page, old) and old.title in page
    coordinator.refresh_from_db()
    assert coordinator.viewing_plan == old

    client.logout()
    client.force_login(User.objects.get(pk=coordinator.pk))
    for url in ("/bao-cao/cho-duyet/", "/bao-cao/", "/dashboard/"):
        assert _selected(_shown(client, url), old), url
    agency = personas["officer_a"].agency
    assert _selected(_shown(client, f"/dashboard/agency/{agency.pk}/"), old)
    # The coordinator's landing page (the review queue) is of the remembered plan too.
    assert client.get("/").url == "/bao-cao/cho-duyet/"
    assert _selected(_shown(client, "/"), old)

    # Another user keeps their own choice.
    other = Client()
    other.force_login(leader)
    assert _selected(_shown(other, "/dashboard/"), new)
    assert _selected(_shown(other, f"/dashboard/?plan={new.pk}"), new)
    assert _selected(_shown(client, "/dashboard/"), old)
    # The year works as well as the id, and the URL wins over the remembered choice.
    assert _selected(_shown(client, "/bao-cao/?year=2023"), new)
    page = _shown(client, "/bao-cao/cho-duyet/")
    assert new.title in page and old.title not in page


def test_an_officers_worklist_follows_their_choice(login, personas, years) -> None:
    old, new = years
    client = login("officer_a")
    page = _shown(client, f"/bao-cao/?plan={old.pk}")
    assert _selected(page, old) and old.title in page and new.title not in page
    client.logout()
    client = login("officer_a")
    page = _shown(client, "/bao-cao/")
    assert _selected(page, old)
    assert _selected(_shown(login("officer_b"), "/bao-cao/"), new)


@pytest.mark.parametrize("wanted", ["999999", "abc", "-1"])
def test_an_unknown_plan_is_said_and_falls_back_without_forgetting(
    login, personas, years, wanted
) -> None:
    old, _new = years
    client = login("coordinator")
    _shown(client, f"/bao-cao/cho-duyet/?plan={old.pk}")
    for url in ("/bao-cao/cho-duyet/", "/bao-cao/", "/dashboard/"):
        page = _shown(client, f"{url}?plan={wanted}")
        assert f"Không có kế hoạch «{wanted}», hoặc bạn không được xem kế hoạch này." in page
        assert "Đang hiển thị kế hoạch 2022 – 22/KH." in page
        assert _selected(page, old)
    page = _shown(client, "/bao-cao/?year=1999")
    assert "Không có kế hoạch nào của năm «1999» mà bạn được xem." in page
    personas["coordinator"].refresh_from_db()
    assert personas["coordinator"].viewing_plan == old


def test_the_public_may_not_look_at_a_draft_plan(client: Client, years) -> None:
    old, new = years
    Plan.objects.filter(pk=old.pk).update(status=Plan.Status.ISSUED)
    Plan.objects.filter(pk=new.pk).update(status=Plan.Status.DRAFT)
    choice = plan_viewed(client.get("/").wsgi_request.user, {"plan": str(new.pk)}, public=True)
    assert choice.plan == old and "không được xem" in choice.problem
    assert client.get(f"/cong-khai/?plan={new.pk}").status_code == 404
    assert client.get("/cong-khai/").status_code == 200


def test_choosing_a_plan_costs_one_update_and_looking_again_none(login, years) -> None:
    old, _new = years
    # Its figures read once already (by someone else): the first read after a change
    # computes and caches them (pinned in tests/test_dashboards.py).
    assert login("coordinator").get(f"/dashboard/?plan={old.pk}").status_code == 200
    client = login("leader")
    choosing, sqls = _count(client, f"/dashboard/?plan={old.pk}")
    assert sum(sql.startswith("UPDATE") for sql in sqls) == 1
    again, sqls = _count(client, f"/dashboard/?plan={old.pk}")
    assert not any(sql.startswith("UPDATE") for sql in sqls)
    assert choosing == again + 1
    remembered, _sqls = _count(client, "/dashboard/")
    assert remembered == again


def test_a_deleted_plan_is_forgotten(login, personas, years) -> None:
    old, new = years
    client = login("coordinator")
    _shown(client, f"/bao-cao/cho-duyet/?plan={old.pk}")
    old.delete()
    personas["coordinator"].refresh_from_db()
    assert personas["coordinator"].viewing_plan is None
    page = _shown(client, "/bao-cao/cho-duyet/")
    assert new.title in page and old.title not in page


# Pinned: the lists cost the same whether a plan is remembered or not, for any plan size.
# Pages with figures (the queue's headline, the dashboard) read them from the cache
# (cchc.monitoring.figures): the first read of a plan's figures after a change computes
# and caches them, every later one reads them back. (first read, later reads)
LIST_QUERIES: dict[tuple[str, str], tuple[int, ...]] = {
    # The officer's list is built once per change of the agency and kept by query string
    # (its links repeat it; cchc.monitoring.worklist): a first read builds it (13) and
    # stores it in the database cache (5), after the stamps (1) and the cache (1); later
    # reads are the stamps and the cache. The remembered plan's list without `?plan=` is
    # a first read of its own. On every page here the header's agency and unread count
    # come with the session's user (the login backend): 2 queries fewer, 1 for the
    # leader, who has no agency (were (20, 8, 8, 20), (18, 10), (25, 11), (6, 6),
    # (64, 10)).
    ("officer_a", "/bao-cao/"): (18, 6, 6, 18),
    # The coordinator's overview of every agency reads the cached figures too: computed
    # once on a first read (8 queries), then the stamp and the figures (2).
    ("coordinator", "/bao-cao/"): (16, 8),
    # The queue carries the province's headline figures, cached on their own beside the
    # plan's whole figures: computed on a first read, the stamp and the headline (2) after.
    ("coordinator", "/bao-cao/cho-duyet/"): (23, 9),
    ("head_a", "/bao-cao/cho-gui/"): (4, 4),
    # The dashboard's citizens panel (surveys, feedback, indicators) costs 10 of them on a
    # first read (one lists the plan's province's agencies so that it counts that province
    # only, with the survey tallies, docs/tenants.md), and then creates its province's
    # stamp and caches it; a later read reads the stamp and the cache (2; were the 10).
    # The plan's periods are read once (docs/dashboards.md). The charts' markup is kept in
    # the built dashboard, not in a fragment of its own (one look-up and write fewer); the
    # header's unread count comes with the session's user (one fewer).
    ("leader", "/dashboard/"): (57, 8),
}


@pytest.mark.parametrize(("who", "url"), list(LIST_QUERIES))
def test_the_lists_cost_a_pinned_number_of_queries_with_or_without_a_choice(
    login, personas, agencies, who: str, url: str
) -> None:
    client = login(who)
    counts = []
    for tasks, year in ((4, 2022), (40, 2023)):
        plan = factories.make_plan(tasks, number=f"{tasks}/KH", year=year)
        counts.append(_count(client, url)[0])  # the newest plan, nothing remembered
        _count(client, f"{url}?plan={plan.pk}")  # choose it
        counts.append(_count(client, url)[0])  # remembered
    # Only the very first read is of figures never read (the 2023 plan's first read is
    # its choice, not counted).
    expected = LIST_QUERIES[(who, url)]
    if len(expected) == 2:
        first, later = expected
        expected = (first, later, later, later)
    assert counts == list(expected)


def test_the_worklist_chooser_keeps_the_agency_looked_at(login, agencies, years) -> None:
    old, _new = years
    client = login("coordinator")
    page = _shown(client, f"/bao-cao/?agency={agencies['a'].pk}")
    assert f'<input type="hidden" name="agency" value="{agencies["a"].pk}">' in page
    page = _shown(client, f"/bao-cao/?agency={agencies['a'].pk}&plan={old.pk}")
    assert _selected(page, old) and agencies["a"].name in page


def test_a_download_follows_the_choice_without_changing_it(login, personas, years) -> None:
    old, new = years
    client = login("leader")
    _shown(client, f"/dashboard/?plan={old.pk}")
    response = client.get(f"/dashboard/csv/heatmap/?plan={new.pk}")
    assert response.status_code == 200
    personas["leader"].refresh_from_db()
    assert personas["leader"].viewing_plan == old
    # A file has no room for a message: an unknown plan is not found.
    assert client.get("/dashboard/csv/heatmap/?plan=999999").status_code == 404
    assert client.get("/dashboard/status-table.xlsx?plan=999999").status_code == 404
