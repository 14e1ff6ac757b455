"""Which plan and period a dashboard shows: the plan being looked at, and a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext as _

from cchc.monitoring.models import (
    ReportingPeriod,
)
from cchc.monitoring.services import period_current
from cchc.plans.models import Plan
from cchc.plans.readmodel import plan_viewed


@dataclass
class Selection:
    plans: list[Plan]
    plan: Plan
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None
    # The day the figures stand on: today, or a past period's cut-off, so that a past
    # period shows what was late at its cut-off rather than everything late since.
    as_of: date


def select_plan(
    request: HttpRequest | QueryDict,
    *,
    today: date,
    public: bool = False,
    download: bool = False,
    province: int | None = None,
) -> Selection:
    """The plan being looked at (`cchc.plans.readmodel.plan_viewed`: ?plan=id or the
    user's remembered choice, default the latest) and the period (?period=code, default
    the current one).

    A plan that does not exist or that the user may not see is said in a message and the
    page falls back. The public page offers only issued plans (a draft is not the
    province's word yet), remembers nothing and answers 404 to an unknown plan. So does a
    `download` (a file has no room for a message; fetching one is not a choice), and a
    background job, which passes the parameters it was started with instead of a request.
    `province` limits the plans to one province's (the public pages' `?tinh=`).
    """
    if isinstance(request, QueryDict):
        params, user, download = request, None, True
    else:
        params, user = request.GET, request.user
    choice = plan_viewed(user, params, public=public, remember=not download, province=province)
    if choice.plan is None:
        raise Http404(_("Chưa có kế hoạch nào."))
    if choice.problem:
        if public or download:
            raise Http404(_("Không có kế hoạch này."))
        assert isinstance(request, HttpRequest)
        messages.warning(request, choice.problem)
    plans, plan = choice.plans, choice.plan
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
        period = period_current(plan, today, periods=periods)  # the periods read above
    as_of = min(today, period.ends_on) if period is not None else today
    return Selection(plans=plans, plan=plan, periods=periods, period=period, as_of=as_of)
