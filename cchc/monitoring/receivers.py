"""Every imported plan, and every agency plan when issued, gets its reporting periods and
assignments at once."""

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cchc.agencies.models import Agency, AgencyGroup, AgencyName, GroupMembership
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.monitoring.services import assignments_sync, periods_create_default
from cchc.plans.models import Activity, Area, Assignee, Plan, Task
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


# ---------------------------------------------------------------------------
# Figures: whatever saves a plan, its contents, periods or assignments marks the plan's
# cached figures as changed, in the same transaction (cchc.monitoring.figures). Report
# states are marked by the report services themselves: a draft saved moves no figure.
# Deletes are caught on the rows above reports (a period, an activity, a task, an area);
# a plan deleted takes its stamp with it.


def _plan_changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    from cchc.monitoring.figures import figures_changed

    if kwargs.get("raw"):  # fixtures and restores load the stamps they were saved with
        return
    plan_id: int | None
    if isinstance(instance, Plan):
        plan_id = instance.pk
    elif isinstance(instance, Assignment | Assignee):
        plan_id = (
            Activity.objects.filter(pk=instance.activity_id)
            .values_list("plan_id", flat=True)
            .first()
        )
    else:
        plan_id = getattr(instance, "plan_id", None)
    if plan_id is not None:
        # A delete only updates an existing stamp: when a whole plan is deleted, its
        # areas go after its stamp, and a stamp written then would name a deleted plan.
        figures_changed(plan_id, structure=True, create="created" in kwargs)


# An assignee (a cell's name as resolved) is printed on the public page and in the
# charts: one edited alone (the admin) changes them. Imports write assignees without
# signals and end in `assignments_sync`, which marks the plan itself. No delete receiver:
# it would make Django fetch and signal each of a replaced plan's assignees one by one.
for _model in (Plan, Area, Task, Activity, ReportingPeriod, Assignment, Assignee):
    post_save.connect(_plan_changed, sender=_model, dispatch_uid=f"figures-save-{_model.__name__}")
for _model in (Area, Task, Activity, ReportingPeriod):
    post_delete.connect(
        _plan_changed, sender=_model, dispatch_uid=f"figures-delete-{_model.__name__}"
    )


def _agencies_changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    from cchc.monitoring.figures import figures_changed_everywhere

    if not kwargs.get("raw"):
        figures_changed_everywhere()


for _named in (Agency, AgencyName, AgencyGroup, GroupMembership):
    post_save.connect(
        _agencies_changed, sender=_named, dispatch_uid=f"figures-save-{_named.__name__}"
    )
    post_delete.connect(
        _agencies_changed, sender=_named, dispatch_uid=f"figures-delete-{_named.__name__}"
    )
