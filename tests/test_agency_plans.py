"""Each agency's own plan (docs/agency-plans.md): derived from the province's, extended,
issued, downloaded, monitored; a district's cascaded to its communes; the coordinator's
table of who has issued theirs and whether on time."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency
from cchc.audit.models import AuditRecord
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.monitoring.services import report_get_or_create, report_review, report_save, report_submit
from cchc.plans.cascade import (
    AgencyPlanError,
    AgencyPlanForbidden,
    activity_set_lead,
    agency_plan_issuance,
    plan_add_activity,
    plan_derive,
    plan_issue,
    plan_set_agency_plans_due,
    plan_shares,
)
from cchc.plans.models import Activity, Assignee, Plan
from cchc.reminders.models import Notification
from cchc.reminders.services import reminders_open_items
from tests.factories import job_of, make_user

ISSUED_ON = date(2022, 2, 10)


@pytest.fixture
def world(agencies: dict[str, Agency], personas: dict[str, User], plan: Plan) -> dict[str, Any]:
    """Sở Tư pháp (agency A) with two phòng; a district with two communes; their people."""
    a, d1 = agencies["a"], agencies["d1"]
    units = {
        "u1": Agency.objects.create(
            name="Phòng Hành chính tư pháp", kind=Agency.Kind.UNIT, parent=a
        ),
        "u2": Agency.objects.create(name="Văn phòng Sở Tư pháp", kind=Agency.Kind.UNIT, parent=a),
        "c1": Agency.objects.create(name="UBND xã Hướng Hiệp", kind=Agency.Kind.COMMUNE, parent=d1),
        "c2": Agency.objects.create(name="UBND xã Mò Ó", kind=Agency.Kind.COMMUNE, parent=d1),
        "ub": Agency.objects.create(
            name="Phòng Quản lý xây dựng", kind=Agency.Kind.UNIT, parent=agencies["b"]
        ),
    }
    people = {
        "officer_u1": make_user("officer_u1", Role.OFFICER, units["u1"]),
        "head_u1": make_user("head_u1", Role.HEAD, units["u1"]),
        "head_d1": make_user("head_d1", Role.HEAD, d1),
        "head_c1": make_user("head_c1", Role.HEAD, units["c1"]),
    }
    return {"plan": plan, **agencies, **units, **personas, **people}


def _derive_a(world: dict[str, Any]) -> Plan:
    return plan_derive(parent=world["plan"], agency=world["a"], actor=world["officer_a"]).plan


def _issue(plan: Plan, actor: User, number: str = "45/KH-STP", day: date = ISSUED_ON) -> Plan:
    return plan_issue(plan=plan, number=number, issued_on=day, signer="Nguyễn Văn An", actor=actor)


# ---------------------------------------------------------------------------
# Derive


def test_derive_copies_what_the_agency_leads_or_cooperates_on_groups_expanded(world) -> None:
    plan, a = world["plan"], world["a"]
    share = plan_shares(plan)[a.pk]
    via_group = Activity.objects.filter(plan=plan, assignees__group__code="so-ban-nganh")
    direct = Activity.objects.filter(plan=plan, assignees__agency=a)
    assert via_group.exists() and direct.exists()
    assert set(share) == set(via_group.values_list("pk", flat=True)) | set(
        direct.values_list("pk", flat=True)
    )

    derived = plan_derive(parent=plan, agency=a, actor=world["officer_a"])

    own = derived.plan
    assert derived.created and derived.added == len(share)
    assert own.status == Plan.Status.DRAFT and own.parent == plan
    assert own.issuer == "Sở Tư pháp" and own.issuer_agency == a and own.year == plan.year
    assert set(own.activities.values_list("source_id", flat=True)) == set(share)
    for copy in own.activities.select_related("source").prefetch_related("due_dates"):
        source = copy.source
        assert copy.title == source.title and copy.deadline == source.deadline
        assert [d.due_on for d in copy.due_dates.all()] == list(
            source.due_dates.values_list("due_on", flat=True)
        )
        (lead,) = copy.assignees.all()
        assert lead.role == Assignee.Role.LEAD and lead.agency == a
        role = "Chủ trì" if share[source.pk] == "lead" else "Phối hợp"
        assert lead.note.startswith(f"{role} theo kế hoạch 99/KH-UBND")
    assert AuditRecord.objects.filter(action="plan.derive", object_id=str(own.pk)).exists()


def test_deriving_again_adds_only_what_is_new_and_only_while_draft(world) -> None:
    plan, a = world["plan"], world["a"]
    own = _derive_a(world)
    count = own.activities.count()

    again = plan_derive(parent=plan, agency=a, actor=world["head_a"])
    assert (again.plan, again.created, again.added) == (own, False, 0)
    assert own.activities.count() == count

    # The province names Sở Tư pháp on one more activity: the draft takes it in.
    extra = Activity.objects.filter(plan=plan).exclude(pk__in=plan_shares(plan)[a.pk]).first()
    Assignee.objects.create(activity=extra, role="cooperating", written_name=a.name, agency=a)
    assert plan_derive(parent=plan, agency=a, actor=world["officer_a"]).added == 1
    assert own.activities.count() == count + 1

    _issue(own, world["head_a"])
    other = Activity.objects.filter(plan=plan).exclude(pk__in=plan_shares(plan)[a.pk]).first()
    Assignee.objects.create(activity=other, role="lead", written_name=a.name, agency=a)
    late = plan_derive(parent=plan, agency=a, actor=world["officer_a"])
    assert (late.plan, late.added) == (own, 0)
    assert own.activities.count() == count + 1
    assert Plan.objects.filter(parent=plan, issuer_agency=a).count() == 1


def test_derive_is_refused_to_other_agencies_and_to_agencies_without_a_share(world) -> None:
    plan = world["plan"]
    for user in ("officer_b", "leader", "appraiser"):
        with pytest.raises(AgencyPlanForbidden):
            plan_derive(parent=plan, agency=world["a"], actor=world[user])
    lone = Agency.objects.create(name="Ban Dân tộc", kind=Agency.Kind.DEPARTMENT)
    with pytest.raises(AgencyPlanError, match="không được giao hoạt động nào"):
        plan_derive(parent=plan, agency=lone, actor=world["coordinator"])
    # A phòng makes no plan; a commune makes its plan from its district's.
    with pytest.raises(AgencyPlanError, match="không lập kế hoạch riêng"):
        plan_derive(parent=plan, agency=world["u1"], actor=world["coordinator"])
    with pytest.raises(AgencyPlanError, match="không lập kế hoạch riêng"):
        plan_derive(parent=plan, agency=world["c1"], actor=world["head_c1"])
    assert not Plan.objects.filter(parent=plan).exists()
    # The province may make any agency's draft.
    assert plan_derive(parent=plan, agency=world["b"], actor=world["coordinator"]).created


# ---------------------------------------------------------------------------
# Edit while draft


def test_the_agency_adds_its_own_task_and_activity_led_by_its_units(world) -> None:
    own = _derive_a(world)
    activity = plan_add_activity(
        plan=own,
        actor=world["officer_a"],
        area_code="I",
        task_title="Rà soát văn bản quy phạm pháp luật của tỉnh",
        title="Tự kiểm tra văn bản do HĐND, UBND tỉnh ban hành",
        outputs="Báo cáo kết quả",
        deadline="Quý II",
        lead_id=world["u1"].pk,
        cooperating_ids=[world["u2"].pk],
    )
    assert activity.source is None and activity.task.area.code == "I"
    # Numbered after every task of area I above, so a task copied later never meets it.
    above = world["plan"].tasks.filter(area__code="I").values_list("number", flat=True)
    assert int(activity.task.number) == max(int(n) for n in above) + 1
    assert list(activity.due_dates.values_list("due_on", flat=True)) == [date(2022, 6, 30)]
    assert activity.deadline_kind == "quarter" and not activity.needs_date
    roles = {(a.role, a.agency_id) for a in activity.assignees.all()}
    assert roles == {("lead", world["u1"].pk), ("cooperating", world["u2"].pk)}
    # A second activity under the same task, by id; an undated phrase is flagged.
    second = plan_add_activity(
        plan=own,
        actor=world["head_a"],
        task_id=activity.task_id,
        title="Hướng dẫn nghiệp vụ",
        deadline="Theo yêu cầu",
        lead_id=world["a"].pk,
    )
    assert second.task_id == activity.task_id and second.needs_date


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "Hãy nhập tên hoạt động"),
        ({"deadline": ""}, "Hãy nhập thời gian hoàn thành"),
        ({"lead_id": None}, "Hãy chọn một phòng"),
        ({"lead_id": "unit_of_b"}, "Hãy chọn một phòng"),
        ({"cooperating_ids": ["c1"]}, "Hãy chọn một phòng"),
        ({"task_title": ""}, "Hãy chọn một nhiệm vụ"),
        ({"area_code": "XX"}, "Hãy chọn lĩnh vực"),
        ({"title": "x" * 4001}, "dài quá giới hạn"),
    ],
)
def test_a_wrong_activity_is_refused_and_changes_nothing(world, changes, message) -> None:
    own = _derive_a(world)
    before = (own.activities.count(), own.tasks.count(), own.areas.count())
    values = {
        "area_code": "II",
        "task_title": "Nhiệm vụ mới",
        "title": "Hoạt động",
        "deadline": "Quý III",
        "lead_id": world["u1"].pk,
        "cooperating_ids": [],
    } | changes
    if values["lead_id"] == "unit_of_b":
        values["lead_id"] = world["ub"].pk
    values["cooperating_ids"] = [world[c].pk for c in values["cooperating_ids"]]
    with pytest.raises(AgencyPlanError, match=message):
        plan_add_activity(plan=own, actor=world["officer_a"], **values)
    assert (own.activities.count(), own.tasks.count(), own.areas.count()) == before


def test_a_copied_activity_is_handed_to_a_unit_keeping_the_role_note(world) -> None:
    own = _derive_a(world)
    copy = own.activities.first()
    note = copy.assignees.get().note
    activity_set_lead(activity=copy, lead_id=world["u2"].pk, actor=world["officer_a"])
    (lead,) = copy.assignees.all()
    assert (lead.agency, lead.note) == (world["u2"], note)
    with pytest.raises(AgencyPlanError, match="Hãy chọn một phòng"):
        activity_set_lead(activity=copy, lead_id=world["ub"].pk, actor=world["officer_a"])
    with pytest.raises(AgencyPlanForbidden):
        activity_set_lead(activity=copy, lead_id=world["u1"].pk, actor=world["officer_b"])
    assert copy.assignees.get().agency == world["u2"]


# ---------------------------------------------------------------------------
# Issue


@pytest.mark.parametrize(
    ("number", "day", "signer", "message"),
    [
        ("KH-STP", ISSUED_ON, "Nguyễn Văn An", "không đúng dạng"),
        ("Số      /KH-STP", ISSUED_ON, "Nguyễn Văn An", "không đúng dạng"),
        ("45/KH-STP", None, "Nguyễn Văn An", "Hãy nhập ngày ban hành"),
        ("45/KH-STP", date(2021, 12, 1), "Nguyễn Văn An", "trước ngày ban hành kế hoạch cấp trên"),
        ("45/KH-STP", "tomorrow", "Nguyễn Văn An", "ở sau hôm nay"),
        ("45/KH-STP", ISSUED_ON, "  ", "Hãy nhập người ký"),
    ],
)
def test_a_wrong_issue_is_refused_and_the_plan_stays_a_draft(
    world, number, day, signer, message
) -> None:
    from cchc.lib import calendar

    own = _derive_a(world)
    if day == "tomorrow":
        day = calendar.today() + timedelta(days=1)
    with pytest.raises(AgencyPlanError, match=message):
        plan_issue(plan=own, number=number, issued_on=day, signer=signer, actor=world["head_a"])
    own.refresh_from_db()
    assert (own.status, own.number, own.issued_on, own.signer) == ("draft", "", None, "")


def test_only_the_head_of_the_agency_or_the_admin_issues(world) -> None:
    own = _derive_a(world)
    for user in ("officer_a", "officer_b", "coordinator", "leader", "head_d1"):
        with pytest.raises(AgencyPlanForbidden):
            _issue(own, world[user])
    own.refresh_from_db()
    assert own.status == "draft"
    _issue(own, world["head_a"])
    own.refresh_from_db()
    assert (own.status, own.number, own.issued_on, own.signer) == (
        "issued",
        "45/KH-STP",
        ISSUED_ON,
        "Nguyễn Văn An",
    )


def test_an_issued_plan_is_read_only(world) -> None:
    own = _derive_a(world)
    _issue(own, world["head_a"])
    count = own.activities.count()
    with pytest.raises(AgencyPlanError, match="Kế hoạch đã ban hành thì không sửa được nữa"):
        plan_add_activity(
            plan=own,
            actor=world["officer_a"],
            task_id=own.tasks.first().pk,
            title="Thêm",
            deadline="Quý IV",
            lead_id=world["u1"].pk,
        )
    with pytest.raises(AgencyPlanError, match="không sửa được nữa"):
        activity_set_lead(
            activity=own.activities.first(), lead_id=world["u1"].pk, actor=world["head_a"]
        )
    with pytest.raises(AgencyPlanError, match="không sửa được nữa"):
        _issue(own, world["head_a"], number="46/KH-STP")
    assert own.activities.count() == count


def test_the_same_number_twice_for_one_issuer_is_refused(world) -> None:
    own = _derive_a(world)
    Plan.objects.create(issuer="Sở Tư pháp", number="45/KH-STP", year=2022, title="Khác")
    with pytest.raises(AgencyPlanError, match="đã có văn bản số 45/KH-STP"):
        _issue(own, world["head_a"])


# ---------------------------------------------------------------------------
# Monitoring


def test_the_issued_plan_is_monitored_like_the_provinces(world, client: Client) -> None:
    own = _derive_a(world)
    copy = own.activities.order_by("first_due").exclude(first_due=None).first()
    activity_set_lead(activity=copy, lead_id=world["u1"].pk, actor=world["officer_a"])
    mine = plan_add_activity(
        plan=own,
        actor=world["officer_a"],
        area_code="I",
        task_title="Nhiệm vụ của Sở",
        title="Số hóa hồ sơ hộ tịch",
        deadline="30/06/2022",
        lead_id=world["u1"].pk,
    )
    _issue(own, world["head_a"])

    # The periods of the plan above; the units' assignments.
    parent_periods = list(world["plan"].periods.values_list("code", "due_on"))
    assert list(own.periods.values_list("code", "due_on")) == parent_periods
    unit_work = Assignment.objects.filter(activity__plan=own, agency=world["u1"])
    assert set(unit_work.values_list("activity_id", flat=True)) == {copy.pk, mine.pk}

    # The unit's officer sees its work in the worklist of that plan.
    client.force_login(world["officer_u1"])
    page = client.get("/bao-cao/", {"plan": own.pk})
    assert page.status_code == 200
    assert "Số hóa hồ sơ hộ tịch" in page.content.decode()

    # And is reminded of it.
    items = reminders_open_items(today=date(2022, 6, 27))
    assert any(i.agency_id == world["u1"].pk and i.activity == mine.title for i in items)

    # The unit reports, its head sends; Sở Tư pháp's head is told and reviews, not the
    # province's coordinator.
    period = own.periods.get(code="6-thang")
    assignment = unit_work.get(activity=mine)
    report = report_get_or_create(assignment=assignment, period=period)
    report = report_save(
        report=report,
        actor=world["officer_u1"],
        expected_version=report.version,
        status="done",
        percent=100,
        narrative="Đã số hóa 12.000 hồ sơ",
        completed_on=date(2022, 6, 20),
    )
    report = report_submit(report=report, actor=world["head_u1"], expected_version=report.version)
    told = set(
        Notification.objects.filter(kind="report_sent").values_list("user__username", flat=True)
    )
    assert told == {"head_a"}
    with pytest.raises(Exception, match="thủ trưởng cơ quan ban hành"):
        report_review(
            report=report, actor=world["head_d1"], approve=True, expected_version=report.version
        )
    report = report_review(
        report=report, actor=world["head_a"], approve=True, expected_version=report.version
    )
    assert report.state == "approved"

    # The coordinator's queue for the province's plan does not list it.
    client.force_login(world["coordinator"])
    queue = client.get("/bao-cao/cho-duyet/", {"plan": world["plan"].pk}).content.decode()
    assert "Số hóa hồ sơ hộ tịch" not in queue


def test_a_head_does_not_review_the_provinces_reports(world) -> None:
    assignment = Assignment.objects.filter(activity__plan=world["plan"], agency=world["a"]).first()
    period = ReportingPeriod.objects.get(plan=world["plan"], code="q1")
    report = report_get_or_create(assignment=assignment, period=period)
    report = report_submit(report=report, actor=world["head_a"], expected_version=report.version)
    with pytest.raises(Exception, match="thủ trưởng cơ quan ban hành"):
        report_review(
            report=report, actor=world["head_a"], approve=True, expected_version=report.version
        )


# ---------------------------------------------------------------------------
# Cascade to communes


def test_a_district_cascades_its_plan_to_its_communes(world) -> None:
    plan, d1, c1 = world["plan"], world["d1"], world["c1"]
    district = plan_derive(parent=plan, agency=d1, actor=world["head_d1"]).plan
    assert district.activities.exists()
    first = district.activities.first()
    activity_set_lead(activity=first, lead_id=c1.pk, actor=world["head_d1"])
    ours = plan_add_activity(
        plan=district,
        actor=world["head_d1"],
        area_code="II",
        task_title="Cải cách ở xã",
        title="Niêm yết thủ tục tại bộ phận một cửa",
        deadline="Quý I",
        lead_id=c1.pk,
        cooperating_ids=[world["c2"].pk],
    )
    # From the district's draft the district makes its commune's plan.
    commune = plan_derive(parent=district, agency=c1, actor=world["head_d1"]).plan
    assert commune.parent == district and commune.issuer == "UBND xã Hướng Hiệp"
    assert set(commune.activities.values_list("source_id", flat=True)) == {first.pk, ours.pk}
    # c2 cooperates: it too gets a plan; another district's head may not make it.
    with pytest.raises(AgencyPlanForbidden):
        plan_derive(parent=district, agency=world["c2"], actor=world["head_a"])
    assert plan_derive(parent=district, agency=world["c2"], actor=world["head_d1"]).added == 1
    # A commune's plan is issued after its district's.
    with pytest.raises(AgencyPlanError, match="Kế hoạch cấp trên chưa ban hành"):
        _issue(commune, world["head_c1"], number="12/KH-UBND")
    _issue(district, world["head_d1"], number="30/KH-UBND")
    _issue(commune, world["head_c1"], number="12/KH-UBND", day=date(2022, 2, 20))
    rows = {r.agency.pk: r for r in agency_plan_issuance(district)}
    assert rows[c1.pk].issued_on == date(2022, 2, 20)
    assert rows[world["c2"].pk].plan is not None and rows[world["c2"].pk].issued_on is None


# ---------------------------------------------------------------------------
# Who has issued, on time


def test_issuance_on_time_against_the_deadline(world) -> None:
    plan = world["plan"]
    own = _derive_a(world)
    _issue(own, world["head_a"])
    plan_derive(parent=plan, agency=world["d1"], actor=world["head_d1"])
    rows = {r.agency.pk: r for r in agency_plan_issuance(plan, today=date(2022, 3, 10))}
    assert rows[world["a"].pk].on_time is None  # no deadline set
    assert {world["a"].pk, world["b"].pk, world["d1"].pk, world["d2"].pk} <= set(rows)

    with pytest.raises(AgencyPlanForbidden):
        plan_set_agency_plans_due(plan=plan, due=date(2022, 2, 28), actor=world["head_a"])
    with pytest.raises(AgencyPlanError, match="trước ngày ban hành"):
        plan_set_agency_plans_due(plan=plan, due=date(2021, 1, 1), actor=world["coordinator"])
    plan_set_agency_plans_due(plan=plan, due=date(2022, 2, 28), actor=world["coordinator"])

    before = {r.agency.pk: r.on_time for r in agency_plan_issuance(plan, today=date(2022, 2, 15))}
    assert before[world["a"].pk] is True
    assert before[world["d1"].pk] is None and before[world["b"].pk] is None  # time left
    after = {r.agency.pk: r for r in agency_plan_issuance(plan, today=date(2022, 3, 10))}
    assert after[world["a"].pk].on_time is True
    assert after[world["a"].pk].issued_on == ISSUED_ON
    assert after[world["d1"].pk].on_time is False and after[world["d1"].pk].state == "draft"
    assert after[world["b"].pk].on_time is False and after[world["b"].pk].state == "none"

    plan_set_agency_plans_due(plan=plan, due=date(2022, 2, 1), actor=world["coordinator"])
    late = {r.agency.pk: r.on_time for r in agency_plan_issuance(plan, today=date(2022, 3, 10))}
    assert late[world["a"].pk] is False


# ---------------------------------------------------------------------------
# Pages


def test_the_agency_derives_extends_issues_and_downloads_on_its_pages(
    world, client: Client
) -> None:
    plan = world["plan"]
    client.force_login(world["officer_a"])
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "Kế hoạch của cơ quan tôi" in page
    response = client.post(f"/plans/{plan.pk}/derive/")
    own = Plan.objects.get(parent=plan, issuer_agency=world["a"])
    assert response["Location"] == f"/plans/{own.pk}/own/"
    page = client.get(f"/plans/{own.pk}/own/").content.decode()
    assert "Thêm hoạt động của cơ quan" in page and "Ban hành kế hoạch" not in page  # an officer

    response = client.post(
        f"/plans/{own.pk}/own/activities/",
        {
            "task": "new",
            "area": "III",
            "task_title": "Nâng cao chất lượng dịch vụ công",
            "title": "Khảo sát sự hài lòng",
            "deadline": "Tháng 9",
            "lead": world["u1"].pk,
            "cooperating": [world["u2"].pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = own.activities.get(title="Khảo sát sự hài lòng")
    assert added.first_due == date(2022, 9, 30)
    copy = own.activities.exclude(source=None).first()
    client.post(f"/plans/{own.pk}/own/activities/{copy.pk}/lead/", {"lead": world["u2"].pk})
    assert copy.assignees.get().agency == world["u2"]

    # The officer may not issue; the head does.
    assert client.post(f"/plans/{own.pk}/own/issue/", {}).status_code == 403
    client.force_login(world["head_a"])
    bad = client.post(
        f"/plans/{own.pk}/own/issue/",
        {"number": "45/KH-STP", "issued_on": "2099-01-01", "signer": "A"},
    )
    assert bad.status_code == 400 and "ở sau hôm nay" in bad.content.decode()
    response = client.post(
        f"/plans/{own.pk}/own/issue/",
        {"number": "45/KH-STP", "issued_on": "2022-02-10", "signer": "Nguyễn Văn An"},
        follow=True,
    )
    page = response.content.decode()
    assert "Đã ban hành kế hoạch số 45/KH-STP ngày 10/02/2022" in page
    assert "Thêm hoạt động của cơ quan" not in page
    refused = client.post(
        f"/plans/{own.pk}/own/activities/",
        {
            "task": "new",
            "area": "I",
            "task_title": "X",
            "title": "Y",
            "deadline": "Quý I",
            "lead": world["a"].pk,
        },
        follow=True,
    )
    assert "Kế hoạch đã ban hành thì không sửa được nữa" in refused.content.decode()
    assert not own.activities.filter(title="Y").exists()

    # Downloads: the appendix with Sở Tư pháp as issuer.
    job = job_of(client.get(f"/plans/{own.pk}/export/xlsx/"))
    assert job.status == "done", job.errors
    file = client.get(f"/jobs/{job.pk}/file/")
    data = b"".join(file.streaming_content) if file.streaming else file.content
    cells = " ".join(
        str(c)
        for row in load_workbook(BytesIO(data)).active.iter_rows(values_only=True)
        for c in row
        if c
    )
    assert (
        "SỞ TƯ PHÁP" in cells.upper() and "45/KH-STP" in cells and "Khảo sát sự hài lòng" in cells
    )
    job = job_of(client.get(f"/plans/{own.pk}/export/docx/"))
    assert job.status == "done", job.errors


def test_other_people_may_not_edit_an_agencys_plan(world, client: Client) -> None:
    own = _derive_a(world)
    for user in ("officer_b", "head_d1"):
        client.force_login(world[user])
        response = client.post(
            f"/plans/{own.pk}/own/activities/",
            {
                "task": "new",
                "area": "I",
                "task_title": "X",
                "title": "Y",
                "deadline": "Quý I",
                "lead": world["a"].pk,
            },
        )
        assert response.status_code == 403
        page = client.get(f"/plans/{own.pk}/own/").content.decode()
        assert "Thêm hoạt động của cơ quan" not in page
    assert not own.activities.filter(title="Y").exists()


def test_the_coordinators_table_and_its_download(world, client: Client) -> None:
    plan = world["plan"]
    own = _derive_a(world)
    _issue(own, world["head_a"])
    client.force_login(world["coordinator"])
    page = client.get(f"/plans/{plan.pk}/agency-plans/").content.decode()
    assert "Kế hoạch CCHC của các cơ quan" in page
    assert "số 45/KH-STP ngày 10/02/2022" in page and "Chưa lập" in page
    response = client.post(f"/plans/{plan.pk}/agency-plans/due/", {"due": "2022-02-28"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.agency_plans_due == date(2022, 2, 28)
    bad = client.post(f"/plans/{plan.pk}/agency-plans/due/", {"due": "2021-01-01"})
    assert bad.status_code == 400 and "trước ngày ban hành" in bad.content.decode()
    plan.refresh_from_db()
    assert plan.agency_plans_due == date(2022, 2, 28)

    book = load_workbook(BytesIO(client.get(f"/plans/{plan.pk}/agency-plans.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[2][1] == "Cơ quan"
    tp = next(r for r in rows if r[1] == "Sở Tư pháp")
    assert tp[4] == "45/KH-STP" and tp[6] == "Nguyễn Văn An" and tp[7] == "Đúng hạn"

    client.force_login(world["officer_a"])
    assert client.get(f"/plans/{plan.pk}/agency-plans/").status_code == 403


def test_the_default_plan_is_never_an_agencys_own(world) -> None:
    from cchc.plans.readmodel import plan_latest, plan_viewed

    own = _derive_a(world)
    assert plan_latest() == world["plan"]
    assert plan_viewed(world["leader"], {}).plan == world["plan"]
    assert plan_viewed(world["officer_a"], {"plan": str(own.pk)}).plan == own


# ---------------------------------------------------------------------------
# API


def _api(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def test_the_api_covers_the_cascade(world, client: Client) -> None:
    plan = world["plan"]
    assert (
        _api(client, "POST", f"/api/plans/{plan.pk}/agency-plans", {"agency_id": 1}).status_code
        == 401
    )
    client.force_login(world["officer_b"])
    refused = _api(
        client, "POST", f"/api/plans/{plan.pk}/agency-plans", {"agency_id": world["a"].pk}
    )
    assert refused.status_code == 403 and "không có quyền" in refused.json()["detail"]

    client.force_login(world["officer_a"])
    made = _api(client, "POST", f"/api/plans/{plan.pk}/agency-plans", {"agency_id": world["a"].pk})
    assert made.status_code == 200 and made.json()["created"] is True
    own_id = made.json()["plan_id"]
    added = _api(
        client,
        "POST",
        f"/api/agency-plans/{own_id}/activities",
        {
            "title": "Tập huấn",
            "deadline": "Quý II",
            "lead_id": world["u1"].pk,
            "area_code": "I",
            "task_title": "Bồi dưỡng",
        },
    )
    assert added.status_code == 201, added.json()
    assert added.json()["due_dates"] == ["2022-06-30"]
    wrong = _api(
        client,
        "POST",
        f"/api/agency-plans/{own_id}/activities",
        {
            "title": "Tập huấn",
            "deadline": "Quý II",
            "lead_id": world["ub"].pk,
            "area_code": "I",
            "task_title": "Bồi dưỡng",
        },
    )
    assert wrong.status_code == 400 and "Hãy chọn một phòng" in wrong.json()["detail"]
    lead = _api(
        client,
        "PUT",
        f"/api/agency-plans/{own_id}/activities/{added.json()['id']}/lead",
        {"lead_id": world["u2"].pk},
    )
    assert lead.status_code == 200 and lead.json()["lead_id"] == world["u2"].pk
    assert (
        _api(
            client,
            "POST",
            f"/api/agency-plans/{own_id}/issue",
            {"number": "45/KH-STP", "issued_on": "2022-02-10", "signer": "A"},
        ).status_code
        == 403
    )

    client.force_login(world["head_a"])
    bad = _api(
        client,
        "POST",
        f"/api/agency-plans/{own_id}/issue",
        {"number": "45", "issued_on": "2022-02-10", "signer": "A"},
    )
    assert bad.status_code == 400 and "không đúng dạng" in bad.json()["detail"]
    issued = _api(
        client,
        "POST",
        f"/api/agency-plans/{own_id}/issue",
        {"number": "45/KH-STP", "issued_on": "2022-02-10", "signer": "Nguyễn Văn An"},
    )
    assert issued.status_code == 200 and issued.json()["status"] == "issued"

    client.force_login(world["coordinator"])
    listing = _api(client, "GET", f"/api/plans/{plan.pk}/agency-plans").json()
    mine = next(r for r in listing["agencies"] if r["agency_id"] == world["a"].pk)
    assert (mine["status"], mine["number"], mine["issued_on"]) == (
        "issued",
        "45/KH-STP",
        "2022-02-10",
    )
    client.force_login(world["admin"])
    assert (
        _api(
            client,
            "POST",
            f"/api/agency-plans/{plan.pk}/issue",
            {"number": "1/KH", "issued_on": "2022-02-10", "signer": "A"},
        ).status_code
        == 404
    )
