"""Each agency's own plan, derived from the plan above it (docs/agency-plans.md).

The province's plan charges every sở, ban, ngành and district with activities; Section III
asks each of them to issue its own CCHC plan from it. Here such a plan is a `Plan` whose
`parent` is the plan it derives from and whose `issuer_agency` is the agency:

* `plan_derive` copies the activities the agency leads or cooperates on (named directly
  or through a group, as of the plan's year), with their deadlines, the agency itself as
  lead and the role the plan above gave it as the note beside its name. Deriving again
  adds only what is new, and only while the plan is a draft.
* `plan_add_activity` and `activity_set_lead` let the agency add its own tasks and
  activities and hand them to its units (its phòng; for a district, its communes too).
* `plan_issue` issues it with number, date and signer; the signal `plan_issued` gives it
  reporting periods and assignments (`cchc.monitoring.receivers`).
* `agency_plan_issuance` says which agencies have issued theirs, and whether on time
  against `Plan.agency_plans_due`: the figure "ban hành kế hoạch CCHC đúng hạn".

Every change checks the access policy, runs in one transaction and is audited; a refusal
raises `AgencyPlanError` with a Vietnamese message and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from cchc.accounts import policy
from cchc.agencies.eras import plan_day
from cchc.agencies.models import Agency, GroupMembership
from cchc.audit.log import log_action
from cchc.audit.types import Source
from cchc.lib import calendar
from cchc.lib.deadlines import parse_deadline
from cchc.plans.models import Activity, Area, Assignee, DueDate, Plan, Task
from cchc.plans.signals import plan_issued

# Agencies that issue a plan of their own from the plan above them: from the province's,
# the sở, ban, ngành and the districts; from a district's, its communes. A commune named in
# the province's plan makes its plan from its district's; a department's phòng make none.
PROVINCE_LEVEL = (Agency.Kind.DEPARTMENT, Agency.Kind.DISTRICT)


def planning_kinds(plan: Plan) -> tuple[str, ...]:
    issuer = plan.issuer_agency
    if issuer is None or issuer.kind == Agency.Kind.PROVINCE:
        return PROVINCE_LEVEL
    if issuer.kind == Agency.Kind.DISTRICT:
        return (Agency.Kind.COMMUNE,)
    return ()


NUMBER_RE = re.compile(r"^\d{1,6}/[0-9A-Za-zĐđ\-]{2,40}$")
TITLE_MAX = 4000
DEADLINE_MAX = 500


class AgencyPlanError(Exception):
    """A change to an agency's plan that is refused; the message is for the user."""


class AgencyPlanForbidden(AgencyPlanError):
    pass


def _refuse_unless(user: Any, action: str, obj: Any) -> None:
    """ "Not yours" and "not now" apart, as the report services do."""
    if not policy.can(user, action, obj, when=False):
        raise AgencyPlanForbidden(_("Bạn không có quyền thực hiện thao tác này."))
    if not policy.can(user, action, obj):
        raise AgencyPlanError(
            _("Kế hoạch đã ban hành thì không sửa được nữa.")
            if getattr(obj, "status", "") != Plan.Status.DRAFT
            else _("Thao tác này chỉ dùng cho kế hoạch của một cơ quan.")
        )


# ---------------------------------------------------------------------------
# Who has a share in a plan


