"""`cchc bench` at a tiny size, so that it cannot rot: it measures, then leaves no trace."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q

from cchc.accounts.models import User
from cchc.agencies.models import Agency, AgencyGroup
from cchc.documents.models import DocumentLink
from cchc.monitoring.models import ProgressReport
from cchc.ops.bench import EMPTY_SNAPSHOT
from cchc.plans.models import Plan

# In-process, in the test database (`--here`): the own-database path is tested below.
TINY = {
    "here": True,
    "import_activities": 12,
    "agencies": 6,
    "activities": 5,
    "periods": 2,
    "repeat": 1,
    "survey_burst": 4,
    "survey_responses": 300,
    "export_rows": 0,
    "par_agencies": 0,
}


def _bench(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("bench", *args, stdout=out, **{**TINY, **options})
    return out.getvalue()


def _leftovers() -> tuple[int, int, int, int]:
    return (
        Plan.objects.filter(number__startswith="cchc-bench-").count(),
        Agency.objects.filter(
            Q(name__contains="cchc-bench-") | Q(parent__name__contains="cchc-bench-")
        ).count(),
        User.objects.filter(username__startswith="cchc-bench-").count(),
        AgencyGroup.objects.filter(code__startswith="cchc-bench-").count(),
    )


def test_it_prints_queries_and_percentiles_for_pages_and_the_api(db):
    output = _bench()
    assert "p50 ms" in output and "p95 ms" in output
    lines = {line.split("  ")[0].strip(): line for line in output.splitlines()}
    for label in ("kế hoạch: chi tiết", "cơ quan: chi tiết", "API phân công (tỉnh)", "API tiến độ"):
        assert label in lines, output
        columns = lines[label].split()
        assert columns[-5] == "200", lines[label]  # status
        assert int(columns[-4]) > 0  # queries
        assert float(columns[-3]) > 0 and float(columns[-2]) >= float(columns[-3])
        assert float(columns[-1]) > 1  # a page costs more than hello-world


def test_it_leaves_real_data_alone_and_removes_its_own(plan, personas):
    reports = ProgressReport.objects.count()
    _bench()
    assert _leftovers() == (0, 0, 0, 0)
    assert Plan.objects.get() == plan
    assert ProgressReport.objects.count() == reports
    assert User.objects.count() == len(personas)


def test_keep_leaves_the_data_and_cleanup_removes_it(db):
    output = _bench(keep=True)
    assert "cchc bench --cleanup" in output
    plans, agencies, users, groups = _leftovers()
    # The measured plan and the imported one; the province's group and its three by kind.
    assert plans == 2 and agencies == 1 + TINY["agencies"] and users == 4 and groups == 4
    assert ProgressReport.objects.count() > 0
    call_command("bench", cleanup=True, stdout=io.StringIO())
    assert _leftovers() == (0, 0, 0, 0)
    assert ProgressReport.objects.count() == 0


def test_reports_carry_the_history_the_services_would_have_written(db):
    """Saved, submitted, returned, resubmitted, approved: one version per step, in order,
    never in the future, and the last one says what the report says."""
    from django.utils import timezone

    from cchc.dashboards.queries import plan_trend
    from cchc.monitoring.models import ReportVersion
    from cchc.monitoring.progress import plan_progress

    output = _bench(keep=True, agencies=10, activities=8, periods=4, import_activities=0)
    try:
        reports = ProgressReport.objects.filter(
            assignment__activity__plan__number__startswith="cchc-bench-"
        )
        # The report the save measurement then saved again and again, after the count.
        measured = ReportVersion.objects.filter(
            snapshot__narrative__startswith="Lượt lưu"
        ).values_list("report_id", flat=True)
        assert len(set(measured)) == 1
        built = ReportVersion.objects.filter(report__in=reports).count() - len(measured)
        assert f"{built} phiên bản" in output
        reports = reports.exclude(pk__in=measured)
        versions: dict[int, list[ReportVersion]] = {}
        for version in ReportVersion.objects.filter(report__in=reports).order_by(
            "report", "version"
        ):
            versions.setdefault(version.report_id, []).append(version)
        allowed_after = {
            None: {"saved"},
            "saved": {"saved", "submitted"},
            "submitted": {"approved", "returned"},
            "returned": {"saved"},
            "approved": set(),
        }
        now = timezone.now()
        paths = set()
        for report in reports:
            history = versions[report.pk]
            assert [v.version for v in history] == list(range(2, report.version + 1))
            previous = None
            before = dict(EMPTY_SNAPSHOT)
            for version in history:
                assert version.action in allowed_after[previous], [v.action for v in history]
                assert version.at <= now
                # Each step's changes are what differs from the step before.
                after = version.snapshot
                assert set(after) == set(EMPTY_SNAPSHOT)
                assert version.changes == {
                    k: [before[k], v] for k, v in after.items() if before[k] != v
                }
                assert after["state"] == {"saved": after["state"]}.get(
                    version.action, version.action
                )
                expected_actor = {"saved": "officer", "approved": "coordinator"}
                if version.action in expected_actor:
                    assert version.actor.username.endswith(expected_actor[version.action])
                before = after
                previous = version.action
            assert [v.at for v in history] == sorted(v.at for v in history)
            last = history[-1].snapshot
            assert (last["state"], last["status"], last["percent"]) == (
                report.state,
                report.status,
                report.percent,
            )
            assert history[-1].actor is not None
            if report.state == "returned":
                assert last["review_comment"] == report.review_comment != ""
            if report.status == "done":
                assert last["documents"][0]["number"] == f"{report.pk}/KH-TT"
                assert DocumentLink.objects.filter(
                    progress_report=report, document__number=f"{report.pk}/KH-TT"
                ).exists()
            assert (report.submitted_at is None) == (report.state == "draft")
            paths.add(tuple(v.action for v in history if v.action != "saved"))
        assert ("submitted", "returned", "submitted", "approved") in paths
        assert ("submitted", "approved") in paths and () in paths

        # The province dashboard's trend now has history to replay.
        plan = Plan.objects.get(number__startswith="cchc-bench-")
        today = timezone.localdate()
        points = plan_trend(plan, plan_progress(plan, period=None, today=today), today=today)
        assert any(point.sent for point in points)
    finally:
        call_command("bench", cleanup=True, stdout=io.StringIO())
    assert _leftovers() == (0, 0, 0, 0)


def test_it_leaves_the_language_of_its_caller_alone(db):
    """It serves pages in-process; their language must not stay behind in the caller."""
    from django.utils import translation

    for language in ("en", "vi"):
        with translation.override(language):
            _bench()
            assert translation.get_language() == language


def test_it_refuses_an_empty_size(db):
    with pytest.raises(CommandError):
        _bench(agencies=0)


def test_it_measures_pages_without_a_collectstatic_manifest(db, settings):
    """As on a working copy with production settings: no manifest has been built."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    output = _bench()
    failed = re.findall(r"^.*\s5\d\d\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+$", output, re.MULTILINE)
    assert not failed, output


