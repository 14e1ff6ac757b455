"""What the pages read: a plan as filtered rows, an agency's assignments, search results.

Which plans there are, their counts and the plan being looked at are read in
`cchc.plans.readmodel`, shared with the API.

Every function here runs a fixed number of queries whatever the size of the plan: the
tree comes from `plan_tree` with everything prefetched, group membership is loaded once
and expanded in Python, and filtering happens on the loaded tree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q

from cchc.accounts import tenancy
from cchc.agencies.eras import plan_day
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership, membership_in_force
from cchc.lib import calendar
from cchc.lib.text import fold
from cchc.plans.models import Activity, Area, Assignee, Plan, Task
from cchc.plans.services import plan_tree

ROLE_BOTH = "both"


# ---------------------------------------------------------------------------
# Group membership


@dataclass
class Membership:
    """Who belongs to which collective group, loaded in one query."""

    members: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    groups_of: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def load(cls, day: date, groups: Iterable[int] | None = None) -> Membership:
        """The memberships in force on `day` (a plan's day: groups as of its year), of
        `groups` only when given."""
        membership = cls()
        memberships = GroupMembership.objects.on(day)
        if groups is not None:
            # A plan page needs the groups its assignees name: reading every group's
            # memberships would read every province's.
            memberships = memberships.filter(group_id__in=sorted(set(groups)))
        # No ordering: the model's would join every group and agency to sort a dict.
        for group_id, agency_id in memberships.order_by().values_list("group_id", "agency_id"):
            membership.members[group_id].add(agency_id)
            membership.groups_of[agency_id].add(group_id)
        return membership

    def member_count(self, group_id: int) -> int:
        return len(self.members.get(group_id, ()))


def assignee_matches(assignee: Assignee, agency_id: int, groups: set[int]) -> bool:
    """An agency is an assignee directly or as a member of an assignee group."""
    return assignee.agency_id == agency_id or (
        assignee.group_id is not None and assignee.group_id in groups
    )


# ---------------------------------------------------------------------------
# The plan page


@dataclass
class PlanFilters:
    area: int | None = None
    agency: int | None = None
    role: str = ROLE_BOTH
    month: int | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.area or self.agency or self.month or self.q.strip())


@dataclass
class ActivityRowView:
    activity: Activity
    lead: list[Assignee]
    cooperating: list[Assignee]
    due_dates: list[date]


@dataclass
class TaskView:
    task: Task
    activities: list[ActivityRowView]


@dataclass
class AreaView:
    area: Area
    tasks: list[TaskView]
    # An area shown folded has its tasks unread and its counts from the database
    # (`plan_areas`); `tasks` is then empty.
    folded: bool = False
    # The section heading shown above the first area of a section ("A" over "A.I").
    section: Area | None = None

    @property
    def task_count(self) -> int:
        return self.area.task_count if self.folded else len(self.tasks)  # type: ignore[attr-defined]

    @property
    def activity_count(self) -> int:
        if self.folded:
            return self.area.activity_count  # type: ignore[attr-defined]
        return sum(len(task.activities) for task in self.tasks)


@dataclass
class PlanPage:
    areas: list[AreaView]
    all_areas: list[Area]
    shown_tasks: int
    total_tasks: int
    shown_activities: int
    total_activities: int
    membership: Membership


def _activity_row(activity: Activity) -> ActivityRowView:
    assignees = list(activity.assignees.all())
    return ActivityRowView(
        activity=activity,
        lead=[a for a in assignees if a.role == Assignee.Role.LEAD],
        cooperating=[a for a in assignees if a.role == Assignee.Role.COOPERATING],
        due_dates=[d.due_on for d in activity.due_dates.all()],
    )


def _row_matches(
    row: ActivityRowView, filters: PlanFilters, plan_year: int, groups: set[int]
) -> bool:
    if filters.agency:
        if filters.role == Assignee.Role.LEAD:
            candidates = row.lead
        elif filters.role == Assignee.Role.COOPERATING:
            candidates = row.cooperating
        else:
            candidates = row.lead + row.cooperating
        if not any(assignee_matches(a, filters.agency, groups) for a in candidates):
            return False
    if filters.month:
        month = filters.month
        if not any(d.year == plan_year and d.month == month for d in row.due_dates):
            return False
    return True


def _text_matches(needle: str, *haystacks: Iterable[str]) -> bool:
    return any(needle in text for texts in haystacks for text in texts)


def plan_areas(plan: Plan) -> list[Area]:
    """The plan's areas, each with its `task_count` and `activity_count`, in one query."""
    return list(
        plan.areas.annotate(
            task_count=Count("tasks", distinct=True), activity_count=Count("tasks__activities")
        ).order_by("position")
    )


def _mark_sections(views: list[AreaView], sections: dict[str, Area]) -> None:
    """Give the first area shown of each section its heading: a plan lettered in sections
    ("A. Nhiệm vụ trọng tâm") numbers its areas within them ("A.I", "A.II"), and the
    section is an area of its own with no task (cchc.plans.formats.xlsx.reader)."""
    current: Area | None = None
    for view in views:
        letter, dot, _number = view.area.code.partition(".")
        section = sections.get(letter) if dot else None
        if section is not None and section is not current:
            view.section = section
        current = section


def plan_summary(plan: Plan, areas: list[Area]) -> PlanPage:
    """The plan page as one line per area, from `plan_areas`: no task nor activity read.

    Shows the areas `plan_page` shows unfiltered, those with a task.
    """
    views = [AreaView(area=area, tasks=[], folded=True) for area in areas if area.task_count]  # type: ignore[attr-defined]
    _mark_sections(views, {area.code: area for area in areas if not area.task_count})  # type: ignore[attr-defined]
    tasks = sum(view.task_count for view in views)
    activities = sum(view.activity_count for view in views)
    return PlanPage(
        areas=views,
        all_areas=areas,
        shown_tasks=tasks,
        total_tasks=tasks,
        shown_activities=activities,
        total_activities=activities,
        membership=Membership(),
    )


def plan_page(
    plan: Plan,
    filters: PlanFilters,
    *,
    tree: list[Area] | None = None,
    counted: list[Area] | None = None,
) -> PlanPage:
    """The plan's tree, cut down to what the filters ask for, with counts.

    `tree` is `plan_tree(plan)` when the caller already has it, or the part of it the
    filters can find anything in; then `counted` are all the plan's areas from
    `plan_areas`, whose counts are the totals.
    """
    all_areas = tree if tree is not None else plan_tree(plan)
    named = (
        assignee.group_id
        for area in all_areas
        for task in area.tasks.all()
        for activity in task.activities.all()
        for assignee in activity.assignees.all()
        if assignee.group_id
    )
    membership = Membership.load(plan_day(plan), named)
    groups = membership.groups_of.get(filters.agency or 0, set())
    needle = fold(filters.q)
    areas: list[AreaView] = []
    total_tasks = shown_tasks = total_activities = shown_activities = 0
    for area in all_areas:
        task_views: list[TaskView] = []
        for task in area.tasks.all():
            total_tasks += 1
            rows = [_activity_row(activity) for activity in task.activities.all()]
            total_activities += len(rows)
            if filters.area and area.pk != filters.area:
                continue
            kept = [r for r in rows if _row_matches(r, filters, plan.year, groups)]
            if needle and not _text_matches(needle, [task.search_text]):
                kept = [
                    r
                    for r in kept
                    if _text_matches(
                        needle,
                        [r.activity.search_text, fold(r.activity.deadline)],
                        (fold(a.written_name) for a in r.lead + r.cooperating),
                    )
                ]
            if not kept and (rows or filters.active):
                continue
            shown_tasks += 1
            shown_activities += len(kept)
            task_views.append(TaskView(task=task, activities=kept))
        if task_views:
            areas.append(AreaView(area=area, tasks=task_views))
    _mark_sections(areas, {area.code: area for area in all_areas if not area.tasks.all()})
    if counted is not None:
        total_tasks = sum(area.task_count for area in counted)  # type: ignore[attr-defined]
        total_activities = sum(area.activity_count for area in counted)  # type: ignore[attr-defined]
    return PlanPage(
        areas=areas,
        all_areas=all_areas,
        shown_tasks=shown_tasks,
        total_tasks=total_tasks,
        shown_activities=shown_activities,
        total_activities=total_activities,
        membership=membership,
    )


# ---------------------------------------------------------------------------
# The agency page


@dataclass
class Assignment:
    """An activity as one agency sees it: in which role, and whether through a group."""

    activity: Activity
    due_dates: list[date]
    via_groups: list[AgencyGroup]

    @property
    def direct(self) -> bool:
        return not self.via_groups


def _soonest_first(item: Assignment) -> tuple[bool, date, int, int, int]:
    activity = item.activity
    return (
        activity.first_due is None,
        activity.first_due or date.max,
        activity.task.area.position,
        activity.task.position,
        activity.position,
    )


def agency_assignments(agency: Agency, plan: Plan) -> dict[str, list[Assignment]]:
    """The agency's lead and cooperating activities in `plan`, soonest due first.

    An agency is assigned directly or as a member of a collective group; an activity that
    names it both ways counts as direct.
    """
    groups = set(
        GroupMembership.objects.on(plan_day(plan))
        .filter(agency=agency)
        .values_list("group_id", flat=True)
    )
    activities = (
        Activity.objects.filter(plan=plan)
        .filter(Q(assignees__agency=agency) | Q(assignees__group__in=groups))
        .distinct()
        .select_related("task", "task__area")
        .prefetch_related(
            "due_dates",
            Prefetch("assignees", queryset=Assignee.objects.select_related("agency", "group")),
        )
    )
    result: dict[str, list[Assignment]] = {
        Assignee.Role.LEAD: [],
        Assignee.Role.COOPERATING: [],
    }
    for activity in activities:
        due_dates = [d.due_on for d in activity.due_dates.all()]
        for role, items in result.items():
            matching = [
                a
                for a in activity.assignees.all()
                if a.role == role and assignee_matches(a, agency.pk, groups)
            ]
            if not matching:
                continue
            direct = any(a.agency_id == agency.pk for a in matching)
            via = [] if direct else [a.group for a in matching if a.group is not None]
            items.append(Assignment(activity=activity, due_dates=due_dates, via_groups=via))
    for items in result.values():
        items.sort(key=_soonest_first)
    return result


def _current_member_count() -> Count:
    today = calendar.today()
    return Count("memberships", filter=membership_in_force(today, "memberships__"))


def agency_groups(agency: Agency) -> list[AgencyGroup]:
    """The groups the agency belongs to today, each with its `member_count` today."""
    today = calendar.today()
    return list(
        AgencyGroup.objects.filter(
            pk__in=GroupMembership.objects.on(today).filter(agency=agency).values("group_id")
        )
        .annotate(member_count=_current_member_count())
        .order_by("name")
    )


# ---------------------------------------------------------------------------
# The agency list and search


def agency_directory(
    query: str = "", user: Any = None
) -> tuple[list[tuple[str, list[Agency]]], list[AgencyGroup]]:
    """Agencies grouped by kind in Vietnamese order, and the collective groups, of the
    user's province (cchc.accounts.tenancy)."""
    needle = fold(query)
    agencies = tenancy.scope(Agency.objects.select_related("parent"), user).order_by("sort_name")
    groups = tenancy.scope(
        AgencyGroup.objects.annotate(member_count=_current_member_count()), user
    ).order_by("name")
    if needle:
        agencies = agencies.filter(search_name__contains=needle)
        groups = groups.filter(search_name__contains=needle)
    by_kind: dict[str, list[Agency]] = {kind: [] for kind in Agency.Kind.values}
    for agency in agencies:
        by_kind.setdefault(agency.kind, []).append(agency)
    return [(kind, items) for kind, items in by_kind.items() if items], list(groups)


SEARCH_LIMIT = 50


@dataclass
class SearchResults:
    query: str
    tasks: list[Task]
    activities: list[Activity]
    agencies: list[Agency]
    groups: list[AgencyGroup]
    limit: int = SEARCH_LIMIT

    @property
    def agency_count(self) -> int:
        return len(self.agencies) + len(self.groups)

    @property
    def total(self) -> int:
        return len(self.tasks) + len(self.activities) + len(self.agencies) + len(self.groups)


def search(query: str, user: Any = None) -> SearchResults:
    """Tasks, activities and agencies (of the user's province) whose text contains every
    word of the query.

    Both sides are folded, so "cai cach" finds "cải cách".
    """
    words = fold(query).split()
    if not words:
        return SearchResults(query, [], [], [], [])

    def every_word(field_name: str) -> Q:
        condition = Q()
        for word in words:
            condition &= Q(**{f"{field_name}__contains": word})
        return condition

    tasks = (
        tenancy.scope(Task.objects.filter(every_word("search_text")), user, "plan__province")
        .select_related("plan", "area")
        .order_by("-plan__year", "plan_id", "area__position", "position")[:SEARCH_LIMIT]
    )
    activities = (
        tenancy.scope(Activity.objects.filter(every_word("search_text")), user, "plan__province")
        .select_related("plan", "task", "task__area")
        .order_by("-plan__year", "plan_id", "task__area__position", "task__position", "position")[
            :SEARCH_LIMIT
        ]
    )
    agencies = tenancy.scope(Agency.objects.filter(every_word("search_name")), user).order_by(
        "sort_name"
    )[:SEARCH_LIMIT]
    groups = tenancy.scope(AgencyGroup.objects.filter(every_word("search_name")), user).order_by(
        "name"
    )[:SEARCH_LIMIT]
    return SearchResults(query, list(tasks), list(activities), list(agencies), list(groups))


# ---------------------------------------------------------------------------
# Merging or closing an agency: what will move


@dataclass
class MergeLine:
    assignment: Any  # monitoring.Assignment
    joins_existing: bool  # the successor already has this activity


@dataclass
class MergePreview:
    into: Agency | None
    on: date
    lines: list[MergeLine]
    groups: list[AgencyGroup]
    users: int

    @property
    def plans(self) -> list[tuple[Plan, list[MergeLine]]]:
        grouped: dict[int, tuple[Plan, list[MergeLine]]] = {}
        for line in self.lines:
            plan = line.assignment.activity.plan
            grouped.setdefault(plan.pk, (plan, []))[1].append(line)
        return list(grouped.values())


def merge_preview(agency: Agency, *, into: Agency | None, on: date) -> MergePreview:
    """What merging `agency` into `into` (or closing it) on `on` would move. Reads only."""
    from cchc.monitoring.models import Assignment as Assigned
    from cchc.monitoring.transfer import assignments_open

    moving = assignments_open(agency)
    held: set[int] = set()
    if into is not None:
        held = set(
            Assigned.objects.filter(
                agency=into, activity_id__in=[a.activity_id for a in moving]
            ).values_list("activity_id", flat=True)
        )
    groups = list(
        AgencyGroup.objects.filter(
            pk__in=GroupMembership.objects.on(on).filter(agency=agency).values("group_id")
        ).order_by("name")
    )
    return MergePreview(
        into=into,
        on=on,
        lines=[MergeLine(a, a.activity_id in held) for a in moving],
        groups=groups,
        users=agency.users.count(),
    )
