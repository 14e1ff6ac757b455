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
import pickle
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import IntegrityError, transaction

from cchc.lib.collector import collector_paused
from cchc.monitoring.models import FiguresStamp, ReportingPeriod
from cchc.monitoring.progress import (
    ItemState,
    Progress,
    items_read_again,
    plan_progress,
    progress_with_items,
)
from cchc.monitoring.readmodel import SENT_STATES
from cchc.plans.models import Plan

log = logging.getLogger(__name__)

# Entries are never stale (their key names the stamp); the timeout only frees the room
# of stamps nobody reads any more.
CACHE_SECONDS = 3 * 24 * 3600
# The entries' format: 2 since a roll-up keeps its agencies' sums (`agency_totals`) and a
# carried one is kept as its changes (`_Moved`); an entry of another format is never read.
KEY_PREFIX = "cchc:figures:2"

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


def figures_report_changed(plan_id: int, assignment_id: int) -> None:
    """A report of `assignment_id` was sent, returned or approved: a new `reports` token,
    and, under it, what changed since the old one (`delta`: the old token and the
    assignment), inside the caller's transaction.

    The first read under the new token then carries the figures cached under the old one
    over with that one assignment read again (`carried`), instead of computing the plan
    afresh; the change itself only writes a small cache entry (docs/dashboards.md). The
    stamp row is locked before the old token is read, so the old token is the last
    committed change's and no other change of the plan commits until this one does.
    """
    row = (
        FiguresStamp.objects.select_for_update()
        .filter(plan_id=plan_id)
        .values_list("reports", flat=True)
        .first()
    )
    if row is None:  # never read: nothing to carry over
        figures_changed(plan_id)
        return
    token = _token()
    FiguresStamp.objects.filter(plan_id=plan_id).update(reports=token)
    # The changes back from here, newest first: the old token's own (when it came from a
    # report change too) after this one, so that a read finds them in one look-up. Under
    # the new token, which nobody can ask for before the commit (after a rollback, nobody
    # ever will).
    before = cached_get(plan_id, row, "delta", ()) or []
    cached_set(plan_id, token, "delta", (), [(row, assignment_id), *before][:DELTA_MAX])


# How many changes back a read looks for figures to carry over: a read finds the last
# change's figures when pages are read between changes, and a few more cover a burst
# of changes; a longer chain would only cost a first read after the cache was emptied.
DELTA_MAX = 4


def carried(
    plan_id: int, chain: list[tuple[str, int]], name: str, parts: tuple[Any, ...]
) -> tuple[Any, set[int]] | None:
    """The entry `name`/`parts` cached under an earlier `reports` token of the plan, and
    the assignments whose reports changed since then; None when none of the tokens the
    `chain` of report changes (a token's `delta`, newest first) leads back to has it.

    Why carrying it over equals a computation afresh: what is cached under a token was
    computed from data read after that token committed (a reader reads the stamp first),
    so each item in it stands as it did at that commit or later. Each link of the chain
    says that between its token's commit and the next one only that assignment's report
    changed (the stamp row was locked meanwhile). Any other change (structure, names, a
    bulk rebuild) writes a token without a `delta`, which ends the chain. So every item
    but the changed assignments' stands now as in the entry, and those are read again.
    """
    found = _carried_from(plan_id, chain, name, parts)
    return None if found is None else found[1:]


def _carried_from(
    plan_id: int, chain: list[tuple[str, int]], name: str, parts: tuple[Any, ...]
) -> tuple[str, Any, set[int]] | None:
    """`carried`, with the earlier token the entry was found under first."""
    changed: set[int] = set()
    # One at a time, newest first: an entry is a plan's worth of figures, and the older
    # ones are usually there too.
    for token, assignment_id in chain:
        changed.add(assignment_id)
        found = cached_get(plan_id, token, name, parts)
        if found is not None:
            return token, found, changed
    return None


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


# Entries larger than this, pickled, are kept compressed: a plan's roll-up (11,598
# items, about 0.5 MB pickled) or its built page is written after every report change,
# and the database cache writes it base64-encoded in a row; compressed it is a fifth.
PACK_OVER = 32 * 1024


@dataclass(frozen=True)
class _Packed:
    """A value pickled and compressed by `_pack` (the cache pickles these few bytes)."""

    data: bytes


def _pack(value: Any) -> Any:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    if len(data) < PACK_OVER:
        return value
    return _Packed(zlib.compress(data, 1))


def _unpack(value: Any) -> Any:
    if isinstance(value, _Packed):
        return pickle.loads(zlib.decompress(value.data))  # noqa: S301 (our own entry)
    return value


def _get(key: str) -> Any:
    try:
        return _unpack(cache.get(key))
    except Exception:  # a cache that is down costs time, not the page
        log.warning("figures cache unreachable", exc_info=True)
        return None