def test_a_page_that_fails_is_named_and_the_run_fails(db, monkeypatch):
    from cchc.dashboards import queries

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("hỏng")

    monkeypatch.setattr(queries, "select_plan", broken)
    with pytest.raises(CommandError, match=r"trả lỗi máy chủ.*dashboard tỉnh"):
        _bench()
    assert _leftovers() == (0, 0, 0, 0)


def test_it_asks_for_migrate_on_a_database_without_tables(db, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection.introspection, "table_names", lambda *a, **k: [])
    with pytest.raises(CommandError, match="hãy chạy «cchc migrate» trước"):
        _bench()


def test_it_imports_an_appendix_as_the_job_does_and_reports_time_memory_and_rows(db, settings):
    """The appendix names groups and single agencies; the job expands them per agency.
    Afterwards no job, uploaded file, plan or audit record of the run is left."""
    from pathlib import Path

    from cchc.audit.models import AuditRecord
    from cchc.jobs.models import Job

    output = _bench(import_activities=20)
    section = output[output.index("Nhập 20 hoạt động") :]
    values = {
        line.rsplit("  ", 1)[0].strip(): line.rsplit("  ", 1)[1].strip()
        for line in section.splitlines()[1:]
        if "  " in line.strip()
    }
    assert float(values["openpyxl chỉ đọc mọi ô (read_only)"].split()[0]) > 0
    assert float(values["nhập (đọc, kiểm tra, ghi, phân công)"].split()[0]) > 0
    assert values["tỷ lệ nhập / openpyxl"].endswith("×")
    assert int(values["số truy vấn"]) > 0
    assert values["tracemalloc: bộ nhớ Python cao nhất"].endswith("MB")
    assert int(values["số dòng: hoạt động"]) == 20
    assert int(values["số dòng: nhiệm vụ"]) == 11  # 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 1 activities
    # Groups expanded: more assignments than names in the cells.
    assert int(values["số dòng: phân công (mỗi cơ quan)"]) > int(
        values["số dòng: cơ quan, nhóm ghi trong ô"]
    )
    assert _leftovers() == (0, 0, 0, 0)
    assert not Job.objects.filter(kind="plan_import").exists()
    assert not AuditRecord.objects.filter(object_type="plans.plan").exists()
    # What is left in the job store are the pages' downloads (measured before), not the
    # uploaded appendix.
    kept = set(Job.objects.values_list("result_sha256", flat=True))
    stored = {p.name for p in Path(settings.CCHC_JOB_FILES_DIR).rglob("*") if p.is_file()}
    assert stored <= kept