def plan_shares(plan: Plan, agency_ids: Iterable[int] | None = None) -> dict[int, dict[int, str]]:
    """For each agency, the activities of `plan` it is named on and its role there
    (lead wins over cooperating), groups expanded as of the plan's year: the reading
    `cchc.monitoring.services.assignments_sync` makes, without writing anything, so that
    a draft plan (which has no assignments yet) can be cascaded too."""
    wanted = set(agency_ids) if agency_ids is not None else None
    assignees = list(
        Assignee.objects.filter(activity__plan=plan).values_list(
            "activity_id", "agency_id", "group_id", "role"
        )
    )
    members: dict[int, list[int]] = {}
    group_ids = {g for _a, _ag, g, _r in assignees if g}
    for group_id, agency_id in (
        GroupMembership.objects.on(plan_day(plan))
        .filter(group_id__in=group_ids)
        .values_list("group_id", "agency_id")
    ):
        members.setdefault(group_id, []).append(agency_id)
    shares: dict[int, dict[int, str]] = {}
    for activity_id, agency_id, group_id, role in assignees:
        targets = [agency_id] if agency_id else members.get(group_id or 0, [])
        for target in targets:
            if wanted is not None and target not in wanted:
                continue
            mine = shares.setdefault(target, {})
            if mine.get(activity_id) != Assignee.Role.LEAD:
                mine[activity_id] = role
    return shares


def planning_agencies(plan: Plan) -> list[Agency]:
    """The agencies that make a plan of their own from `plan`: every department, district
    or commune with a share in it, still in existence, by name."""
    shares = plan_shares(plan)
    return list(
        Agency.objects.filter(pk__in=shares, kind__in=planning_kinds(plan), closed_on__isnull=True)
        .exclude(pk=plan.issuer_agency_id or 0)
        .order_by("sort_name")
    )


def own_units(plan: Plan) -> QuerySet[Agency]:
    """Whom an agency's plan may hand activities to: the agency itself and its units
    (phòng, đơn vị trực thuộc); a district's communes too."""
    agency = plan.issuer_agency
    if agency is None:
        return Agency.objects.none()
    kinds = [Agency.Kind.UNIT]
    if agency.kind == Agency.Kind.DISTRICT:
        kinds.append(Agency.Kind.COMMUNE)
    return Agency.objects.filter(parent=agency, kind__in=kinds, closed_on__isnull=True).order_by(
        "kind", "sort_name"
    )


# ---------------------------------------------------------------------------
# Derive


@dataclass(frozen=True)
class Derived:
    plan: Plan
    created: bool
    added: int


def _title_for(agency: Agency, year: int) -> str:
    return _("Kế hoạch cải cách hành chính năm %(year)s của %(agency)s") % {
        "year": year,
        "agency": agency.name,
    }


def _role_note(role: str, parent: Plan, leads: list[str]) -> str:
    where = parent.number or parent.issuer
    if role == Assignee.Role.LEAD:
        return _("Chủ trì theo kế hoạch %(plan)s") % {"plan": where}
    note = _("Phối hợp theo kế hoạch %(plan)s") % {"plan": where}
    if leads:
        note += _("; chủ trì: %(leads)s") % {"leads": ", ".join(leads)}
    return note


@transaction.atomic
def plan_derive(*, parent: Plan, agency: Agency, actor: Any, source: Source = "web") -> Derived:
    """The agency's own plan from `parent`: made as a draft, or completed with the
    activities it was given since, while still a draft. Idempotent."""
    _refuse_unless(actor, "plan.derive", agency)
    if parent.status == Plan.Status.CLOSED:
        raise AgencyPlanError(_("Kế hoạch cấp trên đã kết thúc, không lập kế hoạch từ đó được."))
    if agency.kind not in planning_kinds(parent) or agency.closed_on is not None:
        raise AgencyPlanError(
            _("%(agency)s không lập kế hoạch riêng từ kế hoạch này.") % {"agency": agency.name}
        )
    if agency.pk == parent.issuer_agency_id:
        raise AgencyPlanError(_("Kế hoạch này là của chính %(agency)s.") % {"agency": agency.name})
    share = plan_shares(parent, [agency.pk]).get(agency.pk, {})
    if not share:
        raise AgencyPlanError(
            _("%(agency)s không được giao hoạt động nào trong kế hoạch này.")
            % {"agency": agency.name}
        )
    # Lock the parent row: two people deriving for one agency at once make one plan.
    Plan.objects.select_for_update().filter(pk=parent.pk).first()
    plan = Plan.objects.filter(parent=parent, issuer_agency=agency).first()
    created = plan is None
    if plan is None:
        plan = Plan.objects.create(
            parent=parent,
            issuer_agency=agency,
            issuer=agency.name,
            year=parent.year,
            title=_title_for(agency, parent.year),
            status=Plan.Status.DRAFT,
            rollup_method=parent.rollup_method,
        )
    if plan.status != Plan.Status.DRAFT:
        return Derived(plan=plan, created=False, added=0)
    copied = set(plan.activities.exclude(source=None).values_list("source_id", flat=True))
    new_ids = [pk for pk in share if pk not in copied]
    added = _copy_activities(plan, parent, agency, {pk: share[pk] for pk in new_ids})
    log_action(
        actor=actor,
        action="plan.derive",
        obj=plan,
        before=None if created else {"activities": len(copied)},
        after={"parent": parent.pk, "agency": agency.pk, "added": added},
        source=source,
    )
    return Derived(plan=plan, created=created, added=added)


