"""Importing a plan document into the database, and exporting a plan back to one.

An import is all-or-nothing: every row is checked first (agency names resolved, header
complete), every problem is collected, and only a document with none is written, inside
one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _

from cchc.accounts.tenancy import province_of, sole_province_id
from cchc.agencies.models import Agency, AgencyGroup
from cchc.agencies.naming import resolution_key
from cchc.agencies.services import IGNORED, Resolved, Resolver
from cchc.audit.log import log_action
from cchc.audit.types import Source
from cchc.lib.bulk import insert_rows
from cchc.lib.dates import is_plausible
from cchc.lib.deadlines import Schedule, parse_deadline
from cchc.lib.text import fold
from cchc.plans.interchange import (
    ActivityRow,
    AreaRow,
    ImportIssue,
    Location,
    PlanDocument,
    PlanHeader,
    PlanImportError,
    TaskRow,
)
from cchc.plans.models import (
    Activity,
    Area,
    Assignee,
    DueDate,
    Indicator,
    Plan,
    Responsibility,
    Task,
)
from cchc.plans.signals import plan_imported

DATA_DIR = Path(__file__).resolve().parent / "data"
ROLE_FIELDS = (("lead", Assignee.Role.LEAD), ("cooperating", Assignee.Role.COOPERATING))


@dataclass
class _Checked:
    """An activity row that passed the checks, with what was worked out for it."""

    row: ActivityRow
    schedule: Schedule
    assignees: dict[str, list[Resolved]] = field(default_factory=dict)


def _default_title(year: int) -> str:
    return _("Kế hoạch cải cách hành chính năm %(year)s") % {"year": year}


def _check_header(
    header: PlanHeader, year: int | None, issues: list[ImportIssue], province_id: int | None = None
) -> PlanHeader:
    checked = PlanHeader(**vars(header))
    if year is not None:
        if checked.year is not None and checked.year != year:
            issues.append(
                ImportIssue(
                    Location(),
                    _("Tệp ghi năm %(file)s nhưng lệnh nhập chỉ định năm %(given)s.")
                    % {"file": checked.year, "given": year},
                )
            )
        checked.year = year
    if checked.year is None:
        issues.append(
            ImportIssue(
                Location(),
                _("Không xác định được năm của kế hoạch; hãy chỉ định năm (--year)."),
            )
        )
    elif not 1990 <= checked.year <= 2200:
        issues.append(
            ImportIssue(Location(), _("Năm %(year)s không hợp lệ.") % {"year": checked.year})
        )
    if not checked.issuer:
        provinces = list(Agency.objects.filter(kind=Agency.Kind.PROVINCE)[:2])
        if province_id is not None:
            # The province the plan is imported into issues it (docs/tenants.md).
            provinces = list(Agency.objects.filter(pk=province_id))
        if len(provinces) == 1:
            checked.issuer = provinces[0].name
        else:
            issues.append(ImportIssue(Location(), _("Thiếu cơ quan ban hành kế hoạch.")))
    if not checked.title and checked.year is not None:
        checked.title = _default_title(checked.year)
    return checked


def _check_assignees(
    row: ActivityRow, resolver: Resolver, issues: list[ImportIssue]
) -> dict[str, list[Resolved]]:
    result: dict[str, list[Resolved]] = {}
    unknown_lead = False
    for field_name, _role in ROLE_FIELDS:
        names: list[str] = getattr(row, field_name)
        resolved: list[Resolved] = []
        for name in names:
            reading = resolver.read(name)
            for unknown in reading.unknown:
                suggestions = resolver.suggest(unknown)
                if unknown == name:
                    message = _("Không tìm thấy cơ quan «%(name)s». Tên gần nhất: %(suggestions)s.")
                else:
                    message = _(
                        "Không tìm thấy cơ quan «%(name)s» (trong ô «%(cell)s»). "
                        "Tên gần nhất: %(suggestions)s."
                    )
                issues.append(
                    ImportIssue(
                        # Asked for only here: a reader may make locations on demand.
                        row.source.get(field_name, Location()),
                        message
                        % {
                            "name": unknown,
                            "cell": name,
                            "suggestions": "; ".join(f"«{s}»" for s in suggestions) or "—",
                        },
                        unknown_name=unknown,
                    )
                )
                unknown_lead = unknown_lead or field_name == "lead"
            # A name settled as "ignore" stands for no one; the rest of the cell counts.
            resolved.extend(r for r in reading.resolved if r.target is not IGNORED)
        result[field_name] = resolved
    # A lead written only with ignored names has no lead, as an empty cell.
    if not row.lead or (not result["lead"] and not unknown_lead):
        issues.append(ImportIssue(row.source.get("lead", Location()), _("Thiếu cơ quan chủ trì.")))
    return result


def plan_check(
    document: PlanDocument, *, year: int | None = None, province_id: int | None = None
) -> tuple[PlanHeader, list[list[list[_Checked]]], list[ImportIssue]]:
    """Check a document without writing anything; return what was worked out and issues.
    With `province_id`, agency names resolve only to that province's agencies."""
    issues: list[ImportIssue] = []
    header = _check_header(document.header, year, issues, province_id)
    # Without a year the import fails anyway; 2000 only lets the rows be checked.
    plan_year = header.year or 2000
    if not document.areas:
        issues.append(ImportIssue(Location(), _("Tệp không có lĩnh vực hay nhiệm vụ nào.")))
    resolver = Resolver(province_id)
    # A plan writes few distinct deadlines ("Quý I", "Thường xuyên") on many rows; a
    # Schedule is immutable, so rows with one phrase share one.
    schedules: dict[str, Schedule] = {}
    checked: list[list[list[_Checked]]] = []
    for area in document.areas:
        area_checked = []
        for task in area.tasks:
            if not task.activities:
                issues.append(
                    ImportIssue(
                        task.source.get("title", Location()),
                        _("Nhiệm vụ %(number)s không có hoạt động nào.") % {"number": task.number},
                    )
                )
            task_checked = []
            for row in task.activities:
                assignees = _check_assignees(row, resolver, issues)
                schedule = schedules.get(row.deadline)
                if schedule is None:
                    schedule = schedules[row.deadline] = parse_deadline(row.deadline, plan_year)
                schedule = _dated_by_hand(schedule, row)
                task_checked.append(_Checked(row, schedule, assignees))
            area_checked.append(task_checked)
        checked.append(area_checked)
    return header, checked, issues


