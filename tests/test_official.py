"""Official CCHC reports: drafted from the data, written, approved, sent, consolidated,
printed as DOCX / XLSX / PDF."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from openpyxl import load_workbook

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.dashboards.queries import agency_dashboard, province_dashboard, select_plan
from cchc.documents.models import Document
from cchc.jobs.models import Job
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.monitoring.models import ProgressReport as PR
from cchc.official.content import live_content, place_and_date, report_content
from cchc.official.models import NarrativeEdit, OfficialReport, ReportSnapshot, ReportTemplate
from cchc.official.render import soffice_path, write_docx, write_xlsx
from cchc.official.services import (
    OfficialReportConflict,
    OfficialReportError,
    OfficialReportForbidden,
    ReportInput,
    official_report_consolidate,
    official_report_create,
    official_report_move,
    official_report_save,
)
from cchc.plans.models import Plan
from tests import factories
from tests.test_dashboards import send

Status = PR.Status
TODAY = date(2022, 7, 15)
GOLDEN = Path(__file__).parent / "golden" / "official"


@pytest.fixture(autouse=True)
def _demo_day(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CCHC_TODAY = TODAY


@pytest.fixture
def half(plan: Plan) -> ReportingPeriod:
    return ReportingPeriod.objects.get(plan=plan, code="6-thang")


@pytest.fixture
def reported(plan: Plan, personas: dict[str, User], agencies: dict[str, Agency], half) -> None:
    """Agency A: one activity done on time with a narrative, one at 60%, one not done;
    agency B: one at 40%."""
    mine = list(
        Assignment.objects.filter(agency=agencies["a"], activity__plan=plan, role="lead")
        .select_related("agency")
        .order_by("pk")
    )
    theirs = list(
        Assignment.objects.filter(agency=agencies["b"], activity__plan=plan, role="lead")
        .select_related("agency")
        .order_by("pk")
    )
    send(
        mine[0],
        half,
        status=Status.DONE,
        narrative="Đã ban hành Quyết định 15/QĐ-STP về rà soát thủ tục hành chính.",
        completed_on=date(2022, 3, 1),
    )
    send(mine[1], half, status=Status.IN_PROGRESS, percent=60, narrative="Đang lấy ý kiến.")
    send(mine[2], half, status=Status.NOT_DONE, reason="Chưa có hướng dẫn của Trung ương")
    send(theirs[0], half, status=Status.IN_PROGRESS, percent=40)
    Document.objects.create(
        agency=agencies["a"],
        number="15/QĐ-STP",
        issued_on=date(2022, 3, 1),
        summary="Quyết định rà soát thủ tục hành chính",
    )


def _draft(personas, agencies, half) -> OfficialReport:  # type: ignore[no-untyped-def]
    return official_report_create(period=half, agency=agencies["a"], actor=personas["officer_a"])


def _docx_text(data: bytes) -> tuple[Any, str]:
    document = docx.Document(io.BytesIO(data))
    return document, "\n".join(p.text for p in document.paragraphs)


# ---------------------------------------------------------------------------
# Templates and drafting


def test_the_four_default_templates_exist(db: None) -> None:
    kinds = set(ReportTemplate.objects.values_list("kind", flat=True))
    assert kinds == {"quarter", "half_year", "nine_months", "year"}


def test_a_draft_is_prefilled_from_the_progress_reports(personas, agencies, half, reported):
    report = _draft(personas, agencies, half)
    texts = {e.slot: e.text for e in NarrativeEdit.objects.filter(report=report)}
    joined = "\n".join(texts.values())
    assert "Đã ban hành Quyết định 15/QĐ-STP" in joined
    assert "Đang lấy ý kiến." in joined
    # Agency B's narrative is not in agency A's report.
    assert all(e.by is None for e in NarrativeEdit.objects.filter(report=report))


def test_creating_twice_gives_the_same_report(personas, agencies, half):
    first = _draft(personas, agencies, half)
    assert _draft(personas, agencies, half).pk == first.pk


# ---------------------------------------------------------------------------
# Figures match the dashboards to the unit


def test_the_figures_are_the_dashboards_figures(plan, personas, agencies, half, reported):
    from django.http import QueryDict

    report = _draft(personas, agencies, half)
    content = live_content(report, today=TODAY)
    selection = select_plan(QueryDict(f"plan={plan.pk}&period={half.code}"), today=TODAY)
    board = agency_dashboard(selection, agencies["a"])
    annexes = {a["key"]: a for a in content["annexes"]}
    area_rows = annexes["tasks_by_area"]["rows"]
    expected = [
        [v if not isinstance(v, float) else round(v, 1) for v in row]
        for row in board.areas.table.rows
    ]
    assert area_rows == expected
    totals = annexes["timeliness_by_area"]["rows"][-1]
    assert totals[3:] == [row[1] for row in board.timeliness.table.rows]
    assert totals[2] == len(board.items)

    province = official_report_create(period=half, agency=None, actor=personas["coordinator"])
    content = live_content(province, today=TODAY)
    board = province_dashboard(selection, today=TODAY, agency_url=lambda pk: "")
    annexes = {a["key"]: a for a in content["annexes"]}
    assert [r[:2] + r[3:] for r in annexes["tasks_by_area"]["rows"]] == [
        r[:2] + r[3:] for r in board.areas.table.rows
    ]
    totals = annexes["timeliness_by_area"]["rows"][-1]
    assert totals[3:] == [c.count for c in board.timeliness]


def test_documents_issued_in_the_period_are_listed(personas, agencies, half, reported):
    content = live_content(_draft(personas, agencies, half), today=TODAY)
    documents = {a["key"]: a for a in content["annexes"]}["documents_issued"]
    assert documents["rows"] == [
        [1, "15/QĐ-STP", "01/03/2022", "Quyết định rà soát thủ tục hành chính"]
    ]


# ---------------------------------------------------------------------------
# Workflow


def test_the_whole_workflow_to_consolidation(personas, agencies, half, reported):
    report = _draft(personas, agencies, half)
    officer, head, coordinator = personas["officer_a"], personas["head_a"], personas["coordinator"]
    slot = "ket-qua-I"
    report = official_report_save(
        report=report,
        actor=officer,
        data=ReportInput(
            texts={slot: "Kết quả nổi bật của lĩnh vực I.", "chi-dao": "Chỉ đạo sát sao."}
        ),
        expected_version=report.version,
    )
    report = official_report_save(
        report=report,
        actor=officer,
        data=ReportInput(texts={"chi-dao": "Chỉ đạo quyết liệt."}, number="12/BC-STP"),
        expected_version=report.version,
    )
    assert list(
        NarrativeEdit.objects.filter(report=report, slot="chi-dao").values_list("text", flat=True)
    ) == ["Chỉ đạo sát sao.", "Chỉ đạo quyết liệt."]
    with pytest.raises(OfficialReportForbidden):
        official_report_move(report=report, actor=officer, move="approve", expected_version=None)
    with pytest.raises(OfficialReportError):
        official_report_move(report=report, actor=head, move="submit", expected_version=None)
    report = official_report_move(
        report=report, actor=head, move="approve", expected_version=report.version
    )
    assert report.state == "approved"
    with pytest.raises(OfficialReportError):
        official_report_save(
            report=report,
            actor=officer,
            data=ReportInput(texts={"chi-dao": "x"}),
            expected_version=None,
        )
    report = official_report_move(
        report=report, actor=officer, move="submit", expected_version=None
    )
    frozen = report_content(report)
    # Later data does not change a sent report.
    Document.objects.create(agency=agencies["a"], number="99/QĐ-STP", issued_on=date(2022, 4, 1))
    assert report_content(report) == frozen
    with pytest.raises(OfficialReportForbidden):
        official_report_move(report=report, actor=head, move="receive", expected_version=None)
    report = official_report_move(
        report=report, actor=coordinator, move="receive", expected_version=None
    )
    province = official_report_create(period=half, agency=None, actor=coordinator)
    done = official_report_consolidate(report=province, actor=coordinator, expected_version=None)
    assert done.sources == 1
    report.refresh_from_db()
    assert report.state == "consolidated" and report.consolidated_into_id == province.pk
    province_texts = {e.slot: e.text for e in NarrativeEdit.objects.filter(report=province)}
    assert "Sở Tư pháp: Chỉ đạo quyết liệt." in province_texts["chi-dao"]
    assert list(report.snapshots.values_list("version", "state")) == [
        (4, "approved"),
        (5, "submitted"),
        (6, "received"),
        (7, "consolidated"),
    ]
    # Every version still reads as it was.
    assert report_content(report, version=4)["number"] == "Số: 12/BC-STP"


def test_a_stale_version_is_a_conflict(personas, agencies, half):
    report = _draft(personas, agencies, half)
    official_report_save(
        report=report, actor=personas["officer_a"], data=ReportInput(texts={}), expected_version=1
    )
    with pytest.raises(OfficialReportConflict):
        official_report_save(
            report=report,
            actor=personas["head_a"],
            data=ReportInput(texts={"chi-dao": "y"}),
            expected_version=1,
        )


def test_bad_input_changes_nothing(personas, agencies, half):
    report = _draft(personas, agencies, half)
    for data in (
        ReportInput(texts={"khong-co": "x"}),
        ReportInput(texts={"chi-dao": "a\x00b"}),
        ReportInput(texts={}, place=" "),
        ReportInput(texts={}, number="x" * 61),
    ):
        with pytest.raises(OfficialReportError):
            official_report_save(
                report=report, actor=personas["officer_a"], data=data, expected_version=None
            )
    report.refresh_from_db()
    assert report.version == 1 and not report.edits.exclude(by=None).exists()


def test_consolidating_nothing_is_refused(personas, half):
    province = official_report_create(period=half, agency=None, actor=personas["coordinator"])
    with pytest.raises(OfficialReportError):
        official_report_consolidate(
            report=province, actor=personas["coordinator"], expected_version=None
        )


def test_an_officer_cannot_make_the_province_report(personas, half):
    with pytest.raises(OfficialReportForbidden):
        official_report_create(period=half, agency=None, actor=personas["officer_a"])


# ---------------------------------------------------------------------------
# Files


def test_the_docx_has_the_administrative_layout(personas, agencies, half, reported):
    report = _draft(personas, agencies, half)
    content = live_content(report, today=TODAY)
    data = write_docx(content)
    document, text = _docx_text(data)
    header = document.tables[0]
    left = [p.text for p in header.cell(0, 0).paragraphs]
    right = [p.text for p in header.cell(0, 1).paragraphs]
    assert left[0] == "UBND TỈNH THỬ NGHIỆM" and left[1] == "SỞ TƯ PHÁP"
    assert left[-1] == "Số:        /BC-STP"
    assert right[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert right[1] == "Độc lập - Tự do - Hạnh phúc"
    assert right[-1] == "Thử Nghiệm, ngày 15 tháng 6 năm 2022"
    assert "BÁO CÁO" in text
    assert "Kết quả thực hiện công tác cải cách hành chính 6 tháng đầu năm 2022" in text
    assert "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH" in text
    signature = document.tables[-1]
    assert signature.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    assert "GIÁM ĐỐC" in signature.cell(0, 1).text
    fonts = {r.font.name for p in document.paragraphs for r in p.runs if r.font.name}
    assert fonts <= {"Times New Roman"}
    assert document.styles["Normal"].font.name == "Times New Roman"
    sizes = {r.font.size.pt for p in document.paragraphs for r in p.runs if r.font.size}
    assert {13, 14} <= sizes and max(sizes) <= 14
    assert (document.sections[0].left_margin.cm, document.sections[0].page_width.cm) == (
        pytest.approx(3.0, abs=0.01),
        pytest.approx(21.0, abs=0.01),
    )


def test_the_files_are_byte_stable(personas, agencies, half, reported):
    report = _draft(personas, agencies, half)
    first = live_content(report, today=TODAY)
    second = live_content(report, today=TODAY)
    assert write_docx(first) == write_docx(second)
    assert write_xlsx(first) == write_xlsx(second)


def test_table_columns_share_the_width_by_what_they_hold(personas, agencies, half, reported):
    """Each annex table fills the 16 cm text width; the column of names is the widest and
    a column of short figures keeps room for its header's longest word (the tables had
    equal columns: a long name ran to one word a line)."""
    report = _draft(personas, agencies, half)
    document = docx.Document(io.BytesIO(write_docx(live_content(report, today=TODAY))))
    checked = 0
    for table in document.tables[1:-1]:
        widths = [column.width.cm for column in table.columns]
        assert sum(widths) == pytest.approx(16.0, abs=0.1)
        assert min(widths) >= 0.9
        rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
        if not rows:
            continue
        longest = max(range(len(widths)), key=lambda i: max(len(r[i]) for r in rows))
        assert widths[longest] == max(widths), (widths, rows[0])
        assert widths[longest] >= 1.5 * sorted(widths)[len(widths) // 2], widths
        checked += 1
    assert checked >= 3


def test_the_docx_and_xlsx_match_the_golden_files(personas, agencies, half, reported):
    report = _draft(personas, agencies, half)
    content = live_content(report, today=TODAY)
    document, text = _docx_text(write_docx(content))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables[1:-1]]
    golden_text = GOLDEN / "agency-6-thang.txt"
    golden_tables = GOLDEN / "agency-6-thang-tables.txt"
    tables_text = "\n\n".join("\n".join(" | ".join(r) for r in t) for t in tables) + "\n"
    if os.environ.get("CCHC_REGOLD"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden_text.write_text(text + "\n", encoding="utf-8")
        golden_tables.write_text(tables_text, encoding="utf-8")
    assert text + "\n" == golden_text.read_text(encoding="utf-8")
    assert tables_text == golden_tables.read_text(encoding="utf-8")
    workbook = load_workbook(io.BytesIO(write_xlsx(content)))
    assert workbook.sheetnames == [
        "Phụ lục I",
        "Phụ lục II",
        "Phụ lục III",
        "Phụ lục IV",
        "Phụ lục V",
        "Phụ lục VI",
        "Phụ lục VII",
    ]
    sheet = workbook["Phụ lục III"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [str(v) for v in values[6]] == [
        "1",
        "15/QĐ-STP",
        "01/03/2022",
        "Quyết định rà soát thủ tục hành chính",
    ]
    assert sheet["A7"].font.name == "Times New Roman"


def _needs_soffice() -> None:
    if soffice_path() is None or shutil.which("pdftoppm") is None:
        reason = (
            "soffice or pdftoppm is missing: apt-get install libreoffice-writer-nogui poppler-utils"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def test_the_pdf_has_pages_and_vietnamese_text(personas, agencies, half, reported, tmp_path):
    _needs_soffice()
    from cchc.official.render import write_pdf

    report = _draft(personas, agencies, half)
    pdf = write_pdf(live_content(report, today=TODAY))
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    text = " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH" in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert 2 <= len(pages) <= 12
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "Liberation" in fonts or "Times" in fonts


def test_the_pdf_is_byte_stable(personas, agencies, half, reported, tmp_path):
    """Two generations of the same report give the same PDF bytes: LibreOffice's creation
    time, document ID and XMP stamps are normalised away (pikepdf)."""
    _needs_soffice()
    from cchc.official.render import write_pdf

    report = _draft(personas, agencies, half)
    content = live_content(report, today=TODAY)
    first = write_pdf(content)
    second = write_pdf(content)
    assert first == second
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(first)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout
    assert b"Pages:" in info and b"2000" in info.split(b"CreationDate:")[1].split(b"\n")[0]


def test_a_killed_conversion_leaves_nothing_behind_for_long(
    personas, agencies, half, reported, tmp_path, monkeypatch
):
    """A worker killed while LibreOffice converts leaves its folder (the DOCX, a private
    LibreOffice profile of some megabytes); the next generation removes such folders once
    their process is gone and a conversion could no longer be running, and leaves alone
    a folder whose process still lives or that is recent."""
    _needs_soffice()
    import tempfile
    import time

    from cchc.official.render import PDF_TIMEOUT_SECONDS, write_pdf

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = finished.pid
    old = time.time() - PDF_TIMEOUT_SECONDS - 60
    stale = tmp_path / f"cchc-pdf-{dead}-abc"
    recent = tmp_path / f"cchc-pdf-{dead}-def"
    living = tmp_path / f"cchc-pdf-{os.getpid()}-ghi"
    for folder in (stale, recent, living):
        (folder / "profile").mkdir(parents=True)
        (folder / "bao-cao.docx").write_bytes(b"half")
    os.utime(stale, (old, old))
    os.utime(living, (old, old))
    report = _draft(personas, agencies, half)
    assert write_pdf(live_content(report, today=TODAY)).startswith(b"%PDF")
    assert not stale.exists()
    assert recent.exists() and living.exists()
    assert sorted(p.name for p in tmp_path.glob("cchc-pdf-*")) == sorted([recent.name, living.name])


# ---------------------------------------------------------------------------
# Pages, jobs and permissions


def test_an_officer_generates_their_report_as_a_job(login, personas, agencies, half, reported):
    report = _draft(personas, agencies, half)
    client = login("officer_a")
    job = factories.job_of(client.post(f"/bao-cao-dinh-ky/{report.pk}/tai/docx/"))
    assert job.status == Job.Status.DONE and job.subject_type == "agency"
    response = client.get(f"/jobs/{job.pk}/file/")
    data = b"".join(response.streaming_content)
    assert data == write_docx(live_content(report, today=TODAY))


def test_another_agency_sees_nothing(login, personas, agencies, half):
    report = _draft(personas, agencies, half)
    client = login("officer_b")
    assert client.get(f"/bao-cao-dinh-ky/{report.pk}/").status_code == 404
    assert client.post(f"/bao-cao-dinh-ky/{report.pk}/tai/docx/").status_code == 404
    assert (
        client.post(f"/bao-cao-dinh-ky/{report.pk}/luu/", {"slot-chi-dao": "x"}).status_code == 404
    )
    assert "Sở Tư pháp" not in client.get("/bao-cao-dinh-ky/").content.decode()


def test_each_figure_on_the_page_carries_its_column_title(
    login, personas, agencies, half, reported
):
    """On a phone the tables become cards whose cells show their column title (the
    stylesheet reads it from data-label): a figure is never a bare number."""
    import re

    report = _draft(personas, agencies, half)
    page = login("officer_a").get(f"/bao-cao-dinh-ky/{report.pk}/").content.decode()
    cells = re.findall(r"<td( data-label=\"([^\"]*)\")?[^>]*>", page)
    assert cells
    labelled = [label for has, label in cells if has]
    assert len(labelled) >= len(cells) - page.count('class="muted"')
    assert "Hoàn thành đúng hạn" in labelled and "" not in labelled


def test_the_page_edits_and_moves_the_report(login, personas, agencies, half, reported):
    report = _draft(personas, agencies, half)
    client = login("officer_a")
    page = client.get(f"/bao-cao-dinh-ky/{report.pk}/").content.decode()
    assert "Đã ban hành Quyết định 15/QĐ-STP" in page
    response = client.post(
        f"/bao-cao-dinh-ky/{report.pk}/luu/",
        {"version": "1", "slot-chi-dao": "Chỉ đạo kịp thời.", "place": "Đông Hà"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.place == "Đông Hà" and report.version == 2
    assert client.post(f"/bao-cao-dinh-ky/{report.pk}/chuyen/approve/").status_code == 403
    head = login("head_a")
    head.post(f"/bao-cao-dinh-ky/{report.pk}/chuyen/approve/", {"version": "2"})
    report.refresh_from_db()
    assert report.state == "approved"
    page = head.get(f"/bao-cao-dinh-ky/{report.pk}/").content.decode()
    assert "textarea" not in page and "Phiên bản 3" in page
    assert head.get(f"/bao-cao-dinh-ky/{report.pk}/phien-ban/3/").status_code == 200


def test_the_list_shows_what_is_due_with_cut_off_dates(login, personas, agencies, half):
    page = login("officer_a").get("/bao-cao-dinh-ky/").content.decode()
    assert "14/06/2022" in page and "15/06/2022" in page and "Lập báo cáo" in page


def test_place_and_date_follow_the_decree() -> None:
    assert place_and_date("Quảng Trị", date(2022, 2, 5)) == "Quảng Trị, ngày 05 tháng 02 năm 2022"
    assert place_and_date("Quảng Trị", date(2022, 7, 15)) == "Quảng Trị, ngày 15 tháng 7 năm 2022"


def test_snapshots_are_kept_in_the_database(personas, agencies, half):
    report = _draft(personas, agencies, half)
    official_report_move(
        report=report, actor=personas["head_a"], move="approve", expected_version=None
    )
    assert ReportSnapshot.objects.filter(report=report).count() == 1


def test_the_api_lists_gets_generates_and_downloads(login, personas, agencies, half, reported):
    report = _draft(personas, agencies, half)
    client = login("officer_a")
    listed = client.get("/api/official-reports").json()
    assert [r["id"] for r in listed] == [report.pk]
    got = client.get(f"/api/official-reports/{report.pk}").json()
    assert got["content"]["issuer"] == "SỞ TƯ PHÁP" and got["versions"] == []
    assert client.get(f"/api/official-reports/{report.pk}/download?format=xlsx").status_code == 404
    response = client.post(
        f"/api/official-reports/{report.pk}/generate",
        {"format": "xlsx"},
        content_type="application/json",
    )
    assert response.status_code == 202 and response.json()["status"] == "done"
    download = client.get(f"/api/official-reports/{report.pk}/download?format=xlsx")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == write_xlsx(live_content(report, today=TODAY))
    bad = client.post(
        f"/api/official-reports/{report.pk}/generate",
        {"format": "exe"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    other = login("officer_b")
    assert other.get(f"/api/official-reports/{report.pk}").status_code == 404
    assert other.get("/api/official-reports").json() == []
    assert other.get(f"/api/official-reports/{report.pk}/download?format=xlsx").status_code == 404


def test_a_failed_generation_leaves_no_file(login, personas, agencies, half, monkeypatch):
    report = _draft(personas, agencies, half)
    monkeypatch.setattr("cchc.official.render.soffice_path", lambda: None)
    client = login("officer_a")
    job = factories.job_of(client.post(f"/bao-cao-dinh-ky/{report.pk}/tai/pdf/"))
    assert job.status == Job.Status.FAILED and not job.result_sha256
    assert "LibreOffice" in job.errors[0]["text"]
    assert client.get(f"/jobs/{job.pk}/file/").status_code == 404


def test_the_admin_edits_a_template_into_a_new_version(login, personas, agencies, half):
    report = _draft(personas, agencies, half)
    template = report.template
    client = login("admin")
    sections = [
        *template.sections,
        {"title": "Phụ lục thêm", "blocks": ["documents_issued"], "slots": []},
    ]
    response = client.post(
        f"/admin/official/reporttemplate/{template.pk}/change/",
        {
            "kind": template.kind,
            "title": template.title,
            "sections": json.dumps(sections, ensure_ascii=False),
        },
    )
    assert response.status_code == 302
    versions = list(
        ReportTemplate.objects.filter(kind=template.kind).values_list("version", flat=True)
    )
    assert sorted(versions) == [1, 2]
    report.refresh_from_db()
    assert report.template.version == 1  # the report keeps the version it was made from
    bad = client.post(
        f"/admin/official/reporttemplate/{template.pk}/change/",
        {
            "kind": template.kind,
            "title": "x",
            "sections": '[{"title": "A", "blocks": ["khong-co"]}]',
        },
    )
    assert bad.status_code == 200 and "khong-co" in bad.content.decode()
    assert ReportTemplate.objects.filter(kind=template.kind).count() == 2


def test_feedback_indicator_and_par_blocks_say_what_their_pages_say(agencies, half):
    """The report's feedback table counts what `feedback_stats` counts for the period; the
    indicator table shows the latest value to the period's end; a PAR result published
    after the period's end is not in it."""
    from datetime import datetime
    from decimal import Decimal

    from django.utils import timezone

    from cchc.citizens.models import Feedback, FeedbackType, Indicator, Measurement
    from cchc.official.blocks import BLOCKS

    kind = FeedbackType.objects.get(code="phan-anh")
    received = timezone.make_aware(datetime(2022, 3, 1, 9))

    def item(code: str, status: str, answered: date | None, due: date) -> None:
        Feedback.objects.create(
            code=code,
            type=kind,
            regulation="Thủ tục chứng thực",
            content="Nội dung",
            sender_name="Người gửi",
            status=status,
            received_at=received,
            received_on=received.date(),
            due_on=due,
            agency=agencies["a"],
            answered_on=answered,
        )

    item("AAAAA11111", "published", date(2022, 3, 5), date(2022, 3, 15))  # on time
    item("AAAAA22222", "answered", date(2022, 4, 5), date(2022, 3, 15))  # late
    item("AAAAA33333", "routed", None, date(2022, 3, 15))  # open, overdue
    Feedback.objects.create(  # another agency's: not in A's report
        code="BBBBB11111",
        type=kind,
        regulation="Khác",
        content="Khác",
        sender_name="Khác",
        status="routed",
        received_at=received,
        received_on=received.date(),
        due_on=date(2022, 3, 15),
        agency=agencies["b"],
    )
    table = BLOCKS["feedback_stats"].compute(agencies["a"], half, {})
    counts = {row[1]: row[2] for row in table.rows}
    assert counts == {
        "Tiếp nhận trong kỳ": 3,
        "Đã trả lời": 2,
        "Trả lời đúng hạn": 1,
        "Từ chối tiếp nhận": 0,
        "Chưa trả lời": 1,
        "Quá hạn chưa trả lời": 1,
    }
    province = BLOCKS["feedback_stats"].compute(None, half, {})
    assert province.rows[0][2] == 4

    indicator = Indicator.objects.create(
        code="truc-tuyen",
        name="Tỷ lệ hồ sơ trực tuyến",
        unit="%",
        baseline_year=2021,
        baseline_value=Decimal(20),
        target_value=Decimal(50),
        due_on=date(2022, 12, 31),
        agency=agencies["a"],
    )
    end = half.ends_on
    for day, value in (
        (end - timedelta(days=60), "30"),
        (end, "41.2"),
        (end + timedelta(days=1), "49"),
    ):
        Measurement.objects.create(
            indicator=indicator, period="Quý", measured_on=day, value=Decimal(value), source="Thử"
        )
    rows = BLOCKS["indicator_values"].compute(agencies["a"], half, {}).rows
    assert [r[1:5] for r in rows] == [
        ["Tỷ lệ hồ sơ trực tuyến", "50 %", "41,2 %", end.strftime("%d/%m/%Y")]
    ]
    assert BLOCKS["indicator_values"].compute(agencies["b"], half, {}).rows == []
    assert BLOCKS["par_results"].compute(agencies["a"], half, {}).rows == []