def _copy_activities(plan: Plan, parent: Plan, agency: Agency, roles: dict[int, str]) -> int:
    if not roles:
        return 0
    sources = list(
        Activity.objects.filter(pk__in=roles)
        .select_related("task", "task__area")
        .prefetch_related("due_dates", "assignees")
        .order_by("task__area__position", "task__position", "position")
    )
    areas = {a.code: a for a in plan.areas.all()}
    tasks = {(t.area.code, t.number): t for t in plan.tasks.select_related("area")}
    next_position = (plan.activities.aggregate(m=Max("position"))["m"] or 0) + 1
    for source in sources:
        parent_area, parent_task = source.task.area, source.task
        area = areas.get(parent_area.code)
        if area is None:
            area = Area.objects.create(
                plan=plan,
                code=parent_area.code,
                title=parent_area.title,
                position=parent_area.position,
            )
            areas[area.code] = area
        task = tasks.get((area.code, parent_task.number))
        if task is None:
            task = Task.objects.create(
                plan=plan,
                area=area,
                number=parent_task.number,
                title=parent_task.title,
                notes=parent_task.notes,
                position=parent_task.position,
            )
            tasks[(area.code, task.number)] = task
        copy = Activity.objects.create(
            plan=plan,
            task=task,
            source=source,
            position=next_position,
            title=source.title,
            outputs=source.outputs,
            deadline=source.deadline,
            deadline_kind=source.deadline_kind,
            recurring=source.recurring,
            needs_date=source.needs_date,
            first_due=source.first_due,
            weight=source.weight,
            notes=source.notes,
        )
        next_position += 1
        DueDate.objects.bulk_create(
            DueDate(activity=copy, due_on=d.due_on) for d in source.due_dates.all()
        )
        leads = [a.written_name for a in source.assignees.all() if a.role == Assignee.Role.LEAD]
        Assignee.objects.create(
            activity=copy,
            role=Assignee.Role.LEAD,
            written_name=agency.name,
            agency=agency,
            note=_role_note(roles[source.pk], parent, leads),
        )
    return len(sources)


# ---------------------------------------------------------------------------
# Edit while draft


def _unit_of(plan: Plan, agency_id: int | None) -> Agency:
    allowed = own_units(plan)
    if agency_id is not None:
        if agency_id == plan.issuer_agency_id:
            assert plan.issuer_agency is not None
            return plan.issuer_agency
        unit = allowed.filter(pk=agency_id).first()
        if unit is not None:
            return unit
    raise AgencyPlanError(
        _("Hãy chọn một phòng, đơn vị của %(agency)s (hoặc chính cơ quan).")
        % {"agency": plan.issuer}
    )


def _next_task_number(plan: Plan, area: Area) -> str:
    """After the area's last task here and in the plan above, so that a task copied
    later from the plan above never meets one of the agency's own under its number."""
    written = list(area.tasks.values_list("number", flat=True))
    if plan.parent_id is not None:
        written += Task.objects.filter(plan_id=plan.parent_id, area__code=area.code).values_list(
            "number", flat=True
        )
    numbers = [int(n) for n in written if n.isdigit()]
    return str(max(numbers, default=0) + 1)


