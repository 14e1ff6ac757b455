"""Exports run in constant memory: the writers take a one-pass stream of rows and keep
none of them (openpyxl's write-only mode, CSV line by line), so ten times the rows cost
no more memory. `cchc bench` measures the same on a million rows, as peak RSS."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command

from cchc.dashboards.exports import CsvExporter, StatusTableXlsxExporter, TableXlsxExporter
from cchc.dashboards.queries.common import Table
from cchc.ops.bench_export import _rows, _status_rows

COLUMNS = ["Lĩnh vực", "TT", "Nhiệm vụ", "Cơ quan", "Tình trạng", "%", "Số", "Xong", "Quá hạn"]


def _peak(write: Callable[[Iterator[Any], io.BytesIO], None], rows: Iterator[Any]) -> int:
    consumed = 0

    def counted() -> Iterator[Any]:
        nonlocal consumed
        for row in rows:
            consumed += 1
            yield row

    # The output goes to a sink that keeps nothing: only the writer's own memory counts.
    class Sink(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            return len(data)

        def seekable(self) -> bool:
            return False

    tracemalloc.start()
    try:
        write(counted(), Sink())  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert consumed > 0
    return peak


def _csv(rows: Iterator[Any], out: io.BytesIO) -> None:
    for line in CsvExporter().lines(Table(COLUMNS, rows)):  # type: ignore[arg-type]
        out.write(line.encode())


def _xlsx(rows: Iterator[Any], out: io.BytesIO) -> None:
    TableXlsxExporter().write(Table(COLUMNS, rows), out, sheet="Tiến độ", title="Thử")  # type: ignore[arg-type]


def _annex(rows: Iterator[Any], out: io.BytesIO) -> None:
    StatusTableXlsxExporter().write(rows, out, title_lines=["Thử"])


@pytest.mark.parametrize(
    ("write", "source"),
    [(_csv, _rows), (_xlsx, _rows), (_annex, _status_rows)],
    ids=["csv", "xlsx", "annex"],
)
def test_ten_times_the_rows_cost_no_more_memory(write, source):
    small = _peak(write, source(400))
    large = _peak(write, source(4000))
    # Growing with the rows would make it about ten times; constant is about once.
    assert large < small * 1.5 + 256 * 1024, (small, large)


def test_the_bench_prints_the_exports_peak_memory():
    out = io.StringIO()
    call_command("bench", export_only=True, export_rows=300, stdout=out)
    text = out.getvalue()
    assert "Bộ nhớ đỉnh khi xuất 300 dòng" in text
    for kind in ("csv", "xlsx", "status_annex"):
        assert kind in text and "MiB đỉnh" in text


@pytest.mark.django_db(transaction=True)
def test_the_bench_database_feeds_every_export_it_measures(settings, tmp_path):
    """What the bench measures on its database is the real thing: each job exporter and the
    API's page read the bench plan and write a file a user could open."""
    import json
    import tarfile
    import zipfile

    from cchc.monitoring.models import Assignment, ProgressReport
    from cchc.ops.bench_export import AGENCIES, DB_KINDS, _run_db, build_database

    settings.MEDIA_ROOT = tmp_path
    counts = build_database(3 * AGENCIES)
    assert counts == {"activities": 3, "assignments": 300, "reports": 300}
    assert Assignment.objects.count() == ProgressReport.objects.count() == 300
    written = {}
    for kind in DB_KINDS:
        out = io.BytesIO()
        _run_db(kind, out)
        written[kind] = out.getvalue()
    # The first page is the whole list here (300 rows fit one page of 1,000).
    assert len(json.loads(written["api_first_page"])) == 300
    assert json.loads(written["api_last_page"]) == json.loads(written["api_first_page"])
    assert "Nhiệm vụ số 1: rà soát" in written["public_csv"].decode("utf-8-sig")
    for kind in ("status_table", "public_xlsx", "plan_xlsx", "plan_docx"):
        assert zipfile.is_zipfile(io.BytesIO(written[kind])), kind
    plan = json.loads(written["plan_json"])
    assert sum(len(t["activities"]) for a in plan["areas"] for t in a["tasks"]) == 3
    with tarfile.open(fileobj=io.BytesIO(written["backup"]), mode="r:gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["database"]["objects"] >= 600
