"""Every imported plan, and every agency plan when issued, gets its reporting periods and
assignments at once."""

from typing import Any

from django.dispatch import receiver

from cchc.monitoring.services import assignments_sync, periods_create_default
from cchc.plans.models import Plan
from cchc.plans.signals import plan_imported, plan_issued


@receiver(plan_imported)
def prepare_monitoring(sender: type[Plan], plan: Plan, **kwargs: Any) -> None:
    # A replaced plan keeps the periods its coordinator set; only a new one gets defaults.
    if not plan.periods.exists():
        periods_create_default(plan)
    assignments_sync(plan)


@receiver(plan_issued)
def monitor_agency_plan(sender: type[Plan], plan: Plan, **kwargs: Any) -> None:
    """An agency's plan is reported on in the periods of the plan above it (the agency
    reports to the province on the same dates); its units get their assignments."""
    from cchc.monitoring.models import ReportingPeriod

    if not plan.periods.exists():
        above = list(plan.parent.periods.order_by("position")) if plan.parent else []
        if above:
            ReportingPeriod.objects.bulk_create(
                ReportingPeriod(
                    plan=plan,
                    code=p.code,
                    name=p.name,
                    kind=p.kind,
                    starts_on=p.starts_on,
                    ends_on=p.ends_on,
                    due_on=p.due_on,
                    position=p.position,
                )
                for p in above
            )
        else:
            periods_create_default(plan)
    assignments_sync(plan)
