"""Starting, running, watching and cleaning up background jobs.

`job_start` records a job and puts it on the tasks queue (`cchc.jobs.tasks`); a worker
(`cchc worker`) takes it and calls `job_run`, which is also what the command line calls to
run a job in the foreground. A job's output goes to an anonymous temporary file and only
when whole into the job store (`storage.write_blob`, atomic), so a killed worker leaves no
half-written result; the database work of a job is one transaction, so it leaves the
database as it was. A job whose worker died is found by `job_refresh` / `jobs_fail_stale`
(the worker's process is gone, or it stopped signalling) and marked failed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cchc.accounts.models import User
from cchc.audit.context import audit_context
from cchc.jobs import registry
from cchc.jobs.models import Job
from cchc.lib import calendar, storage
from cchc.lib.files import atomic_output
from cchc.lib.processes import pid_alive

logger = logging.getLogger(__name__)

HOST = socket.gethostname()[:255]
# A public download asked again within this time gets the file already made.
PUBLIC_REUSE = timedelta(minutes=10)
# Temporaries in the job store older than this belong to a writer that died.
STALE_TEMPORARY_SECONDS = 3600


def jobs_root() -> Path:
    return Path(settings.CCHC_JOB_FILES_DIR)


def _worker_stopped_message() -> str:
    return _(
        "Tiến trình xử lý nền đã dừng đột ngột khi đang chạy công việc này (máy chủ bị tắt "
        "hoặc tiến trình bị dừng). Công việc không hoàn thành, dữ liệu không thay đổi; "
        "hãy yêu cầu lại."
    )


# ---------------------------------------------------------------------------
# Starting


def _reusable(kind: str, params: dict[str, Any], asked_by: User | None) -> Job | None:
    """A job asked for the same thing that is still on its way (or, public, just made)."""
    now = timezone.now()
    candidates = Job.objects.filter(kind=kind, asked_by=asked_by).filter(
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.DONE],
        created_at__gte=now - PUBLIC_REUSE,
    )
    for job in candidates.order_by("-created_at")[:20]:
        if job.params != params:
            continue
        if job.status != Job.Status.DONE:
            refreshed = job_refresh(job)
            if refreshed.status != Job.Status.FAILED:
                return refreshed
        elif job.subject_type == Job.Subject.PUBLIC and job.expires_at and job.expires_at > now:
            return job
    return None


def job_start(
    *,
    kind: str,
    params: dict[str, Any],
    asked_by: User | None,
    upload: bytes | None = None,
    input_name: str = "",
    reuse: bool = True,
) -> Job:
    """Record a job and queue it. The same request asked twice while the first is still
    running (a double click, a reload) gets the first job back."""
    spec = registry.kind(kind)
    if reuse and upload is None:
        found = _reusable(kind, params, asked_by)
        if found is not None:
            return found
    subject_type, subject_id = spec.subject(params)
    with transaction.atomic():
        job = Job(
            kind=kind,
            params=params,
            subject_type=subject_type,
            subject_id=subject_id,
            asked_by=asked_by,
            input_name=input_name[:255],
        )
        if upload is not None:
            job.input_sha256, _size = storage.write_blob(upload, root=jobs_root())
        job.full_clean()
        job.save()
        # Queued in the same transaction: the worker never sees a task without its job.
        from cchc.jobs.tasks import run_job

        run_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


def job_create_foreground(*, kind: str, params: dict[str, Any]) -> Job:
    """A job the command line runs itself (`job_run`), recorded like any other."""
    subject_type, subject_id = registry.kind(kind).subject(params)
    job = Job(kind=kind, params=params, subject_type=subject_type, subject_id=subject_id)
    job.full_clean()
    job.save()
    return job


def job_input(job: Job) -> bytes:
    return job_input_path(job).read_bytes()


def job_input_path(job: Job) -> Path:
    if not job.input_sha256:
        raise registry.JobFailed([registry.error(_("Công việc không có tệp đầu vào."))])
    return storage.local_copy(job.input_sha256, jobs_root())


# ---------------------------------------------------------------------------
# Running


class _Progress:
    """Writes progress at most every `CCHC_JOB_PROGRESS_SECONDS`, so a fast loop costs
    few queries; the first report is always written."""

    def __init__(self, job_id: UUID) -> None:
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if self.last and now - self.last < settings.CCHC_JOB_PROGRESS_SECONDS:
            return
        self.last = now
        Job.objects.filter(pk=self.job_id).update(
            progress_done=min(done, total) if total else done,
            progress_total=total,
            progress_message=str(message)[:300],
            heartbeat_at=timezone.now(),
        )


class _Heartbeat:
    """Says the worker is alive while a job runs, from a thread with its own connection.

    While the job holds SQLite's write lock the beat waits or fails; that is harmless, as
    a worker on the same machine is judged by its process, not by its beat.
    """

    def __init__(self, job_id: UUID, interval: float) -> None:
        self.job_id = job_id
        self.interval = interval
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"job-{job_id}")

    def _run(self) -> None:
        try:
            while not self.stop_event.wait(self.interval):
                with contextlib.suppress(DatabaseError):
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=30)


def _heartbeat_enabled() -> bool:
    from django_tasks import default_task_backend
    from django_tasks.backends.immediate import ImmediateBackend

    # The immediate backend runs a job inside the caller's request (tests): no worker.
    return settings.CCHC_JOB_HEARTBEAT_SECONDS > 0 and not isinstance(
        default_task_backend, ImmediateBackend
    )


def _run_kind(job: Job, output: Path | None, progress: _Progress) -> None:
    spec = registry.kind(job.kind)
    if isinstance(spec, registry.Exporter):
        if output is not None:
            with atomic_output(output) as out:
                written = spec.write(out, job.params, progress)
            job.summary = written.summary[:500]
            job.result_name = (written.filename or spec.filename(job.params))[:255]
            return
        tmp_dir = jobs_root() / storage.TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        # Anonymous: if the worker dies now, the file disappears with it.
        with tempfile.TemporaryFile(dir=tmp_dir) as tmp:
            written = spec.write(tmp, job.params, progress)
            tmp.flush()
            job.result_sha256, job.result_size = storage.write_blob(tmp, root=jobs_root())
        job.summary = written.summary[:500]
        job.result_name = (written.filename or spec.filename(job.params))[:255]
        job.result_type = spec.mime_type
        job.expires_at = timezone.now() + timedelta(days=settings.CCHC_JOB_RESULT_DAYS)
        return
    assert isinstance(spec, registry.Operation)
    summary, link = spec.run(job.params, job=job, progress=progress)
    job.summary = summary[:500]
    if link:
        job.params = {**job.params, "link": link}


def job_run(job_id: UUID | str, *, output: Path | None = None) -> Job | None:
    """Run a queued job here and now; what a worker does, and the command line too.

    With `output`, an exporter writes that file (whole or not at all) instead of keeping
    its result in the job store.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker_host=HOST,
        worker_pid=os.getpid(),
    )
    if not claimed:
        return None  # gone, or already taken (run twice, or failed while it waited)
    job = Job.objects.select_related("asked_by").get(pk=job_id)
    progress = _Progress(job.pk)
    beat = (
        _Heartbeat(job.pk, settings.CCHC_JOB_HEARTBEAT_SECONDS)
        if _heartbeat_enabled()
        else contextlib.nullcontext()
    )
    with beat, translation.override(settings.LANGUAGE_CODE):
        try:
            with audit_context(source="job", actor=job.asked_by):
                _run_kind(job, output, progress)
        except registry.JobFailed as failure:
            job.status = Job.Status.FAILED
            job.errors = failure.errors
            job.summary = (failure.summary or _("Công việc không hoàn thành."))[:500]
        except Exception:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            job.status = Job.Status.FAILED
            message = _(
                "Có lỗi không mong đợi khi chạy công việc; lỗi đã được ghi lại cho người "
                "quản trị. Dữ liệu không thay đổi."
            )
            job.errors = [registry.error(message)]
            job.summary = message[:500]
        else:
            job.status = Job.Status.DONE
        job.finished_at = timezone.now()
        fields = [
            "status",
            "errors",
            "summary",
            "params",
            "result_sha256",
            "result_name",
            "result_type",
            "result_size",
            "expires_at",
            "finished_at",
        ]
        if job.status == Job.Status.DONE:
            # A finished job is all done, whatever the last progress write said.
            total = Job.objects.filter(pk=job.pk).values_list("progress_total", flat=True).get()
            job.progress_total = job.progress_done = total
            fields += ["progress_total", "progress_done"]
        job.save(update_fields=fields)
        job.refresh_from_db()
        _notify(job)
    return job


