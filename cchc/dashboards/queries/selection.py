"""Which plan and period a page shows, from its query string."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _

from cchc.monitoring.models import (
    ReportingPeriod,
)
from cchc.monitoring.services import period_current
from cchc.plans.models import Plan


@dataclass
class Selection:
    plans: list[Plan]
    plan: Plan
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None
    # The day the figures stand on: today, or a past period's cut-off, so that a past
    # period shows what was late at its cut-off rather than everything late since.
    as_of: date


def _int(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except ValueError:
        raise Http404(_("Không có kế hoạch này.")) from None


def select_plan(params: QueryDict, *, today: date, public: bool = False) -> Selection:
    """The plan (?plan=id, default the latest) and period (?period=code, default current).

    The public page offers only issued plans: a draft is not the province's word yet.
    """
    plans_qs = Plan.objects.order_by("-year", "-issued_on", "-pk").only(
        "pk", "number", "title", "year", "status", "rollup_method", "issuer"
    )
    if public:
        plans_qs = plans_qs.exclude(status=Plan.Status.DRAFT)
    plans = list(plans_qs)
    if not plans:
        raise Http404(_("Chưa có kế hoạch nào."))
    wanted = _int(params.get("plan"))
    plan = next((p for p in plans if p.pk == wanted), None) if wanted is not None else plans[0]
    if plan is None:
        raise Http404(_("Không có kế hoạch này."))
    if public:
        # The public page counts every approved report, whatever its period.
        return Selection(plans=plans, plan=plan, periods=[], period=None, as_of=today)
    periods = list(plan.periods.order_by("position"))
    code = params.get("period", "")
    if code:
        period = next((p for p in periods if p.code == code), None)
        if period is None:
            raise Http404(_("Không có kỳ báo cáo này."))
    else:
        period = period_current(plan, today)
    as_of = min(today, period.ends_on) if period is not None else today
    return Selection(plans=plans, plan=plan, periods=periods, period=period, as_of=as_of)
