"""A plan's figures, computed once per change and read from the cache (docs/dashboards.md).

The figures of a plan change only when a report is sent, returned or approved, or when
its periods, activities, dates, assignments or the plan itself change. Each of those
writes writes new random stamps into the plan's `FiguresStamp` row, in its own
transaction (`figures_changed`): the report services call it, and `receivers` call it
for every saved plan, area, task, activity, period and assignment. Computed figures are
kept in Django's cache (`CACHES`: Redis in production, the database by default) under a
key that holds the stamp they were computed at. A reader reads the stamp first (one
query) and then the cache, so:

- a figure computed before a change is never read after it: the change has committed
  a new stamp, and the old key is never asked for again;
- a reader that raced a change stores what it read under the old stamp, which nobody
  asks for any more;
- a lost cache entry (eviction, restart, a flushed cache) is only recomputed.

`reports` changes with every change; `structure` only with what rewrites the past (the
plan, its periods, activities and assignments), so the trend's settled months survive a
report being sent (`cchc.dashboards.queries.trend`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import IntegrityError, transaction

from cchc.lib import calendar
from cchc.monitoring.models import FiguresStamp, ReportingPeriod
from cchc.monitoring.progress import Progress, plan_progress, progress_with_report
from cchc.monitoring.readmodel import SENT_STATES
from cchc.plans.models import Plan

log = logging.getLogger(__name__)

# Entries are never stale (their key names the stamp); the timeout only frees the room
# of stamps nobody reads any more.
CACHE_SECONDS = 3 * 24 * 3600
KEY_PREFIX = "cchc:figures:1"

T = TypeVar("T")


def _token() -> str:
    return secrets.token_hex(16)


def figures_changed(plan: Plan | int, *, structure: bool = False, create: bool = True) -> None:
    """Mark the plan's figures as changed, inside the caller's transaction.

    `structure`: the change rewrites the past too (periods, activities, assignments, the
    plan's roll-up method), so the trend's settled months are recomputed as well. An
    upsert, so that a plan without a stamp row gets one holding this change: a reader
    creating the row at the same moment waits for this transaction. `create=False` only
    updates a row that exists (for a delete, which may be part of the plan's own).
    """
    plan_id = plan if isinstance(plan, int) else plan.pk
    token = _token()
    if not create:
        values = {"reports": token, **({"structure": token} if structure else {})}
        FiguresStamp.objects.filter(plan_id=plan_id).update(**values)
        return
    FiguresStamp.objects.bulk_create(
        [FiguresStamp(plan_id=plan_id, reports=token, structure=token)],
        update_conflicts=True,
        unique_fields=["plan"],
        update_fields=["reports", "structure"] if structure else ["reports"],
    )


@dataclass(frozen=True)
class ReportChange:
    """A report sent, returned or approved, inside its transaction: the plan's tokens
    before it and the new `reports` token it committed with."""

    plan_id: int
    assignment_id: int
    old: Stamp
    new: Stamp


# What else carries its figures over a report's change (cchc.dashboards registers the
# trend's): called after the roll-up, with the change, the plan and the carried roll-up.
Carrier = Callable[[ReportChange, Plan, Progress], None]
CARRIERS: list[Carrier] = []


def figures_report_changed(plan_id: int, assignment_id: int) -> None:
    """A report of `assignment_id` was sent, returned or approved: a new `reports` token,
    and the figures the pages read first (the current period's roll-up, the trend)
    carried over from the old token to the new one with this report's delta, inside the
    caller's transaction, so that the first read after the change finds them.

    Why this equals a computation afresh (docs/dashboards.md): the stamp row is locked
    first, so the old token is the last committed change's and no other change commits
    until ours does. What is cached under a token was read after that token committed:
    every item in it stands as it did at that commit or later, and between the old
    token's commit and ours only this report changed. Its item is read again here (with
    our write visible), everything else is rolled up again from the items by the same
    code. The carried entries are written under the new token, which nobody can ask for
    before the commit; on a rollback nobody ever asks for it. Anything not carried (other
    periods, the public figures, a cache miss) is computed on its first read, as before.
    """
    row = (
        FiguresStamp.objects.select_for_update()
        .filter(plan_id=plan_id)
        .values_list("reports", "structure")
        .first()
    )
    if row is None:  # never read: nothing to carry over
        figures_changed(plan_id)
        return
    token = _token()
    FiguresStamp.objects.filter(plan_id=plan_id).update(reports=token)
    change = ReportChange(
        plan_id, assignment_id, Stamp(plan_id, row[0], row[1]), Stamp(plan_id, token, row[1])
    )
    plan = Plan.objects.get(pk=plan_id)
    progress = _carry_progress(change, plan)
    if progress is not None:
        for carrier in CARRIERS:
            carrier(change, plan, progress)


def _carry_progress(change: ReportChange, plan: Plan) -> Progress | None:
    """The current period's roll-up (what the dashboards, the coordinator's strip and the
    public page's neighbours read by default), carried over; None if it was not cached."""
    # Here, not at the top: the services import this module.
    from cchc.monitoring.services import period_current

    today = calendar.today()
    period = period_current(plan, today)
    # As the pages' selection does (`select_plan`, `province_summary`).
    as_of = min(today, period.ends_on) if period is not None else today
    parts = _progress_parts(plan, period, as_of, SENT_STATES)
    progress = cached_get(plan.pk, change.old.reports, "progress", parts)
    if progress is None:
        return None
    carried = progress_with_report(
        progress, plan, change.assignment_id, period=period, today=as_of, states=SENT_STATES
    )
    if carried is not None:
        cached_set(plan.pk, change.new.reports, "progress", parts, carried)
    return carried


def figures_changed_everywhere() -> None:
    """Mark every plan's figures as changed: an agency's name, a group or a membership
    changed, which the pages built from the figures show (rare, so one statement)."""
    FiguresStamp.objects.update(reports=_token())


@dataclass(frozen=True)
class Stamp:
    plan_id: int
    reports: str
    structure: str


def figures_stamp(plan: Plan) -> Stamp:
    """The plan's current stamps (one query; a plan never stamped gets its row now)."""
    rows = FiguresStamp.objects.filter(plan_id=plan.pk).values_list("reports", "structure")
    found = rows.first()
    if found is None:
        token = _token()
        try:
            with transaction.atomic():
                FiguresStamp.objects.create(plan_id=plan.pk, reports=token, structure=token)
            found = (token, token)
        except IntegrityError:
            # Someone stamped it meanwhile (a change, or another reader): theirs holds.
            found = rows.get()
    return Stamp(plan.pk, found[0], found[1])


def _key(plan_id: int, stamp: str, name: str, parts: tuple[Any, ...]) -> str:
    return ":".join([KEY_PREFIX, str(plan_id), stamp, name, *(str(p) for p in parts)])


def _get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # a cache that is down costs time, not the page
        log.warning("figures cache unreachable", exc_info=True)
        return None


def _set_many(values: dict[str, Any]) -> None:
    try:
        cache.set_many(values, CACHE_SECONDS)
    except Exception:
        log.warning("figures cache unreachable", exc_info=True)


def cached_get(plan_id: int, stamp: str, name: str, parts: tuple[Any, ...]) -> Any:
    """What is cached under the plan, the stamp and `parts`, or None."""
    return _get(_key(plan_id, stamp, name, parts))


def cached_set(plan_id: int, stamp: str, name: str, parts: tuple[Any, ...], value: Any) -> None:
    _set_many({_key(plan_id, stamp, name, parts): value})


def cached(
    plan_id: int,
    stamp: str,
    name: str,
    parts: tuple[Any, ...],
    compute: Callable[[], T],
) -> T:
    """`compute()`'s value under the plan, the stamp and `parts`, computed on a miss.

    The cache only saves work: when it cannot be reached the value is computed."""
    key = _key(plan_id, stamp, name, parts)
    try:
        found = cache.get(key)
    except Exception:  # a cache that is down costs time, not the page
        log.warning("figures cache unreachable", exc_info=True)
        return compute()
    if found is not None:
        return found
    value = compute()
    _set_many({key: value})
    return value


def progress_cached(
    plan: Plan,
    *,
    period: ReportingPeriod | None,
    today: date,
    states: tuple[str, ...] = SENT_STATES,
    stamp: Stamp | None = None,
) -> Progress:
    """`plan_progress(plan, period=…, today=…, states=…)`, computed once per change.

    Equal to the fresh value by construction (tests/test_figures.py checks it after each
    kind of change); the dashboards, the coordinator's strip and the public page read it.
    """
    stamp = stamp or figures_stamp(plan)
    return cached(
        plan.pk,
        stamp.reports,
        "progress",
        _progress_parts(plan, period, today, states),
        lambda: plan_progress(plan, period=period, today=today, states=states),
    )


def _progress_parts(
    plan: Plan, period: ReportingPeriod | None, today: date, states: tuple[str, ...]
) -> tuple[Any, ...]:
    return (
        period.pk if period is not None else "-",
        today.isoformat(),
        plan.rollup_method,
        "+".join(states),
    )
