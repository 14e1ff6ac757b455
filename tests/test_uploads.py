"""Uploads are judged by their bytes, and stored files are written atomically and served
only as downloads."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cchc.files.models import StoredFile
from cchc.lib import storage
from cchc.lib.uploads import (
    EVIDENCE_KINDS,
    PLAN_KINDS,
    UploadRejected,
    check_upload,
    safe_filename,
)
from cchc.plans.formats import write_docx, write_xlsx
from tests.factories import synthetic_document

MB = 1024 * 1024
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24


def check(name: str, data: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("allowed", EVIDENCE_KINDS)
    kwargs.setdefault("max_bytes", 5 * MB)
    return check_upload(name, data, **kwargs)


@pytest.fixture(scope="module")
def docx() -> bytes:
    return write_docx(synthetic_document(3))


@pytest.fixture(scope="module")
def xlsx() -> bytes:
    return write_xlsx(synthetic_document(3))


@pytest.mark.parametrize(
    ("data", "kind", "content_type"),
    [
        (PDF, "pdf", "application/pdf"),
        (PNG, "png", "image/png"),
        (JPEG, "jpeg", "image/jpeg"),
        (WEBP, "webp", "image/webp"),
    ],
)
def test_it_recognises_a_file_by_its_content(data: bytes, kind: str, content_type: str) -> None:
    checked = check("tệp không có đuôi", data)
    assert (checked.kind, checked.content_type) == (kind, content_type)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.size == len(data)
    assert checked.safe_name == f"tệp không có đuôi.{checked.extension}"


def test_it_recognises_word_and_excel_by_their_parts(docx: bytes, xlsx: bytes) -> None:
    assert check("bao-cao.xlsx", docx).kind == "docx"  # the name lies; the parts do not
    assert check("bao-cao.docx", xlsx).kind == "xlsx"
    assert check("bao-cao.xlsx", docx).safe_name == "bao-cao.docx"


def test_it_reads_an_uploaded_file_and_rewinds_it() -> None:
    upload = SimpleUploadedFile("minh-chung.pdf", PDF, content_type="application/pdf")
    checked = check(upload.name, upload, declared_type=upload.content_type)
    assert checked.kind == "pdf"
    assert upload.read() == PDF


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00" + b"\x00" * 60,
        b"\x7fELF\x02\x01\x01" + b"\x00" * 40,
        b"#!/bin/sh\nrm -rf /\n",
        b"\xcf\xfa\xed\xfe" + b"\x00" * 28,
    ],
    ids=["windows", "linux", "script", "macos"],
)
def test_it_refuses_a_renamed_executable(data: bytes) -> None:
    with pytest.raises(UploadRejected, match="chương trình chạy được") as raised:
        check("bao-cao-quy-1.pdf", data)
    assert raised.value.code == "executable"


def test_a_rejection_is_a_validation_error_forms_can_show() -> None:
    with pytest.raises(ValidationError):
        check("a.pdf", b"<html><script>alert(1)</script></html>")


def test_it_refuses_html_and_text_whatever_the_name() -> None:
    for data in (b"<!doctype html><p>hi", b"<svg onload=alert(1)>", b"plain text"):
        with pytest.raises(UploadRejected) as raised:
            check("anh.png", data)
        assert raised.value.code == "type"


def test_it_refuses_a_kind_that_is_not_allowed_here() -> None:
    with pytest.raises(UploadRejected, match="DOCX, JSON, XLSX"):
        check("ke-hoach.pdf", PDF, allowed=PLAN_KINDS)


def test_it_refuses_an_oversized_file_before_reading_it() -> None:
    class Huge(io.BytesIO):
        size = 50 * MB

        def read(self, *args: Any) -> bytes:
            raise AssertionError("read an oversized file")

    with pytest.raises(UploadRejected, match="quá lớn") as raised:
        check("to.pdf", Huge(), max_bytes=10 * MB)
    assert raised.value.code == "too_big"


def test_it_refuses_an_oversized_stream_without_reading_it_all() -> None:
    stream = io.BytesIO(PDF + b"0" * (3 * MB))
    with pytest.raises(UploadRejected, match="quá lớn"):
        check("to.pdf", stream, max_bytes=MB)
    assert stream.tell() <= MB + 256 * 1024


def test_it_refuses_an_empty_file() -> None:
    with pytest.raises(UploadRejected, match="rỗng"):
        check("trong.pdf", b"")


def test_it_refuses_a_mismatched_declared_type(docx: bytes) -> None:
    with pytest.raises(UploadRejected, match="được khai là text/html") as raised:
        check("a.pdf", PDF, declared_type="text/html")
    assert raised.value.code == "declared_type"
    # Saying nothing precise, or a generic zip for an Office file, is not a lie.
    assert check("a.pdf", PDF, declared_type="application/octet-stream").kind == "pdf"
    assert check("a.docx", docx, declared_type="application/zip").kind == "docx"
    assert check("a.pdf", PDF, declared_type="application/pdf; charset=binary").kind == "pdf"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES_DOCX = (
    b'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)


def test_it_refuses_a_zip_bomb_posing_as_a_docx_before_decompressing_it() -> None:
    bomb = _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES_DOCX,
            "word/document.xml": b"<w/>",
            "word/media/huge.bin": b"\x00" * (300 * MB),
        }
    )
    assert len(bomb) < MB
    with pytest.raises(UploadRejected, match=r"giải nén ra quá lớn .*zip bomb") as raised:
        check("bao-cao.docx", bomb)
    assert raised.value.code == "zip_bomb"


def test_it_refuses_a_zip_with_too_many_members() -> None:
    many = _zip(
        {"[Content_Types].xml": CONTENT_TYPES_DOCX, "word/document.xml": b"<w/>"}
        | {f"word/x{i}.xml": b"" for i in range(5001)}
    )
    with pytest.raises(UploadRejected, match="quá nhiều thành phần") as raised:
        check("bao-cao.docx", many)
    assert raised.value.code == "zip_bomb"


def test_it_refuses_a_macro_enabled_office_file() -> None:
    macro_types = CONTENT_TYPES_DOCX.replace(b"document.main", b"document.macroEnabled.main")
    docm = _zip(
        {
            "[Content_Types].xml": macro_types,
            "word/document.xml": b"<w/>",
            "word/vbaProject.bin": b"\x00",
        }
    )
    with pytest.raises(UploadRejected, match="macro"):
        check("bao-cao.docx", docm)


def test_a_plain_zip_is_not_an_office_file() -> None:
    with pytest.raises(UploadRejected) as raised:
        check("bao-cao.docx", _zip({"a.txt": b"hi"}))
    assert raised.value.code == "type"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\Windows\\system32\\cmd.exe", "cmd.pdf"),
        ("báo cáo\x00\x1b[31m quý I.pdf", "báo cáo[31m quý I.pdf"),
        ("tai-lieu\u202efdp.exe", "tai-lieufdp.pdf"),
        ("  ...  ", "tep.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ('a<b>c:"d"|e?.pdf', "a_b_c__d__e_.pdf"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),
        ("x" * 400 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_it_makes_a_safe_name(name: str, safe: str) -> None:
    assert safe_filename(name, "pdf") == safe


# ---------------------------------------------------------------------------
# Storage


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "files"
    return Path(settings.MEDIA_ROOT)


def test_it_stores_bytes_under_their_hash_once(db: None, media: Path) -> None:
    first = storage.store(PDF, content_type="application/pdf")
    second = storage.store(io.BytesIO(PDF), content_type="application/pdf")
    sha = hashlib.sha256(PDF).hexdigest()
    assert first.pk == second.pk
    assert first.sha256 == sha and first.size == len(PDF)
    assert (media / sha[:2] / sha[2:4] / sha).read_bytes() == PDF
    assert StoredFile.objects.count() == 1
    assert [name for name, _path in storage.iter_stored()] == [sha]
    assert list((media / ".tmp").iterdir()) == []
    assert storage.verify(sha)


def test_a_failed_write_leaves_no_file_behind(db: None, media: Path) -> None:
    def broken() -> Any:
        yield b"%PDF-1.7 half of a file"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        storage.store(broken(), content_type="application/pdf")
    assert list(storage.iter_stored()) == []
    assert list((media / ".tmp").iterdir()) == []
    assert StoredFile.objects.count() == 0


def test_verify_notices_a_file_changed_on_disk(db: None, media: Path) -> None:
    stored = storage.store(PDF, content_type="application/pdf")
    storage.path_for(stored.sha256).write_bytes(PDF + b"tampered")
    assert not storage.verify(stored.sha256)


def test_it_serves_a_file_as_an_attachment_with_its_vietnamese_name(db: None, media: Path) -> None:
    stored = storage.store(PDF, content_type="application/pdf")
    response = storage.file_response(stored, "Báo cáo quý I.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Bao cao quy I.pdf"; '
        "filename*=utf-8''B%C3%A1o%20c%C3%A1o%20qu%C3%BD%20I.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "declared",
    ["text/html", "text/html; charset=utf-8", "image/svg+xml", "application/xhtml+xml", ""],
)
def test_it_never_serves_html_inline(db: None, media: Path, declared: str) -> None:
    stored = storage.store(b"<script>alert(1)</script>", content_type=declared)
    response = storage.file_response(stored, 'x".html')
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert '\\"' not in response["Content-Disposition"].split(";")[1]
