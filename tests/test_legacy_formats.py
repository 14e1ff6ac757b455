"""Word 97–2003 (.doc) and Excel 97–2003 (.xls) appendices, converted by LibreOffice.

The two files in tests/golden/legacy are the appendix of tests/test_formats_around.py
(`BODY`), saved by LibreOffice in the old formats. Reading them needs LibreOffice (Writer
and Calc): skipped with the reason where it is missing, a failure under CI=true.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import olefile
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cchc.jobs.models import Job
from cchc.lib.containers import OLE2_MAGIC
from cchc.lib.libreoffice import soffice_path
from cchc.plans.formats import detect_format, read_doc, read_xls
from cchc.plans.interchange import PlanImportError
from cchc.plans.models import Plan
from tests.test_formats_around import EXPECTED, shape

LEGACY = Path(__file__).resolve().parent / "golden" / "legacy"
DOC = (LEGACY / "phu-luc.doc").read_bytes()
XLS = (LEGACY / "phu-luc.xls").read_bytes()


@pytest.fixture
def soffice() -> None:
    if soffice_path() is None:
        reason = (
            "soffice is missing: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def no_soffice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cchc.lib.libreoffice.soffice_path", lambda: None)
    monkeypatch.setattr("cchc.plans.formats.legacy.soffice_path", lambda: None)


def test_the_fixtures_are_old_office_files_not_renamed_new_ones() -> None:
    for data, stream in ((DOC, "WordDocument"), (XLS, "Workbook")):
        assert data.startswith(OLE2_MAGIC)
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            assert ole.exists(stream)


@pytest.mark.parametrize(
    ("data", "reader", "kind"), [(DOC, read_doc, "doc"), (XLS, read_xls, "xls")]
)
def test_an_old_word_or_excel_appendix_reads_as_its_newer_format(soffice, data, reader, kind):
    assert detect_format(f"phu-luc.{kind}", data) == kind
    plan = reader(data)
    assert shape(plan) == EXPECTED
    activity = plan.areas[1].tasks[0].activities[0]
    assert (activity.lead, activity.cooperating, activity.deadline) == (
        ["Sở Tư pháp"],
        ["Sở Nội vụ"],
        "Quý III",
    )
    # The import says the file was converted.
    assert "đã được LibreOffice chuyển sang" in str(plan.warnings[0])


def test_the_format_is_told_by_the_bytes_not_the_name(soffice):
    assert detect_format("phu-luc.xlsx", DOC) == "doc"
    assert detect_format("phu-luc.docx", XLS) == "xls"


@pytest.mark.django_db
def test_the_command_line_imports_an_old_file_and_prints_the_warning(soffice, agencies, tmp_path):
    source = tmp_path / "ke-hoach.doc"
    source.write_bytes(DOC)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_plan", str(source), "--year", "2023", stdout=out, stderr=err)
    assert "Lưu ý: Tệp ở định dạng cũ (.doc) đã được LibreOffice" in err.getvalue()
    assert "Đã nhập kế hoạch" in out.getvalue()
    plan = Plan.objects.get()
    assert plan.activities.count() == 3


@pytest.mark.django_db
def test_the_import_page_takes_an_old_file_and_its_job_shows_the_warning(soffice, client, personas):
    client.force_login(personas["coordinator"])
    upload = SimpleUploadedFile("ke-hoach.xls", XLS, content_type="application/vnd.ms-excel")
    response = client.post(reverse("plan_import"), {"file": upload, "year": 2023})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "done", job.errors
    page = client.get(response["Location"]).content.decode()
    assert "LibreOffice chuyển sang .xlsx" in page
    assert Plan.objects.get().activities.count() == 3


def test_without_libreoffice_an_old_file_is_refused_in_vietnamese(no_soffice):
    with pytest.raises(PlanImportError) as caught:
        detect_format("ke-hoach.doc", DOC)
    (issue,) = caught.value.issues
    assert "«ke-hoach.doc» ở định dạng cũ (.doc)" in str(issue)
    assert "chưa cài LibreOffice" in str(issue) and "lưu lại thành .docx" in str(issue)
    with pytest.raises(PlanImportError) as caught:
        read_xls(XLS)
    # The bytes alone carry no name: the message names none rather than a made-up one.
    message = str(caught.value.issues[0])
    assert "Tệp ở định dạng cũ (.xls)" in message and "chưa cài LibreOffice" in message
    assert "«" not in message


@pytest.mark.django_db
def test_without_libreoffice_the_command_line_changes_nothing(no_soffice, agencies, tmp_path):
    source = tmp_path / "ke-hoach.xls"
    source.write_bytes(XLS)
    with pytest.raises(CommandError, match="Dữ liệu không thay đổi"):
        call_command("import_plan", str(source), "--year", "2023", stdout=io.StringIO())
    assert not Plan.objects.exists()


def test_a_damaged_old_file_is_refused_without_a_traceback(soffice):
    # The compound file's directory is cut off: not an old Word file that can be read.
    damaged = DOC[:1024]
    with pytest.raises(PlanImportError) as caught:
        detect_format("hong.doc", damaged)
    assert "định dạng cũ" in str(caught.value.issues[0])


def test_an_old_file_whose_document_is_garbage_is_refused_in_vietnamese(soffice):
    # The compound file's directory is whole and names the Word stream; the stream's
    # header (the FIB) is garbage: LibreOffice makes no table of it, or no file at all.
    with olefile.OleFileIO(io.BytesIO(DOC)) as ole:
        entry = ole.direntries[ole._find("WordDocument")]
        offset = (entry.isectStart + 1) * ole.sectorsize
    broken = bytearray(DOC)
    broken[offset : offset + 1024] = b"\xff" * 1024
    data = bytes(broken)
    assert detect_format("hong.doc", data) == "doc"
    with pytest.raises(PlanImportError) as caught:
        read_doc(data)
    message = str(caught.value.issues[0])
    assert "LibreOffice không chuyển được" in message or "Không tìm thấy bảng phụ lục" in message


def test_a_password_protected_new_office_file_is_still_told_apart(soffice):
    # Office wraps an encrypted .docx/.xlsx in a compound file with an EncryptedPackage.
    from cchc.plans.formats.legacy import ole_kind

    assert ole_kind(DOC) == "doc" and ole_kind(XLS) == "xls"
    assert ole_kind(b"PK\x03\x04") is None
    assert ole_kind(OLE2_MAGIC + b"\0" * 600) is None
