"""`cchc bench` at a tiny size, so that it cannot rot: it measures, then leaves no trace."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q

from cchc.accounts.models import User
from cchc.agencies.models import Agency, AgencyGroup
from cchc.monitoring.models import ProgressReport
from cchc.plans.models import Plan

TINY = {
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
        assert columns[-4] == "200", lines[label]  # status
        assert int(columns[-3]) > 0  # queries
        assert float(columns[-2]) > 0 and float(columns[-1]) >= float(columns[-2])


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
        versions: dict[int, list[ReportVersion]] = {}
        for version in ReportVersion.objects.filter(report__in=reports).order_by(
            "report", "version"
        ):
            versions.setdefault(version.report_id, []).append(version)
        assert f"{sum(map(len, versions.values()))} phiên bản" in output
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
            for version in history:
                assert version.action in allowed_after[previous], [v.action for v in history]
                assert version.at <= now
                previous = version.action
            assert [v.at for v in history] == sorted(v.at for v in history)
            last = history[-1].snapshot
            assert (last["state"], last["status"], last["percent"]) == (
                report.state,
                report.status,
                report.percent,
            )
            assert history[-1].actor is not None
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
    failed = re.findall(r"^.*\s5\d\d\s+\d+\s+[\d.]+\s+[\d.]+$", output, re.MULTILINE)
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
