"""The one task on the queue: run a recorded job (`cchc.jobs.services.job_run`)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: str) -> None:
    from cchc.jobs.services import job_run

    job_run(job_id)