def _notify(job: Job) -> None:
    """Tell the person who asked that their job ended, in their notifications."""
    if job.asked_by is None:
        return
    from cchc.reminders.models import Notification

    name = str(registry.kind(job.kind).verbose_name)
    if job.status == Job.Status.DONE:
        title = _("«%(name)s» đã xong.") % {"name": name}
    elif job.errors and len(job.errors) > 1:
        title = _("«%(name)s» không thành công: %(count)s lỗi.") % {
            "name": name,
            "count": len(job.errors),
        }
    else:
        title = _("«%(name)s» không thành công.") % {"name": name}
    Notification.objects.create(
        user=job.asked_by,
        kind=Notification.Kind.JOB,
        sent_on=calendar.today(),
        title=title[:300],
        items=[
            {
                "job": str(job.pk),
                "url": reverse("job_detail", args=[job.pk]),
                "status": job.status,
                "summary": job.summary,
            }
        ],
    )


# ---------------------------------------------------------------------------
# Watching: a job whose worker died is failed, never "running" forever


def _is_dead(job: Job) -> bool:
    if job.status != Job.Status.RUNNING:
        return False
    if job.worker_host == HOST and job.worker_pid:
        return not pid_alive(job.worker_pid)
    stale_before = timezone.now() - timedelta(seconds=settings.CCHC_JOB_STALE_SECONDS)
    return job.heartbeat_at is None or job.heartbeat_at < stale_before


