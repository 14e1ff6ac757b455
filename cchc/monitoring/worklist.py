"""The officer's worklist, built once per change of the agency and read from the cache.

An agency's list (`views.worklist`) shows its assignments grouped by what is due, the
state and percent of this period's report of each (drafts included), the reports sent
back, and the agency's figure. It is kept in Django's cache (`CACHES`) as the built
HTML of its groups, under a key naming three tokens, each written in the transaction of
the change it stands for:

- the plan's `FiguresStamp.structure`: its periods, activities, dates, assignments or
  the plan itself changed (`monitoring.receivers`, `assignments_sync`);
- the plan's `FiguresStamp.reports`: a report of the plan was sent, returned or
  approved, or something the figures read changed (`figures_changed` and friends);
- the agency's `WorkStamp.token`: one of the agency's reports was opened, saved, sent,
  returned or approved (`work_changed`, called by the report services), which is what
  the plan's stamps do not follow (a draft moves no figure, but the officer's list shows
  it at once).

A reader reads the three tokens in one query and then the cache, so as for the plan's
figures (docs/dashboards.md, "Why it cannot be stale"): a list built before a change is
never read after it, a reader that raced a change stores what it built under the old
key, which nobody asks for any more, and a lost entry is only built again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db.models import Subquery

from cchc.monitoring.figures import figures_stamp
from cchc.monitoring.models import FiguresStamp, WorkStamp
from cchc.plans.models import Plan


def work_changed(agency_id: int) -> None:
    """Mark the agency's cached worklists as changed, inside the caller's transaction.

    An upsert: one statement, and an agency never read gets its row. Call it last in
    the transaction, so that the agency's row stays locked only until the commit (two
    saves of one agency wait for each other only for that moment)."""
    WorkStamp.objects.bulk_create(
        [WorkStamp(agency_id=agency_id, token=secrets.token_hex(16))],
        update_conflicts=True,
        unique_fields=["agency"],
        update_fields=["token"],
    )


@dataclass(frozen=True)
class WorkTokens:
    reports: str
    structure: str
    work: str

    def __str__(self) -> str:
        return f"{self.reports}.{self.structure}.{self.work}"


# The agency's token while it has no row: an agency made after the migration that gave
# every agency one (`monitoring/0011_work_stamp`), none of whose reports changed since.
# A key naming it also names the plan's random stamps, so a restored database meets it
# only in the state it was computed from.
NEVER_CHANGED = "-"


def work_tokens(plan: Plan, agency_id: int) -> WorkTokens:
    """The plan's stamps and the agency's token, in one query; a plan never stamped gets
    its row now (`figures_stamp`), an agency never changed reads `NEVER_CHANGED` (the
    first change writes its row)."""
    found = (
        FiguresStamp.objects.filter(plan_id=plan.pk)
        .annotate(work=Subquery(WorkStamp.objects.filter(agency_id=agency_id).values("token")[:1]))
        .values_list("reports", "structure", "work")
        .first()
    )
    if found is None:
        stamp = figures_stamp(plan)
        work = WorkStamp.objects.filter(agency_id=agency_id).values_list("token", flat=True)
        return WorkTokens(stamp.reports, stamp.structure, work.first() or NEVER_CHANGED)
    return WorkTokens(found[0], found[1], found[2] or NEVER_CHANGED)


def query_part(query: str) -> str:
    """The query string as a short part of a key (the groups' links repeat it)."""
    return hashlib.sha256(query.encode()).hexdigest()[:16]