def _dated_by_hand(schedule: Schedule, row: ActivityRow) -> Schedule:
    """The phrase's schedule, or, where the phrase gives no date, the dates the row
    carries from a coordinator's hand (see `activity_set_schedule`)."""
    dates = sorted({day for day in row.due_dates if is_plausible(day)})
    if not schedule.needs_date or not dates:
        return schedule
    kind = Activity.DeadlineKind.DAY if len(dates) == 1 else Activity.DeadlineKind.MULTIPLE
    return Schedule(schedule.text, kind, tuple(dates), None, needs_date=False)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _store_extra(plan: Plan, extra: dict[str, Any], resolver: Resolver) -> None:
    areas = {area.code: area for area in plan.areas.all()}
    rollup = extra.get("rollup_method")
    if rollup in ("equal", "weighted", "status"):
        plan.rollup_method = rollup
        plan.save(update_fields=["rollup_method"])
    document = extra.get("document")
    if isinstance(document, dict):
        plan.document = document
        plan.save(update_fields=["document"])
        for focus in document.get("focus_areas", []):
            area = areas.get(str(focus.get("code")))
            if area is not None and not area.description:
                area.description = "\n".join(focus.get("items", []))
                area.save(update_fields=["description"])
    for position, item in enumerate(extra.get("indicators", []) or []):
        target = _decimal(item.get("target"))
        if target is None:
            continue
        due = item.get("due")
        indicator = Indicator(
            plan=plan,
            area=areas.get(str(item.get("area") or "")),
            code=str(item.get("code") or f"chi-tieu-{position + 1}"),
            name=str(item.get("name", "")),
            unit=str(item.get("unit") or "%"),
            comparator=str(item.get("comparator") or ">="),
            target=target,
            baseline=_decimal(item.get("baseline")),
            baseline_year=item.get("baseline_year"),
            due_on=date.fromisoformat(due) if due else None,
            source_text=str(item.get("source_text", "")),
            position=position,
        )
        indicator.full_clean(exclude=["plan", "area"])
        indicator.save()
    for position, item in enumerate(extra.get("responsibilities", []) or []):
        responsibility = Responsibility.objects.create(
            plan=plan,
            position=position,
            heading=str(item.get("heading", "")),
            duties="\n".join(item.get("duties", [])),
        )
        for name in item.get("agencies", []):
            for resolved in resolver.resolve(name) or []:
                if isinstance(resolved.target, Agency):
                    responsibility.agencies.add(resolved.target)
                elif isinstance(resolved.target, AgencyGroup):
                    responsibility.groups.add(resolved.target)