@transaction.atomic
def plan_add_activity(
    *,
    plan: Plan,
    actor: Any,
    title: str,
    deadline: str,
    lead_id: int | None,
    area_code: str = "",
    task_id: int | None = None,
    task_title: str = "",
    outputs: str = "",
    cooperating_ids: Iterable[int] = (),
    source: Source = "web",
) -> Activity:
    """An activity of the agency's own, in one of its tasks or in a new task (under an
    area of the plan above), led by one of its units."""
    _refuse_unless(actor, "plan.edit_own", plan)
    title, deadline, outputs, task_title = (
        title.strip(),
        deadline.strip(),
        outputs.strip(),
        task_title.strip(),
    )
    if not title:
        raise AgencyPlanError(_("Hãy nhập tên hoạt động."))
    if len(title) > TITLE_MAX or len(outputs) > TITLE_MAX or len(task_title) > TITLE_MAX:
        raise AgencyPlanError(
            _("Nội dung dài quá giới hạn %(limit)s ký tự.") % {"limit": TITLE_MAX}
        )
    if not deadline:
        raise AgencyPlanError(
            _("Hãy nhập thời gian hoàn thành (ví dụ: Quý II, 30/06/%(year)s).")
            % {"year": plan.year}
        )
    if len(deadline) > DEADLINE_MAX:
        raise AgencyPlanError(
            _("Thời gian hoàn thành dài quá giới hạn %(limit)s ký tự.") % {"limit": DEADLINE_MAX}
        )
    lead = _unit_of(plan, lead_id)
    cooperating = [_unit_of(plan, pk) for pk in dict.fromkeys(cooperating_ids) if pk != lead.pk]
    if task_id is not None:
        task = plan.tasks.select_related("area").filter(pk=task_id).first()
        if task is None:
            raise AgencyPlanError(_("Nhiệm vụ đã chọn không thuộc kế hoạch này."))
    else:
        if not task_title:
            raise AgencyPlanError(_("Hãy chọn một nhiệm vụ có sẵn hoặc nhập nhiệm vụ mới."))
        area = plan.areas.filter(code=area_code).first()
        if area is None:
            assert plan.parent is not None
            above = plan.parent.areas.filter(code=area_code).first()
            if above is None:
                raise AgencyPlanError(_("Hãy chọn lĩnh vực cho nhiệm vụ mới."))
            area = Area.objects.create(
                plan=plan, code=above.code, title=above.title, position=above.position
            )
        position = (area.tasks.aggregate(m=Max("position"))["m"] or 0) + 1
        task = Task.objects.create(
            plan=plan,
            area=area,
            number=_next_task_number(plan, area),
            title=task_title,
            position=position,
        )
    schedule = parse_deadline(deadline, plan.year)
    dates = sorted(set(schedule.due_dates))
    activity = Activity.objects.create(
        plan=plan,
        task=task,
        position=(plan.activities.aggregate(m=Max("position"))["m"] or 0) + 1,
        title=title,
        outputs=outputs,
        deadline=deadline,
        deadline_kind=schedule.kind,
        recurring=schedule.recurring or "",
        needs_date=schedule.needs_date or not dates,
        first_due=dates[0] if dates else None,
    )
    DueDate.objects.bulk_create(DueDate(activity=activity, due_on=d) for d in dates)
    Assignee.objects.create(
        activity=activity, role=Assignee.Role.LEAD, written_name=lead.name, agency=lead
    )
    Assignee.objects.bulk_create(
        Assignee(
            activity=activity,
            role=Assignee.Role.COOPERATING,
            position=n,
            written_name=unit.name,
            agency=unit,
        )
        for n, unit in enumerate(cooperating)
    )
    log_action(
        actor=actor,
        action="plan.add_activity",
        obj=activity,
        before=None,
        after={
            "plan": plan.pk,
            "task": task.pk,
            "title": title,
            "deadline": deadline,
            "lead": lead.pk,
            "cooperating": [u.pk for u in cooperating],
        },
        source=source,
    )
    return activity


