"""The fast import: assignments made in one statement give what the per-assignee rules
give, the number of queries does not grow with the plan, and a failure midway leaves
nothing behind. (Timings are `cchc bench`'s business, never asserted here.)"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cchc.agencies.eras import plan_day
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.monitoring.models import Assignment
from cchc.monitoring.services import assignments_sync
from cchc.plans.interchange import ActivityRow
from cchc.plans.models import Activity, Assignee, DueDate, Plan, Task
from cchc.plans.services import plan_import
from tests import factories


def _by_the_old_rules(plan: Plan) -> set[tuple[int, int, str, int | None]]:
    """The assignments as the per-assignee loop made them before the fast path: assignees
    read in their model order, groups expanded with the memberships in force on the plan's
    day, closed agencies left out, the first lead (else the first cooperating one) kept."""
    wanted: dict[tuple[int, int], tuple[str, int | None]] = {}
    members: dict[int, list[int]] = {}
    for membership in GroupMembership.objects.on(plan_day(plan)):
        members.setdefault(membership.group_id, []).append(membership.agency_id)
    active = set(Agency.objects.filter(closed_on__isnull=True).values_list("pk", flat=True))
    for assignee in Assignee.objects.filter(activity__plan=plan).order_by(
        "activity", "role", "position", "pk"
    ):
        targets = (
            [(assignee.agency_id, None)]
            if assignee.agency_id
            else [(a, assignee.group_id) for a in members.get(assignee.group_id or 0, [])]
        )
        for agency_id, via in targets:
            if agency_id not in active:
                continue
            key = (assignee.activity_id, agency_id)
            current = wanted.get(key)
            if current is None or (current[0] != "lead" and assignee.role == "lead"):
                wanted[key] = (assignee.role, via)
    return {(a, g, role, via) for (a, g), (role, via) in wanted.items()}


def _made(plan: Plan) -> set[tuple[int, int, str, int | None]]:
    return set(
        Assignment.objects.filter(activity__plan=plan).values_list(
            "activity_id", "agency_id", "role", "via_group_id"
        )
    )


def test_the_factories_plan_gets_the_assignments_the_old_rules_give(plan: Plan) -> None:
    assert _made(plan)
    assert _made(plan) == _by_the_old_rules(plan)


def test_groups_in_time_closed_agencies_and_lead_over_cooperating(
    agencies: dict[str, Agency],
) -> None:
    """Every rule at once, on one plan: a membership that ended before the plan's year and
    one that starts after its first day, a closed agency, an agency named directly and
    through a group in both roles, two groups naming one agency as lead."""
    districts = AgencyGroup.objects.get(code="ubnd-cap-huyen")
    departments = AgencyGroup.objects.get(code="so-ban-nganh")
    late = Agency.objects.create(
        name="UBND huyện Hướng Hóa", kind=Agency.Kind.DISTRICT, parent=agencies["province"]
    )
    gone = Agency.objects.create(
        name="UBND huyện Vĩnh Linh", kind=Agency.Kind.DISTRICT, parent=agencies["province"]
    )
    GroupMembership.objects.create(group=districts, agency=late, valid_from=date(2022, 3, 1))
    GroupMembership.objects.create(group=districts, agency=gone, valid_to=date(2021, 12, 31))
    # A department that is also counted among the districts' group (a data error a
    # province may well have): named by two groups as lead, the first group says "via".
    GroupMembership.objects.create(group=districts, agency=agencies["a"])
    agencies["b"].closed_on = date(2023, 1, 1)
    agencies["b"].save()

    document = factories.synthetic_document(3)
    task = document.areas[0].tasks[0]
    task.activities = [
        ActivityRow(
            title="Rà soát thủ tục liên thông",
            lead=["UBND cấp huyện", "Các sở, ban, ngành"],
            cooperating=["Sở Tư pháp", "Văn phòng UBND tỉnh", "Các sở, ban, ngành"],
            deadline="Quý II",
        ),
        ActivityRow(
            title="Công bố thủ tục",
            lead=["Văn phòng UBND tỉnh"],
            cooperating=["UBND cấp huyện"],
            deadline="Quý III",
        ),
    ]
    plan = plan_import(document=document)
    made = _made(plan)
    assert made == _by_the_old_rules(plan)

    first = plan.activities.get(title="Rà soát thủ tục liên thông")
    roles = {agency: (role, via) for activity, agency, role, via in made if activity == first.pk}
    assert roles[agencies["a"].pk] == ("lead", districts.pk)  # the first lead group
    assert roles[agencies["home"].pk] == ("lead", departments.pk)
    assert roles[agencies["office"].pk] == ("lead", departments.pk)  # lead wins
    assert agencies["b"].pk not in roles  # closed
    assert gone.pk not in roles  # out of the group before the plan's year
    assert late.pk not in roles  # in the group only after the plan's first day
    second = plan.activities.get(title="Công bố thủ tục")
    assert {a for act, a, _r, _v in made if act == second.pk} == {
        agencies["office"].pk,
        agencies["d1"].pk,
        agencies["d2"].pk,
        agencies["a"].pk,
    }


def test_syncing_again_keeps_what_exists_and_adds_what_is_new(plan: Plan) -> None:
    before = _made(plan)
    some = Assignment.objects.filter(activity__plan=plan).order_by("pk")[:3]
    removed = {(a.activity_id, a.agency_id, a.role, a.via_group_id) for a in some}
    Assignment.objects.filter(pk__in=[a.pk for a in some]).delete()
    assert assignments_sync(plan) == len(removed)
    assert _made(plan) == before
    assert assignments_sync(plan) == 0


def _queries(tasks: int, number: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        plan_import(document=factories.synthetic_document(tasks, number=number))
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_plan(
    agencies: dict[str, Agency],
) -> None:
    # Small sizes: bulk inserts are split by the database's parameter limit (999 on
    # SQLite), which is a batch per thousands of rows, not a query per row.
    small = _queries(10, "1/KH-UBND")
    double = _queries(20, "2/KH-UBND")
    assert double == small
    made = Assignment.objects.filter
    assert (
        made(activity__plan__number="2/KH-UBND").count()
        > made(activity__plan__number="1/KH-UBND").count()
    )


def test_a_failure_while_making_assignments_leaves_nothing(
    agencies: dict[str, Agency], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cchc.monitoring import receivers

    def broken(plan: Plan) -> int:
        assignments_sync(plan)  # the rows are written, then something fails
        raise RuntimeError("mất kết nối")

    monkeypatch.setattr(receivers, "assignments_sync", broken)
    with pytest.raises(RuntimeError):
        factories.make_plan(10)
    assert not Plan.objects.exists()
    assert not Task.objects.exists() and not Activity.objects.exists()
    assert not Assignee.objects.exists() and not DueDate.objects.exists()
    assert not Assignment.objects.exists()


def test_a_failure_while_writing_rows_leaves_nothing(
    agencies: dict[str, Agency], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cchc.lib import bulk
    from cchc.plans import services

    def broken(model: type, columns: object, rows: list) -> int:
        written = bulk.insert_rows(model, columns, rows)  # type: ignore[arg-type]
        if model is Assignee:
            raise RuntimeError("đầy ổ đĩa")  # the last rows are written, then it fails
        return written

    monkeypatch.setattr(services, "insert_rows", broken)
    with pytest.raises(RuntimeError):
        factories.make_plan(10)
    assert not Plan.objects.exists() and not Activity.objects.exists()
    assert not Assignee.objects.exists() and not Assignment.objects.exists()


def test_rows_written_as_tuples_read_back_as_the_models_would_write_them(plan: Plan) -> None:
    """The import writes tasks, activities, due dates and assignees without model
    instances: what it wrote reads back as typed values, defaults filled."""
    from cchc.lib.text import fold

    activity = plan.activities.exclude(first_due=None).select_related("task").first()
    assert activity is not None
    assert isinstance(activity.first_due, date)
    assert activity.first_due == min(d.due_on for d in activity.due_dates.all())
    assert activity.source_id is None
    assert activity.search_text == fold(f"{activity.title}\n{activity.outputs}\n{activity.notes}")
    assert activity.task.search_text == fold(f"{activity.task.title}\n{activity.task.notes}")
    assert isinstance(activity.needs_date, bool)
    positions = list(Activity.objects.filter(task=activity.task).values_list("position", flat=True))
    assert sorted(positions) == list(range(len(positions)))
    for assignee in Assignee.objects.filter(activity__plan=plan):
        assert (assignee.agency_id is None) != (assignee.group_id is None)


def test_insert_rows_fills_defaults_and_refuses_what_it_cannot_fill(plan: Plan) -> None:
    from cchc.lib.bulk import insert_rows

    task = plan.tasks.first()
    assert task is not None
    # Only the required columns: position, notes, source … take their defaults; a column
    # of nothing but NULLs is fine.
    assert (
        insert_rows(
            Activity,
            ("plan_id", "task_id", "title", "deadline_kind", "first_due"),
            [
                (plan.pk, task.pk, "Thêm một", "undated", None),
                (plan.pk, task.pk, "Thêm hai", "day", date(2022, 5, 1)),
            ],
        )
        == 2
    )
    added = {a.title: a for a in Activity.objects.filter(title__startswith="Thêm ")}
    assert added["Thêm một"].weight == 1 and added["Thêm một"].needs_date is False
    assert added["Thêm hai"].first_due == date(2022, 5, 1)
    assert insert_rows(Activity, ("plan_id",), []) == 0
    with pytest.raises(ValueError, match="needs a value"):
        insert_rows(DueDate, ("activity_id",), [(added["Thêm một"].pk,)])


def test_the_collector_is_paused_only_while_a_plan_is_imported(plan: Plan) -> None:
    import gc

    from cchc.jobs.models import Job
    from cchc.jobs.services import job_create_foreground, job_run, jobs_root
    from cchc.lib import storage
    from cchc.lib.collector import collector_paused

    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
    # A failed import job (a broken file) leaves the collector on.
    job = job_create_foreground(kind="plan_import", params={})
    job.input_sha256, _size = storage.write_blob(b"PK\x03\x04 not a workbook", root=jobs_root())
    job.input_name = "hong.xlsx"
    job.save(update_fields=["input_sha256", "input_name"])
    finished = job_run(job.pk)
    assert finished is not None and finished.status == Job.Status.FAILED
    assert gc.isenabled()
