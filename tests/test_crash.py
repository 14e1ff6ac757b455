"""A killed import or a killed report leaves nothing half done.

`cchc import_plan` runs in a subprocess against a database of its own (a file under
SQLite; a fresh database on the PostgreSQL server when the suite runs on PostgreSQL) and
is killed with SIGKILL at several moments; afterwards the database holds either no trace
of the plan or all of it. `cchc export_status` is killed while it writes the status table:
the table from before stays whole under its name and the database is unchanged. The same
for a stored file: killed mid-write, no file appears under a hash.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from openpyxl import load_workbook

from cchc.plans.formats import write_xlsx
from tests.factories import synthetic_document

ROOT = Path(__file__).resolve().parent.parent
TASKS = 1000
COUNT = """
import json
from django.apps import apps
print(json.dumps({m._meta.label_lower: m._default_manager.count() for m in apps.get_models()
                  if m._meta.app_label in {"plans", "audit", "monitoring", "files"}}))
"""
STRUCTURE = "from tests.factories import make_structure; make_structure()"


def _suite_database() -> str | None:
    """The PostgreSQL server of this run, if the suite runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database for the subprocesses alone, on the engine this run tests."""
    server = _suite_database()
    if server is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('crash-db') / 'db.sqlite3'}"
        return
    import psycopg

    name = f"cchc_crash_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(tmp: Path, database_url: str | None = None) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATABASE_URL": database_url or f"sqlite:///{tmp / 'db.sqlite3'}",
        "CCHC_DATA_DIR": str(tmp),
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "cchc.settings",
    }


def _cchc(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "cchc", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _counts(env: dict[str, str]) -> dict[str, int]:
    out = _cchc(env, "shell", "--no-imports", "-c", COUNT)
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def instance(
    tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> tuple[dict[str, str], Path]:
    tmp = tmp_path_factory.mktemp("crash")
    env = _env(tmp, database_url)
    _cchc(env, "migrate", "--no-input")
    _cchc(env, "shell", "--no-imports", "-c", STRUCTURE)
    big = tmp / "big.xlsx"
    big.write_bytes(write_xlsx(synthetic_document(TASKS)))
    return env, big


def test_a_killed_import_leaves_nothing_or_everything(
    instance: tuple[dict[str, str], Path],
) -> None:
    env, big = instance
    empty = _counts(env)
    outcomes = []
    for delay in (0.2, 0.5, 1.0, 2.0, 3.5):
        process = subprocess.Popen(
            [sys.executable, "-m", "cchc", "import_plan", str(big)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        counts = _counts(env)
        complete = counts["plans.plan"] == 1
        if complete:
            assert counts["plans.task"] == TASKS, counts
            assert counts["audit.auditrecord"] == 1
            break
        assert counts == empty, f"killed after {delay} s, a partial plan remains: {counts}"
        outcomes.append((delay, finished))
    assert outcomes, "the import finished before the first kill; make the plan bigger"


def test_a_complete_import_is_complete(instance: tuple[dict[str, str], Path]) -> None:
    env, big = instance
    subprocess.run(
        [sys.executable, "-m", "cchc", "import_plan", str(big), "--replace"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=600,
        check=True,
    )
    counts = _counts(env)
    assert counts["plans.plan"] == 1 and counts["plans.task"] == TASKS


SLOW_REPORT = """
import sys, time
import django
django.setup()
from django.core.management import call_command
from cchc.dashboards import status_table

rows = status_table.status_table_rows

def slowly(*args, **kwargs):
    for number, row in enumerate(rows(*args, **kwargs)):
        if number == 1:
            print("started", flush=True)
        time.sleep(0.01)
        yield row

