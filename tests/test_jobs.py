"""Background jobs: the job page and its polling, who sees a job, the notification when it
ends, a dead worker's job shown failed, expired files removed, and a backup in flat memory.

Tasks run at once in these tests (the immediate backend); `test_worker.py` runs real
worker processes.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cchc.jobs import registry
from cchc.jobs.models import Job
from cchc.jobs.services import HOST, jobs_fail_stale, jobs_root
from cchc.lib import storage
from cchc.ops.backup import backup_write
from cchc.plans.formats import write_json
from cchc.reminders.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def _queued(**fields: Any) -> Job:
    values: dict[str, Any] = {"kind": "plan_json", "params": {}, "subject_type": "plan"}
    values.update(fields)
    return Job.objects.create(**values)


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


# ---------------------------------------------------------------------------
# The page


def test_a_running_job_page_shows_progress_and_polls(login, plan, personas):
    job = _queued(
        asked_by=personas["officer_a"],
        status="running",
        worker_host=HOST,
        worker_pid=os.getpid(),
        progress_done=30,
        progress_total=120,
        progress_message="Đang ghi tệp…",
    )
    client = login("officer_a")
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'value="25"' in page and "30/120 (25%)" in page
    assert "Đang ghi tệp…" in page
    assert "htmx-2.0.11.min.js" in page and "https://" not in page.split("<body", 1)[0]
    fragment = client.get(reverse("job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b"every 1s" in fragment.content


def test_a_finished_export_stops_polling_and_offers_its_file(login, plan):
    client = login("leader")
    job = factories.job_of(client.get(reverse("plan_export", args=[plan.pk, "json"])))
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "every 1s" not in page
    assert reverse("job_file", args=[job.pk]) in page
    assert "Tải tệp kết quả" in page
    response = client.get(reverse("job_file", args=[job.pk]))
    assert "ke-hoach-cchc-2022.json" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert b'"number"' in body


def test_a_queued_job_has_no_file_yet(login, plan, personas):
    job = _queued(asked_by=personas["officer_a"], params={"plan": plan.pk}, subject_id=plan.pk)
    assert login("officer_a").get(reverse("job_file", args=[job.pk])).status_code == 404


def test_an_unknown_export_format_is_not_found(login, plan):
    response = login("leader").get(reverse("plan_export", args=[plan.pk, "pdf"]))
    assert response.status_code == 404
    assert not Job.objects.exists()


def test_asking_twice_while_a_job_runs_gives_the_same_job(login, plan, personas):
    running = _queued(
        asked_by=personas["leader"],
        params={"plan": plan.pk},
        subject_id=plan.pk,
        status="running",
        worker_host=HOST,
        worker_pid=os.getpid(),
    )
    response = login("leader").get(reverse("plan_export", args=[plan.pk, "json"]))
    assert factories.job_of(response) == running
    assert Job.objects.count() == 1


# ---------------------------------------------------------------------------
# Who sees a job


def _import(client: Any, data: bytes) -> Job:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return factories.job_of(
        client.post(reverse("plan_import"), {"file": SimpleUploadedFile("p.json", data)})
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coordinator", 200), ("admin", 200), ("leader", 404), ("officer_a", 404)],
)
def test_an_import_job_is_seen_by_those_who_may_import(client, agencies, personas, persona, status):
    client.force_login(personas["coordinator"])
    job = _import(client, write_json(factories.synthetic_document(2, number="2/KH")))
    client.force_login(personas[persona])
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == status
    api = client.get(f"/api/jobs/{job.pk}")
    assert api.status_code == status


def test_a_backup_is_the_administrators_alone(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    client.force_login(personas["admin"])
    job = factories.job_of(client.post(reverse("backup_start")))
    assert job.status == "done", job.errors
    data = b"".join(client.get(reverse("job_file", args=[job.pk])).streaming_content)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        assert {"manifest.json", "db.jsonl"} <= set(archive.getnames())
    for persona in ("coordinator", "leader", "officer_a"):
        client.force_login(personas[persona])
        assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("job_file", args=[job.pk])).status_code == 404
        assert client.post(reverse("backup_start")).status_code == 403


def test_a_stranger_must_log_in_but_a_public_table_is_for_everyone(client, plan):
    plan.status = "issued"
    plan.save()
    response = client.get("/cong-khai/tien-do.csv")
    job = factories.job_of(response)
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 200
    private = _queued(params={"plan": plan.pk}, subject_id=plan.pk)
    response = client.get(reverse("job_detail", args=[private.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_my_jobs_lists_only_mine(login, plan, personas):
    mine = factories.job_of(login("officer_a").get(reverse("plan_export", args=[plan.pk, "xlsx"])))
    other = _queued(asked_by=personas["officer_b"], params={"plan": plan.pk}, subject_id=plan.pk)
    page = login("officer_a").get(reverse("job_list")).content.decode()
    assert reverse("job_detail", args=[mine.pk]) in page
    assert reverse("job_detail", args=[other.pk]) not in page
    assert "Phụ lục kế hoạch (Excel)" in page


# ---------------------------------------------------------------------------
# When it ends


def test_the_asker_is_told_when_a_job_ends(client, agencies, personas):
    client.force_login(personas["coordinator"])
    good = _import(client, write_json(factories.synthetic_document(2, number="2/KH")))
    document = factories.synthetic_document(2, number="3/KH")
    document.areas[0].tasks[0].activities[0].lead = ["Sở Không Tồn Tại"]
    bad = _import(client, write_json(document))
    assert (good.status, bad.status) == ("done", "failed")
    notes = list(Notification.objects.filter(user=personas["coordinator"]).order_by("pk"))
    assert [n.kind for n in notes] == ["job", "job"]
    assert notes[0].title == "«Nhập kế hoạch» đã xong."
    assert notes[1].title.startswith("«Nhập kế hoạch» không thành công")
    page = client.get(reverse("notifications")).content.decode()
    assert reverse("job_detail", args=[bad.pk]) in page
    errors = client.get(f"/api/jobs/{bad.pk}").json()["errors"]
    assert "Sở Không Tồn Tại" in errors[0]["message"]


def test_the_trail_names_the_job_and_who_asked(client, agencies, personas):
    from cchc.audit.models import AuditRecord

    client.force_login(personas["admin"])
    _import(client, write_json(factories.synthetic_document(2, number="2/KH")))
    record = AuditRecord.objects.get(action="plan.import")
    assert (record.source, record.actor) == ("job", personas["admin"])


# ---------------------------------------------------------------------------
# A worker that died


def test_a_job_whose_worker_is_gone_is_shown_failed(login, plan, personas):
    job = _queued(
        asked_by=personas["officer_a"],
        params={"plan": plan.pk},
        subject_id=plan.pk,
        status="running",
        worker_host=HOST,
        worker_pid=_dead_pid(),
        started_at=timezone.now(),
    )
    page = login("officer_a").get(reverse("job_detail", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == "failed"
    assert "dừng đột ngột" in page and "every 1s" not in page
    assert Notification.objects.filter(user=personas["officer_a"], kind="job").exists()


def test_a_worker_elsewhere_is_judged_by_its_heartbeat(plan, settings):
    settings.CCHC_JOB_STALE_SECONDS = 60
    now = timezone.now()
    fresh = _queued(status="running", worker_host="other", worker_pid=1, heartbeat_at=now)
    silent = _queued(
        status="running",
        worker_host="other",
        worker_pid=1,
        heartbeat_at=now - timedelta(minutes=5),
    )
    assert jobs_fail_stale() == 1
    fresh.refresh_from_db()
    silent.refresh_from_db()
    assert (fresh.status, silent.status) == ("running", "failed")
    assert "dừng đột ngột" in silent.errors[0]["text"]


# ---------------------------------------------------------------------------
# Expiry


def test_purge_removes_expired_result_files_only(login, plan, personas):
    client = login("leader")
    old = factories.job_of(client.get(reverse("plan_export", args=[plan.pk, "xlsx"])))
    new = factories.job_of(client.get(reverse("plan_export", args=[plan.pk, "docx"])))
    Job.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    old_path = storage.path_for(old.result_sha256, jobs_root())
    assert old_path.exists()
    out = io.StringIO()
    call_command("purge_jobs", stdout=out)
    assert "Đã xoá 1 tệp" in out.getvalue()
    assert not old_path.exists()
    assert client.get(reverse("job_file", args=[old.pk])).status_code == 404
    assert "đã hết hạn" in client.get(reverse("job_detail", args=[old.pk])).content.decode()
    assert client.get(reverse("job_file", args=[new.pk])).status_code == 200


# ---------------------------------------------------------------------------
# The registry


def test_every_exporter_says_what_it_writes():
    exporters = [k for k in registry.KINDS.values() if isinstance(k, registry.Exporter)]
    assert {e.identifier for e in exporters} >= {
        "plan_xlsx",
        "plan_docx",
        "plan_json",
        "status_table",
        "public_csv",
        "public_xlsx",
        "backup",
    }
    for exporter in exporters:
        assert str(exporter.verbose_name) and exporter.mime_type and exporter.extension
    assert set(registry.IMPORTERS) == {"xlsx", "docx", "json", "doc", "xls"}
    with pytest.raises(ValueError, match="twice"):
        registry.register(registry.PlanJsonExporter)


# ---------------------------------------------------------------------------
# Backup memory

BIG_FILES = 3
BIG_FILE_BYTES = 24 * 1024 * 1024
MEMORY_BOUND = 8 * 1024 * 1024


def _random_chunks(size: int) -> Any:
    for _start in range(0, size, 1024 * 1024):
        yield os.urandom(1024 * 1024)


def test_a_backup_of_large_evidence_files_stays_in_flat_memory(plan, settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path / "files"
    for _index in range(BIG_FILES):
        storage.store(_random_chunks(BIG_FILE_BYTES), content_type="application/pdf")
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            summary = backup_write(out)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        out.seek(0)
        with tarfile.open(fileobj=out, mode="r:gz") as archive:
            sizes = [m.size for m in archive.getmembers() if m.name.startswith("files/")]
    assert summary.files == BIG_FILES and sorted(sizes) == [BIG_FILE_BYTES] * BIG_FILES
    # 72 MB of evidence, a few MB of memory at most: nothing is read whole.
    assert peak < MEMORY_BOUND, f"peak {peak / 1e6:.1f} MB"
    assert peak < BIG_FILE_BYTES / 4