# What only a complete source (JSON, or a cchc file with «Thông tin bổ sung») carries.
_PLAN_SECTIONS = ("document", "indicators", "responsibilities", "rollup_method")


def keep_what_the_file_lacks(current: PlanDocument, incoming: PlanDocument) -> None:
    """On replace from a bare appendix table, keep what such a table cannot say.

    The rule (also in docs/plan-files.md): the table is authoritative for what it has
    columns for (titles, outputs, agencies, deadlines, activity notes). What it has no
    column for is kept from the plan being replaced when the file says nothing about it:
    the plan's body, indicators, responsibilities and rollup method; an area's description
    (matched by code); a task's notes and transcription notes (matched by area code,
    number and title); an activity's transcription notes and weight (matched within its
    task by title, in order). A renamed task or activity starts empty: it is a new one.
    """
    for key in _PLAN_SECTIONS:
        if key not in incoming.extra and key in current.extra:
            incoming.extra[key] = current.extra[key]
    areas = {area.code: area for area in current.areas}
    for area in incoming.areas:
        old_area = areas.get(area.code)
        if old_area is None:
            continue
        area.description = area.description or old_area.description
        tasks = {(task.number, fold(task.title)): task for task in old_area.tasks}
        for task in area.tasks:
            old_task = tasks.get((task.number, fold(task.title)))
            if old_task is None:
                continue
            task.notes = task.notes or old_task.notes
            task.transcription_notes = task.transcription_notes or old_task.transcription_notes
            unused = list(old_task.activities)
            for activity in task.activities:
                old = next((a for a in unused if fold(a.title) == fold(activity.title)), None)
                if old is None:
                    continue
                unused.remove(old)
                activity.transcription_notes = (
                    activity.transcription_notes or old.transcription_notes
                )
                if activity.weight == 1:
                    activity.weight = old.weight


def keep_dates_set_by_hand(current: PlanDocument, incoming: PlanDocument) -> None:
    """On replace, an activity the coordinator dated by hand keeps that date while the
    file still gives the same phrase and no date of its own (any format: a table has no
    column for it). Matched like `keep_what_the_file_lacks`: area code, task number and
    title, activity title in order."""
    old_tasks = {
        (area.code, task.number, fold(task.title)): task
        for area in current.areas
        for task in area.tasks
    }
    for area in incoming.areas:
        for task in area.tasks:
            old_task = old_tasks.get((area.code, task.number, fold(task.title)))
            if old_task is None:
                continue
            unused = list(old_task.activities)
            for activity in task.activities:
                old = next((a for a in unused if fold(a.title) == fold(activity.title)), None)
                if old is None:
                    continue
                unused.remove(old)
                if (
                    not activity.due_dates
                    and old.due_dates
                    and fold(old.deadline) == fold(activity.deadline)
                ):
                    activity.due_dates = list(old.due_dates)


def _plan_summary(plan: Plan) -> dict[str, Any]:
    """What the audit trail keeps of a plan: its header and the size of its contents."""
    return {
        "issuer": plan.issuer,
        "number": plan.number,
        "issued_on": plan.issued_on,
        "year": plan.year,
        "title": plan.title,
        "status": plan.status,
        "areas": plan.areas.count(),
        "tasks": plan.tasks.count(),
        "activities": plan.activities.count(),
        "indicators": plan.indicators.count(),
    }