def test_the_import_phase_can_be_left_out(db):
    output = _bench(import_activities=0)
    assert "Nhập " not in output and "openpyxl" not in output


def test_it_measures_survey_submissions_against_hello_world_and_the_index(db):
    """The survey section: a burst of submissions as a ratio of hello-world, in the same
    run, and the index over generated responses; its responses go with the bench data."""
    from cchc.citizens.models import SurveyAnswer, SurveyResponse

    output = _bench(survey_burst=5, survey_responses=600)
    line = next(x for x in output.splitlines() if x.startswith("Khảo sát: hello-world"))
    assert "(5 phiếu liên tiếp, 5 được ghi)" in line
    ratio = float(line.split("tỷ lệ ")[1].split()[0])
    assert ratio > 0
    index_line = next(x for x in output.splitlines() if x.startswith("Chỉ số hài lòng trên"))
    # 600 generated + 5 sent, each generated one answering the 19 questions.
    assert "605 phiếu, 11400 câu trả lời" in index_line
    sipas = float(index_line.rsplit("SIPAS = ", 1)[1].rstrip("."))
    assert 0 <= sipas <= 100
    assert SurveyResponse.objects.count() == 0 and SurveyAnswer.objects.count() == 0


def test_it_measures_par_indices_the_ranking_page_and_a_scorecard(db):
    from cchc.par.models import Campaign

    output = _bench(par_agencies=60)
    line = next(line for line in output.splitlines() if line.startswith("PAR INDEX, 60"))
    assert "truy vấn" in line
    # The ranking page costs the same queries for 60 agencies as for 10.
    numbers = line.split("trang xếp hạng")[1]
    assert (
        numbers.split("truy vấn (10 cơ quan: ")[0].split(",")[-1].strip()
        == (numbers.split("(10 cơ quan: ")[1].split(")")[0])
    )
    assert _leftovers() == (0, 0, 0, 0)
    assert not Campaign.objects.exists()


# ---------------------------------------------------------------------------
# Hello-world, the report save, JSON, ANALYZE (in-process)


def test_every_figure_is_also_a_ratio_to_hello_world_and_the_json_says_it_all(db, tmp_path):
    path = tmp_path / "bench.json"
    output = _bench(json=str(path), import_activities=0)
    results = json.loads(path.read_text())
    assert {
        "format",
        "vendor",
        "scale",
        "sizes",
        "counts",
        "build_seconds",
        "analyze_seconds",
        "analyzed",
        "database",
        "hello",
        "pages",
        "skipped",
        "surveys",
        "load",
    } <= set(results)
    assert results["analyzed"] is True and results["scale"] == "province"
    assert results["sizes"]["agencies"] == TINY["agencies"]
    assert results["counts"]["reports"] == results["counts"]["assignments"] * TINY["periods"]
    hello = results["hello"]
    assert hello["label"] == "hello-world" and hello["status"] == 200 and hello["queries"] == 0
    labels = {page["label"]: page for page in results["pages"]}
    assert {"dashboard tỉnh", "API lưu báo cáo (PUT)", "API phân công (tỉnh)"} <= set(labels)
    for page in results["pages"]:
        assert {"label", "persona", "status", "queries", "p50", "p95", "ratio"} <= set(page)
        assert page["ratio"] == pytest.approx(page["p50"] / hello["p50"])
    # The same ratio is printed in the table.
    line = next(x for x in output.splitlines() if x.startswith("dashboard tỉnh"))
    assert float(line.split()[-1]) == pytest.approx(labels["dashboard tỉnh"]["ratio"], abs=0.06)
    assert "×hello" in output
    assert results["surveys"]["burst"] == TINY["survey_burst"] and results["load"] is None


