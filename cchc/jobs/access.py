"""Who may see a job: the one function pages, the API and the downloads ask.

A job is seen by whoever asked for it and by whoever may see its subject; the policy
(`cchc.accounts.policy`) says the latter, so that when it changes, jobs follow.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from cchc.accounts import tenancy
from cchc.accounts.models import User
from cchc.accounts.policy import can, sees_every_agency
from cchc.jobs.models import Job


def job_visible_to(user: User | AnonymousUser, job: Job) -> bool:
    subject = job.subject_type
    if subject == Job.Subject.PUBLIC:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if job.asked_by_id is not None and job.asked_by_id == user.pk:
        return True
    if subject == Job.Subject.PLAN:
        return can(user, "plan.export", _plan(job.subject_id))
    if subject == Job.Subject.AGENCY:
        return can(user, "status_table.export", int(job.subject_id))
    if subject == Job.Subject.PROVINCE:
        # The province's table of a plan: of the user's province only (tenancy).
        return (
            can(user, "status_table.export")
            and sees_every_agency(user)
            and can(user, "plan.export", _plan((job.params or {}).get("plan")))
        )
    if subject == Job.Subject.PLAN_IMPORT:
        # Another province's import is not this province's staff's to see.
        return can(user, "plan.import") and tenancy.province_of(user) in (
            None,
            User.objects.filter(pk=job.asked_by_id or 0)
            .values_list("province_id", flat=True)
            .first(),
        )
    # Backups hold every account and every file: the administrator's alone.
    return can(user, "backup.run")


def _plan(plan_id: object) -> Any:
    """The job's plan, for the policy's province gate; None (no gate) when it is gone."""
    from cchc.plans.models import Plan

    if plan_id is None or not str(plan_id).isdigit():
        return None
    return Plan.objects.filter(pk=int(str(plan_id))).only("pk", "province_id").first()