def _plan_exists(number: str, issuer: str) -> ImportIssue:
    return ImportIssue(
        Location(),
        _(
            "Kế hoạch số %(number)s của %(issuer)s đã có trong hệ thống; "
            "chọn thay thế nếu muốn nhập lại."
        )
        % {"number": number, "issuer": issuer},
    )


def _number_key(number: str) -> str:
    # "25/KH-UBND", "25 / KH - UBND" and "25/kh-ubnd" are one number.
    return "".join(fold(number).split())


def plan_issued_as(
    *, issuer: str, number: str, resolver: Resolver | None = None, province_id: int | None = None
) -> Plan | None:
    """The plan already in cchc with this number from this issuer, however the issuer is
    spelt: "UBND tỉnh" and "Ủy ban nhân dân tỉnh", with or without the province's name,
    in any case or Unicode form, are one issuer when they name one agency.

    The issuer stays stored as written; only the comparison is normalised.
    """
    if not number or not issuer:
        return None
    resolver = resolver or Resolver(province_id)
    key = resolution_key(issuer)
    target = resolver.lookup(issuer)
    agency_id = target.pk if isinstance(target, Agency) else None
    wanted = _number_key(number)
    # Another province's plan of the same number is another plan, and so is a national
    # one (docs/tenants.md): a number is unique per issuer within one province.
    plans = Plan.objects.filter(province_id=province_id)
    candidates = plans.filter(number__iexact=number)
    if not candidates.exists():
        # Rarely needed, so only then: the number spelt with other spaces.
        candidates = plans
    for plan in candidates.only("pk", "issuer", "number", "issuer_agency_id").order_by("pk"):
        if _number_key(plan.number) != wanted:
            continue
        if resolution_key(plan.issuer) == key:
            return Plan.objects.get(pk=plan.pk)
        if agency_id is not None:
            stored = resolver.lookup(plan.issuer)
            if plan.issuer_agency_id == agency_id or (
                isinstance(stored, Agency) and stored.pk == agency_id
            ):
                return Plan.objects.get(pk=plan.pk)
    return None


def _has_provinces() -> bool:
    return Agency.objects.filter(kind=Agency.Kind.PROVINCE, parent__isnull=True).exists()


def _import_province(document: PlanDocument, province: Agency | None, actor: Any) -> int | None:
    """Which province an imported plan belongs to (see `plan_import`)."""
    if province is not None:
        return int(province.pk)
    own = province_of(actor)
    if own is not None:
        return own
    sole = sole_province_id()
    if sole is not None:
        return sole
    if not document.header.issuer:
        return None
    # "UBND tỉnh" is every province's issuer: only a name one province answers to says it.
    resolver = Resolver()
    issuer = resolver.lookup(document.header.issuer)
    if not isinstance(issuer, Agency):
        return None
    return resolver.province_of_name(document.header.issuer)