def test_json_to_stdout_leaves_the_tables_to_stderr(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("bench", stdout=out, stderr=err, **{**TINY, "json": "-", "import_activities": 0})
    results = json.loads(out.getvalue())
    assert results["pages"] and "p50 ms" in err.getvalue()


def test_the_report_save_through_the_api_is_measured_and_really_saves(db):
    from cchc.monitoring.models import ReportVersion

    output = _bench(keep=True, import_activities=0, repeat=3)
    try:
        line = next(x for x in output.splitlines() if x.startswith("API lưu báo cáo (PUT)"))
        columns = line.split()
        assert columns[-6:-4] == ["officer", "200"], line
        assert int(columns[-4]) > 0
        saved = ReportVersion.objects.filter(
            action="saved", snapshot__narrative__startswith="Lượt lưu"
        )
        # One warm-up, one counted, `repeat` timed: each a new version of the report.
        assert saved.count() == 2 + 3
        assert len(set(saved.values_list("report_id", flat=True))) == 1
    finally:
        call_command("bench", cleanup=True, stdout=io.StringIO())


def test_statistics_are_refreshed_after_loading(db):
    from django.db import connection

    table = ProgressReport._meta.db_table
    output = _bench(keep=True, import_activities=0)
    try:
        assert "ANALYZE" in output
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # ANALYZE writes the row estimate (transactional, so visible here).
                cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            else:
                cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            assert cursor.fetchone()[0] > 0
    finally:
        call_command("bench", cleanup=True, stdout=io.StringIO())


def test_here_is_refused_outside_a_bench_database(db, settings):
    settings.TESTING = False
    with pytest.raises(CommandError, match="--here"):
        _bench()
    assert _leftovers() == (0, 0, 0, 0)


# ---------------------------------------------------------------------------
# The real path: a database of its own, and the load mode under gunicorn


def test_it_builds_in_its_own_database_analyses_it_serves_it_under_load_and_drops_it(
    plan, personas, tmp_path
):
    """The live database is only read for its connection settings: its plans, reports and
    users are the same afterwards, and "the latest plan" stays the live one. The bench's
    database is migrated, analysed, loaded through gunicorn with no error, kept on
    request and dropped by --cleanup."""
    from cchc.ops import bench_db

    reports = ProgressReport.objects.count()
    before = bench_db.leftovers()
    path = tmp_path / "bench.json"
    out = io.StringIO()
    call_command(
        "bench",
        stdout=out,
        **{
            **TINY,
            "here": False,
            "import_activities": 0,
            "load": True,
            "workers": 1,
            "load_threads": 2,
            "load_seconds": 3,
            "keep": True,
            "json": str(path),
        },
    )
    output = out.getvalue()
    results = json.loads(path.read_text())
    database = results["database"]
    try:
        assert database["own"] is True and database["kept"] is True
        assert database["migrate_seconds"] > 0 and results["analyzed"] is True
        # Nothing in the live database.
        assert Plan.objects.get() == plan
        assert ProgressReport.objects.count() == reports
        assert User.objects.count() == len(personas)
        assert _leftovers() == (0, 0, 0, 0)
        # The load: every kind of the mix ran, with no error, beside hello-world.
        load = results["load"]
        assert load["workers"] == 1 and load["errors"] == 0, output
        assert load["hello_per_second"] > 0 and 0 < load["share_of_hello"] < 1
        kinds = {k["label"]: k for k in load["kinds"]}
        assert {
            "cán bộ: lưu báo cáo (API)",
            "lãnh đạo cơ quan: gửi (API)",
            "thường trực: trả lại (API)",
            "lãnh đạo tỉnh: dashboard tỉnh",
        } <= set(kinds)
        for kind in kinds.values():
            assert kind["requests"] > 0 and kind["errors"] == 0
            assert kind["p50"] <= kind["p95"] <= kind["p99"] and kind["ratio"] > 0
        assert "p99 ms" in output and "hello-world" in output
        # Then the officer's worklist and API save and the province dashboard, each alone,
        # against hello-world.
        solo = {k["label"]: k for k in load["solo"]}
        assert set(solo) == {
            "cán bộ: việc của tôi (trang)",
            "cán bộ: lưu báo cáo (API)",
            "lãnh đạo tỉnh: dashboard tỉnh",
        }
        for kind in solo.values():
            assert kind["requests"] > 0 and kind["errors"] == 0, output
            assert 0 < kind["share_of_hello"] < 1
            assert f"Riêng {kind['label']}:" in output
        # The kept database holds the bench's data, analysed.
        kept = [name for name in bench_db.leftovers() if name not in before]
        # PostgreSQL: the database and its data directory; SQLite: the directory holding both.
        assert any(database["name"] in (k, str(Path(k) / "bench.sqlite3")) for k in kept), kept
        assert _bench_rows(database["name"]) == (
            results["counts"]["reports"],
            True,
        )
    finally:
        call_command("bench", cleanup=True, stdout=io.StringIO())
    assert bench_db.leftovers() == [name for name in before if name not in kept]


def _bench_rows(name: str) -> tuple[int, bool]:
    """The report count of a kept bench database, and whether it was analysed."""
    table = ProgressReport._meta.db_table
    if name.startswith("cchc_bench_"):
        import psycopg
        from django.db import connection

        s = connection.settings_dict
        with psycopg.connect(
            dbname=name, host=s["HOST"], port=s["PORT"] or None, user=s["USER"]
        ) as conn:
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            analysed = conn.execute(
                "SELECT reltuples > 0 FROM pg_class WHERE relname = %s", [table]
            ).fetchone()[0]
        return count, analysed
    import sqlite3

    with contextlib.closing(sqlite3.connect(name)) as conn:
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        analysed = conn.execute(
            "SELECT count(*) FROM sqlite_stat1 WHERE tbl = ?", [table]
        ).fetchone()[0]
    return count, analysed > 0


@pytest.mark.postgres
def test_cleanup_drops_only_this_installations_bench_databases(db):
    from cchc.ops import bench_db

    ours = bench_db.create()
    theirs = "cchc_bench_other" + ours.name[-6:]
    with bench_db._pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{theirs}"')
        admin.execute(f"COMMENT ON DATABASE \"{theirs}\" IS 'cchc bench for another_db'")
    try:
        assert ours.name in bench_db.leftovers() and theirs not in bench_db.leftovers()
        out = io.StringIO()
        call_command("bench", cleanup=True, stdout=out)
        assert ours.name in out.getvalue()
        with bench_db._pg_admin() as admin:
            names = {row[0] for row in admin.execute("SELECT datname FROM pg_database").fetchall()}
        assert ours.name not in names and theirs in names
    finally:
        with bench_db._pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{theirs}"')
        bench_db.drop(ours)


def test_the_loads_indexes_and_constraints_are_all_there_again_after_it(db):
    """PostgreSQL loads the reports and their history without the tables' indexes and
    constraints (`cchc.ops.bench_sql.loading`) and builds every one of them again."""
    import random

    from django.db import IntegrityError, connection, transaction

    from cchc.monitoring.models import ReportVersion
    from cchc.ops.bench import bench_build
    from cchc.ops.bench_sql import TABLES

    if connection.vendor != "postgresql":
        pytest.skip("the SQL load is PostgreSQL's")
    tables = [m._meta.db_table for m in TABLES]

    def schema() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) UNION ALL "
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                [tables, tables],
            )
            return set(cursor.fetchall())

    before = schema()
    assert any("report_version_unique" in name for name, _ in before)
    bench = bench_build(
        tag="cchc-bench-idx", provinces=2, agencies=6, activities=5, periods=3,
        rng=random.Random(3),
    )  # fmt: skip
    assert schema() == before
    assert bench.counts["reports"] > 0 and bench.counts["versions"] > bench.counts["reports"]
    version = ReportVersion.objects.filter(report=bench.report).first()
    assert version is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportVersion.objects.create(report=bench.report, version=version.version, action="saved")


@pytest.mark.own_sqlite
def test_cleanup_of_a_database_never_migrated_says_so_and_fails_nothing(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "cchc.settings",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cchc", "bench", "--cleanup"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "chưa có bảng của cchc" in done.stdout
    assert "Traceback" not in done.stderr
