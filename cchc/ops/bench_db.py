"""The bench's own database: `cchc bench` never builds its data in the live one.

How: the command (the "parent", connected to the configured database) creates a
throwaway database next to it, migrates it, and runs itself again in a child process
whose `DATABASE_URL` points there (`--here`); then drops it. A child process rather than
switching `connections` in place, because a server's connection pool, the cache table
and every module that imported `connection` then all see the bench database and nothing
else, with no state to restore afterwards.

- PostgreSQL: a database `cchc_bench_<hex>` on the same server (the configured role needs
  CREATEDB), commented with the name of the database it was made for, so that
  `cchc bench --cleanup` drops only the leftovers of this installation's runs.
- SQLite: a temporary directory `cchc-bench-*` holding the database file, with a note of
  the database it was made for.

The child also gets a data directory of its own (job files, evidence) in a temporary
directory, the database cache instead of Redis and no object store: nothing it writes
reaches the live installation's files or caches.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core.management.base import CommandError
from django.db import connection
from django.utils.translation import gettext as _

from cchc.lib.processes import pid_alive

DB_PREFIX = "cchc_bench_"
DIR_PREFIX = "cchc-bench-"
OWNER_NOTE = "owner.json"
COMMENT = "cchc bench for "
# Set in the child: the name of the bench database it runs in (checked by `--here`).
CHILD_ENV = "CCHC_BENCH_DATABASE"


@dataclass
class OwnDatabase:
    vendor: str
    name: str  # the PostgreSQL database, or the SQLite file
    url: str
    directory: Path  # the child's data directory (and, for SQLite, the database's)


def _live_name() -> str:
    return str(connection.settings_dict["NAME"])


def _pg_admin() -> Any:
    """An autocommit connection to the server's maintenance database, as the live role:
    CREATE and DROP DATABASE cannot run in a transaction or in the dropped database."""
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        autocommit=True,
    )


def _pg_url(name: str) -> str:
    s = connection.settings_dict
    user = quote(str(s.get("USER") or ""), safe="")
    password = quote(str(s.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "localhost"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{name}"


def create() -> OwnDatabase:
    """An empty database for one run (not yet migrated); PostgreSQL or SQLite only."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise CommandError(
            _(
                "cchc bench chỉ chạy được trên PostgreSQL hoặc SQLite; cơ sở dữ liệu đang "
                "cấu hình là %(vendor)s."
            )
            % {"vendor": connection.vendor}
        )
    directory = Path(tempfile.mkdtemp(prefix=DIR_PREFIX))
    (directory / OWNER_NOTE).write_text(json.dumps({"live": _live_name(), "pid": os.getpid()}))
    # The child's static root (WhiteNoise warns about a missing one on every start).
    (directory / "var" / "static").mkdir(parents=True)
    if connection.vendor == "postgresql":
        name = DB_PREFIX + secrets.token_hex(6)
        with _pg_admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            # The comment is a literal: the live name is escaped as one.
            comment = (f"{COMMENT}{_live_name()} (pid {os.getpid()})").replace("'", "''")
            admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
        return OwnDatabase("postgresql", name, _pg_url(name), directory)
    path = directory / "bench.sqlite3"
    return OwnDatabase("sqlite", str(path), f"sqlite:///{path}", directory)


def drop(db: OwnDatabase) -> None:
    if db.vendor == "postgresql":
        with _pg_admin() as admin:
            # FORCE: a gunicorn worker of the load mode killed mid-request may still hold one.
            admin.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    shutil.rmtree(db.directory, ignore_errors=True)