@transaction.atomic
def plan_import(
    *,
    document: PlanDocument,
    year: int | None = None,
    replace: bool = False,
    actor: Any = None,
    source: Source = "cli",
    province: Agency | None = None,
) -> Plan:
    """Write a checked plan document. Raises PlanImportError and writes nothing on any issue.

    The plan belongs to `province` (the CLI's --province), else to the importing user's
    province, else to the installation's only province, else to the province its issuer
    names; with several provinces and none of these, the import is refused
    (docs/tenants.md)."""
    province_id = _import_province(document, province, actor)
    if province_id is None and _has_provinces():
        raise PlanImportError(
            [
                ImportIssue(
                    Location(),
                    _(
                        "Hệ thống có nhiều tỉnh: hãy chỉ định tỉnh của kế hoạch "
                        "(--province) hoặc ghi cơ quan ban hành là UBND của tỉnh đó."
                    ),
                )
            ]
        )
    header, checked, issues = plan_check(document, year=year, province_id=province_id)
    existing = None
    resolver = Resolver(province_id)
    if header.number and header.issuer:
        existing = plan_issued_as(
            issuer=header.issuer, number=header.number, resolver=resolver, province_id=province_id
        )
        if (
            existing is not None
            and replace
            and existing.activities.filter(assignments__reports__isnull=False).exists()
        ):
            issues.append(
                ImportIssue(
                    Location(),
                    _(
                        "Kế hoạch số %(number)s đã có báo cáo tiến độ nên không thể thay thế; "
                        "hãy sửa từng nhiệm vụ thay vì nhập lại."
                    )
                    % {"number": header.number},
                )
            )
        if existing is not None and not replace:
            issues.append(_plan_exists(header.number, header.issuer))
    if issues:
        raise PlanImportError(issues)
    assert header.year is not None

    before = _plan_summary(existing) if existing is not None else None
    if existing is not None:
        current = plan_document(existing)
        keep_dates_set_by_hand(current, document)
        for item in (item for area in checked for task in area for item in task):
            item.schedule = _dated_by_hand(item.schedule, item.row)
        if not document.complete:
            keep_what_the_file_lacks(current, document)
    if existing is not None:
        existing.areas.all().delete()
        existing.indicators.all().delete()
        existing.responsibilities.all().delete()
        plan = existing
    else:
        plan = Plan()
    plan.issuer = header.issuer
    if province_id is not None:
        plan.province_id = province_id
    issuer_target = resolver.lookup(header.issuer)
    plan.issuer_agency = issuer_target if isinstance(issuer_target, Agency) else None
    plan.number = header.number
    plan.issued_on = header.issued_on
    plan.year = header.year
    plan.title = header.title
    if header.status in Plan.Status.values:
        plan.status = header.status
    plan.full_clean()
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Another import of the same new plan committed between the check above and this
        # insert (PostgreSQL lets both check before either writes): the loser is told the
        # plan exists, as it would have been a moment later.
        if (
            existing is None
            and Plan.objects.filter(
                issuer=plan.issuer, number=plan.number, province_id=plan.province_id
            ).exists()
        ):
            raise PlanImportError([_plan_exists(plan.number, plan.issuer)]) from None
        raise

    _write_contents(plan, document.areas, checked)
    _store_extra(plan, document.extra, resolver)
    plan_imported.send(sender=Plan, plan=plan)
    log_action(
        actor=actor,
        action="plan.replace" if existing is not None else "plan.import",
        obj=plan,
        before=before,
        after=_plan_summary(plan),
        source=source,
    )
    return plan


class ScheduleNotDated(ValueError):
    """The phrase given for an activity's deadline yields no due date."""


def _schedule_state(activity: Activity) -> dict[str, Any]:
    return {
        "deadline": activity.deadline,
        "deadline_kind": activity.deadline_kind,
        "recurring": activity.recurring,
        "needs_date": activity.needs_date,
        "first_due": activity.first_due,
        "due_dates": list(activity.due_dates.order_by("due_on").values_list("due_on", flat=True)),
    }


@transaction.atomic
def activity_set_schedule(
    *, activity: Activity, phrase: str, actor: Any, source: Source
) -> Schedule:
    """Date an activity from a phrase or a date a person typed ("30/06/2022", "Quý II").

    The plan's own wording (`Activity.deadline`) is kept; the due dates, the kind of
    deadline, the cadence and the needs-a-date flag are replaced. Raises ScheduleNotDated
    and changes nothing when the phrase gives no date.
    """
    phrase = phrase.strip()
    # Lock the row: two coordinators re-dating one activity must not interleave.
    locked = Activity.objects.select_for_update().select_related("plan").get(pk=activity.pk)
    schedule = parse_deadline(phrase, locked.plan.year)
    if not schedule.due_dates:
        raise ScheduleNotDated(
            _(
                "Không đọc được ngày từ «%(phrase)s». Hãy nhập một ngày (30/06/%(year)s) "
                "hoặc một kỳ (Quý II)."
            )
            % {"phrase": phrase, "year": locked.plan.year}
        )
    before = _schedule_state(locked)
    dates = sorted(set(schedule.due_dates))
    locked.due_dates.all().delete()
    DueDate.objects.bulk_create(DueDate(activity=locked, due_on=d) for d in dates)
    locked.deadline_kind = schedule.kind
    locked.recurring = schedule.recurring or ""
    locked.needs_date = False
    locked.first_due = dates[0]
    locked.full_clean()
    locked.save(update_fields=["deadline_kind", "recurring", "needs_date", "first_due"])
    log_action(
        actor=actor,
        action="activity.set_schedule",
        obj=locked,
        before=before,
        after=_schedule_state(locked) | {"phrase": phrase},
        source=source,
    )
    for name in ("deadline_kind", "recurring", "needs_date", "first_due"):
        setattr(activity, name, getattr(locked, name))
    return schedule


