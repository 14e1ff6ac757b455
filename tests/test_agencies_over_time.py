"""Agencies over time: dated group membership, and what a merge or closure does to work.

The merge story is told on the reminder world (tests.test_reminders): Sở Tư pháp (A)
leads seven activities of the 2022 plan, one of them done and approved; Sở Xây dựng (B)
leads two. On 1 March 2022 A is merged into B.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cchc.accounts.models import User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.agencies.services import (
    AgencyChangeError,
    agency_close,
    agency_merge,
    groups_of,
    members_on,
)
from cchc.audit.models import AuditRecord
from cchc.monitoring.models import Assignment, ProgressReport
from cchc.monitoring.progress import plan_progress
from cchc.monitoring.services import assignments_sync
from cchc.monitoring.transfer import assignments_open
from cchc.plans.models import Plan
from cchc.plans.services import plan_import
from cchc.reminders.services import reminders_open_items, reminders_send
from tests import factories
from tests.test_reminders import MONDAY, reminder_document, report

MERGE_DAY = date(2022, 3, 1)

# --- dated membership -------------------------------------------------------------------


@pytest.fixture
def districts(agencies: dict[str, Agency]) -> AgencyGroup:
    return AgencyGroup.objects.get(code="ubnd-cap-huyen")


def test_members_on_a_day_follow_the_dates(agencies, districts):
    d3 = Agency.objects.create(name="UBND huyện Mới", kind=Agency.Kind.DISTRICT)
    GroupMembership.objects.create(group=districts, agency=d3, valid_from=date(2026, 1, 1))
    GroupMembership.objects.filter(group=districts, agency=agencies["d2"]).update(
        valid_to=date(2025, 7, 1)
    )
    names = lambda day: set(members_on(districts, day).values_list("name", flat=True))  # noqa: E731
    assert names(date(2022, 1, 1)) == {"UBND huyện Đakrông", "UBND huyện Cam Lộ"}
    # valid_to is the first day out of the group
    assert names(date(2025, 6, 30)) == {"UBND huyện Đakrông", "UBND huyện Cam Lộ"}
    assert names(date(2025, 7, 1)) == {"UBND huyện Đakrông"}
    assert names(date(2026, 1, 1)) == {"UBND huyện Đakrông", "UBND huyện Mới"}
    assert list(groups_of(agencies["d2"], date(2022, 1, 1))) == [districts]
    assert not groups_of(agencies["d2"], date(2025, 7, 1)).exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),  # open-ended overlaps everything
        (date(2021, 1, 1), None),
        (date(2023, 1, 1), date(2024, 1, 1)),
    ],
)
def test_an_overlapping_membership_is_refused_in_vietnamese(agencies, districts, start, end):
    existing = GroupMembership.objects.get(group=districts, agency=agencies["d1"])
    existing.valid_from, existing.valid_to = date(2020, 1, 1), date(2025, 7, 1)
    existing.save()
    overlapping = GroupMembership(
        group=districts, agency=agencies["d1"], valid_from=start, valid_to=end
    )
    with pytest.raises(ValidationError) as caught:
        overlapping.full_clean()
    assert "trùng với khoảng này" in str(caught.value)
    assert GroupMembership.objects.filter(group=districts, agency=agencies["d1"]).count() == 1


def test_back_to_back_memberships_are_allowed(agencies, districts):
    existing = GroupMembership.objects.get(group=districts, agency=agencies["d1"])
    existing.valid_to = date(2025, 7, 1)
    existing.full_clean()
    existing.save()
    later = GroupMembership(group=districts, agency=agencies["d1"], valid_from=date(2025, 7, 1))
    later.full_clean()
    later.save()
    assert members_on(districts, date(2025, 7, 1)).filter(pk=agencies["d1"].pk).exists()


def test_an_end_before_the_start_is_refused_by_the_form_and_the_database(agencies, districts):
    wrong = GroupMembership(
        group=districts,
        agency=agencies["a"],
        valid_from=date(2025, 1, 1),
        valid_to=date(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as caught:
        wrong.full_clean()
    assert "Ngày kết thúc không thể trước ngày bắt đầu" in str(caught.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        wrong.save()


def test_the_same_start_twice_is_refused_by_the_database(agencies, districts):
    GroupMembership.objects.create(
        group=districts, agency=agencies["a"], valid_from=date(2024, 1, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMembership.objects.create(
            group=districts, agency=agencies["a"], valid_from=date(2024, 1, 1)
        )


def test_going_back_to_undated_membership_keeps_one_open_row(agencies, districts):
    import importlib

    migration = importlib.import_module("cchc.agencies.migrations.0003_groupmembership_valid_dates")
    GroupMembership.objects.filter(agency=agencies["d2"]).update(valid_to=date(2025, 7, 1))
    GroupMembership.objects.create(
        group=districts, agency=agencies["d1"], valid_from=date(2030, 1, 1)
    )
    migration.one_row_per_agency_and_group(apps, None)
    rows = set(GroupMembership.objects.filter(group=districts).values_list("agency_id", "valid_to"))
    # d1 kept once (its open row), d2's ended span cannot be said without dates
    assert rows == {(agencies["d1"].pk, None)}
    migration.keep_open_ended(apps, None)
    assert not GroupMembership.objects.exclude(valid_from=None, valid_to=None).exists()


def test_a_plan_expands_its_groups_as_they_were_in_its_year(agencies, districts):
    # d2 left the group at the end of 2021: a 2022 plan does not reach it, a 2021 one does.
    GroupMembership.objects.filter(group=districts, agency=agencies["d2"]).update(
        valid_to=date(2022, 1, 1)
    )
    plan_2022 = factories.make_plan(5, year=2022, number="1/KH-2022")
    plan_2021 = factories.make_plan(5, year=2021, number="1/KH-2021")
    for plan in (plan_2022, plan_2021):
        assignments_sync(plan)
    assert not Assignment.objects.filter(activity__plan=plan_2022, agency=agencies["d2"]).exists()
    assert Assignment.objects.filter(activity__plan=plan_2021, agency=agencies["d2"]).exists()


def test_a_2022_ranking_within_the_districts_survives_their_closing(agencies, login, personas):
    plan = factories.make_plan(5, year=2022)
    for key in ("d1", "d2"):
        agency_close(agency=agencies[key], on=date(2025, 7, 1))
    later = Agency.objects.create(name="UBND huyện Lập Sau", kind=Agency.Kind.DISTRICT)
    GroupMembership.objects.create(
        group=AgencyGroup.objects.get(code="ubnd-cap-huyen"),
        agency=later,
        valid_from=date(2026, 1, 1),
    )
    client = login("coordinator")
    assert client.get(f"/dashboard/?plan={plan.pk}").status_code == 200
    response = client.get(f"/dashboard/csv/groups/?plan={plan.pk}")
    csv = b"".join(response.streaming_content).decode("utf-8-sig")
    # the group row counts the two districts of 2022, not the one that joined in 2026
    row = next(line for line in csv.splitlines() if line.startswith("UBND cấp huyện"))
    assert row.split(",")[1] == "2", csv


# --- merging: what moves ----------------------------------------------------------------


@pytest.fixture
def world(agencies: dict[str, Agency], personas: dict[str, User]) -> dict[str, object]:
    for name, user in personas.items():
        user.email = f"{name}@cchc.example"
        user.save()
    agencies["a"].email = "sotuphap@cchc.example"
    agencies["a"].save()
    plan = plan_import(document=reminder_document())
    report(
        "Đã hoàn thành và được duyệt",
        status=ProgressReport.Status.DONE,
        state=ProgressReport.State.APPROVED,
    )
    # A has sent a progress report on one of its open items before the merge.
    report("Quá hạn bốn ngày", status=ProgressReport.Status.IN_PROGRESS, state="submitted")
    return {"plan": plan, "a": agencies["a"], "b": agencies["b"]}


def _titles(agency: Agency, *, open_only: bool = True) -> set[str]:
    rows = Assignment.objects.filter(agency=agency)
    if open_only:
        rows = rows.filter(closed_on__isnull=True)
    return set(rows.values_list("activity__title", flat=True))


def test_open_means_not_closed_and_not_reported_finished(world):
    a = world["a"]
    titles = {x.activity.title for x in assignments_open(a)}
    assert "Đã hoàn thành và được duyệt" not in titles
    assert "Quá hạn bốn ngày" in titles  # reported "in progress": still open
    assert len(titles) == 5
    Plan.objects.filter(pk=world["plan"].pk).update(status=Plan.Status.CLOSED)
    assert assignments_open(a) == []


def test_merging_moves_open_work_and_keeps_history(world):
    a, b = world["a"], world["b"]
    moving = {x.activity.title for x in assignments_open(a)}
    agency_merge(sources=[a], into=b, on=MERGE_DAY)

    assert moving <= _titles(b)
    assert _titles(a) == {"Đã hoàn thành và được duyệt"}  # finished work stays
    old = Assignment.objects.get(agency=a, activity__title="Quá hạn bốn ngày")
    assert old.closed_on == MERGE_DAY
    assert old.transferred_to is not None and old.transferred_to.agency == b
    assert old.transferred_to.role == Assignment.Role.LEAD
    # the report A wrote stays with A's assignment
    assert old.reports.count() == 1
    assert not old.transferred_to.reports.exists()
    # audited: one record per moved assignment, and the merge lists them
    transfers = AuditRecord.objects.filter(action="assignment.transfer")
    assert transfers.count() == len(moving)
    merge = AuditRecord.objects.get(action="agency.merge")
    assert len(merge.after["assignments_moved"]) == len(moving)


def test_a_successor_that_already_has_the_activity_takes_the_lead(world):
    a, b = world["a"], world["b"]
    activity = Assignment.objects.get(agency=a, activity__title="Bảy ngày nữa").activity
    theirs = Assignment.objects.create(
        activity=activity, agency=b, role=Assignment.Role.COOPERATING
    )
    agency_merge(sources=[a], into=b, on=MERGE_DAY)
    theirs.refresh_from_db()
    assert theirs.role == Assignment.Role.LEAD
    assert Assignment.objects.filter(activity=activity, agency=b).count() == 1
    assert Assignment.objects.get(activity=activity, agency=a).transferred_to == theirs


def test_after_the_merge_b_gets_the_reminders_and_a_none(world, django_capture_on_commit_callbacks):
    a, b = world["a"], world["b"]
    before = {i.activity for i in reminders_open_items(today=MONDAY) if i.agency_id == a.pk}
    assert before
    agency_merge(sources=[a], into=b, on=MERGE_DAY)
    items = reminders_open_items(today=MONDAY)
    assert not [i for i in items if i.agency_id == a.pk]
    assert before <= {i.activity for i in items if i.agency_id == b.pk}
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=MONDAY)
    to_b = [m for m in mail.outbox if "officer_b@cchc.example" in m.to]
    assert len(to_b) == 1
    assert all(title in to_b[0].body for title in before)
    assert not [m for m in mail.outbox if "officer_a@cchc.example" in m.to]
    assert not [m for m in mail.outbox if "sotuphap@cchc.example" in m.to]


def test_after_the_merge_b_s_worklist_shows_a_s_open_items(world, login):
    agency_merge(sources=[world["a"]], into=world["b"], on=MERGE_DAY)
    page = login("officer_b").get("/bao-cao/").content.decode()
    assert "Quá hạn bốn ngày" in page
    assert "Bảy ngày nữa" in page
    assert "Đã hoàn thành và được duyệt" not in page  # finished: stays with A


def test_the_dashboards_count_the_work_once(world, login):
    plan = world["plan"]
    before = plan_progress(plan, period=None, today=MONDAY)
    agency_merge(sources=[world["a"]], into=world["b"], on=MERGE_DAY)
    after = plan_progress(plan, period=None, today=MONDAY)
    assert len(after.items) == len(before.items)
    assert after.plan.percent == before.plan.percent
    assert after.plan.counted == before.plan.counted
    assert after.plan.overdue == before.plan.overdue
    # A's report stands for B's item until B reports itself
    moved = Assignment.objects.get(agency=world["b"], activity__title="Quá hạn bốn ngày")
    item = next(i for i in after.items if i.assignment_id == moved.pk)
    assert (item.status, item.percent) == (ProgressReport.Status.IN_PROGRESS, 40)
    # A keeps only what it finished itself
    assert after.agencies[world["a"].pk].counted == 1
    assert after.agencies[world["a"].pk].done == 1
    assert login("coordinator").get(f"/dashboard/?plan={plan.pk}").status_code == 200


def test_closing_without_successor_closes_the_open_work(world):
    a = world["a"]
    agency_close(agency=a, on=MERGE_DAY)
    assert _titles(a) == {"Đã hoàn thành và được duyệt"}
    closed = Assignment.objects.filter(agency=a, closed_on=MERGE_DAY)
    assert closed.count() == 5
    assert not closed.filter(transferred_to__isnull=False).exists()
    assert AuditRecord.objects.filter(action="assignment.close").count() == 5
    assert not [i for i in reminders_open_items(today=MONDAY) if i.agency_id == a.pk]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("itself", "vào chính nó"),
        ("closed_target", "đã giải thể từ ngày"),
        ("closed_source", "đã giải thể hoặc sáp nhập"),
    ],
)
def test_a_wrong_merge_is_refused_and_changes_nothing(world, case, message):
    a, b = world["a"], world["b"]
    if case == "closed_target":
        agency_close(agency=b, on=date(2022, 1, 1))
    if case == "closed_source":
        agency_close(agency=a, on=date(2022, 1, 1))
    before = list(Assignment.objects.order_by("pk").values())
    memberships = list(GroupMembership.objects.order_by("pk").values())
    into = a if case == "itself" else b
    with pytest.raises(AgencyChangeError) as caught:
        agency_merge(sources=[a], into=into, on=MERGE_DAY)
    assert message in str(caught.value)
    assert list(Assignment.objects.order_by("pk").values()) == before
    assert list(GroupMembership.objects.order_by("pk").values()) == memberships


def test_closing_twice_is_refused(world):
    agency_close(agency=world["a"], on=MERGE_DAY)
    with pytest.raises(AgencyChangeError, match="đã giải thể"):
        agency_close(agency=world["a"], on=date(2022, 6, 1))


def test_a_failure_half_way_rolls_the_whole_merge_back(world, monkeypatch):
    import cchc.monitoring.transfer as transfer

    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr(transfer, "log_here", failing)
    a, b = world["a"], world["b"]
    before = list(Assignment.objects.order_by("pk").values())
    with pytest.raises(RuntimeError):
        agency_merge(sources=[a], into=b, on=MERGE_DAY)
    a.refresh_from_db()
    assert a.closed_on is None and a.merged_into is None
    assert list(Assignment.objects.order_by("pk").values()) == before
    assert (
        members_on(AgencyGroup.objects.get(code="so-ban-nganh"), MERGE_DAY).filter(pk=a.pk).exists()
    )


def test_the_group_place_passes_to_the_successor_from_the_merge_day(agencies):
    departments = AgencyGroup.objects.get(code="so-ban-nganh")
    outsider = Agency.objects.create(name="Ban Dân tộc", kind=Agency.Kind.DEPARTMENT)
    GroupMembership.objects.create(
        group=AgencyGroup.objects.get(code="ubnd-cap-huyen"), agency=agencies["a"]
    )
    agency_merge(sources=[agencies["a"]], into=outsider, on=MERGE_DAY)
    assert members_on(departments, MERGE_DAY).filter(pk=outsider.pk).exists()
    assert not members_on(departments, date(2022, 2, 28)).filter(pk=outsider.pk).exists()
    assert members_on(departments, date(2022, 2, 28)).filter(pk=agencies["a"].pk).exists()
    assert set(groups_of(outsider, MERGE_DAY).values_list("code", flat=True)) == {
        "so-ban-nganh",
        "ubnd-cap-huyen",
    }


def test_two_open_ended_memberships_of_one_pair_are_refused_by_the_database(agencies, districts):
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMembership.objects.create(group=districts, agency=agencies["d1"])


# --- the merge page ---------------------------------------------------------------------


def _merge_url(agency: Agency) -> str:
    return f"/agencies/{agency.pk}/merge/"


def test_the_coordinator_previews_then_confirms_a_merge(world, login, personas):
    a, b = world["a"], world["b"]
    client = login("coordinator")
    page = client.get(_merge_url(a)).content.decode()
    assert "Sáp nhập hoặc giải thể" in page
    before = list(Assignment.objects.order_by("pk").values())

    preview = client.post(_merge_url(a), {"into": b.pk, "on": "01/03/2022"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "5 phân công đang mở sẽ chuyển sang Sở Xây dựng" in text
    assert "Quá hạn bốn ngày" in text
    assert "Đã hoàn thành và được duyệt" not in text
    assert "Xác nhận sáp nhập" in text
    # the preview changes nothing
    assert list(Assignment.objects.order_by("pk").values()) == before
    a.refresh_from_db()
    assert a.closed_on is None

    done = client.post(_merge_url(a), {"into": b.pk, "on": "2022-03-01", "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == f"/agencies/{a.pk}/"
    a.refresh_from_db()
    assert (a.merged_into, a.closed_on) == (b, MERGE_DAY)
    assert "Quá hạn bốn ngày" in _titles(b)
    record = AuditRecord.objects.filter(action="assignment.transfer").first()
    assert record is not None
    assert (record.actor, record.source) == (personas["coordinator"], "web")
    followed = client.get(done["Location"]).content.decode()
    assert "Đã sáp nhập Sở Tư pháp vào Sở Xây dựng" in followed


def test_the_coordinator_closes_an_agency_with_no_successor(world, login):
    a = world["a"]
    client = login("coordinator")
    preview = client.post(_merge_url(a), {"into": "", "on": "2022-03-01"}).content.decode()
    assert "5 phân công đang mở sẽ kết thúc" in preview
    client.post(_merge_url(a), {"into": "", "on": "2022-03-01", "confirm": "1"})
    a.refresh_from_db()
    assert a.closed_on == MERGE_DAY and a.merged_into is None
    assert _titles(a) == {"Đã hoàn thành và được duyệt"}


@pytest.mark.parametrize("persona", ["officer_a", "head_a", "officer_b", "leader", "appraiser"])
def test_only_the_coordinator_and_the_administrator_may_merge(world, login, persona):
    a, b = world["a"], world["b"]
    client = login(persona)
    assert client.get(_merge_url(a)).status_code == 403
    response = client.post(_merge_url(a), {"into": b.pk, "on": "2022-03-01", "confirm": "1"})
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.closed_on is None
    assert not AuditRecord.objects.filter(action="assignment.transfer").exists()


def test_the_agency_page_offers_the_merge_only_to_staff(world, login):
    url = f"/agencies/{world['a'].pk}/"
    assert _merge_url(world["a"]) in login("coordinator").get(url).content.decode()
    assert _merge_url(world["a"]) not in login("officer_a").get(url).content.decode()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("itself", "Không thể sáp nhập Sở Tư pháp vào chính nó"),
        ("closed_target", "vì cơ quan này đã giải thể từ ngày 01/01/2022"),
        ("bad_date", "Ngày không hợp lệ"),
        ("no_date", "Hãy nhập ngày sáp nhập hoặc giải thể"),
        ("unknown_target", "Cơ quan được chọn không có trong danh mục"),
    ],
)
def test_a_wrong_merge_on_the_page_says_why_in_vietnamese(world, login, case, message):
    a, b = world["a"], world["b"]
    data: dict[str, object] = {"into": b.pk, "on": "2022-03-01", "confirm": "1"}
    if case == "itself":
        data["into"] = a.pk
    elif case == "closed_target":
        agency_close(agency=b, on=date(2022, 1, 1))
    elif case == "bad_date":
        data["on"] = "31/02/2022"
    elif case == "no_date":
        data["on"] = ""
    elif case == "unknown_target":
        data["into"] = 999999
    before = list(Assignment.objects.order_by("pk").values())
    response = login("coordinator").post(_merge_url(a), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Assignment.objects.order_by("pk").values()) == before
    a.refresh_from_db()
    assert a.closed_on is None


def test_the_admin_action_leads_to_the_confirmation_page(world, client, personas):
    client.force_login(personas["admin"])
    a = world["a"]
    response = client.post(
        "/admin/agencies/agency/",
        {"action": "merge_or_close", "_selected_action": [a.pk]},
    )
    assert response.status_code == 302 and response["Location"] == _merge_url(a)
    # the change form no longer merges by typing into a field
    page = client.get(f"/admin/agencies/agency/{a.pk}/change/").content.decode()
    assert 'name="merged_into"' not in page


def test_the_trend_keeps_counting_what_a_reported_before_the_merge(world, personas):
    from datetime import UTC, datetime

    from cchc.dashboards.queries.trend import plan_trend
    from cchc.monitoring.models import ReportVersion
    from cchc.monitoring.services import report_get_or_create, report_save, report_submit

    plan = world["plan"]
    today = date(2022, 12, 31)
    # A sends a report the ordinary way in February, before the merge.
    target = Assignment.objects.get(agency=world["a"], activity__title="Bảy ngày nữa")
    sent = report_get_or_create(assignment=target, period=plan.periods.order_by("position")[0])
    sent = report_save(
        report=sent,
        actor=personas["head_a"],
        expected_version=None,
        status=ProgressReport.Status.IN_PROGRESS,
        percent=60,
    )
    report_submit(report=sent, actor=personas["head_a"], expected_version=None)
    ReportVersion.objects.update(at=datetime(2022, 2, 20, tzinfo=UTC))
    before = plan_trend(plan, plan_progress(plan, period=None, today=today), today=today)
    agency_merge(sources=[world["a"]], into=world["b"], on=MERGE_DAY)
    after = plan_trend(plan, plan_progress(plan, period=None, today=today), today=today)
    assert [(p.month, p.percent, p.sent) for p in after] == [
        (p.month, p.percent, p.sent) for p in before
    ]
    assert any(p.sent for p in after)


def test_the_successor_s_own_report_replaces_the_inherited_one(world):
    agency_merge(sources=[world["a"]], into=world["b"], on=MERGE_DAY)
    moved = Assignment.objects.get(agency=world["b"], activity__title="Quá hạn bốn ngày")
    period = moved.activity.plan.periods.order_by("position").first()
    ProgressReport.objects.create(
        assignment=moved,
        period=period,
        status=ProgressReport.Status.DONE,
        percent=100,
        completed_on=date(2022, 3, 12),
        state=ProgressReport.State.SUBMITTED,
    )
    item = next(
        i
        for i in plan_progress(world["plan"], period=None, today=MONDAY).items
        if i.assignment_id == moved.pk
    )
    assert (item.status, item.percent) == (ProgressReport.Status.DONE, 100)
    # and, reported done, it is no longer reminded
    assert "Quá hạn bốn ngày" not in {i.activity for i in reminders_open_items(today=MONDAY)}
