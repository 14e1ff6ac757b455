"""The import phase of `cchc bench`: a province's appendix of N activities, imported the way
the import job imports it, against the time openpyxl needs only to read every cell.

The appendix is written as provinces write theirs: title lines, the (TT, task, activity,
outputs, lead, cooperating, deadline, notes) table, area rows, TT and task cells merged
down over a task's activities, deadlines in words, and agency cells that name collective
groups ("UBND các huyện, thị xã, thành phố", "Các sở, ban, ngành", alone, with "và", with
";") beside single agencies. The names are the bench province's own (prefixed with the
run's tag), so that the import reads and expands only the bench's agencies and groups.

What is reported, and how:
- openpyxl: the fastest way openpyxl reads every cell (read-only mode, values only), the
  best of three; the import's goal is a multiple of it. Wall time and this process's
  CPU time are both given: on a busy machine the CPU ratio is the steadier one (with
  PostgreSQL it leaves out the server's work, so it flatters the import);
- the import: a `plan_import` job recorded and run with `job_run`, as a worker runs it;
  its wall time and its number of queries (counted by an execute wrapper, which keeps no
  SQL text);
- memory: the growth of the process's peak resident set (Linux `VmHWM`, reset before the
  import through /proc/self/clear_refs) over its size before the import, and, from a
  second run of the same import under `tracemalloc` that is rolled back, the peak of the
  memory Python allocated. Both are printed, each named for what it is.
"""

from __future__ import annotations

import contextlib
import random
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from cchc.agencies.models import Agency, AgencyGroup
from cchc.jobs.models import Job
from cchc.jobs.services import job_create_foreground, job_run, jobs_root
from cchc.lib import storage
from cchc.lib.roman import to_roman
from cchc.monitoring.models import Assignment
from cchc.plans.formats.xlsx.layout import APPENDIX_SHEET, COLUMN_TITLES, FIELDS, title_lines
from cchc.plans.interchange import PlanHeader
from cchc.plans.models import Activity, Area, Assignee, DueDate, Plan, Task

AREAS = 7
MiB = 1024 * 1024


@dataclass
class Names:
    """The bench province's names an appendix can use, by kind."""

    issuer: str
    departments: list[str]
    districts: list[str]
    communes: list[str]
    all_departments: str  # "[…] Các sở, ban, ngành"
    all_districts: str  # "[…] UBND các huyện, thị xã, thành phố"
    all_communes: str  # "[…] UBND các xã, phường, thị trấn"


def _deadline(index: int, year: int) -> str:
    return (
        "Quý I",
        "Thường xuyên",
        f"Năm {year}",
        "Hàng quý",
        f"Tháng {1 + index % 12:02d}/{year}",
        "Quý II, Quý III",
        f"Trước ngày 30/6/{year}",
    )[index % 7]


def _cells(index: int, names: Names, rng: random.Random) -> tuple[str, str]:
    """The lead and cooperating cells of activity `index`, as plans write them."""

    def one(pool: list[str]) -> str:
        return rng.choice(pool)

    match index % 5:
        case 0:
            lead = one(names.departments)
        case 1:
            lead = names.all_departments
        case 2:
            lead = f"{one(names.departments)} và {one(names.districts)}"
        case 3:
            lead = names.all_districts
        case _:
            lead = f"{one(names.departments)};\n{one(names.departments)}"
    match index % 4:
        case 0:
            cooperating = names.all_communes
        case 1:
            cooperating = f"{names.all_departments} và {names.all_districts}"
        case 2:
            cooperating = ", ".join(rng.sample(names.departments, min(3, len(names.departments))))
        case _:
            cooperating = ""
    return lead, cooperating