def _write_contents(plan: Plan, areas: list[AreaRow], checked: list[list[list[_Checked]]]) -> None:
    """Write areas, tasks and activities with a fixed number of queries per level.

    Tens of thousands of rows are made here, so they are written as plain tuples (see
    cchc.lib.bulk): model instances and their per-field preparation cost more than the
    database's own work."""
    area_objs = Area.objects.bulk_create(
        [
            Area(
                plan=plan,
                code=area.code,
                title=area.title,
                description=area.description,
                position=position,
            )
            for position, area in enumerate(areas)
        ]
    )
    task_rows = [
        (
            plan.pk,
            area_obj.pk,
            task.number,
            task.title,
            task.notes,
            task.transcription_notes,
            position,
            fold(f"{task.title}\n{task.notes}"),
        )
        for area_obj, area in zip(area_objs, areas, strict=True)
        for position, task in enumerate(area.tasks)
    ]
    insert_rows(
        Task,
        (
            "plan_id",
            "area_id",
            "number",
            "title",
            "notes",
            "transcription_notes",
            "position",
            "search_text",
        ),
        task_rows,
    )
    # The plan has no other tasks or activities (a replaced plan's went with its areas),
    # so a task is known by its area and position, an activity by its task and position.
    task_ids = {
        (area_id, position): pk
        for pk, area_id, position in Task.objects.filter(plan_id=plan.pk).values_list(
            "pk", "area_id", "position"
        )
    }

    flat_tasks = [task_checked for area_checked in checked for task_checked in area_checked]
    activity_rows: list[tuple[Any, ...]] = []
    checked_rows: list[tuple[int, int, _Checked]] = []
    for task_row, task_checked in zip(task_rows, flat_tasks, strict=True):
        task_id = task_ids[(task_row[1], task_row[6])]  # area_id, position
        for position, item in enumerate(task_checked):
            row, schedule = item.row, item.schedule
            activity_rows.append(
                (
                    plan.pk,
                    task_id,
                    position,
                    row.title,
                    row.outputs,
                    row.deadline,
                    schedule.kind,
                    schedule.recurring or "",
                    schedule.needs_date,
                    schedule.due_dates[0] if schedule.due_dates else None,
                    row.notes,
                    row.transcription_notes,
                    "\n".join(row.lead),
                    "\n".join(row.cooperating),
                    row.weight,
                    fold(f"{row.title}\n{row.outputs}\n{row.notes}"),
                )
            )
            checked_rows.append((task_id, position, item))
    insert_rows(
        Activity,
        (
            "plan_id",
            "task_id",
            "position",
            "title",
            "outputs",
            "deadline",
            "deadline_kind",
            "recurring",
            "needs_date",
            "first_due",
            "notes",
            "transcription_notes",
            "lead_written",
            "cooperating_written",
            "weight",
            "search_text",
        ),
        activity_rows,
    )
    activity_ids = {
        (task_id, position): pk
        for pk, task_id, position in Activity.objects.filter(plan_id=plan.pk).values_list(
            "pk", "task_id", "position"
        )
    }

    due_rows: list[tuple[Any, ...]] = []
    assignee_rows: list[tuple[Any, ...]] = []
    for task_id, position, item in checked_rows:
        activity_id = activity_ids[(task_id, position)]
        due_rows.extend((activity_id, d) for d in item.schedule.due_dates)
        for field_name, role in ROLE_FIELDS:
            for place, resolved in enumerate(item.assignees.get(field_name, [])):
                target = resolved.target
                assignee_rows.append(
                    (
                        activity_id,
                        role,
                        place,
                        resolved.written_name[:500],
                        resolved.note,
                        target.pk if isinstance(target, Agency) else None,
                        target.pk if isinstance(target, AgencyGroup) else None,
                    )
                )
    insert_rows(DueDate, ("activity_id", "due_on"), due_rows)
    insert_rows(
        Assignee,
        ("activity_id", "role", "position", "written_name", "note", "agency_id", "group_id"),
        assignee_rows,
    )


