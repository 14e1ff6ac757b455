"""Changing a plan's reporting periods: the coordinator's whole table at once.

`periods_create_default` (in `services`) gives a plan the usual four periods; this module
lets the coordinator change them. A change is all-or-nothing: every row is checked, every
problem is collected with the row it belongs to, and only a set with none is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cchc.audit import context as audit_context
from cchc.audit.log import log_action
from cchc.lib.text import nfc
from cchc.monitoring.models import ProgressReport, ReportingPeriod
from cchc.plans.models import Plan

FIELDS = ("code", "name", "kind", "starts_on", "ends_on", "due_on", "position")
DATE_FIELDS = ("starts_on", "ends_on", "due_on")
# The column titles of the periods page, so that a message names what the user sees.
LABELS = {
    "code": gettext_lazy("mã"),
    "name": gettext_lazy("tên kỳ"),
    "kind": gettext_lazy("loại kỳ"),
    "starts_on": gettext_lazy("từ ngày"),
    "ends_on": gettext_lazy("đến ngày (chốt số liệu)"),
    "due_on": gettext_lazy("hạn gửi báo cáo"),
    "position": gettext_lazy("thứ tự"),
}


@dataclass(frozen=True)
class PeriodRow:
    """One row of the periods table as the coordinator left it.

    `id` names an existing period of the plan; a row without one is a new period.
    `position` None keeps an existing period's place and puts a new one last.
    """

    id: int | None = None
    code: str = ""
    name: str = ""
    kind: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    due_on: date | None = None
    position: int | None = None
    delete: bool = False


@dataclass(frozen=True)
class PeriodProblem:
    row: int | None  # index in the rows given; None for the set as a whole
    message: str

    def __str__(self) -> str:
        return self.message


class PeriodsInvalid(Exception):
    """The rows cannot be saved. It carries every problem found, not just the first."""

    def __init__(self, problems: list[PeriodProblem]):
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.problems]


@dataclass
class PeriodChanges:
    created: list[ReportingPeriod] = field(default_factory=list)
    updated: list[ReportingPeriod] = field(default_factory=list)
    deleted: list[ReportingPeriod] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _state(obj: Any, names: Sequence[str] = FIELDS) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def period_date_problems(
    *, year: int, row: str, starts_on: date | None, ends_on: date | None, due_on: date | None
) -> list[tuple[str, str]]:
    """(field, message) for the dates of one period of a plan of `year`: their order, and
    the plan's years. `row` names the period in the messages."""
    problems = []
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(
            (
                "ends_on",
                _("%(row)s: ngày chốt số liệu %(ends)s sớm hơn ngày bắt đầu %(starts)s.")
                % {"row": row, "ends": _day(ends_on), "starts": _day(starts_on)},
            )
        )
    if ends_on and due_on and due_on < ends_on:
        problems.append(
            (
                "due_on",
                _("%(row)s: hạn gửi báo cáo %(due)s sớm hơn ngày chốt số liệu %(ends)s.")
                % {"row": row, "due": _day(due_on), "ends": _day(ends_on)},
            )
        )
    # A period may start in the year before (the default Q1 starts on 15 December) and
    # be due in the year after (the annual report); anything further is a typing slip.
    first, last = date(year - 1, 1, 1), date(year + 1, 12, 31)
    for name, day in zip(DATE_FIELDS, (starts_on, ends_on, due_on), strict=True):
        if day is not None and not first <= day <= last:
            problems.append(
                (
                    name,
                    _(
                        "%(row)s: %(field)s %(day)s không thuộc các năm %(first)s–%(last)s "
                        "(năm kế hoạch %(year)s, năm trước và năm sau)."
                    )
                    % {
                        "row": row,
                        "field": LABELS[name],
                        "day": _day(day),
                        "first": first.year,
                        "last": last.year,
                        "year": year,
                    },
                )
            )
    return problems


def period_label(name: str, index: int | None = None) -> str:
    """How a message names a period: by its name, or by its row when it has none yet."""
    if name or index is None:
        return _("Kỳ «%(name)s»") % {"name": name}
    return _("Dòng %(number)s") % {"number": index + 1}