def appendix_xlsx(*, names: Names, number: str, year: int, activities: int, seed: int) -> bytes:
    """A province's appendix workbook of `activities` activities (see the module's doc)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    workbook = Workbook()
    ws = workbook.active
    assert isinstance(ws, Worksheet)
    ws.title = APPENDIX_SHEET
    header = PlanHeader(issuer=names.issuer, number=number, year=year)
    for row, text in enumerate(title_lines(header), start=1):
        ws.cell(row, 1, text)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(FIELDS))
    row = len(title_lines(header)) + 2
    for column, name in enumerate(FIELDS, start=1):
        ws.cell(row, column, COLUMN_TITLES[name])
    row += 1
    for column in range(1, len(FIELDS) + 1):
        ws.cell(row, column, f"({column})")
    row += 1
    # Activities per task go 1, 2, 3, 1, 2, 3 …: two on average.
    tasks: list[int] = []
    left = activities
    while left > 0:
        size = min(left, 1 + len(tasks) % 3)
        tasks.append(size)
        left -= size
    per_area = -(-len(tasks) // AREAS)
    index = 0
    for area in range(AREAS):
        chunk = tasks[area * per_area : (area + 1) * per_area]
        if not chunk:
            break
        ws.cell(row, 1, to_roman(area + 1))
        ws.cell(row, 2, f"Lĩnh vực thử tải {area + 1}: cải cách thủ tục hành chính")
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(FIELDS))
        row += 1
        for task_number, size in enumerate(chunk, start=1):
            first = row
            ws.cell(row, 1, task_number)
            ws.cell(
                row,
                2,
                f"Nhiệm vụ {task_number}: rà soát, đơn giản hóa thủ tục hành chính, "
                "công bố kết quả",
            )
            for _activity in range(size):
                lead, cooperating = _cells(index, names, rng)
                ws.cell(row, 3, f"Hoạt động {index + 1}: rà soát, công bố và báo cáo kết quả")
                ws.cell(row, 4, "Kế hoạch; Báo cáo kết quả")
                ws.cell(row, 5, lead)
                ws.cell(row, 6, cooperating or None)
                ws.cell(row, 7, _deadline(index, year))
                index += 1
                row += 1
            if size > 1:
                ws.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
                ws.merge_cells(start_row=first, start_column=2, end_row=row - 1, end_column=2)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def openpyxl_read_seconds(data: bytes, *, repeat: int = 3) -> tuple[float, float, int]:
    """The best wall and CPU times openpyxl takes to read every cell's value; and how
    many cells."""
    best = best_cpu = float("inf")
    cells = 0
    for _attempt in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
        cells = 0
        for ws in book.worksheets:
            for values in ws.iter_rows(values_only=True):
                cells += len(values)
        book.close()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    return best, best_cpu, cells


# ---------------------------------------------------------------------------
# Memory


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field: str) -> int | None:
    with contextlib.suppress(OSError):
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _reset_peak_rss() -> bool:
    """Start a new peak of the resident set (Linux ≥ 4.0); False where that cannot be done."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


@dataclass
class ImportResult:
    activities: int
    file_bytes: int
    cells: int
    openpyxl_seconds: float
    import_seconds: float
    # This process's CPU time: steadier than wall time on a busy machine, but without
    # the database server's own work when that is PostgreSQL.
    openpyxl_cpu_seconds: float
    import_cpu_seconds: float
    queries: int
    rows: dict[str, int]
    rss_before_mib: float | None  # None: not measurable on this system
    rss_peak_mib: float | None
    tracemalloc_peak_mib: float | None  # None: not asked for
    job_status: str
    job_summary: str

    @property
    def ratio(self) -> float:
        return self.import_seconds / self.openpyxl_seconds if self.openpyxl_seconds else 0.0

    @property
    def cpu_ratio(self) -> float:
        if not self.openpyxl_cpu_seconds:
            return 0.0
        return self.import_cpu_seconds / self.openpyxl_cpu_seconds

    @property
    def rss_growth_mib(self) -> float | None:
        if self.rss_before_mib is None or self.rss_peak_mib is None:
            return None
        return self.rss_peak_mib - self.rss_before_mib


