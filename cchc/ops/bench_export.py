"""Peak memory of the export writers on a million rows, for `cchc bench`.

Each writer runs in a process of its own, so that its peak resident size (`ru_maxrss`) is
its own and not the bench's: the CSV of a table, the XLSX of a table and the status annex,
each fed a one-pass stream of rows that is never held whole, as a query's `iterator()`
would feed it. A writer that kept its rows (openpyxl's normal mode keeps every cell, about
a kilobyte each) would grow with the rows; these stay at the size of the process.

The same is measured end to end on a database of its own (`build_database`): a plan of
10,000 activities given to 100 agencies, a million assignments, a report for each. Each
exporter of the job registry (the status annex, the public CSV and XLSX, the plan's XLSX,
DOCX and JSON, the backup) and a page of `GET /api/plans/{id}/assignments` (the first and
the last of the million) run there, each in a process of its own, reading the rows from
the database as a user's request or job would. The database is a SQLite file in a
temporary directory unless `CCHC_BENCH_EXPORT_DATABASE_URL` names a scratch PostgreSQL
database: it is never the live instance's.

Run as `python -m cchc.ops.bench_export ROWS KIND`; it prints one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# The writers alone, fed `rows` generated rows.
KINDS = ("csv", "xlsx", "status_annex")
# Read from the bench database: the API's first and last page, then every exporter of the
# job registry that reads a plan or the whole database.
DB_KINDS = (
    "api_first_page",
    "api_last_page",
    "status_table",
    "public_csv",
    "public_xlsx",
    "plan_json",
    "plan_xlsx",
    "plan_docx",
    "backup",
)
PLAN_NUMBER = "BENCH-EXPORT/KH"
AGENCIES = 100


@dataclass
class ExportMemory:
    kind: str
    rows: int
    seconds: float
    bytes_written: int
    baseline_mib: float  # the process before it wrote anything
    peak_mib: float


def _rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(count: int) -> Iterator[list[Any]]:
    for index in range(count):
        yield [
            f"{index % 9 + 1}",
            f"{index}",
            f"Hoạt động số {index}: rà soát, đơn giản hóa thủ tục hành chính",
            "Sở Tư pháp; Sở Nội vụ",
            "Đang thực hiện",
            float(index % 101),
            index % 17,
            index % 5,
            index % 3,
        ]


def _status_rows(count: int) -> Iterator[Any]:
    from cchc.dashboards.queries.status_table import StatusRow

    for index in range(count):
        kind = "area" if index % 500 == 0 else ("task" if index % 20 == 0 else "activity")
        yield StatusRow(
            kind=kind,
            number=str(index % 1000 + 1),
            title=f"Hoạt động số {index}: rà soát, đơn giản hóa thủ tục hành chính",
            lead="Sở Tư pháp",
            progress="Đang thực hiện (40%)\nĐúng hạn",
            results="Kế hoạch số 12/KH-STP ngày 14/01/2022",
            notes="",
        )


def build_database(assignments: int) -> dict[str, int]:
    """Fill the (empty, migrated) bench database: one issued plan whose activities are each
    given to every one of `AGENCIES` agencies, `assignments` assignments in all, and a sent
    report of the first period for each. Rows go in with `bulk_create`, a batch at a time."""
    from datetime import date

    from django.db import transaction

    from cchc.accounts.models import Role, User
    from cchc.agencies.models import Agency
    from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
    from cchc.plans.models import Activity, Area, DueDate, Plan, Task

    activities = max(1, assignments // AGENCIES)
    per_task = 10
    batch = 5000
    year = 2025
    with transaction.atomic():
        province = Agency.objects.create(
            name="UBND tỉnh Đo Đạc", kind=Agency.Kind.PROVINCE, sort_name="ubnd tinh do dac"
        )
        agencies = Agency.objects.bulk_create(
            Agency(
                name=f"Sở số {n:03d}",
                kind=Agency.Kind.DEPARTMENT,
                parent=province,
                sort_name=f"so so {n:03d}",
                search_name=f"so so {n:03d}",
            )
            for n in range(AGENCIES)
        )
        User.objects.create_user(
            username="bench_export", password=None, role=Role.COORDINATOR, agency=province
        )
        plan = Plan.objects.create(
            issuer="UBND tỉnh Đo Đạc",
            number=PLAN_NUMBER,
            year=year,
            title=f"Kế hoạch cải cách hành chính năm {year} (đo bộ nhớ)",
            status=Plan.Status.ISSUED,
            issued_on=date(year - 1, 12, 20),
        )
        period = ReportingPeriod.objects.create(
            plan=plan,
            code="q1",
            name="Quý I",
            kind=ReportingPeriod.Kind.QUARTER,
            starts_on=date(year, 1, 1),
            ends_on=date(year, 3, 15),
            due_on=date(year, 3, 20),
            position=1,
        )
        tasks_count = -(-activities // per_task)
        areas = Area.objects.bulk_create(
            Area(plan=plan, code=code, title=f"Lĩnh vực {code}", position=n)
            for n, code in enumerate(("I", "II", "III", "IV", "V", "VI", "VII"))
        )
        tasks = Task.objects.bulk_create(
            (
                Task(
                    plan=plan,
                    area=areas[n % len(areas)],
                    number=str(n // len(areas) + 1),
                    title=f"Nhiệm vụ số {n + 1}: rà soát, đơn giản hóa thủ tục hành chính",
                    position=n,
                )
                for n in range(tasks_count)
            ),
            batch_size=batch,
        )
        made = Activity.objects.bulk_create(
            (
                Activity(
                    plan=plan,
                    task=tasks[n // per_task],
                    position=n % per_task,
                    title=f"Hoạt động số {n + 1}: rà soát, đơn giản hóa thủ tục hành chính",
                    outputs="Báo cáo kết quả rà soát",
                    deadline=f"Tháng {n % 12 + 1}/{year}",
                    lead_written=f"Sở số {n % AGENCIES:03d}",
                    cooperating_written="Các sở, ban, ngành",
                )
                for n in range(activities)
            ),
            batch_size=batch,
        )
        DueDate.objects.bulk_create(
            (DueDate(activity=a, due_on=date(year, n % 12 + 1, 28)) for n, a in enumerate(made)),
            batch_size=batch,
        )
    ids = [a.pk for a in made]
    done = 0
    for start in range(0, len(ids), batch // AGENCIES or 1):
        chunk = ids[start : start + (batch // AGENCIES or 1)]
        with transaction.atomic():
            rows = Assignment.objects.bulk_create(
                Assignment(
                    activity_id=activity_id,
                    agency=agency,
                    role=Assignment.Role.LEAD
                    if index == position % AGENCIES
                    else Assignment.Role.COOPERATING,
                )
                for position, activity_id in enumerate(chunk, start=start)
                for index, agency in enumerate(agencies)
            )
            ProgressReport.objects.bulk_create(
                ProgressReport(
                    assignment=row,
                    period=period,
                    status=ProgressReport.Status.IN_PROGRESS,
                    percent=row.pk % 101,
                    narrative="Đã rà soát, đang hoàn thiện dự thảo báo cáo.",
                    state=ProgressReport.State.APPROVED,
                )
                for row in rows
            )
        done += len(rows)
    return {"activities": activities, "assignments": done, "reports": done}


def _run_db(kind: str, out: Any) -> None:
    """One exporter on the bench database, written to `out` as a job or a request would."""
    from django.test import Client

    from cchc.accounts.models import User
    from cchc.jobs import registry
    from cchc.plans.models import Plan

    plan = Plan.objects.get(number=PLAN_NUMBER)
    if kind.startswith("api_"):
        from django.conf import settings

        # Django's test client calls itself "testserver", over HTTPS as a real client would.
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(User.objects.get(username="bench_export"))
        url = f"/api/plans/{plan.pk}/assignments"
        first = client.get(url, secure=True)
        assert first.status_code == 200, (first.status_code, first.content[:500])
        offset = 0 if kind == "api_first_page" else int(first["X-Total-Count"]) - 1000
        response = client.get(f"{url}?offset={max(0, offset)}", secure=True)
        assert response.status_code == 200, (response.status_code, response.content[:500])
        out.write(response.content)
        return
    # As the job is started from the pages: the period by its code.
    params = {"plan": plan.pk, "period": "q1", "today": "2025-06-30"}
    exporter = registry.KINDS[kind]
    exporter.write(out, params, lambda done, total, message: None)  # type: ignore[attr-defined]


def run_one(kind: str, rows: int) -> ExportMemory:
    """Write `rows` rows with one writer in this process and measure it."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings")
    django.setup()
    if kind in DB_KINDS:
        baseline = _rss_mib()
        started = time.perf_counter()
        with tempfile.TemporaryFile() as out:
            _run_db(kind, out)
            written = out.tell()
        return ExportMemory(
            kind=kind,
            rows=rows,
            seconds=time.perf_counter() - started,
            bytes_written=written,
            baseline_mib=baseline,
            peak_mib=_rss_mib(),
        )
    from cchc.dashboards.exports import CsvExporter, StatusTableXlsxExporter, TableXlsxExporter
    from cchc.dashboards.queries.common import Table

    columns = ["Lĩnh vực", "TT", "Nhiệm vụ", "Cơ quan chủ trì", "Tình trạng", "Tiến độ (%)"]
    columns += ["Số hoạt động", "Hoàn thành", "Có việc quá hạn"]
    baseline = _rss_mib()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        if kind == "csv":
            table = Table(columns, _rows(rows))  # type: ignore[arg-type]
            for line in CsvExporter().lines(table):
                out.write(line.encode("utf-8"))
        elif kind == "xlsx":
            table = Table(columns, _rows(rows))  # type: ignore[arg-type]
            TableXlsxExporter().write(table, out, sheet="Tiến độ", title="Bench")
        else:
            StatusTableXlsxExporter().write(_status_rows(rows), out, title_lines=["Bench"])
        written = out.tell()
    return ExportMemory(
        kind=kind,
        rows=rows,
        seconds=time.perf_counter() - started,
        bytes_written=written,
        baseline_mib=baseline,
        peak_mib=_rss_mib(),
    )


