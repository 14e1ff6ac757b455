"""The job pages: one job (polled by htmx while it runs), its file, and "my jobs"."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from cchc.accounts.models import User
from cchc.accounts.policy import requires
from cchc.jobs import registry
from cchc.jobs.access import job_visible_to
from cchc.jobs.models import Job
from cchc.jobs.services import job_refresh, job_start, jobs_root
from cchc.lib import storage


def job_for_user(request: HttpRequest, job_id: UUID) -> Job:
    """The job if this user may see it; anyone else learns nothing (404)."""
    job = Job.objects.select_related("asked_by").filter(pk=job_id).first()
    if job is None or not job_visible_to(request.user, job):
        raise Http404
    return job_refresh(job)


def _login_first(request: HttpRequest, job_id: UUID) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    public = Job.objects.filter(pk=job_id, subject_type=Job.Subject.PUBLIC).exists()
    return None if public else redirect_to_login(request.get_full_path())


@require_GET
@requires("job.open")
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    if (login := _login_first(request, job_id)) is not None:
        return login
    job = job_for_user(request, job_id)
    from cchc.register.settle import settle_count

    context = {
        "job": job,
        "kind": registry.KINDS.get(job.kind),
        "settle_count": settle_count(request.user, job),
    }
    partial = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    template = "jobs/_job_status.html" if partial else "jobs/job_detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@requires("job.open")
def job_file(request: HttpRequest, job_id: UUID) -> HttpResponseBase:
    if (login := _login_first(request, job_id)) is not None:
        return login
    job = job_for_user(request, job_id)
    if job.status != Job.Status.DONE or not job.result_sha256:
        raise Http404
    return storage.blob_response(
        job.result_sha256,
        filename=job.result_name,
        content_type=job.result_type,
        size=job.result_size,
        root=jobs_root(),
    )


@require_GET
@requires("job.view")
def job_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    jobs = list(Job.objects.filter(asked_by=request.user).order_by("-created_at")[:50])
    jobs = [job_refresh(job) for job in jobs]
    kinds = registry.KINDS
    rows = [(job, kinds.get(job.kind)) for job in jobs]
    return render(request, "jobs/job_list.html", {"rows": rows})


@require_POST
@requires("backup.run")
def backup_start(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    job = job_start(kind="backup", params={}, asked_by=request.user)
    return redirect("job_detail", job_id=job.pk)
