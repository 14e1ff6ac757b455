"""The province and agency dashboards, and the public progress page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.citizens.models import CitizensStamp
from cchc.dashboards import views
from cchc.dashboards.queries import plan_trend
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
    ReportVersion,
)
from cchc.monitoring.progress import plan_progress
from cchc.monitoring.services import (
    report_get_or_create,
    report_review,
    report_save,
    report_submit,
)
from cchc.plans.models import Plan
from tests import factories

TODAY = date(2022, 7, 20)
Status = ProgressReport.Status


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_today", lambda: TODAY)


def _head(agency: Agency) -> User:
    user = User.objects.filter(role=Role.HEAD, agency=agency).first()
    return user or factories.make_user(f"head-{agency.pk}", Role.HEAD, agency)


def send(
    assignment: Assignment,
    period: ReportingPeriod,
    *,
    reviewer: User | None = None,
    approve: bool | None = None,
    **fields: object,
) -> ProgressReport:
    """Save, submit and (if asked) review one report, as the agency's head would."""
    head = _head(assignment.agency)
    report = report_get_or_create(assignment=assignment, period=period)
    fields.setdefault("percent", 100 if fields.get("status") == Status.DONE else 0)
    report = report_save(report=report, actor=head, expected_version=report.version, **fields)  # type: ignore[arg-type]
    report = report_submit(report=report, actor=head, expected_version=report.version)
    if approve is not None:
        assert reviewer is not None
        report = report_review(
            report=report,
            actor=reviewer,
            approve=approve,
            expected_version=report.version,
            comment="" if approve else "Thiếu văn bản kèm theo",
        )
    return report


@pytest.fixture
def reported(plan: Plan, personas: dict[str, User], agencies: dict[str, Agency]) -> dict:
    """Agency A: one activity done and approved, one in progress sent, one not done.
    Agency B: one in progress and approved, one returned."""
    q2 = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    coordinator = personas["coordinator"]
    mine = list(
        Assignment.objects.filter(agency=agencies["a"], activity__plan=plan, role="lead")
        .select_related("agency")
        .order_by("pk")
    )
    theirs = list(
        Assignment.objects.filter(agency=agencies["b"], activity__plan=plan, role="lead")
        .select_related("agency")
        .order_by("pk")
    )
    done = send(
        mine[0],
        q2,
        status=Status.DONE,
        narrative="Đã ban hành quyết định bí mật",
        completed_on=date(2022, 3, 1),
        reviewer=coordinator,
        approve=True,
    )
    sent = send(mine[1], q2, status=Status.IN_PROGRESS, percent=60)
    send(mine[2], q2, status=Status.NOT_DONE, reason="Chưa có hướng dẫn của Trung ương")
    approved_b = send(
        theirs[0], q2, status=Status.IN_PROGRESS, percent=40, reviewer=coordinator, approve=True
    )
    returned = send(
        theirs[1], q2, status=Status.IN_PROGRESS, percent=90, reviewer=coordinator, approve=False
    )
    factories.attach_evidence_row(done, filename="quyet-dinh-noi-bo.pdf")
    return {
        "done": done,
        "sent": sent,
        "approved_b": approved_b,
        "returned": returned,
        "period": q2,
    }


def _download(client, url: str):  # type: ignore[no-untyped-def]
    """A public download: the page answers with a job's page; the job's file is the table."""
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    return client.get(response["Location"] + "file/")


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the byte-order mark to read Vietnamese"
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


# ---------------------------------------------------------------------------
# Who may open what


@pytest.mark.parametrize("persona", ["coordinator", "leader", "appraiser", "admin"])
def test_the_province_dashboard_opens_for_those_who_see_every_agency(login, plan, persona):
    response = login(persona).get("/dashboard/")
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["officer_a", "head_a", "officer_b"])
def test_agency_staff_may_not_open_the_province_dashboard(login, plan, persona):
    assert login(persona).get("/dashboard/").status_code == 403
    assert login(persona).get("/dashboard/csv/areas/").status_code == 403


def test_a_visitor_is_sent_to_log_in_before_any_dashboard(client: Client, plan, agencies):
    for url in ("/dashboard/", f"/dashboard/agency/{agencies['a'].pk}/", "/dashboard/csv/areas/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer_a", 200),
        ("head_a", 200),
        ("officer_b", 404),
        ("coordinator", 200),
        ("leader", 200),
        ("appraiser", 200),
        ("admin", 200),
    ],
)
def test_an_agency_dashboard_is_for_its_own_staff_and_the_province(
    login, plan, agencies, persona, status
):
    url = f"/dashboard/agency/{agencies['a'].pk}/"
    assert login(persona).get(url).status_code == status
    assert login(persona).get(url + "csv/overdue/").status_code == status