status_table.status_table_rows = slowly
call_command("export_status", sys.argv[1], "--period", "q1", "-o", sys.argv[2])
"""


def test_a_killed_report_leaves_the_previous_table_whole(
    instance: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, big = instance
    _cchc(env, "import_plan", str(big), "--replace")
    plan = "99/KH-UBND"
    reports = tmp_path / "bao-cao"
    reports.mkdir()
    table = reports / "bang-tien-do.xlsx"
    _cchc(env, "export_status", plan, "--period", "q1", "-o", str(table))
    before_bytes, before_counts = table.read_bytes(), _counts(env)
    rows = _row_count(table)
    assert rows > TASKS

    script = tmp_path / "slow_report.py"
    script.write_text(SLOW_REPORT)
    process = subprocess.Popen(
        [sys.executable, str(script), plan, str(table)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "started"
    time.sleep(1.0)
    assert process.poll() is None, "the report finished before the kill"
    process.send_signal(signal.SIGKILL)
    process.wait()

    assert table.read_bytes() == before_bytes, "the table under its name is the earlier one"
    visible = [p.name for p in reports.iterdir() if not p.name.startswith(".")]
    assert visible == [table.name]
    hidden = [p.name for p in reports.iterdir() if p.name.startswith(".")]
    assert all(name.endswith(".part") for name in hidden), hidden
    assert _counts(env) == before_counts

    # The next run replaces the table whole.
    _cchc(env, "export_status", plan, "--period", "q1", "-o", str(table))
    assert _row_count(table) == rows


def _row_count(path: Path) -> int:
    return sum(1 for _row in load_workbook(path, read_only=True).active.iter_rows())


SLOW_WRITE = """
import sys, time
from pathlib import Path
import django
django.setup()
from cchc.lib import storage

def slow():
    for _ in range(200):
        yield b"%PDF-1.7 " + b"x" * 65536
        time.sleep(0.02)

print("started", flush=True)
storage.write_blob(slow(), Path(sys.argv[1]))
"""


def test_a_killed_file_write_leaves_no_visible_file(tmp_path: Path) -> None:
    root = tmp_path / "files"
    script = tmp_path / "slow.py"
    script.write_text(SLOW_WRITE)
    process = subprocess.Popen(
        [sys.executable, str(script), str(root)],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "started"
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()
    from cchc.lib import storage

    assert list(storage.iter_stored(root)) == []
    leftovers = list((root / ".tmp").iterdir())
    assert leftovers, "the write should have been under way in a temporary file"
    assert 0 < leftovers[0].stat().st_size < 200 * 65536
    assert storage.remove_stale_temporaries(root) == len(leftovers)


WRITER = """
import sys
import django
django.setup()
from cchc.accounts.models import User
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.monitoring.services import report_get_or_create, report_save

worker, rounds = int(sys.argv[1]), int(sys.argv[2])
officer = User.objects.get(username="writer")
period = ReportingPeriod.objects.get(code="q1")
mine = list(Assignment.objects.filter(agency=officer.agency).order_by("pk"))[worker::4][:5]
for n in range(rounds):
    report = report_get_or_create(assignment=mine[n % len(mine)], period=period)
    report_save(report=report, actor=officer, expected_version=None, status="in_progress",
                percent=n % 100, narrative=f"writer {worker}, round {n}")
print("done", flush=True)
"""
WRITER_SETUP = """
from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency
User.objects.create(username="writer", role=Role.OFFICER,
                    agency=Agency.objects.get(name="Sở Tư pháp"))
"""


def test_writers_in_several_processes_wait_for_each_other(
    instance: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    """As gunicorn's workers do: four processes save reports at once. None may fail with
    "database is locked", and every save is kept."""
    env, big = instance
    _cchc(env, "import_plan", str(big), "--replace")
    _cchc(env, "shell", "--no-imports", "-c", WRITER_SETUP)
    before = _counts(env)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rounds = 40
    writers = [
        subprocess.Popen(
            [sys.executable, str(script), str(worker), str(rounds)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(4)
    ]
    results = [writer.communicate(timeout=600) for writer in writers]
    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0 and out.strip() == "done", err[-2000:]
    after = _counts(env)
    assert after["monitoring.reportversion"] - before["monitoring.reportversion"] == 4 * rounds
    assert after["audit.auditrecord"] - before["audit.auditrecord"] == 4 * rounds