class _Checker:
    """Collects the problems of one set of rows, each worded with the row it is about."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.problems: list[PeriodProblem] = []

    def add(self, row: int | None, message: str) -> None:
        self.problems.append(PeriodProblem(row, message))

    def check(self, index: int, row: PeriodRow) -> None:
        label = period_label(row.name, index)
        if not row.name:
            self.add(index, _("%(row)s: chưa nhập tên kỳ báo cáo.") % {"row": label})
        if not row.code:
            self.add(index, _("%(row)s: chưa nhập mã kỳ.") % {"row": label})
        if not row.kind:
            self.add(index, _("%(row)s: chưa chọn loại kỳ.") % {"row": label})
        missing = [str(LABELS[name]) for name in DATE_FIELDS if getattr(row, name) is None]
        if missing:
            self.add(
                index,
                _("%(row)s: chưa nhập %(fields)s.") % {"row": label, "fields": ", ".join(missing)},
            )
        dates = period_date_problems(
            year=self.plan.year,
            row=label,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            due_on=row.due_on,
        )
        for _name, message in dates:
            self.add(index, message)
        self._clean(index, label, row)

    def _clean(self, index: int, label: str, row: PeriodRow) -> None:
        # The model's own field rules: a slug, lengths, the kinds. Blanks are reported
        # above in plainer words; uniqueness is checked over the whole set (check_codes)
        # rather than against the stored rows, which this change may rename or delete.
        given = {name: getattr(row, name) for name in FIELDS}
        given = {name: value for name, value in given.items() if value not in ("", None)}
        period = ReportingPeriod(plan=self.plan, **given)
        try:
            period.full_clean(
                exclude=["plan", *(name for name in FIELDS if name not in given)],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add(
                        index,
                        _("%(row)s: %(field)s: %(message)s")
                        % {"row": label, "field": LABELS.get(name, name), "message": message},
                    )

    def check_codes(
        self, untouched: list[ReportingPeriod], wanted: list[tuple[int, PeriodRow]]
    ) -> None:
        # The stored periods left alone are unique among themselves (the database says
        # so), so a clash is always the fault of a row being written.
        seen = {period.code: period.name for period in untouched}
        for index, row in wanted:
            if not row.code:
                continue
            if row.code in seen:
                self.add(
                    index,
                    _("%(row)s: mã «%(code)s» trùng với mã của kỳ «%(other)s».")
                    % {
                        "row": period_label(row.name, index),
                        "code": row.code,
                        "other": seen[row.code],
                    },
                )
            else:
                seen[row.code] = row.name or row.code


def _reports_per_period(periods: list[ReportingPeriod]) -> dict[int, int]:
    counts = (
        ProgressReport.objects.filter(period__in=periods)
        .values("period")
        .annotate(n=Count("pk"))
        .values_list("period", "n")
    )
    return dict(counts)


def _tidy(row: PeriodRow) -> PeriodRow:
    # Names are compared and shown everywhere: one space between words, composed (NFC).
    return replace(row, code=row.code.strip(), name=nfc(" ".join(row.name.split())))


def periods_state(periods: Iterable[ReportingPeriod]) -> str:
    """A short fingerprint of the periods as they are stored, for `expected_state`."""
    rows = sorted([p.pk, *map(str, _state(p).values())] for p in periods)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


@transaction.atomic
def periods_update(
    *, plan: Plan, rows: Sequence[PeriodRow], actor: Any, expected_state: str | None
) -> PeriodChanges:
    """Create, change and delete the plan's reporting periods as `rows` say.

    Periods the rows do not name stay as they are. Raises PeriodsInvalid and writes
    nothing when any row has a problem, or when `expected_state` (the `periods_state` the
    caller read) no longer matches: someone else saved in between. Every caller says
    which state it read; only one that read nothing it could overwrite (a command making
    the periods anew) passes None. Every change is audited with the source of the request
    or command in progress.
    """
    # Locking the periods also holds back a report being created for one of them (its
    # foreign key check waits for the lock), so the report counts below stay true.
    stored = {p.pk: p for p in ReportingPeriod.objects.select_for_update().filter(plan=plan)}
    if expected_state is not None and expected_state != periods_state(stored.values()):
        raise PeriodsInvalid(
            [
                PeriodProblem(
                    None,
                    _(
                        "Các kỳ báo cáo vừa được người khác thay đổi nên chưa lưu gì. "
                        "Hãy tải lại trang để xem bản mới rồi sửa lại."
                    ),
                )
            ]
        )
    checker = _Checker(plan)
    last_position = max((p.position for p in stored.values()), default=-1)
    named: set[int] = set()
    wanted: list[tuple[int, PeriodRow]] = []
    deleted: list[tuple[int, ReportingPeriod]] = []
    for index, row in enumerate(rows):
        if row.id is not None and (row.id not in stored or row.id in named):
            checker.add(
                index,
                _("Dòng %(number)s: kỳ báo cáo này không còn trong kế hoạch; hãy tải lại trang.")
                % {"number": index + 1},
            )
            continue
        if row.id is not None:
            named.add(row.id)
        if row.delete:
            if row.id is not None:
                deleted.append((index, stored[row.id]))
            continue
        row = _tidy(row)
        if row.position is None:
            if row.id is not None:
                row = replace(row, position=stored[row.id].position)
            else:
                last_position += 1
                row = replace(row, position=last_position)
        wanted.append((index, row))

    for index, row in wanted:
        checker.check(index, row)
    untouched = [period for pk, period in stored.items() if pk not in named]
    checker.check_codes(untouched, wanted)
    if not untouched and not wanted:
        checker.add(None, _("Kế hoạch phải còn ít nhất một kỳ báo cáo."))
    counts = _reports_per_period([period for _index, period in deleted])
    for index, period in deleted:
        count = counts.get(period.pk, 0)
        if count:
            checker.add(
                index,
                ngettext(
                    "Kỳ «%(name)s» đã có %(count)s báo cáo nên không xóa được.",
                    "Kỳ «%(name)s» đã có %(count)s báo cáo nên không xóa được.",
                    count,
                )
                % {"name": period.name, "count": count},
            )
    if checker.problems:
        checker.problems.sort(key=lambda problem: -1 if problem.row is None else problem.row)
        raise PeriodsInvalid(checker.problems)

    return _write(
        plan, stored, [row for _index, row in wanted], [period for _index, period in deleted], actor
    )


def _write(
    plan: Plan,
    stored: dict[int, ReportingPeriod],
    wanted: list[PeriodRow],
    deleted: list[ReportingPeriod],
    actor: Any,
) -> PeriodChanges:
    source = audit_context.current().source
    changes = PeriodChanges()
    for period in deleted:
        log_action(
            actor=actor,
            action="period.delete",
            obj=period,
            before=_state(period),
            after=None,
            source=source,
        )
        period.delete()
        changes.deleted.append(period)

    updates = []
    for row in wanted:
        if row.id is None:
            continue
        period = stored[row.id]
        names = [name for name in FIELDS if getattr(period, name) != getattr(row, name)]
        if names:
            updates.append((period, row, names))
    # Two periods may swap codes in one change; parking the renamed ones on a code no one
    # can type keeps the unique constraint satisfied between the saves.
    for period, _row, names in updates:
        if "code" in names:
            ReportingPeriod.objects.filter(pk=period.pk).update(code=f"~{period.pk}")
    for period, row, names in updates:
        before = _state(period, names)
        for name in names:
            setattr(period, name, getattr(row, name))
        period.save(update_fields=names)
        log_action(
            actor=actor,
            action="period.update",
            obj=period,
            before=before,
            after=_state(period, names),
            source=source,
        )
        changes.updated.append(period)

    for row in wanted:
        if row.id is not None:
            continue
        period = ReportingPeriod(plan=plan, **_state(row))
        period.save()
        log_action(
            actor=actor,
            action="period.create",
            obj=period,
            before=None,
            after=_state(period),
            source=source,
        )
        changes.created.append(period)
    return changes