@transaction.atomic
def activity_set_lead(
    *, activity: Activity, lead_id: int | None, actor: Any, source: Source = "web"
) -> Agency:
    """Hand an activity of the agency's plan to one of its units; the note of the role
    the plan above gave the agency stays beside the new lead."""
    plan = activity.plan
    _refuse_unless(actor, "plan.edit_own", plan)
    lead = _unit_of(plan, lead_id)
    current = list(activity.assignees.filter(role=Assignee.Role.LEAD))
    note = next((a.note for a in current if a.note), "")
    before = [a.agency_id for a in current]
    activity.assignees.filter(role=Assignee.Role.LEAD).delete()
    # The new lead is no longer also a cooperating unit of the same activity.
    activity.assignees.filter(role=Assignee.Role.COOPERATING, agency=lead).delete()
    Assignee.objects.create(
        activity=activity, role=Assignee.Role.LEAD, written_name=lead.name, agency=lead, note=note
    )
    log_action(
        actor=actor,
        action="plan.set_lead",
        obj=activity,
        before={"lead": before},
        after={"lead": [lead.pk]},
        source=source,
    )
    return lead


# ---------------------------------------------------------------------------
# Issue


@transaction.atomic
def plan_issue(
    *,
    plan: Plan,
    number: str,
    issued_on: date | None,
    signer: str,
    actor: Any,
    source: Source = "web",
) -> Plan:
    """Issue an agency's plan: number ("45/KH-STP"), date and signer. Once issued it is
    read-only; it gets the plan above's reporting periods and its assignments."""
    _refuse_unless(actor, "plan.issue_own", plan)
    locked = Plan.objects.select_for_update(of=("self",)).select_related("parent").get(pk=plan.pk)
    if locked.status != Plan.Status.DRAFT:
        raise AgencyPlanError(_("Kế hoạch đã ban hành thì không sửa được nữa."))
    number, signer = " ".join(number.split()), " ".join(signer.split())
    problems = []
    if not NUMBER_RE.match(number):
        problems.append(
            _("Số, ký hiệu «%(number)s» không đúng dạng; ví dụ: 45/KH-STP.")
            % {"number": number[:60]}
        )
    elif (
        Plan.objects.filter(issuer=locked.issuer, number=number, province_id=locked.province_id)
        .exclude(pk=locked.pk)
        .exists()
    ):
        problems.append(
            _("%(issuer)s đã có văn bản số %(number)s.")
            % {"issuer": locked.issuer, "number": number}
        )
    today = calendar.today()
    parent = locked.parent
    assert parent is not None
    if issued_on is None:
        problems.append(_("Hãy nhập ngày ban hành."))
    elif issued_on > today:
        problems.append(
            _("Ngày ban hành %(day)s ở sau hôm nay.") % {"day": issued_on.strftime("%d/%m/%Y")}
        )
    elif parent.issued_on is not None and issued_on < parent.issued_on:
        problems.append(
            _("Ngày ban hành không được trước ngày ban hành kế hoạch cấp trên (%(day)s).")
            % {"day": parent.issued_on.strftime("%d/%m/%Y")}
        )
    if parent.status == Plan.Status.DRAFT:
        problems.append(_("Kế hoạch cấp trên chưa ban hành."))
    if not signer:
        problems.append(_("Hãy nhập người ký."))
    elif len(signer) > 255:
        problems.append(_("Tên người ký dài quá 255 ký tự."))
    if not locked.activities.exists():
        problems.append(_("Kế hoạch chưa có hoạt động nào."))
    if problems:
        raise AgencyPlanError(" ".join(problems))
    before = {"status": locked.status, "number": locked.number}
    locked.number, locked.issued_on, locked.signer = number, issued_on, signer
    locked.status = Plan.Status.ISSUED
    try:
        with transaction.atomic():
            locked.save(update_fields=["number", "issued_on", "signer", "status", "updated_at"])
    except IntegrityError:
        raise AgencyPlanError(
            _("%(issuer)s đã có văn bản số %(number)s.")
            % {"issuer": locked.issuer, "number": number}
        ) from None
    log_action(
        actor=actor,
        action="plan.issue",
        obj=locked,
        before=before,
        after={
            "status": locked.status,
            "number": number,
            "issued_on": issued_on.isoformat() if issued_on else None,
            "signer": signer,
        },
        source=source,
    )
    plan_issued.send(sender=Plan, plan=locked)
    for name in ("number", "issued_on", "signer", "status"):
        setattr(plan, name, getattr(locked, name))
    return plan


