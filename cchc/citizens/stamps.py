"""The citizens' panel's stamps: a token per province, written by every change the panel
shows, in that change's transaction (docs/dashboards.md, "The citizens' panel").

The same design as the plans' figures (`cchc.monitoring.figures`): a reader reads the
token (one query), then looks the panel up in the cache under a key naming it, and
computes it on a miss. A change and its new token commit together, so a panel computed
before a change is never read after it; a reader that raced a change stores its panel
under the old token, which nobody asks for again.

Who writes them:
- `response_submit`, as its last statement (one upsert of the agency's province's row:
  the public form stays one short transaction); `tally_rebuild` after a bulk load;
- receivers (`cchc.citizens.receivers`) for feedback (its province, and its agency's
  when that differs), and, everywhere at once (rare writes that may move between
  provinces): sample sizes, indicators and their measurements, the survey's definition
  and elements, agencies, and the calendar's holidays (overdue feedback counts working
  days).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from cchc.citizens.models import CitizensStamp

NO_PROVINCE = 0


def _token() -> str:
    return secrets.token_hex(16)


def citizens_changed(provinces: Iterable[int | None]) -> None:
    """Mark the panels of `provinces` (None: what belongs to no province) as changed,
    inside the caller's transaction: one upsert, rows in key order (two changes that
    write the same rows take their locks in the same order)."""
    scopes = sorted({p or NO_PROVINCE for p in provinces})
    CitizensStamp.objects.bulk_create(
        [CitizensStamp(scope=scope, token=_token()) for scope in scopes],
        update_conflicts=True,
        unique_fields=["scope"],
        update_fields=["token"],
    )


def citizens_changed_everywhere() -> None:
    """Mark every province's panel as changed (one statement). A province without a row
    has no panel cached under any token: its first read makes one."""
    CitizensStamp.objects.update(token=_token())


def citizens_stamp(province: int | None) -> str:
    """The current token of `province`'s panels (one query; created on a first read)."""
    scope = province or NO_PROVINCE
    rows = CitizensStamp.objects.filter(scope=scope).values_list("token", flat=True)
    found = rows.first()
    if found is None:
        token = _token()
        try:
            with transaction.atomic():
                CitizensStamp.objects.create(scope=scope, token=token)
            return token
        except IntegrityError:
            # A change or another reader wrote it meanwhile: theirs holds.
            return rows.get()
    return found


def citizens_stamp_all() -> str:
    """A token naming every province's current token: the installation's panel counts
    them all, so any change anywhere gives another one (one query)."""
    rows = list(CitizensStamp.objects.order_by("scope").values_list("scope", "token"))
    if not rows:
        # Never an empty (constant) key, which a flushed database could meet again.
        rows = [(NO_PROVINCE, citizens_stamp(None))]
    joined = ";".join(f"{scope}:{token}" for scope, token in rows)
    return hashlib.sha256(joined.encode()).hexdigest()[:32]
