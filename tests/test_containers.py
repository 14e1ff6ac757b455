"""One checker for every zip container: evidence uploads and plan imports refuse the same
dangerous archives, from their directory or their raw bytes, before a parser sees them."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from cchc.lib.containers import ContainerRejected, inspect_zip, open_zip, refuse_dtd
from cchc.lib.uploads import EVIDENCE_KINDS, PLAN_KINDS, UploadRejected, check_upload
from cchc.plans.formats import read_docx, read_xlsx, write_docx, write_xlsx
from cchc.plans.formats.xlsx import reader as xlsx_reader
from cchc.plans.interchange import PlanImportError
from tests.factories import synthetic_document

XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'


def _rewrite(data: bytes, name: str, change: Any, compression: int | None = None) -> bytes:
    """The same package with member `name` changed (and all stored with `compression`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == name:
                body = change(body)
            target.writestr(info.filename, body, compress_type=compression or info.compress_type)
    return out.getvalue()


def _with_dtd(body: bytes) -> bytes:
    return XXE + (body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body)


@pytest.fixture(scope="module")
def xlsx() -> bytes:
    return write_xlsx(synthetic_document(2))


@pytest.fixture(scope="module")
def docx() -> bytes:
    return write_docx(synthetic_document(2))


def _plan_issue(reader: Any, data: bytes) -> str:
    with pytest.raises(PlanImportError) as caught:
        reader(data)
    assert len(caught.value.issues) == 1
    return caught.value.issues[0].message


def test_a_workbook_declaring_an_entity_never_reaches_openpyxl(
    xlsx: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not parse a DTD")

    monkeypatch.setattr(xlsx_reader, "load_workbook", never)
    bad = _rewrite(xlsx, "xl/worksheets/sheet1.xml", _with_dtd)
    message = _plan_issue(read_xlsx, bad)
    assert message.startswith("Thành phần «xl/worksheets/sheet1.xml» khai báo DTD")


def test_a_word_document_declaring_an_entity_is_refused(docx: bytes) -> None:
    bad = _rewrite(docx, "word/document.xml", _with_dtd)
    assert "khai báo DTD hoặc thực thể XML" in _plan_issue(read_docx, bad)
    # A clean document still reads.
    assert read_docx(docx).areas


def test_a_dtd_split_across_inflated_blocks_is_still_found(xlsx: bytes) -> None:
    # 1 MB of whitespace puts "<!DOCTYPE" across the first read boundary.
    padded = _rewrite(
        xlsx,
        "xl/workbook.xml",
        lambda body: b'<?xml version="1.0"?>' + b" " * ((1 << 20) - 24) + XXE[22:] + b"<x/>",
    )
    archive = open_zip(padded)
    assert archive is not None
    with pytest.raises(ContainerRejected) as caught:
        refuse_dtd(archive)
    assert caught.value.code == "dtd"


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_compression_office_never_writes_is_refused_by_upload_and_import(
    xlsx: bytes, docx: bytes, method: int
) -> None:
    odd_xlsx = _rewrite(xlsx, "", bytes, compression=method)
    odd_docx = _rewrite(docx, "", bytes, compression=method)
    assert "kiểu nén không được hỗ trợ" in _plan_issue(read_xlsx, odd_xlsx)
    assert "kiểu nén không được hỗ trợ" in _plan_issue(read_docx, odd_docx)
    for data, allowed in ((odd_xlsx, PLAN_KINDS), (odd_docx, EVIDENCE_KINDS)):
        with pytest.raises(UploadRejected, match="kiểu nén không được hỗ trợ") as raised:
            check_upload("bao-cao.docx", data, allowed=allowed, max_bytes=10 << 20)
        assert raised.value.code == "compression"


def _encrypted(data: bytes) -> bytes:
    """Set the "encrypted" flag on every member, as an encrypting tool would."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        while at != -1:
            raw[at + offset] |= 0x1
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_an_encrypted_upload_gets_a_clear_refusal_not_a_server_error(docx: bytes) -> None:
    with pytest.raises(UploadRejected, match="mã hoá") as raised:
        check_upload("bao-cao.docx", _encrypted(docx), allowed=EVIDENCE_KINDS, max_bytes=10 << 20)
    assert raised.value.code == "encrypted"


def test_a_damaged_member_is_reported_as_a_damaged_file(xlsx: bytes) -> None:
    raw = bytearray(xlsx)
    # Flip bytes inside the first member's deflated data.
    start = raw.find(b"PK\x03\x04") + 30 + int.from_bytes(raw[26:28], "little") + 4
    raw[start : start + 8] = bytes(8)
    message = _plan_issue(read_xlsx, bytes(raw))
    assert "bị hỏng" in message


def test_uploads_and_imports_share_one_set_of_limits(docx: bytes) -> None:
    many = _rewrite(docx, "", bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(many)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for index in range(5001):
            target.writestr(f"word/x{index}.xml", b"")
    data = out.getvalue()
    issue = _plan_issue(read_docx, data)
    with pytest.raises(UploadRejected) as raised:
        check_upload("bao-cao.docx", data, allowed=EVIDENCE_KINDS, max_bytes=10 << 20)
    # The same words whichever way the file arrives.
    assert raised.value.messages == [issue]
    assert issue.startswith("Tệp nén chứa quá nhiều thành phần")
    archive = open_zip(data)
    assert archive is not None
    with pytest.raises(ContainerRejected) as caught:
        inspect_zip(archive)
    assert caught.value.is_bomb


# --- Macros: judged by what the package declares, not by what its parts are called ------

VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _add_member(data: bytes, name: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _relate_vba(rels: bytes, target: str, rel_type: str = VBA_REL) -> bytes:
    relation = f'<Relationship Id="rIdX" Type="{rel_type}" Target="{target}"/>'
    return rels.replace(b"</Relationships>", relation.encode() + b"</Relationships>")


def _vba_renamed_in_relationships_only(xlsx: bytes, rel_type: str = VBA_REL) -> bytes:
    """A VBA project stored as "xl/styles2.dat", declared only by the workbook's
    relationships: no "vbaProject" in any part name or in [Content_Types].xml."""
    data = _add_member(xlsx, "xl/styles2.dat", b"\xd0\xcf\x11\xe0 fake VBA project")
    return _rewrite(
        data, "xl/_rels/workbook.xml.rels", lambda r: _relate_vba(r, "styles2.dat", rel_type)
    )


def _assert_macro_refused_everywhere(data: bytes) -> None:
    assert "có chứa macro" in _plan_issue(read_xlsx, data)
    with pytest.raises(UploadRejected, match="có chứa macro") as raised:
        check_upload("ke-hoach.xlsx", data, allowed=PLAN_KINDS, max_bytes=10 << 20)
    assert raised.value.code == "macro"
    with pytest.raises(UploadRejected, match="có chứa macro"):
        check_upload("minh-chung.xlsx", data, allowed=EVIDENCE_KINDS, max_bytes=10 << 20)


def test_a_clean_workbook_is_not_taken_for_a_macro_one(xlsx: bytes) -> None:
    assert read_xlsx(xlsx).areas
    checked = check_upload("ke-hoach.xlsx", xlsx, allowed=PLAN_KINDS, max_bytes=10 << 20)
    assert checked.kind == "xlsx"


def test_a_renamed_vba_project_declared_only_in_the_relationships_is_refused(
    xlsx: bytes,
) -> None:
    data = _vba_renamed_in_relationships_only(xlsx)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not any("vba" in name.lower() for name in archive.namelist())
        assert b"vbaProject" not in archive.read("[Content_Types].xml")
    _assert_macro_refused_everywhere(data)


def test_a_vba_project_declared_by_content_type_under_another_name_is_refused(
    xlsx: bytes,
) -> None:
    override = f'<Override PartName="/xl/theme/theme9.xml" ContentType="{VBA_TYPE}"/>'
    data = _add_member(xlsx, "xl/theme/theme9.xml", b"\xd0\xcf\x11\xe0 fake VBA project")
    data = _rewrite(
        data,
        "[Content_Types].xml",
        lambda t: t.replace(b"</Types>", override.encode() + b"</Types>"),
    )
    _assert_macro_refused_everywhere(data)


def test_a_macro_enabled_workbook_saved_under_xlsx_is_refused(xlsx: bytes) -> None:
    data = _rewrite(
        xlsx,
        "[Content_Types].xml",
        lambda t: t.replace(XLSX_MAIN_TYPE.encode(), XLSM_MAIN.encode()),
    )
    _assert_macro_refused_everywhere(data)


def test_an_excel_4_macro_sheet_is_refused(xlsx: bytes) -> None:
    rel = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
    data = _vba_renamed_in_relationships_only(xlsx, rel_type=rel)
    _assert_macro_refused_everywhere(data)


@pytest.mark.parametrize(
    "disguise",
    [
        pytest.param(lambda rels: rels.replace(b"vbaProject", b"VBAPROJECT"), id="case"),
        pytest.param(lambda rels: rels.replace(b"vbaProject", b"vba&#x50;roject"), id="charref"),
        pytest.param(
            lambda rels: (
                b"\xff\xfe" + rels.decode("utf-8").replace("UTF-8", "UTF-16").encode("utf-16-le")
            ),
            id="utf16",
        ),
    ],
)
def test_a_vba_relationship_cannot_hide_behind_encoding(xlsx: bytes, disguise: Any) -> None:
    data = _vba_renamed_in_relationships_only(xlsx)
    data = _rewrite(data, "xl/_rels/workbook.xml.rels", disguise)
    _assert_macro_refused_everywhere(data)