def _child(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cchc.ops.bench_export", *args],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode:
        raise RuntimeError(f"bench_export {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def measure_exports(
    rows: int, kinds: tuple[str, ...] = KINDS, *, database_rows: int = 0
) -> list[ExportMemory]:
    """Each writer in a child process; the results in the order of `kinds`, then, when
    `database_rows` is given, each of `DB_KINDS` on a bench database of that many
    assignments (built, migrated and dropped here)."""
    results = [
        ExportMemory(**json.loads(_child([str(rows), kind], os.environ.copy()))) for kind in kinds
    ]
    if not database_rows:
        return results
    with tempfile.TemporaryDirectory(prefix="cchc-bench-export-") as tmp:
        env = os.environ.copy()
        # Its own files and database: never the live instance's data or "latest plan".
        env["CCHC_DATA_DIR"] = tmp
        env["CCHC_JOB_FILES_DIR"] = os.path.join(tmp, "jobs")
        for name in [k for k in env if k.startswith("CCHC_S3_")]:
            env.pop(name)
        env["DATABASE_URL"] = os.environ.get(
            "CCHC_BENCH_EXPORT_DATABASE_URL", f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}"
        )
        _child(["0", "setup", str(database_rows)], env)
        for kind in DB_KINDS:
            results.append(ExportMemory(**json.loads(_child([str(database_rows), kind], env))))
    return results


def _setup(assignments: int) -> dict[str, int]:
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings")
    django.setup()
    from cchc.plans.models import Plan

    call_command("migrate", verbosity=0, interactive=False)
    if Plan.objects.exists():
        raise RuntimeError("the bench database is not empty; give it a scratch database")
    counts = build_database(assignments)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts


if __name__ == "__main__":
    if sys.argv[2] == "setup":
        print(json.dumps(_setup(int(sys.argv[3]))))
    else:
        result = run_one(sys.argv[2], int(sys.argv[1]))
        print(json.dumps(result.__dict__))
