"""Checks on an uploaded Office file and the problems they report.

The zip container is inspected before any XML library sees it; the messages here are the
ones the reader and the DOCX module raise about the table as a whole.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from django.utils.translation import gettext as _

from cchc.plans.formats.xlsx.layout import (
    COLUMN_TITLES,
    DOCX_MARKER,
    FIELDS,
    HEADER_SEARCH_ROWS,
    MAX_CELL_CHARS,
    MAX_COMPRESSION_RATIO,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_MEMBERS,
    OLE2_MAGIC,
    RATIO_CHECK_MIN_BYTES,
    XLSX_MARKER,
)
from cchc.plans.interchange import (
    ImportIssue,
    Location,
)

# --- Zip containers ------------------------------------------------------------------------


def _issue(message: str, location: Location | None = None) -> ImportIssue:
    return ImportIssue(location or Location(), message)


def zip_names(data: bytes) -> set[str] | None:
    """Member names of a zip archive, or None when `data` is not one. Reads no members."""
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return {info.filename for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None


def check_container(data: bytes, marker: str) -> list[ImportIssue]:
    """Problems that make a file unsafe or impossible to open as an Office package.

    Runs before openpyxl or python-docx sees the bytes: a zip bomb must be refused from its
    directory, never inflated.
    """
    expected = _("bảng tính Excel (.xlsx)") if marker == XLSX_MARKER else _("văn bản Word (.docx)")
    if not data:
        return [_issue(_("Tệp rỗng, không có nội dung."))]
    if data.startswith(OLE2_MAGIC):
        return [
            _issue(
                _(
                    "Tệp được đặt mật khẩu hoặc ở định dạng cũ (.xls, .doc). Hãy gỡ mật khẩu "
                    "và lưu lại thành %(expected)s rồi tải lên lại."
                )
                % {"expected": expected}
            )
        ]
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return [
            _issue(
                _("Tệp không phải là %(expected)s: nội dung không đúng định dạng hoặc bị hỏng.")
                % {"expected": expected}
            )
        ]
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if len(infos) > MAX_ZIP_MEMBERS:
            return [
                _issue(
                    _("Tệp nén chứa quá nhiều thành phần (%(count)s); không thể đọc an toàn.")
                    % {"count": len(infos)}
                )
            ]
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            return [
                _issue(
                    _(
                        "Tệp giải nén ra quá lớn (%(size)s MB, tối đa %(limit)s MB); "
                        "có thể là tệp độc hại (zip bomb)."
                    )
                    % {
                        "size": total // (1024 * 1024),
                        "limit": MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
                    }
                )
            ]
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
                return [
                    _issue(
                        _(
                            "Thành phần «%(name)s» có tỉ lệ nén bất thường (%(ratio)s lần); "
                            "có thể là tệp độc hại (zip bomb)."
                        )
                        % {"name": info.filename, "ratio": int(ratio)}
                    )
                ]
        if any(info.flag_bits & 0x1 for info in infos):
            return [_issue(_("Tệp được mã hoá (đặt mật khẩu); hãy gỡ mật khẩu rồi tải lên lại."))]
    if marker not in names:
        if XLSX_MARKER in names:
            found = _("bảng tính Excel (.xlsx)")
        elif DOCX_MARKER in names:
            found = _("văn bản Word (.docx)")
        else:
            found = ""
        if found:
            message = _("Tệp này là %(found)s, không phải %(expected)s.") % {
                "found": found,
                "expected": expected,
            }
        else:
            message = _("Tệp nén này không phải là %(expected)s.") % {"expected": expected}
        return [_issue(message)]
    return []


def header_not_found(sheet: str) -> ImportIssue:
    titles = ", ".join(COLUMN_TITLES[name] for name in FIELDS)
    return _issue(
        _(
            "Không tìm thấy dòng tiêu đề của bảng phụ lục trong %(limit)s dòng đầu; "
            "bảng cần có các cột: %(titles)s."
        )
        % {"limit": HEADER_SEARCH_ROWS, "titles": titles},
        Location(sheet=sheet),
    )


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def too_long(text: str) -> str:
    if len(text) <= MAX_CELL_CHARS:
        return ""
    return _("Ô dài %(length)s ký tự, vượt quá giới hạn %(limit)s ký tự.") % {
        "length": len(text),
        "limit": MAX_CELL_CHARS,
    }


def too_many_rows(sheet: str) -> ImportIssue:
    return _issue(
        _("Bảng có quá %(limit)s dòng; hãy chia nhỏ tệp.") % {"limit": MAX_ROWS},
        Location(sheet=sheet),
    )


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _too_many_rows_in_package(data: bytes) -> bool:
    """Whether any worksheet holds more than MAX_ROWS rows, counted in the raw XML.

    openpyxl builds every cell in memory (about 0.1 ms each), so an oversized sheet is
    refused from a streaming count before it is loaded.
    """
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for info in archive.infolist():
            name = info.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            count = 0
            tail = b""
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    block = tail + chunk
                    # Tags wholly inside the carried-over tail were counted with the last block.
                    count += sum(1 for tag in _ROW_TAG.finditer(block) if tag.end() > len(tail))
                    if count > MAX_ROWS:
                        return True
                    tail = block[-64:]
    return False