def plan_tree(plan: Plan, *, areas: list[Area] | None = None) -> list[Area]:
    """The plan's areas with tasks, activities, due dates and assignees, in 5 queries.

    With `areas` (some of the plan's, already read), their tasks and the rest are read
    onto them, in 4 queries: the plan page reads its areas first and the activities of
    only those it shows open.
    """
    activities = Activity.objects.prefetch_related(
        "due_dates",
        # Ordered by the activity's id, not by the model's ordering: that sorts by area
        # and task, joining every province's tasks and activities to sort one plan's
        # assignees (each activity's own are in the same order either way).
        Prefetch(
            "assignees",
            queryset=Assignee.objects.select_related("agency", "group").order_by(
                "activity_id", "role", "position"
            ),
        ),
    ).order_by("position")
    tasks = Task.objects.prefetch_related(Prefetch("activities", queryset=activities)).order_by(
        "position"
    )
    if areas is not None:
        prefetch_related_objects(areas, Prefetch("tasks", queryset=tasks))
        return areas
    return list(plan.areas.prefetch_related(Prefetch("tasks", queryset=tasks)).order_by("position"))


def activity_row(activity: Activity) -> ActivityRow:
    """One activity as the exporters write it (its assignees and due dates prefetched)."""
    assignees = list(activity.assignees.all())
    return ActivityRow(
        title=activity.title,
        outputs=activity.outputs,
        # The cells as the plan wrote them; each assignee's name for an activity made
        # here, not imported.
        lead=activity.lead_written.split("\n")
        if activity.lead_written
        else [a.written_name for a in assignees if a.role == Assignee.Role.LEAD],
        cooperating=activity.cooperating_written.split("\n")
        if activity.cooperating_written
        else [a.written_name for a in assignees if a.role == Assignee.Role.COOPERATING],
        deadline=activity.deadline,
        notes=activity.notes,
        transcription_notes=activity.transcription_notes,
        due_dates=[d.due_on for d in activity.due_dates.all()],
        needs_date=activity.needs_date,
        weight=activity.weight,
    )


def _task_row(task: Task, activities: list[ActivityRow]) -> TaskRow:
    return TaskRow(
        number=task.number,
        title=task.title,
        notes=task.notes,
        transcription_notes=task.transcription_notes,
        activities=activities,
    )


def _area_row(area: Area, tasks: list[TaskRow]) -> AreaRow:
    return AreaRow(code=area.code, title=area.title, description=area.description, tasks=tasks)


def plan_document(plan: Plan) -> PlanDocument:
    """The plan as a document, for the exporters."""
    areas = [
        _area_row(
            area,
            [
                _task_row(task, [activity_row(a) for a in task.activities.all()])
                for task in area.tasks.all()
            ],
        )
        for area in plan_tree(plan)
    ]
    return PlanDocument(header=plan_header(plan), areas=areas, extra=plan_extra(plan))


# Activities read at a time by `plan_outline` (with their due dates and assignees).
OUTLINE_CHUNK = 500


