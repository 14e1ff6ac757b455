"""Every imported plan gets its reporting periods and assignments at once."""

from typing import Any

from django.dispatch import receiver

from cchc.monitoring.services import assignments_sync, periods_create_default
from cchc.plans.models import Plan
from cchc.plans.signals import plan_imported


@receiver(plan_imported)
def prepare_monitoring(sender: type[Plan], plan: Plan, **kwargs: Any) -> None:
    # A replaced plan keeps the periods its coordinator set; only a new one gets defaults.
    if not plan.periods.exists():
        periods_create_default(plan)
    assignments_sync(plan)
