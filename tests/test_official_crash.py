"""A generation of an official report killed mid-way (SIGKILL while the DOCX is being
written) leaves no file, half or whole, in the job store; the dead job is then shown
failed, and the report is generated again, whole.

Subprocesses against an instance of their own (an SQLite file and a data directory), as
in tests/test_worker.py.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document

from tests.test_worker import ROOT, Instance

# cchc runs in subprocesses on an SQLite file of its own: the same in both of dev.py's passes.
pytestmark = pytest.mark.own_sqlite

SETUP = """
from cchc.accounts.models import Role, User
from cchc.official.services import official_report_create
from cchc.monitoring.models import ReportingPeriod
from tests.factories import make_plan, make_structure
make_structure()
plan = make_plan(14)
coordinator = User.objects.create(username="tt", role=Role.COORDINATOR)
period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
report = official_report_create(period=period, agency=None, actor=coordinator)
print(report.pk)
"""
# Start the DOCX job and run it here, its writer held up half-way so that the test can
# kill the process while the file is being made.
SLOW_RUN = """
import sys, time
import django
django.setup()
from cchc.lib import calendar
from cchc.jobs.services import job_run, job_start
from cchc.official import render
from cchc.official.models import OfficialReport
from cchc.official.views import job_params

real = render.WRITERS["docx"]

def slow(content):
    data = real(content)
    print("writing", flush=True)
    time.sleep(600)
    return data

render.WRITERS["docx"] = slow
report = OfficialReport.objects.get(pk=int(sys.argv[1]))
job = job_start(kind="official_docx", params=job_params(report, None, calendar.today()),
                asked_by=None, reuse=False)
job_run(job.pk)
"""
AGAIN = """
import json
from cchc.lib import calendar
from cchc.jobs.models import Job
from cchc.jobs.services import job_run, job_start
from cchc.official.models import OfficialReport
from cchc.official.views import job_params
report = OfficialReport.objects.get(pk={pk})
job = job_start(kind="official_docx", params=job_params(report, None, calendar.today()),
                asked_by=None, reuse=False)
job_run(job.pk)
job = Job.objects.get(pk=job.pk)
print(json.dumps({{"status": job.status, "sha": job.result_sha256}}))
"""
JOBS = """
import json
from cchc.jobs.models import Job

jobs = Job.objects.order_by("created_at")
print(json.dumps([[j.status, j.result_sha256, j.errors] for j in jobs]))
"""


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    found = Instance(tmp_path)
    found.cchc("migrate", "--no-input")
    return found


def _last_json(text: str):  # type: ignore[no-untyped-def]
    return json.loads(text.strip().splitlines()[-1])


def test_a_killed_generation_leaves_no_file_and_the_report_is_generated_again(
    instance: Instance, tmp_path: Path
) -> None:
    report = int(instance.shell(SETUP).strip().splitlines()[-1])
    script = tmp_path / "slow_run.py"
    script.write_text(SLOW_RUN)
    process = subprocess.Popen(
        [sys.executable, str(script), str(report)],
        cwd=ROOT,
        env=instance.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 300
    line = ""
    while line != "writing":
        line = process.stdout.readline().strip()
        assert process.poll() is None, "the generation stopped by itself"
        assert time.monotonic() < deadline
    process.send_signal(signal.SIGKILL)
    process.wait()

    jobs_dir = instance.root / "jobs"
    assert not [p for p in jobs_dir.glob("??/??/*") if p.is_file()], "no result, half or whole"
    assert _last_json(instance.shell(JOBS))[0][0] == "running"  # what the dead process left
    instance.cchc("purge_jobs")
    status, sha, errors = _last_json(instance.shell(JOBS))[0]
    assert status == "failed" and not sha
    assert "dừng đột ngột" in errors[0]["text"]

    again = _last_json(instance.shell(AGAIN.format(pk=report)))
    assert again["status"] == "done" and again["sha"]
    stored = next(p for p in jobs_dir.glob("??/??/*") if p.name == again["sha"])
    text = "\n".join(p.text for p in Document(io.BytesIO(stored.read_bytes())).paragraphs)
    assert "BÁO CÁO" in text.upper()