def _set_many(values: dict[str, Any]) -> None:
    try:
        cache.set_many({key: _pack(value) for key, value in values.items()}, CACHE_SECONDS)
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
    *,
    carry: Callable[[str, Any, set[int]], T | None] | None = None,
) -> T:
    """`compute()`'s value under the plan, the stamp and `parts`, computed on a miss.

    With `carry`, a miss first looks for the value of an earlier token that report
    changes lead back from (`carried`): `carry(its token, value, changed assignments)`
    moves it on, or gives None to have it computed. The cache only saves work: when it cannot be
    reached the value is computed."""
    key = _key(plan_id, stamp, name, parts)
    delta = _key(plan_id, stamp, "delta", ())
    try:
        # The changes since an earlier token in the same look-up: no query more for it.
        found = cache.get_many([key, delta] if carry is not None else [key])
    except Exception:  # a cache that is down costs time, not the page
        log.warning("figures cache unreachable", exc_info=True)
        return compute()
    if key in found:
        return cast(T, _unpack(found[key]))
    with collector_paused():
        value = None
        if carry is not None and found.get(delta):
            earlier = _carried_from(plan_id, _unpack(found[delta]), name, parts)
            if earlier is not None:
                value = carry(*earlier)
        if value is None:
            value = compute()
        _set_many({key: value})
    return value


@dataclass(frozen=True)
class _Moved:
    """A roll-up kept as the whole roll-up cached under an earlier token of the plan
    (`base`) and the items that changed since, read after this token committed.

    The read after a report change writes this instead of the plan's roll-up again (a
    few items instead of 11,598 pickled, compressed and written); a read of it reads the
    base (the entry it was carried from, as before) and puts the items in their places
    (`progress_with_items`). Equal to the carried roll-up for the reasons `carried`
    gives: every other item stands now as in the base."""

    base: str
    items: tuple[ItemState, ...]


# How many changed items a `_Moved` holds before the roll-up is kept whole again: each
# read of it puts them in their places, a few milliseconds for a few dozen.
MOVED_MAX = 64


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
    A miss first carries an earlier token's roll-up over the report changes since
    (`carried`), and keeps the result as that roll-up and the changed items (`_Moved`).
    """
    stamp = stamp or figures_stamp(plan)
    parts = _progress_parts(plan, period, today, states)
    key = _key(plan.pk, stamp.reports, "progress", parts)
    delta = _key(plan.pk, stamp.reports, "delta", ())

    def compute() -> Progress:
        return plan_progress(plan, period=period, today=today, states=states)

    def whole(value: Any) -> Progress | None:
        """The roll-up an entry stands for: itself, or its base with its items put in."""
        if not isinstance(value, _Moved):
            return cast(Progress | None, value)
        base = cached_get(plan.pk, value.base, "progress", parts)
        if not isinstance(base, Progress):  # the base was evicted: compute afresh
            return None
        return progress_with_items(base, list(value.items))

    try:
        # The changes since an earlier token in the same look-up: no query more for it.
        found = cache.get_many([key, delta])
    except Exception:  # a cache that is down costs time, not the page
        log.warning("figures cache unreachable", exc_info=True)
        return compute()
    with collector_paused():
        if key in found:
            progress = whole(_unpack(found[key]))
            if progress is not None:
                return progress
        elif found.get(delta):
            earlier = _carried_from(plan.pk, _unpack(found[delta]), "progress", parts)
            if earlier is not None:
                token, value, changed_ids = earlier
                kept: dict[int, ItemState] = {}
                if isinstance(value, _Moved):
                    # Carried from a carried one: its base and its items, put in at once
                    # with the ones read now.
                    token = value.base
                    kept.update((item.assignment_id, item) for item in value.items)
                    value = cached_get(plan.pk, token, "progress", parts)
                changed = (
                    items_read_again(
                        value, plan, changed_ids, period=period, today=today, states=states
                    )
                    if isinstance(value, Progress)
                    else None
                )
                if changed is not None:
                    kept.update((item.assignment_id, item) for item in changed)
                    progress = progress_with_items(value, list(kept.values()))
                    if len(kept) <= MOVED_MAX:
                        _set_many({key: _Moved(token, tuple(kept.values()))})
                    else:
                        _set_many({key: progress})
                    return progress
        progress = compute()
        _set_many({key: progress})
    return progress


def _progress_parts(
    plan: Plan, period: ReportingPeriod | None, today: date, states: tuple[str, ...]
) -> tuple[Any, ...]:
    return (
        period.pk if period is not None else "-",
        today.isoformat(),
        plan.rollup_method,
        "+".join(states),
    )