def leftovers() -> list[str]:
    """Bench databases (and directories) that earlier runs of this installation left."""
    found: list[str] = []
    if connection.vendor == "postgresql":
        with _pg_admin() as admin:
            rows = admin.execute(
                "SELECT d.datname, shobj_description(d.oid, 'pg_database') FROM pg_database d "
                "WHERE d.datname LIKE %s AND shobj_description(d.oid, 'pg_database') LIKE %s "
                "ORDER BY d.datname",
                [DB_PREFIX.replace("_", r"\_") + "%", _like(COMMENT + _live_name()) + " (pid %"],
            ).fetchall()
        for name, comment in rows:
            pid = comment.rsplit("(pid ", 1)[-1].rstrip(")")
            if not _running(int(pid) if pid.isdigit() else 0):
                found.append(name)
    for directory in sorted(Path(tempfile.gettempdir()).glob(DIR_PREFIX + "*")):
        try:
            note = json.loads((directory / OWNER_NOTE).read_text())
        except (OSError, ValueError):
            continue
        if note.get("live") == _live_name() and not _running(int(note.get("pid", 0))):
            found.append(str(directory))
    return found


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def _running(pid: int) -> bool:
    """Whether the bench that made a database still runs (another run, or another test
    process): its database is not a leftover. A pid reused since is a rare false "yes"."""
    return pid != os.getpid() and pid_alive(pid)


def cleanup() -> list[str]:
    """Drop every leftover of this installation's runs (those whose bench process has
    ended); returns what was removed."""
    removed = []
    for name in leftovers():
        if name.startswith(DB_PREFIX):
            with _pg_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            shutil.rmtree(name, ignore_errors=True)
        removed.append(name)
    return removed


def child_env(db: OwnDatabase) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        CHILD_ENV: db.name,
        "CCHC_DATA_DIR": str(db.directory / "var"),
        "CCHC_JOB_FILES_DIR": str(db.directory / "var" / "jobs"),
        "CCHC_S3_BUCKET": "",
        "CCHC_REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "cchc.settings"),
    }
    # Under pytest the parent's settings say TESTING; the child is a plain `cchc` process.
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


def cchc_command() -> list[str]:
    return [sys.executable, "-m", "cchc"]


def migrate(db: OwnDatabase) -> float:
    """Seconds to migrate the new database (its tables, and the cache table)."""
    started = time.perf_counter()
    subprocess.run(
        [*cchc_command(), "migrate", "--no-input", "-v", "0"],
        env=child_env(db),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def run_child(db: OwnDatabase, args: list[str], write: Callable[[str], None]) -> int:
    """`cchc bench --here …` in the bench database; its standard output goes to `write`
    line by line as it comes (the parent's stdout, or a test's buffer)."""
    with subprocess.Popen(
        [*cchc_command(), "bench", "--here", *args],
        env=child_env(db),
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    ) as child:
        assert child.stdout is not None
        try:
            for line in child.stdout:
                write(line)
            return child.wait()
        finally:
            # Interrupted (Ctrl-C, SIGTERM): the child goes first, so that its database
            # can be dropped.
            if child.poll() is None:
                child.terminate()
                child.wait()


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM ends the parent as Ctrl-C does, through its `finally`: the child is stopped
    and the bench database dropped instead of being left behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def in_own_database() -> bool:
    """Whether this process runs in a bench database (the child), or in a test database."""
    from django.conf import settings

    name = _live_name()
    if os.environ.get(CHILD_ENV) == name:
        return True
    return bool(getattr(settings, "TESTING", False))


def analyze() -> float:
    """Refresh the planner's statistics after loading, as autovacuum would on a server:
    without it PostgreSQL plans the bench's queries for empty tables.

    Only the tables the bench has just filled, one by one: a database-wide ANALYZE would
    also lock the server's shared catalogues (and wait for any other ANALYZE on the
    server). The survey tables are filled later, in their own section, and are left to
    the planner's size estimate as before."""
    from cchc.accounts.models import User
    from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
    from cchc.documents.models import Document, DocumentLink
    from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
    from cchc.plans.models import Activity, Area, Assignee, DueDate, Plan, Task

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (
            User,
            Agency,
            AgencyGroup,
            GroupMembership,
            Plan,
            Area,
            Task,
            Activity,
            DueDate,
            Assignee,
            Assignment,
            ReportingPeriod,
            ProgressReport,
            ReportVersion,
            Document,
            DocumentLink,
        ):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return time.perf_counter() - started