def test_unknown_plans_periods_and_charts_are_not_found(login, plan, agencies):
    client = login("leader")
    # An unknown plan is said in words and the page falls back to the plan being looked at.
    for wanted in ("999999", "abc"):
        response = client.get(f"/dashboard/?plan={wanted}")
        assert response.status_code == 200
        page = response.content.decode()
        assert f"Không có kế hoạch «{wanted}», hoặc bạn không được xem kế hoạch này." in page
        assert f'<option value="{plan.pk}" selected>' in page
    assert client.get("/dashboard/?period=quy-9").status_code == 404
    # The public page names no fallback: an unknown plan is not found.
    assert client.get("/cong-khai/?plan=999999").status_code == 404
    assert client.get("/dashboard/csv/pie/").status_code == 404
    assert client.get("/dashboard/agency/999999/").status_code == 404


def test_the_dashboards_refuse_to_change_anything(login, plan):
    assert login("leader").post("/dashboard/").status_code == 405


# ---------------------------------------------------------------------------
# The province dashboard


def test_the_province_dashboard_shows_each_figure_with_its_method_and_numbers(
    login, plan, reported
):
    page = login("leader").get("/dashboard/").content.decode()
    # Default period: the one being reported on 20 July 2022 is "9 tháng".
    assert 'value="9-thang" selected' in page
    for heading in (
        "Tiến độ theo lĩnh vực",
        "Tiến độ theo nhóm cơ quan",
        "Tiến độ của từng cơ quan theo lĩnh vực",
        "Việc quá hạn",
        "Tiến độ chung theo tháng",
    ):
        assert heading in page
    assert page.count("Trung bình cộng tỷ lệ của các hoạt động") >= 4
    # Charts are SVG drawn on the server, each with a title, a description and a table.
    assert page.count("<svg") == 4
    assert page.count("<title id=") == 4 and page.count("<desc id=") == 4
    assert page.count('<details class="numbers">') == 4
    assert "<script" not in page.split("</head>")[1]
    assert "Các sở, ban, ngành" in page and "UBND cấp huyện" in page


def test_the_period_can_be_chosen_and_changes_the_figures(login, plan, reported):
    client = login("coordinator")
    q1 = client.get(f"/dashboard/csv/areas/?plan={plan.pk}&period=q1")
    half = client.get(f"/dashboard/csv/areas/?plan={plan.pk}&period=6-thang")
    # Nothing was reported for Quý I: every area stands at 0 %. The 6-month reports count
    # from their period on.
    assert {row[2] for row in _csv(q1)[1:]} == {"0.0"}
    assert any(float(row[2]) > 0 for row in _csv(half)[1:])


