"""Rebuild the plans' summaries: what `cchc rebuild_summaries` and the bench call.

The figures are kept up to date by the changes themselves (cchc.monitoring.figures):
each change writes new stamps in its own transaction, and the first read after it
computes and caches the figures. Rebuilding is for what bypassed the services and the
model signals (rows loaded in bulk, as `cchc bench` does, or written by hand in SQL):
it writes new stamps, so that nothing cached before is read again, and computes at once
what the province dashboard, the coordinator's strip and the public page read first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from cchc.citizens.stamps import citizens_changed_everywhere
from cchc.dashboards.queries.province import province_summary
from cchc.dashboards.queries.public import public_progress
from cchc.dashboards.queries.trend import plan_trend
from cchc.lib import calendar
from cchc.monitoring.figures import figures_changed, figures_stamp, progress_cached
from cchc.plans.models import Plan


def summaries_rebuild(plans: Iterable[Plan] | None = None, *, today: date | None = None) -> int:
    """Restamp `plans` (every plan by default) and warm their summaries; returns how many.

    Call it after loading reports, versions, periods or assignments in bulk. The
    citizens' panels are restamped too (survey responses and feedback loaded in bulk
    bypass their services the same way); the officers' worklists name the plan's stamps,
    so they follow."""
    today = today or calendar.today()
    count = 0
    with transaction.atomic():
        citizens_changed_everywhere()
    for plan in Plan.objects.order_by("pk") if plans is None else plans:
        with transaction.atomic():
            figures_changed(plan, structure=True)
        stamp = figures_stamp(plan)
        summary = province_summary(plan, today=today)
        progress = progress_cached(plan, period=summary.period, today=summary.as_of, stamp=stamp)
        plan_trend(plan, progress, today=today, stamp=stamp)
        public_progress(plan, today=today)
        count += 1
    return count
