"""Who may see a job: the one function pages, the API and the downloads ask.

A job is seen by whoever asked for it and by whoever may see its subject; the policy
(`cchc.accounts.policy`) says the latter, so that when it changes, jobs follow.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

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
        return can(user, "plan.export")
    if subject == Job.Subject.AGENCY:
        return can(user, "status_table.export", int(job.subject_id))
    if subject == Job.Subject.PROVINCE:
        return can(user, "status_table.export") and sees_every_agency(user)
    if subject == Job.Subject.PLAN_IMPORT:
        return can(user, "plan.import")
    # Backups hold every account and every file: the administrator's alone.
    return can(user, "backup.run")