def test_the_area_csv_has_the_numbers_of_the_chart(login, plan, reported):
    response = login("leader").get(f"/dashboard/csv/areas/?plan={plan.pk}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["Mã", "Lĩnh vực", "Tiến độ (%)"]
    progress = plan_progress(
        plan,
        period=reported["period"] and ReportingPeriod.objects.get(plan=plan, code="9-thang"),
        today=TODAY,
    )
    by_code = {row[0]: row for row in rows[1:]}
    for area in plan.areas.all():
        figure = progress.areas[area.pk]
        expected = "" if figure.percent is None else f"{figure.percent:.1f}"
        assert by_code[area.code][2] == expected


def test_the_heatmap_lists_agencies_in_vietnamese_order_with_a_legend(login, agencies):
    districts = AgencyGroup.objects.get(code="ubnd-cap-huyen")
    gio_linh = Agency.objects.create(
        name="UBND huyện Gio Linh", kind=Agency.Kind.DISTRICT, parent=agencies["province"]
    )
    GroupMembership.objects.create(group=districts, agency=gio_linh)
    plan = factories.make_plan(14)
    client = login("leader")
    rows = _csv(client.get(f"/dashboard/csv/heatmap/?plan={plan.pk}"))
    names = [row[0] for row in rows[1:]]
    # Đ sorts after D and before G, as in a Vietnamese dictionary (not after Z).
    assert names.index("UBND huyện Cam Lộ") < names.index("UBND huyện Đakrông")
    assert names.index("UBND huyện Đakrông") < names.index("UBND huyện Gio Linh")
    assert rows[0][0] == "Cơ quan" and rows[0][-1] == "Chung (%)"
    assert "UBND tỉnh Thử Nghiệm" not in names, "agencies without assignments are left out"
    page = client.get(f"/dashboard/?plan={plan.pk}").content.decode()
    assert "chưa có số liệu" in page and "80–100%" in page
    # Each agency row links to that agency's dashboard.
    assert f"/dashboard/agency/{agencies['a'].pk}/?plan={plan.pk}" in page


def test_the_overdue_list_names_the_responsible_agency_and_days_late(login, plan, agencies):
    rows = _csv(login("leader").get(f"/dashboard/csv/overdue/?plan={plan.pk}"))
    assert rows[0] == ["Hoạt động", "Nhiệm vụ", "Cơ quan", "Hạn", "Số ngày quá hạn"]
    assert len(rows) > 1
    leads = {
        (a.activity.title, a.agency.name)
        for a in Assignment.objects.filter(activity__plan=plan, role="lead").select_related(
            "agency", "activity"
        )
    }
    for row in rows[1:]:
        due = datetime.strptime(row[3], "%d/%m/%Y").date()  # noqa: DTZ007
        assert int(row[4]) == (TODAY - due).days > 0
        assert (row[0], row[2]) in leads, "the lead agency is the one chased"
    days = [int(row[4]) for row in rows[1:]]
    assert days == sorted(days, reverse=True)


def test_done_items_leave_the_overdue_list(login, plan, agencies, personas):
    client = login("leader")
    before = _csv(client.get(f"/dashboard/csv/overdue/?plan={plan.pk}"))
    overdue_a = [r for r in before[1:] if r[2] == "Sở Tư pháp"]
    assert overdue_a
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    for assignment in Assignment.objects.filter(agency=agencies["a"], activity__plan=plan):
        send(assignment, period, status=Status.DONE, completed_on=date(2022, 6, 1))
    after = _csv(client.get(f"/dashboard/csv/overdue/?plan={plan.pk}"))
    assert not [r for r in after[1:] if r[2] == "Sở Tư pháp"]


def _move_history(report: ProgressReport, *moments: datetime) -> None:
    for version, moment in zip(
        report.versions.exclude(action=ReportVersion.Action.SAVED).order_by("version"),
        moments,
        strict=True,
    ):
        ReportVersion.objects.filter(pk=version.pk).update(at=moment)


def test_the_trend_replays_when_each_report_was_sent_and_returned(plan, personas, agencies):
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    lead = (
        Assignment.objects.filter(agency=agencies["a"], activity__plan=plan, role="lead")
        .select_related("agency")
        .first()
    )
    report = send(
        lead,
        period,
        status=Status.IN_PROGRESS,
        percent=50,
        reviewer=personas["coordinator"],
        approve=False,
    )
    # Sent on 10 March, returned on 5 May (Vietnam time), resubmitted done on 2 June.
    _move_history(report, datetime(2022, 3, 10, 3, tzinfo=UTC), datetime(2022, 5, 5, 3, tzinfo=UTC))
    head = _head(agencies["a"])
    report = report_save(
        report=report,
        actor=head,
        expected_version=report.version,
        status=Status.DONE,
        percent=100,
        completed_on=date(2022, 6, 1),
    )
    report = report_submit(report=report, actor=head, expected_version=report.version)
    ReportVersion.objects.filter(report=report, version=report.version).update(
        at=datetime(2022, 6, 2, 3, tzinfo=UTC)
    )

    progress = plan_progress(plan, period=None, today=TODAY)
    points = plan_trend(plan, progress, today=TODAY)
    assert [p.month for p in points] == [1, 2, 3, 4, 5, 6, 7]
    assert [p.sent for p in points] == [0, 0, 1, 1, 0, 1, 1]
    assert points[0].percent == 0
    assert points[2].percent and points[2].percent > 0
    assert points[4].percent == 0, "a returned report stops counting"
    assert points[5].percent > points[2].percent
    # Today's point is what the dashboard shows for the whole year.
    assert points[-1].percent == pytest.approx(progress.plan.percent)


def test_a_report_sent_on_the_last_evening_of_a_month_counts_for_that_month(plan, agencies):
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    lead = (
        Assignment.objects.filter(agency=agencies["a"], activity__plan=plan, role="lead")
        .select_related("agency")
        .first()
    )
    report = send(lead, period, status=Status.IN_PROGRESS, percent=50)
    # 23:30 on 31 March in Vietnam is 16:30 UTC.
    _move_history(report, datetime(2022, 3, 31, 16, 30, tzinfo=UTC))
    points = plan_trend(plan, plan_progress(plan, period=None, today=TODAY), today=TODAY)
    assert [p.sent for p in points[1:4]] == [0, 1, 1]


def test_a_plan_of_a_future_year_has_no_trend_yet(login, agencies):
    plan = factories.make_plan(5, year=2023, number="5/KH")
    page = login("leader").get(f"/dashboard/?plan={plan.pk}").content.decode()
    assert "Tiến độ chung theo tháng" in page
    assert page.count("<svg") == 3


# ---------------------------------------------------------------------------
# The agency dashboard


def test_the_agency_dashboard_counts_its_items_by_timeliness(login, plan, agencies, reported):
    client = login("officer_a")
    url = f"/dashboard/agency/{agencies['a'].pk}/?plan={plan.pk}"
    page = client.get(url).content.decode()
    assert "Sở Tư pháp" in page and "Tiến độ chung của cơ quan" in page
    assert "Trung bình cộng tỷ lệ của các hoạt động" in page
    assert "Tiến độ toàn tỉnh" not in page, "an officer gets no link to the province page"
    rows = _csv(client.get(f"/dashboard/agency/{agencies['a'].pk}/csv/timeliness/?plan={plan.pk}"))
    counts = {row[0]: int(row[1]) for row in rows[1:]}
    assert list(counts) == [
        "Còn hạn",
        "Sắp đến hạn",
        "Quá hạn",
        "Hoàn thành đúng hạn",
        "Hoàn thành quá hạn",
        "Không thực hiện",
    ]
    assert counts["Không thực hiện"] == 1
    assert (
        sum(counts.values())
        == Assignment.objects.filter(agency=agencies["a"], activity__plan=plan).count()
    )
    assert counts["Hoàn thành đúng hạn"] + counts["Hoàn thành quá hạn"] == 1


def test_the_agency_dashboard_lists_only_its_own_late_and_soon_items(login, plan, agencies):
    client = login("head_a")
    base = f"/dashboard/agency/{agencies['a'].pk}/csv/"
    overdue = _csv(client.get(base + f"overdue/?plan={plan.pk}"))
    assert overdue[1:] and {row[2] for row in overdue[1:]} == {"Sở Tư pháp"}
    # 25 July 2022 is within 7 days of the "Tháng 7" milestones of monthly items.
    soon = _csv(client.get(base + f"due_soon/?plan={plan.pk}"))
    assert soon[0] == ["Hoạt động", "Nhiệm vụ", "Vai trò", "Hạn", "Còn (ngày)"]
    for row in soon[1:]:
        assert 0 <= int(row[4]) <= 7


def test_the_province_can_open_an_agency_dashboard_from_the_heatmap(login, plan, agencies):
    page = login("coordinator").get(f"/dashboard/agency/{agencies['b'].pk}/").content.decode()
    assert "Sở Xây dựng" in page and "Tiến độ toàn tỉnh" in page


# ---------------------------------------------------------------------------
# The public page


def test_anyone_can_read_the_public_progress_page_without_logging_in(client, plan, reported):
    response = client.get("/cong-khai/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tiến độ thực hiện kế hoạch cải cách hành chính năm 2022" in page
    for area in plan.areas.all():
        assert area.title in page
    assert "Nhiệm vụ cải cách số 1" in page and "Sở Tư pháp" in page
    assert "Chỉ tính các báo cáo đã được cơ quan thường trực" in page
    assert 'name="viewport"' in page


def test_the_public_page_shows_no_personal_data(client, plan, reported, personas):
    page = client.get("/cong-khai/").content.decode()
    csv_text = b"".join(_download(client, "/cong-khai/tien-do.csv").streaming_content).decode()
    for text in (page, csv_text):
        assert "Đã ban hành quyết định bí mật" not in text  # narrative
        assert "Thiếu văn bản kèm theo" not in text  # review comment
        assert "Chưa có hướng dẫn của Trung ương" not in text  # reason
        assert "quyet-dinh-noi-bo.pdf" not in text  # evidence file name
        for user in User.objects.all():
            assert f">{user.full_name}<" not in text and f" {user.username} " not in text


def test_only_approved_reports_count_on_the_public_page(client, login, plan, reported):
    public = {row[2]: row for row in _csv(_download(client, "/cong-khai/tien-do.csv"))[1:]}
    approved = plan_progress(
        plan, period=None, today=TODAY, states=(ProgressReport.State.APPROVED,)
    )
    for task in plan.tasks.all():
        figure = approved.tasks[task.pk]
        assert public[task.title][5] == f"{figure.percent:.1f}"
    sent_task = reported["sent"].assignment.activity.task
    inside = plan_progress(plan, period=None, today=TODAY)
    # Submitted but not yet approved: it counts inside, not yet for the public.
    assert inside.tasks[sent_task.pk].percent > approved.tasks[sent_task.pk].percent
    returned_task = reported["returned"].assignment.activity.task
    assert inside.tasks[returned_task.pk].percent == approved.tasks[returned_task.pk].percent
    done_task = reported["done"].assignment.activity.task
    assert approved.tasks[done_task.pk].percent > 0


def test_the_public_page_shows_an_approval_at_its_next_read(client, plan, reported, personas):
    """The public page is built once per change and kept in the cache (docs/dashboards.md):
    the approval of the sent report and a task renamed each show at the next read."""
    sent = reported["sent"]
    task = sent.assignment.activity.task

    def shown() -> tuple[str, str]:
        page = client.get(f"/cong-khai/?plan={plan.pk}")
        assert page.status_code == 200
        tasks = {t.title: t for block in page.context["page"].areas for t in block.tasks}
        body = page.content.decode()
        # The page's own part (the header's forms carry a fresh CSRF token each time).
        body = body[body.index("dash-summary") : body.index("</main>")]
        return body, f"{tasks[task.title].figure.percent:.1f}"

    def fresh() -> str:
        approved = plan_progress(
            plan, period=None, today=TODAY, states=(ProgressReport.State.APPROVED,)
        )
        return f"{approved.tasks[task.pk].percent:.1f}"

    before, figure = shown()
    assert shown() == (before, figure)  # read again: from the cache, the same page
    report_review(
        report=sent, actor=personas["coordinator"], approve=True, expected_version=sent.version
    )
    after, approved = shown()
    assert approved == fresh() and approved != figure
    assert after != before
    task.title = "Nhiệm vụ đổi tên sau khi công khai"
    task.save()
    renamed, _figure = shown()
    assert "Nhiệm vụ đổi tên sau khi công khai" in renamed


def test_the_public_page_shows_a_lead_renamed_on_its_own(client, plan, reported):
    """A lead's name as written in the plan, corrected alone (the admin), shows at the
    public page's next read: the assignee's save marks the plan's figures as changed."""
    from cchc.plans.models import Assignee

    def body() -> str:
        page = client.get(f"/cong-khai/?plan={plan.pk}")
        assert page.status_code == 200
        return page.content.decode()

    lead = Assignee.objects.filter(activity__plan=plan, role=Assignee.Role.LEAD).first()
    assert lead is not None and lead.written_name in body()
    lead.written_name = "Sở Tư pháp (tên đã sửa)"
    lead.save()
    assert "Sở Tư pháp (tên đã sửa)" in body()


def test_the_public_data_downloads_as_csv_and_xlsx(client, plan, reported):
    rows = _csv(_download(client, "/cong-khai/tien-do.csv"))
    assert rows[0][:6] == [
        "Lĩnh vực",
        "TT",
        "Nhiệm vụ",
        "Cơ quan chủ trì",
        "Tình trạng",
        "Tiến độ (%)",
    ]
    assert len(rows) == 1 + plan.areas.count() + plan.tasks.count()
    response = _download(client, "/cong-khai/tien-do.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "filename*=utf-8''Ti%E1%BA%BFn%20%C4%91%E1%BB%99" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert list(values[2][:3]) == ["Lĩnh vực", "TT", "Nhiệm vụ"]
    assert [v[2] for v in values[3:]] == [row[2] for row in rows[1:]]
    assert [v[4] for v in values[3:]] == [row[4] for row in rows[1:]]
    assert [v[5] for v in values[3:]] == [float(row[5]) if row[5] else None for row in rows[1:]]


def test_a_draft_plan_is_not_public(client, agencies):
    plan = factories.make_plan(3, number="3/KH")
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.DRAFT)
    assert client.get("/cong-khai/").status_code == 404
    assert client.get(f"/cong-khai/?plan={plan.pk}").status_code == 404
    assert client.get("/cong-khai/tien-do.csv").status_code == 404


def test_the_public_page_refuses_writes(client, plan):
    assert client.post("/cong-khai/").status_code == 405


# ---------------------------------------------------------------------------
# Query counts do not grow with the data


@pytest.fixture
def two_plans(agencies: dict[str, Agency], personas: dict[str, User]) -> tuple[Plan, Plan]:
    """Plans of 20 and 200 tasks, each with reports for every third assignment:
    approved, sent and returned in turn."""
    plans = (factories.make_plan(20, number="20/KH"), factories.make_plan(200, number="200/KH"))
    for plan in plans:
        period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
        assignments = list(
            Assignment.objects.filter(activity__plan=plan).select_related("agency").order_by("pk")
        )
        for index, assignment in enumerate(assignments[::3]):
            approve = (True, None, False)[index % 3]
            send(
                assignment,
                period,
                status=Status.IN_PROGRESS,
                percent=50,
                reviewer=personas["coordinator"],
                approve=approve,
            )
    # The first reads measured below are the whole computation's (an emptied cache, no
    # report changes to carry figures over from; that read is pinned apart).
    cache.clear()
    return plans


# Each pair: the first read after a change (the figures computed and cached: the cache
# is the database here, whose writes cost a few queries each), then every later read
# (cchc.monitoring.figures, docs/dashboards.md). Both the same for a small and a large plan.
# includes the unread-notification count in the header (was 24); and one listing the plan's
# province's agencies, so that the citizens' panel counts that province only with the survey
# tallies (docs/tenants.md).
# Both dashboards end with the citizens' panel (cchc/citizens/widgets.py), computed once
# per change of what it shows (cchc.citizens.stamps): a later read reads its stamp and
# the cache (2 queries, were its 9); the first read computes it (9), creates the
# province's stamp row and writes the cache (the database's: a few queries). Every
# dashboard reads the plan's periods once (the current period is found among them; it
# was read twice: one query fewer on each page below).
# The province dashboard's charts' markup is kept in the built dashboard itself, not in a
# fragment of its own: one cache look-up fewer on every read, one write fewer on a first.
# The header's unread count comes with the session's user (the login backend): one query
# fewer on each page, two where the header names the user's agency.
PROVINCE_QUERIES = (57, 8)  # were (64, 10); (55, 18) with the panel computed on every read
PROVINCE_CSV_QUERIES = (38, 6)
AGENCY_QUERIES = (35, 11)  # the header's agency and count with the user; were (37, 13)
AGENCY_CSV_QUERIES = (17, 9)
# Both public ones ask which provinces there are (a chooser when several, docs/tenants.md).
# The public page is built once per change of the plan's `reports` stamp and its chart
# and tables rendered once (docs/dashboards.md): a later read is the stamp, the built page
# and the rendered part from the cache (was 7: the approved figures from the cache, the
# areas, tasks and leads read and rendered again); the first read writes both to the cache.
PUBLIC_QUERIES = (29, 5)
# The whole way of a public download: the request that starts the job, the job itself
# (its bookkeeping, the table, and the built public page kept in the cache for the page:
# was 38) and the request for its file; asked again, the same job's file is handed out.
PUBLIC_DOWNLOAD_QUERIES = (44, 5)


@pytest.mark.parametrize(
    ("url", "persona", "queries"),
    [
        ("/dashboard/?plan={plan}", "leader", PROVINCE_QUERIES),
        ("/dashboard/csv/heatmap/?plan={plan}", "leader", PROVINCE_CSV_QUERIES),
        ("/dashboard/agency/{agency}/?plan={plan}", "officer_a", AGENCY_QUERIES),
        ("/dashboard/agency/{agency}/csv/overdue/?plan={plan}", "coordinator", AGENCY_CSV_QUERIES),
        ("/cong-khai/?plan={plan}", None, PUBLIC_QUERIES),
        ("/cong-khai/tien-do.csv?plan={plan}", None, PUBLIC_DOWNLOAD_QUERIES),
        ("/cong-khai/tien-do.xlsx?plan={plan}", None, PUBLIC_DOWNLOAD_QUERIES),
    ],
)
def test_pages_cost_the_same_queries_for_a_small_and_a_large_plan(
    client, personas, agencies, two_plans, url, persona, queries
):
    if persona:
        client.force_login(personas[persona])
    counts = []
    for plan in two_plans:
        target = url.format(plan=plan.pk, agency=agencies["a"].pk)
        # Each plan's first read is a cold one: the citizens' panel is the province's,
        # not the plan's (cchc.citizens.stamps), and would be read from the cache for the
        # second plan.
        cache.clear()
        CitizensStamp.objects.all().delete()
        if persona:
            # Measured with the plan already chosen; choosing it costs one UPDATE more
            # (test_choosing_a_plan_costs_one_update).
            User.objects.filter(pk=personas[persona].pk).update(viewing_plan=plan)
        for _read in ("first", "again"):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(target)
                if response.status_code == 302 and response["Location"].startswith("/jobs/"):
                    # Written by a job (run at once here): the whole way to the file.
                    response = client.get(response["Location"] + "file/")
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
            assert response.status_code == 200
            counts.append(len(captured))
    assert counts == [*queries, *queries]


def test_an_item_not_to_be_done_is_not_chased_as_overdue(login, plan, agencies):
    client = login("head_a")
    url = f"/dashboard/agency/{agencies['a'].pk}/csv/overdue/?plan={plan.pk}"
    before = _csv(client.get(url))[1:]
    assert before
    title = before[0][0]
    assignment = Assignment.objects.select_related("agency").get(
        agency=agencies["a"], activity__plan=plan, activity__title=title
    )
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    send(assignment, period, status=Status.NOT_DONE, reason="Trung ương đã bãi bỏ nhiệm vụ")
    after = _csv(client.get(url))[1:]
    assert title not in [row[0] for row in after]
    assert len(after) == len(before) - 1
    page = client.get(f"/dashboard/agency/{agencies['a'].pk}/?plan={plan.pk}").content.decode()
    assert f'<span class="stat-value">{len(after)}</span><span class="stat-label">Quá hạn' in page


# The first read of the province dashboard after a report is sent, then after it is
# approved, with the page read before (docs/dashboards.md): the change carried the
# roll-up and the trend over, so the read builds the page from them and reads neither the
# plan's reports nor their history (was the first read's 55, see PROVINCE_QUERIES); the
# citizens' panel, which no report changes, from the cache (was 50 computing it); the
# periods read once. The read after the approval reads one entry more: the roll-up the
# send's read kept is its changes (`_Moved`, cchc.monitoring.figures), so it reads their
# base too, instead of the send's read writing the whole roll-up again. The dashboard is
# carried over too (its contents, heatmap and table rows, overdue rows): the plan's areas,
# agencies, activities, groups and memberships are not read again (5 fewer, one look-up
# more for the earlier dashboard), and the charts' markup is in it, not in a fragment of
# its own (a look-up and a write fewer). The header's unread count comes with the
# session's user (one fewer). Were (42, 43).
PROVINCE_AFTER_CHANGE_QUERIES = (31, 32)


def test_the_province_dashboard_after_a_report_changes_costs_the_same_for_any_plan(
    client, personas, agencies, two_plans
):
    client.force_login(personas["leader"])
    counts = []
    for plan in two_plans:
        User.objects.filter(pk=personas["leader"].pk).update(viewing_plan=plan)
        target = f"/dashboard/?plan={plan.pk}"
        assert client.get(target).status_code == 200
        period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
        assignment = (
            Assignment.objects.filter(activity__plan=plan, reports__isnull=True)
            .select_related("agency")
            .order_by("pk")
            .first()
        )
        before = client.get(target).content
        report = send(assignment, period, status=Status.DONE, completed_on=period.ends_on)
        with CaptureQueriesContext(connection) as captured:
            sent = client.get(target)
        counts.append(len(captured))
        report_review(
            report=report,
            actor=personas["coordinator"],
            approve=True,
            expected_version=report.version,
        )
        with CaptureQueriesContext(connection) as captured:
            approved = client.get(target)
        counts.append(len(captured))
        sql = " ".join(q["sql"] for q in captured.captured_queries)
        assert "monitoring_reportversion" not in sql
        assert sent.content != before and approved.status_code == 200
    assert counts == [*PROVINCE_AFTER_CHANGE_QUERIES, *PROVINCE_AFTER_CHANGE_QUERIES]


@pytest.mark.parametrize("href", [True, False])
def test_the_heatmap_is_drawn_as_its_template_draws_it(monkeypatch, href):
    """The heatmap is drawn in Python (a cell per agency and area, drawn after every
    report change); its markup is the template's, escaping and numbers included."""
    from django.template.loader import render_to_string

    from cchc.dashboards import charts

    seen: dict[str, object] = {}
    real = charts._heatmap_markup

    def spy(context):
        seen.update(context)
        return real(context)

    monkeypatch.setattr(charts, "_heatmap_markup", spy)
    drawn = charts.heatmap(
        chart_id="chart-<heat>",
        title='Tiến độ "A" & <B>',
        desc="Mô tả ' đủ dấu",
        columns=["I", "II&", "III"],
        column_titles=["I. Cải cách thể chế", "II. <Thủ tục>", "III"],
        rows=[
            charts.HeatRow(
                label="Sở Tư pháp & Ủy ban <nhân dân> tỉnh có tên rất dài vượt quá bốn mươi",
                href='/dashboard/agency/1/?plan=2&x="y"' if href else "",
                cells=[
                    charts.Cell(12.5, "I. Cải cách"),
                    charts.Cell(None, "II. <Thủ tục>"),
                    charts.Cell(100.0, "III"),
                ],
            ),
            charts.HeatRow(
                label="UBND xã",
                href="",
                cells=[charts.Cell(0.0, "I"), charts.Cell(66.66666, "II"), charts.Cell(None, "")],
            ),
        ],
    )
    assert str(drawn) == render_to_string(charts.HEATMAP_TEMPLATE, seen)
    assert "&lt;B&gt;" in drawn and "12%" in drawn


@pytest.mark.parametrize("href", [True, False])
def test_the_bars_are_drawn_as_their_template_draws_them(monkeypatch, href):
    """The areas' and groups' bars are drawn in Python (drawn again after every report
    change); their markup is the template's, escaping, links and notes included."""
    from django.template.loader import render_to_string

    from cchc.dashboards import charts

    seen: dict[str, object] = {}
    real = charts._bars_markup

    def spy(context):
        seen.update(context)
        return real(context)

    monkeypatch.setattr(charts, "_bars_markup", spy)
    drawn = charts.bar_chart(
        chart_id="chart-<bars>",
        title='Tiến độ "A" & <B>',
        desc="Mô tả ' đủ dấu",
        bars=[
            charts.Bar(
                label="Sở Tư pháp & Ủy ban <nhân dân> tỉnh có tên rất dài vượt quá năm mươi ký tự",
                value=12.5,
                note="3 cơ quan & <nhóm>",
                href='/dashboard/agency/1/?plan=2&x="y"' if href else "",
            ),
            charts.Bar(label="UBND xã", value=None),
            charts.Bar(label="Sở Nội vụ", value=100.0, note="1 cơ quan"),
            charts.Bar(label="Sở Y tế", value=66.66666, note=""),
        ],
    )
    assert str(drawn) == render_to_string(charts.BARS_TEMPLATE, seen)
    assert "&lt;B&gt;" in drawn and "12%" in drawn


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("limit", [0, 2])
def test_a_charts_table_is_written_as_its_template_writes_it(language, limit):
    """The charts' tables are written in Python (a cell per agency and area, written
    after every report change); their markup is the template's, escaping, numbers,
    dates and empty cells included."""
    from django.template import Context, Template
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.safestring import mark_safe

    from cchc.dashboards.queries.common import Table
    from cchc.dashboards.templatetags.dashboards_tags import TABLE_TEMPLATE

    table = Table(
        ['Cơ quan <A> & "B"', "I (%)", "Số", "Hạn", "Ghi chú"],
        [
            ["Sở Tư pháp & <Nội vụ>", 12.345, 7, date(2022, 7, 1), None],
            ["UBND xã 'Đông'", 0.0, 0, date(2022, 12, 31), ""],
            [mark_safe("<b>an toàn</b>"), -0.0, True, 1234567.891, "x"],
            ["thiếu ô", 100.0],
        ],
    )
    with translation.override(language):
        expected = render_to_string(TABLE_TEMPLATE, {"table": table, "limit": limit})
        drawn = Template("{% load dashboards_tags %}{% data_table table limit %}").render(
            Context({"table": table, "limit": limit})
        )
    assert drawn == expected
    assert "&lt;Nội vụ&gt;" in drawn
    assert ("<b>an toàn</b>" in drawn) == (limit == 0)
