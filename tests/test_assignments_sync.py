"""Which assignment an agency gets when a plan names it more than once.

`assignments_sync` inserts the lead assignees' agencies first, then the others, each in
the order the names stand in the cell, and keeps the first row per (activity, agency).
It replaced one statement that ranked every candidate with a window function; the rows
must be exactly the ones that ranking chose.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from cchc.agencies.eras import plan_day
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.monitoring.models import Assignment
from cchc.monitoring.services import assignments_sync
from cchc.plans.models import Activity, Assignee, Plan

# The statement assignments_sync used before, kept as the reference for its choice.
_RANKED_SQL = """
SELECT picked.activity_id, picked.agency_id, picked.role, picked.via_group_id
FROM (
    SELECT candidate.activity_id, candidate.agency_id, candidate.role,
           candidate.via_group_id,
           ROW_NUMBER() OVER (
               PARTITION BY candidate.activity_id, candidate.agency_id
               ORDER BY CASE WHEN candidate.role = %s THEN 0 ELSE 1 END,
                        candidate.position, candidate.assignee_id
           ) AS place
    FROM (
        SELECT assignee.activity_id, assignee.agency_id, assignee.role,
               NULL AS via_group_id, assignee.position, assignee.id AS assignee_id
        FROM plans_assignee assignee
        JOIN plans_activity activity ON activity.id = assignee.activity_id
        WHERE activity.plan_id = %s AND assignee.agency_id IS NOT NULL
        UNION ALL
        SELECT assignee.activity_id, membership.agency_id, assignee.role,
               assignee.group_id, assignee.position, assignee.id
        FROM plans_assignee assignee
        JOIN plans_activity activity ON activity.id = assignee.activity_id
        JOIN agencies_groupmembership membership ON membership.group_id = assignee.group_id
        WHERE activity.plan_id = %s AND assignee.agency_id IS NULL
          AND (membership.valid_from IS NULL OR membership.valid_from <= %s)
          AND (membership.valid_to IS NULL OR membership.valid_to > %s)
    ) candidate
    WHERE NOT EXISTS (
        SELECT 1 FROM agencies_agency agency
        WHERE agency.id = candidate.agency_id AND agency.closed_on IS NOT NULL
    )
) picked
WHERE picked.place = 1
"""

Row = tuple[int, int, str, int | None]


def _ranked(plan: Plan) -> set[Row]:
    day = connection.ops.adapt_datefield_value(plan_day(plan))
    with connection.cursor() as cursor:
        cursor.execute(_RANKED_SQL, [Assignee.Role.LEAD.value, plan.pk, plan.pk, day, day])
        return {tuple(row) for row in cursor.fetchall()}  # type: ignore[misc]


def _rows(plan: Plan) -> set[Row]:
    return set(
        Assignment.objects.filter(activity__plan=plan).values_list(
            "activity_id", "agency_id", "role", "via_group_id"
        )
    )


def _name(activity: Activity, role: str, position: int, target: Agency | AgencyGroup) -> None:
    Assignee.objects.create(
        activity=activity,
        role=role,
        position=position,
        written_name=target.name,
        agency=target if isinstance(target, Agency) else None,
        group=target if isinstance(target, AgencyGroup) else None,
    )


def test_overlapping_names_give_the_assignments_the_ranking_gave(
    plan: Plan, agencies: dict[str, Agency]
) -> None:
    departments = AgencyGroup.objects.get(code="so-ban-nganh")
    # A second group overlapping the departments: two of them, and a district.
    mixed = AgencyGroup.objects.create(code="nhom-hon-hop", name="Các cơ quan hỗn hợp")
    for key in ("a", "home", "d1"):
        GroupMembership.objects.create(group=mixed, agency=agencies[key])
    # A membership that ended before the plan's day, and one that starts after it.
    GroupMembership.objects.create(group=mixed, agency=agencies["b"], valid_to=date(2000, 1, 1))
    GroupMembership.objects.create(
        group=mixed, agency=agencies["office"], valid_from=date(2999, 1, 1)
    )
    lead, cooperating = Assignee.Role.LEAD, Assignee.Role.COOPERATING
    activities = list(plan.activities.order_by("pk")[:6])
    Assignee.objects.filter(activity__in=activities).delete()
    first, second, third, fourth, fifth, sixth = activities
    # Named on its own before its group, and after it.
    _name(first, lead, 0, agencies["a"])
    _name(first, lead, 1, departments)
    _name(second, lead, 0, departments)
    _name(second, lead, 1, agencies["a"])
    # In two groups, in both orders.
    _name(third, lead, 0, mixed)
    _name(third, lead, 1, departments)
    _name(fourth, cooperating, 0, departments)
    _name(fourth, cooperating, 1, mixed)
    # Lead through a group written after the agency's own cooperating name, and the other
    # way round: the lead role wins whatever the order.
    _name(fifth, cooperating, 0, agencies["home"])
    _name(fifth, cooperating, 1, mixed)
    _name(fifth, lead, 2, departments)
    _name(sixth, lead, 0, agencies["d1"])
    _name(sixth, cooperating, 0, mixed)
    _name(sixth, cooperating, 1, agencies["a"])
    # Two assignees at the same place: the older one (smaller id) decides.
    _name(sixth, lead, 3, mixed)
    _name(sixth, lead, 3, departments)
    Assignment.objects.filter(activity__plan=plan).delete()

    created = assignments_sync(plan)

    rows = _rows(plan)
    assert created == len(rows)
    assert rows == _ranked(plan)

    def of(activity: Activity, key: str) -> Assignment:
        return Assignment.objects.get(activity=activity, agency=agencies[key])

    assert of(first, "a").via_group_id is None
    assert of(second, "a").via_group_id == departments.pk
    assert of(third, "a").via_group_id == mixed.pk
    assert of(third, "b").via_group_id == departments.pk  # its mixed membership had ended
    assert of(third, "office").via_group_id == departments.pk  # not yet in mixed
    assert of(fourth, "home").via_group_id == departments.pk
    assert of(fourth, "d1").via_group_id == mixed.pk
    assert (of(fifth, "home").role, of(fifth, "home").via_group_id) == (lead, departments.pk)
    assert of(fifth, "d1").role == cooperating
    assert (of(sixth, "d1").role, of(sixth, "d1").via_group_id) == (lead, None)
    assert (of(sixth, "a").role, of(sixth, "a").via_group_id) == (lead, mixed.pk)
    assert (of(sixth, "b").role, of(sixth, "b").via_group_id) == (lead, departments.pk)


def test_a_closed_agency_gets_no_assignment_and_existing_ones_stay(
    plan: Plan, agencies: dict[str, Agency]
) -> None:
    kept = Assignment.objects.filter(activity__plan=plan, role=Assignment.Role.COOPERATING)
    kept_rows = set(kept.values_list("pk", "activity_id", "agency_id", "role"))
    Assignment.objects.filter(activity__plan=plan, role=Assignment.Role.LEAD).delete()
    Agency.objects.filter(pk=agencies["b"].pk).update(closed_on=date(2020, 1, 1))

    assignments_sync(plan)

    assert not Assignment.objects.filter(activity__plan=plan, agency=agencies["b"]).exists()
    assert set(kept.values_list("pk", "activity_id", "agency_id", "role")) >= kept_rows
    taken = {(row[1], row[2]) for row in kept_rows}
    ranked = {row for row in _ranked(plan) if (row[0], row[1]) not in taken}
    assert ranked and ranked <= _rows(plan)
