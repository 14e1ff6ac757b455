"""Checks on an uploaded Office file and the problems they report.

The zip container is inspected before any XML library sees it; the messages here are the
ones the reader and the DOCX module raise about the table as a whole.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from cchc.lib.containers import (
    OLE2_MAGIC,
    ContainerRejected,
    count_matches,
    inspect_zip,
    open_zip,
    refuse_dtd,
    refuse_macros,
)
from cchc.plans.formats.xlsx.layout import (
    COLUMN_TITLES,
    DOCX_MARKER,
    FIELDS,
    HEADER_SEARCH_ROWS,
    MAX_CELL_CHARS,
    MAX_ROWS,
    XLSX_MARKER,
)
from cchc.plans.interchange import (
    ImportIssue,
    Location,
)

# --- Zip containers (judged by cchc.lib.containers) ---------------------------------------


def _issue(message: str, location: Location | None = None) -> ImportIssue:
    return ImportIssue(location or Location(), message)


def check_container(data: bytes, marker: str) -> list[ImportIssue]:
    """Problems that make a file unsafe or impossible to open as an Office package.

    Runs before openpyxl or python-docx sees the bytes: a zip bomb must be refused from its
    directory, never inflated, and a part declaring a DTD never reaches an XML parser.
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
    archive = open_zip(data)
    if archive is None:
        return [
            _issue(
                _("Tệp không phải là %(expected)s: nội dung không đúng định dạng hoặc bị hỏng.")
                % {"expected": expected}
            )
        ]
    with archive:
        try:
            inspect_zip(archive)
        except ContainerRejected as error:
            return [_issue(error.message)]
        names = set(archive.namelist())
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
        try:
            refuse_dtd(archive)
            # A plan is data: a workbook or document carrying macros is refused, whatever
            # its parts are called (cchc.lib.containers.refuse_macros).
            refuse_macros(archive)
        except ContainerRejected as error:
            return [_issue(error.message)]
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


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _too_many_rows_in_package(data: bytes) -> bool:
    """Whether any worksheet holds more than MAX_ROWS rows, counted in the raw XML.

    openpyxl builds every cell in memory (about 0.1 ms each), so an oversized sheet is
    refused from a streaming count before it is loaded. Call `check_container` first.
    """
    archive = open_zip(data)
    if archive is None:
        return False
    with archive:
        try:
            return count_matches(archive, _is_worksheet, _ROW_TAG, limit=MAX_ROWS)
        except ContainerRejected:
            # A damaged sheet: openpyxl reports the file as broken, in its own words.
            return False
