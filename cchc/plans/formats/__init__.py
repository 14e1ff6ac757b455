"""Plan files: readers and writers for XLSX, DOCX and JSON, and format detection.

Every reader takes the file's bytes and returns a `PlanDocument` or raises
`PlanImportError` with all problems found; every writer takes a `PlanDocument` and
returns bytes. The format is decided by what the bytes are, never by the file name: a
renamed file must not reach a parser that cannot read it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from cchc.lib.containers import OLE2_MAGIC, zip_names
from cchc.plans.formats.docx import read_docx, write_docx
from cchc.plans.formats.jsonfmt import read_json, write_json
from cchc.plans.formats.legacy import (
    can_convert,
    cannot_convert_message,
    ole_kind,
    read_doc,
    read_xls,
)
from cchc.plans.formats.xlsx.layout import DOCX_MARKER, XLSX_MARKER
from cchc.plans.formats.xlsx.reader import read_xlsx
from cchc.plans.formats.xlsx.writer import write_xlsx
from cchc.plans.interchange import ImportIssue, Location, PlanDocument, PlanImportError

__all__ = [
    "READERS",
    "WRITERS",
    "detect_format",
    "read_doc",
    "read_docx",
    "read_json",
    "read_xls",
    "read_xlsx",
    "write_docx",
    "write_json",
    "write_xlsx",
]

READERS: dict[str, Callable[[bytes], PlanDocument]] = {
    "xlsx": read_xlsx,
    "docx": read_docx,
    "json": read_json,
    # Word and Excel 97–2003, converted by LibreOffice (cchc.plans.formats.legacy).
    "doc": read_doc,
    "xls": read_xls,
}
WRITERS: dict[str, Callable[[PlanDocument], bytes]] = {
    "xlsx": write_xlsx,
    "docx": write_docx,
    "json": write_json,
}

_BOM = b"\xef\xbb\xbf"


def detect_format(filename: str, data: bytes) -> str:
    """The format of `data` ("xlsx", "docx", "json", or "doc" and "xls" where LibreOffice
    can convert them); `filename` only names it in errors."""
    names = zip_names(data)
    if names is not None:
        if XLSX_MARKER in names:
            return "xlsx"
        if DOCX_MARKER in names:
            return "docx"
    elif data.removeprefix(_BOM).lstrip().startswith(b"{"):
        return "json"
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    kind = ole_kind(data)
    if kind in ("doc", "xls"):
        if can_convert():
            return kind
        message = cannot_convert_message(name, kind)
    elif data.startswith(OLE2_MAGIC):
        message = _(
            "Tệp «%(name)s» được đặt mật khẩu hoặc ở định dạng cũ (.xls, .doc). Hãy gỡ mật "
            "khẩu và lưu lại thành .xlsx hoặc .docx."
        ) % {"name": name}
    else:
        message = _(
            "Tệp không phải là bảng tính Excel (.xlsx), văn bản Word (.docx) hay JSON: "
            "không đọc được «%(name)s». Hãy lưu lại tệp ở một trong ba định dạng đó."
        ) % {"name": name}
    raise PlanImportError([ImportIssue(Location(), message)])
