"""Word 97–2003 (.doc) and Excel 97–2003 (.xls) appendices, read through LibreOffice.

Provinces still publish plans in the old formats. Both are OLE2 compound files, as is an
Office file encrypted with a password; the streams inside tell them apart (olefile reads
the directory only). Where LibreOffice is installed (the program that makes the official
reports' PDFs), an old file is converted to .docx or .xlsx and read as one, and the
import says so in a warning. Without LibreOffice, for a password-protected file, or for
one LibreOffice cannot convert, the import is refused in Vietnamese and changes nothing.
"""

from __future__ import annotations

import io

import olefile
from django.utils.translation import gettext as _

from cchc.lib.containers import OLE2_MAGIC
from cchc.lib.libreoffice import ConversionFailed, OfficeUnavailable, convert, soffice_path
from cchc.plans.interchange import ImportIssue, Location, PlanDocument, PlanImportError

# The old format and the one it is converted to.
NEWER = {"doc": "docx", "xls": "xlsx"}
CONVERT_SECONDS = 120


def ole_kind(data: bytes) -> str | None:
    """ "doc", "xls" or "encrypted" for a compound file by its streams; None for anything
    else, a damaged compound file included."""
    if not data.startswith(OLE2_MAGIC):
        return None
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptedPackage"):
                return "encrypted"
            if ole.exists("WordDocument"):
                return "doc"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "xls"
    except Exception:  # untrusted bytes: olefile raises many kinds on a damaged directory
        return None
    return None


def can_convert() -> bool:
    return soffice_path() is not None


def cannot_convert_message(name: str | None, kind: str) -> str:
    """The refusal of an old file where LibreOffice is missing; `name` when it is known."""
    if name is None:
        return _(
            "Tệp ở định dạng cũ (.%(old)s) và máy chủ chưa cài LibreOffice để chuyển đổi. "
            "Hãy mở tệp và lưu lại thành .%(new)s."
        ) % {"old": kind, "new": NEWER[kind]}
    return _(
        "Tệp «%(name)s» ở định dạng cũ (.%(old)s) và máy chủ chưa cài LibreOffice để chuyển "
        "đổi. Hãy mở tệp và lưu lại thành .%(new)s."
    ) % {"name": name, "old": kind, "new": NEWER[kind]}


def read_legacy(data: bytes, kind: str) -> PlanDocument:
    """The old file converted by LibreOffice and read as its newer format."""
    from cchc.plans.formats.docx import read_docx
    from cchc.plans.formats.xlsx.reader import read_xlsx

    newer = NEWER[kind]
    try:
        converted = convert(
            data, source=kind, target=newer, timeout=CONVERT_SECONDS, prefix="cchc-legacy-"
        )
    except OfficeUnavailable:
        # LibreOffice went away after the file was accepted: the bytes carry no name.
        raise PlanImportError(
            [ImportIssue(Location(), cannot_convert_message(None, kind))]
        ) from None
    except ConversionFailed:
        raise PlanImportError(
            [
                ImportIssue(
                    Location(),
                    _(
                        "LibreOffice không chuyển được tệp .%(old)s này sang .%(new)s: tệp "
                        "bị hỏng hoặc có mật khẩu. Hãy mở tệp và lưu lại thành .%(new)s."
                    )
                    % {"old": kind, "new": newer},
                )
            ]
        ) from None
    document = read_docx(converted) if newer == "docx" else read_xlsx(converted)
    document.warnings.insert(
        0,
        ImportIssue(
            Location(),
            _(
                "Tệp ở định dạng cũ (.%(old)s) đã được LibreOffice chuyển sang .%(new)s để "
                "đọc. Hãy xem lại kế hoạch sau khi nhập."
            )
            % {"old": kind, "new": newer},
        ),
    )
    return document


def read_doc(data: bytes) -> PlanDocument:
    return read_legacy(data, "doc")


def read_xls(data: bytes) -> PlanDocument:
    return read_legacy(data, "xls")