@transaction.atomic
def plan_set_agency_plans_due(
    *, plan: Plan, due: date | None, actor: Any, source: Source = "web"
) -> None:
    """The day by which the agencies must have issued their plans from `plan`."""
    if not policy.can(actor, "plan.agency_plans_due", plan):
        raise AgencyPlanForbidden(_("Bạn không có quyền thực hiện thao tác này."))
    if due is not None and plan.issued_on is not None and due < plan.issued_on:
        raise AgencyPlanError(
            _("Hạn không được trước ngày ban hành kế hoạch (%(day)s).")
            % {"day": plan.issued_on.strftime("%d/%m/%Y")}
        )
    if due is not None and due.year not in range(plan.year - 1, plan.year + 2):
        raise AgencyPlanError(
            _("Hạn phải trong năm %(year)s hoặc năm liền kề.") % {"year": plan.year}
        )
    before = plan.agency_plans_due
    plan.agency_plans_due = due
    plan.save(update_fields=["agency_plans_due", "updated_at"])
    log_action(
        actor=actor,
        action="plan.agency_plans_due",
        obj=plan,
        before={"agency_plans_due": before.isoformat() if before else None},
        after={"agency_plans_due": due.isoformat() if due else None},
        source=source,
    )


# ---------------------------------------------------------------------------
# Who has issued


@dataclass(frozen=True)
class AgencyPlanStatus:
    agency: Agency
    activities: int  # activities of the plan above it has a share in
    plan: Plan | None
    issued_on: date | None
    # True: issued by the deadline; False: issued late, or not issued and the deadline
    # has passed; None: no deadline set, or not issued yet with time left.
    on_time: bool | None

    @property
    def state(self) -> str:
        if self.plan is None:
            return "none"
        return str(self.plan.status)


def agency_plan_issuance(plan: Plan, *, today: date | None = None) -> list[AgencyPlanStatus]:
    """Per agency that makes a plan of its own from `plan`: its plan, when it was issued
    and whether that was on time against `plan.agency_plans_due`. The PAR INDEX reads its
    criterion "ban hành kế hoạch CCHC đúng hạn" from here."""
    today = today or calendar.today()
    due = plan.agency_plans_due
    shares = plan_shares(plan)
    agencies = list(
        Agency.objects.filter(pk__in=shares, kind__in=planning_kinds(plan))
        .exclude(pk=plan.issuer_agency_id or 0)
        .order_by("kind", "sort_name")
    )
    derived = {
        p.issuer_agency_id: p
        for p in plan.derived_plans.exclude(issuer_agency=None).only(
            "pk", "issuer_agency_id", "status", "number", "issued_on", "signer", "parent_id"
        )
    }
    rows = []
    for agency in agencies:
        own = derived.get(agency.pk)
        issued_on = own.issued_on if own is not None and own.status != Plan.Status.DRAFT else None
        on_time: bool | None
        if due is None:
            on_time = None
        elif issued_on is not None:
            on_time = issued_on <= due
        else:
            on_time = False if today > due else None
        if agency.closed_on is not None and own is None:
            continue
        rows.append(
            AgencyPlanStatus(
                agency=agency,
                activities=len(shares[agency.pk]),
                plan=own,
                issued_on=issued_on,
                on_time=on_time,
            )
        )
    return rows