def plan_outline(
    plan: Plan,
) -> Iterator[tuple[AreaRow, Iterator[tuple[TaskRow, Iterator[ActivityRow]]]]]:
    """The plan's areas, each with its tasks, each with its activities, read as they are
    consumed: areas and tasks (a few thousand rows) at once, activities
    `OUTLINE_CHUNK` at a time. What `plan_document` holds whole, for a writer that
    streams (the JSON export of a 10,000-activity plan stays at the size of a chunk).
    The rows come out empty (`tasks`, `activities`); the iterators carry them, and must be
    consumed in order."""
    areas = list(plan.areas.order_by("position", "pk"))
    tasks: dict[int, list[Task]] = {}
    for task in Task.objects.filter(area__plan=plan).order_by("position", "pk"):
        tasks.setdefault(task.area_id, []).append(task)
    stream = (
        Activity.objects.filter(task__area__plan=plan)
        .prefetch_related("due_dates", "assignees")
        .order_by(
            "task__area__position", "task__area_id", "task__position", "task_id", "position", "pk"
        )
        .iterator(chunk_size=OUTLINE_CHUNK)
    )
    ahead: list[Activity] = []

    def activities(task: Task) -> Iterator[ActivityRow]:
        while True:
            if not ahead:
                following = next(stream, None)
                if following is None:
                    return
                ahead.append(following)
            if ahead[0].task_id != task.pk:
                return
            yield activity_row(ahead.pop())

    def area_tasks(area: Area) -> Iterator[tuple[TaskRow, Iterator[ActivityRow]]]:
        for task in tasks.get(area.pk, []):
            yield _task_row(task, []), activities(task)

    for area in areas:
        yield _area_row(area, []), area_tasks(area)


def plan_header(plan: Plan) -> PlanHeader:
    return PlanHeader(
        issuer=plan.issuer,
        number=plan.number,
        issued_on=plan.issued_on,
        year=plan.year,
        title=plan.title,
        status=plan.status,
    )


def plan_extra(plan: Plan) -> dict[str, Any]:
    """What a plan holds besides its areas, tasks and activities (the JSON's other keys)."""
    extra: dict[str, Any] = {}
    if plan.rollup_method != "equal":
        extra["rollup_method"] = plan.rollup_method
    if plan.document:
        extra["document"] = plan.document
    indicators = [
        {
            "code": i.code,
            "area": i.area.code if i.area else None,
            "name": i.name,
            "unit": i.unit,
            "comparator": i.comparator,
            "target": float(i.target),
            "baseline": float(i.baseline) if i.baseline is not None else None,
            "baseline_year": i.baseline_year,
            "due": i.due_on.isoformat() if i.due_on else None,
            "source_text": i.source_text,
        }
        for i in plan.indicators.select_related("area")
    ]
    if indicators:
        extra["indicators"] = indicators
    responsibilities = [
        {
            "heading": r.heading,
            "agencies": [a.name for a in r.agencies.all()] + [g.name for g in r.groups.all()],
            "duties": r.duties.split("\n") if r.duties else [],
        }
        for r in plan.responsibilities.prefetch_related("agencies", "groups")
    ]
    if responsibilities:
        extra["responsibilities"] = responsibilities
    return extra


class PlanAmbiguous(ValueError):
    """A plan number that several provinces use: only the plan's id names one."""


def find_plan(reference: str) -> Plan | None:
    """A plan by id or by its number/symbol, as the CLI and the API accept it.

    Numbers are unique per province only (docs/tenants.md): a number that plans of
    several provinces carry is refused with their ids, never resolved to one of them.
    """
    if reference.isdigit():
        found = Plan.objects.filter(pk=int(reference)).first()
        if found is not None:
            return found
    matches = list(
        Plan.objects.filter(number__iexact=reference.strip())
        .select_related("province")
        .order_by("-year", "pk")
    )
    if len({plan.province_id for plan in matches}) > 1:
        listed = "; ".join(
            f"{plan.pk}: {plan.number} ({plan.province.name if plan.province else _('toàn quốc')}, "
            f"{plan.year})"
            for plan in matches[:20]
        )
        raise PlanAmbiguous(
            _(
                "Số «%(number)s» là kế hoạch của nhiều tỉnh; hãy ghi mã kế hoạch thay cho số. "
                "Các kế hoạch: %(plans)s."
            )
            % {"number": reference.strip()[:60], "plans": listed}
        )
    return matches[0] if matches else None