def _fail_dead(job: Job) -> bool:
    failed = Job.objects.filter(
        pk=job.pk, status=Job.Status.RUNNING, worker_pid=job.worker_pid
    ).update(
        status=Job.Status.FAILED,
        finished_at=timezone.now(),
        errors=[registry.error(_worker_stopped_message())],
        summary=_worker_stopped_message()[:500],
    )
    if failed:
        job.refresh_from_db()
        _notify(job)
    return bool(failed)


def job_refresh(job: Job) -> Job:
    """The job as it stands, failed if its worker is gone."""
    if _is_dead(job):
        _fail_dead(job)
        job.refresh_from_db()
    return job


def jobs_fail_stale() -> int:
    """Fail every running job whose worker is gone; how many. Run by workers as they start,
    and by `cchc purge_jobs`."""
    count = 0
    for job in Job.objects.filter(status=Job.Status.RUNNING).select_related("asked_by"):
        if _is_dead(job) and _fail_dead(job):
            count += 1
    return count


# ---------------------------------------------------------------------------
# Cleaning up


def jobs_purge(*, now: Any = None) -> dict[str, int]:
    """Remove result files past their expiry, old import files and dead temporaries."""
    now = now or timezone.now()
    root = jobs_root()
    stale = jobs_fail_stale()
    expired = list(Job.objects.filter(expires_at__lte=now).exclude(result_sha256=""))
    keep_after = now - timedelta(days=settings.CCHC_JOB_RESULT_DAYS)
    old_inputs = list(Job.objects.filter(finished_at__lte=keep_after).exclude(input_sha256=""))
    candidates = {j.result_sha256 for j in expired} | {j.input_sha256 for j in old_inputs}
    with transaction.atomic():
        Job.objects.filter(pk__in=[j.pk for j in expired]).update(result_sha256="", result_size=0)
        Job.objects.filter(pk__in=[j.pk for j in old_inputs]).update(input_sha256="")
    # Identical outputs share one file: remove it only when no job still needs it.
    still_used = set(
        Job.objects.filter(result_sha256__in=candidates).values_list("result_sha256", flat=True)
    ) | set(Job.objects.filter(input_sha256__in=candidates).values_list("input_sha256", flat=True))
    removed = 0
    for sha in candidates - still_used:
        if storage.delete_blob(sha, root):
            removed += 1
    temporaries = 0
    tmp_dir = root / storage.TMP_DIR
    if tmp_dir.is_dir():
        cutoff = time.time() - STALE_TEMPORARY_SECONDS
        for path in tmp_dir.iterdir():
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    temporaries += 1
    return {"stale": stale, "expired": len(expired), "files": removed, "temporaries": temporaries}
