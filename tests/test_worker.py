"""Real workers: `cchc worker` takes a queued import and runs it; a worker killed with
SIGKILL in the middle of an import leaves the database as it was and no file behind, and
its job is then shown failed, not "running" forever.

Each test runs subprocesses against an instance of its own (an SQLite file and a data
directory); the queue is the database, as in production.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cchc.plans.formats import write_xlsx
from tests.factories import synthetic_document

# cchc runs in subprocesses on an SQLite file of its own: the same in both of dev.py's passes.
pytestmark = pytest.mark.own_sqlite

ROOT = Path(__file__).resolve().parent.parent
TASKS = 3000  # the write must last long enough to be caught mid-way (the import got faster)
STRUCTURE = "from tests.factories import make_structure; make_structure()"
ENQUEUE = """
from pathlib import Path
from cchc.jobs.services import job_start
path = Path({path!r})
job = job_start(kind="plan_import", params=dict(), asked_by=None, upload=path.read_bytes(),
                input_name=path.name)
print(job.pk)
"""
STATE = """
import json
from cchc.jobs.models import Job
from cchc.plans.models import Plan, Task

job = Job.objects.get()
print(json.dumps({"status": job.status, "errors": job.errors, "summary": job.summary,
                  "plans": Plan.objects.count(), "tasks": Task.objects.count()}))
"""


class Instance:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "db.sqlite3"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DATABASE_URL": f"sqlite:///{self.db}",
            "CCHC_DATA_DIR": str(root),
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "cchc.settings",
            # Every progress message written: the kill below waits for the "writing" one,
            # which the usual throttle (0.5 s) skips once reading the file is quicker.
            "CCHC_JOB_PROGRESS_SECONDS": "0",
        }

    def cchc(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "cchc", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def shell(self, code: str) -> str:
        return self.cchc("shell", "--no-imports", "-c", code)

    def worker(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cchc",
                "worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
                *args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def state(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.shell(STATE).strip().splitlines()[-1])  # type: ignore[no-any-return]

    def job_row(self) -> tuple[str, str]:
        with sqlite3.connect(self.db, timeout=30) as db:
            row = db.execute("SELECT status, progress_message FROM jobs_job").fetchone()
        return (row[0], row[1]) if row else ("", "")


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    found = Instance(tmp_path)
    found.cchc("migrate", "--no-input")
    found.shell(STRUCTURE)
    big = tmp_path / "phu-luc.xlsx"
    big.write_bytes(write_xlsx(synthetic_document(TASKS, number="99/KH-UBND")))
    found.shell(ENQUEUE.format(path=str(big)))
    return found


def test_a_worker_runs_a_queued_import(instance: Instance) -> None:
    assert instance.job_row()[0] == "queued"
    worker = instance.worker("--batch")
    assert worker.wait(timeout=600) == 0
    state = instance.state()
    assert state["status"] == "done", state
    assert state["plans"] == 1 and state["tasks"] == TASKS
    assert f"{TASKS} nhiệm vụ" in state["summary"]


def test_a_worker_killed_mid_import_changes_nothing_and_its_job_is_failed(
    instance: Instance,
) -> None:
    worker = instance.worker()
    deadline = time.monotonic() + 300
    # Wait until the import is writing inside its transaction, then kill the worker.
    while "ghi kế hoạch" not in instance.job_row()[1]:
        assert worker.poll() is None, "the worker stopped by itself"
        assert time.monotonic() < deadline, instance.job_row()
        time.sleep(0.01)
    # Killed at once: since the import writes in a few statements, waiting longer lets
    # it finish.
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert instance.job_row()[0] == "running"  # what the dead worker left behind
    jobs_dir = instance.root / "jobs"
    # Only the uploaded file remains in the job store: no result, no half-written file.
    blobs = [p for p in jobs_dir.glob("??/??/*") if p.is_file()]
    assert len(blobs) == 1
    assert not list((jobs_dir / ".tmp").glob("*"))
    # The next worker to start (here: the daily purge) finds the dead worker's job.
    instance.cchc("purge_jobs")
    state = instance.state()
    assert state["status"] == "failed"
    assert "dừng đột ngột" in state["errors"][0]["text"]
    assert state["plans"] == 0 and state["tasks"] == 0