class _Counter:
    """Counts queries without keeping their text (CaptureQueriesContext would keep every
    bulk insert's SQL, and measure itself)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _run_job(data: bytes, name: str) -> Job:
    job = job_create_foreground(kind="plan_import", params={})
    job.input_sha256, _size = storage.write_blob(data, root=jobs_root())
    job.input_name = name
    job.save(update_fields=["input_sha256", "input_name"])
    finished = job_run(job.pk)
    assert finished is not None
    return finished


class _RolledBack(Exception):
    pass


@contextlib.contextmanager
def _traced() -> Iterator[list[float]]:
    peak: list[float] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1] / MiB)
        tracemalloc.stop()


def _plan_rows(plan: Plan) -> dict[str, int]:
    """The rows the import made, by what they are (the labels are printed)."""
    return {
        _("lĩnh vực"): Area.objects.filter(plan=plan).count(),
        _("nhiệm vụ"): Task.objects.filter(plan=plan).count(),
        _("hoạt động"): Activity.objects.filter(plan=plan).count(),
        _("hạn hoàn thành"): DueDate.objects.filter(activity__plan=plan).count(),
        _("cơ quan, nhóm ghi trong ô"): Assignee.objects.filter(activity__plan=plan).count(),
        _("phân công (mỗi cơ quan)"): Assignment.objects.filter(activity__plan=plan).count(),
    }


def measure_import(
    *, names: Names, tag: str, year: int, activities: int, trace: bool, seed: int
) -> ImportResult:
    """Write the appendix, time openpyxl on it, import it as the job does; see the doc."""
    number = f"{tag}/KH-UBND"
    data = appendix_xlsx(names=names, number=number, year=year, activities=activities, seed=seed)
    name = f"{tag}-phu-luc.xlsx"
    openpyxl_seconds, openpyxl_cpu, cells = openpyxl_read_seconds(data)

    tracemalloc_peak = None
    if trace:
        # The same job, rolled back afterwards: tracemalloc slows Python several times, so
        # this run is not the one timed.
        with contextlib.suppress(_RolledBack), transaction.atomic():
            with _traced() as peak:
                traced = _run_job(data, name)
            if traced.status != Job.Status.DONE:
                raise RuntimeError(f"bench import failed: {traced.summary} {traced.errors}")
            raise _RolledBack
        tracemalloc_peak = peak[0]

    counter = _Counter()
    rss_before = _status_kib("VmRSS")
    reset = _reset_peak_rss()
    started, started_cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        job = _run_job(data, name)
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    rss_peak = _status_kib("VmHWM") if reset else None
    if job.status != Job.Status.DONE:
        raise RuntimeError(f"bench import failed: {job.summary} {job.errors}")
    plan = Plan.objects.get(number=number)
    return ImportResult(
        activities=activities,
        file_bytes=len(data),
        cells=cells,
        openpyxl_seconds=openpyxl_seconds,
        import_seconds=seconds,
        openpyxl_cpu_seconds=openpyxl_cpu,
        import_cpu_seconds=cpu,
        queries=counter.count,
        rows=_plan_rows(plan),
        rss_before_mib=rss_before / 1024 if rss_before is not None and reset else None,
        rss_peak_mib=rss_peak / 1024 if rss_peak is not None else None,
        tracemalloc_peak_mib=tracemalloc_peak,
        job_status=job.status,
        job_summary=job.summary,
    )


def bench_names(tag: str, province: Agency, groups: dict[str, AgencyGroup]) -> Names:
    members = list(Agency.objects.filter(parent=province).order_by("pk"))
    return Names(
        issuer=province.name,
        departments=[a.name for a in members if a.kind == Agency.Kind.DEPARTMENT],
        districts=[a.name for a in members if a.kind == Agency.Kind.DISTRICT],
        communes=[a.name for a in members if a.kind == Agency.Kind.COMMUNE],
        all_departments=groups[Agency.Kind.DEPARTMENT].name,
        all_districts=groups[Agency.Kind.DISTRICT].name,
        all_communes=groups[Agency.Kind.COMMUNE].name,
    )
