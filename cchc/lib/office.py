"""How cchc's Office files look, in one place: typeface, borders, A4 pages, stable bytes.

The plan appendix (XLSX and DOCX) and the status table annex are papers a province
files and sends upward, so they share the typeface of Vietnamese administrative documents
(Times New Roman), thin black borders and landscape A4 pages. Written twice from the same
content they give the same bytes: zip member times and document timestamps are fixed.
The official reports (Nghị định 30/2020: Times New Roman 13–14, the national motto block)
build on the same constants.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

FONT_NAME = "Times New Roman"
# Spreadsheet cells are read on screen and printed fitted to the page width: 12 points.
SHEET_FONT_SIZE = 12
# Word body text, as Nghị định 30/2020 sets it (13 or 14 points).
DOCUMENT_FONT_SIZE = 13
DOCUMENT_LANGUAGE = "vi-VN"

# --- Spreadsheet styles (openpyxl) ----------------------------------------------------------

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = Font(name=FONT_NAME, size=SHEET_FONT_SIZE)
BOLD = Font(name=FONT_NAME, size=SHEET_FONT_SIZE, bold=True)
ITALIC = Font(name=FONT_NAME, size=SHEET_FONT_SIZE, italic=True)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
CENTER_TOP = Alignment(wrap_text=True, horizontal="center", vertical="top")
SHEET_MARGINS_INCHES = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.6}


def sheet_landscape_a4(ws: Any) -> None:
    """Print `ws` on landscape A4, as wide as the page and as long as it needs.

    `ws` is a worksheet or a write-only worksheet (which takes the same page settings).
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(**SHEET_MARGINS_INCHES)


# --- Word documents (python-docx) ------------------------------------------------------------

A4_LONG_CM = 29.7
A4_SHORT_CM = 21.0
# Left margin wider for binding, as administrative documents are filed.
DOCUMENT_MARGINS_CM = {"left": 2.0, "right": 1.5, "top": 2.0, "bottom": 2.0}


def document_defaults(document: Any, *, size: int = DOCUMENT_FONT_SIZE) -> None:
    """Times New Roman `size` everywhere, Vietnamese, single spacing.

    Set on the document defaults, not only on the Normal style: the template's theme
    fonts (Calibri/Cambria) would otherwise win in tables and headings.
    """
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = run_properties.find(qn("w:rFonts"))
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for kind in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(kind), FONT_NAME)
    for tag in ("w:sz", "w:szCs"):
        run_properties.find(qn(tag)).set(qn("w:val"), str(size * 2))
    language = run_properties.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:val"), DOCUMENT_LANGUAGE)
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    normal = document.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(size)


def document_landscape_a4(section: Any) -> None:
    """A section on landscape A4 with the administrative margins."""
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width = Cm(A4_LONG_CM)
    section.page_height = Cm(A4_SHORT_CM)
    section.left_margin = Cm(DOCUMENT_MARGINS_CM["left"])
    section.right_margin = Cm(DOCUMENT_MARGINS_CM["right"])
    section.top_margin = Cm(DOCUMENT_MARGINS_CM["top"])
    section.bottom_margin = Cm(DOCUMENT_MARGINS_CM["bottom"])


# Nghị định 30/2020, Phụ lục I: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
OFFICIAL_MARGINS_CM = {"left": 3.0, "right": 2.0, "top": 2.0, "bottom": 2.0}


def document_portrait_a4(section: Any) -> None:
    """A section on portrait A4 with the margins of an administrative document."""
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Cm(A4_SHORT_CM)
    section.page_height = Cm(A4_LONG_CM)
    section.left_margin = Cm(OFFICIAL_MARGINS_CM["left"])
    section.right_margin = Cm(OFFICIAL_MARGINS_CM["right"])
    section.top_margin = Cm(OFFICIAL_MARGINS_CM["top"])
    section.bottom_margin = Cm(OFFICIAL_MARGINS_CM["bottom"])


def landscape_text_width_cm() -> float:
    """The usable width of a landscape A4 page between the margins."""
    return A4_LONG_CM - DOCUMENT_MARGINS_CM["left"] - DOCUMENT_MARGINS_CM["right"]


# --- Stable bytes ----------------------------------------------------------------------------

# Fixed zip member times and document timestamps make the same content give the same bytes.
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
FIXED_TIMESTAMP = datetime(2000, 1, 1, tzinfo=UTC)


def document_time(day: date | None) -> datetime:
    """A stable document time: `day` at midnight UTC when known, else a fixed one.

    Naive, in UTC, as openpyxl and python-docx want it.
    """
    stamp = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else FIXED_TIMESTAMP
    return stamp.replace(tzinfo=None)


def stable_zip(data: bytes) -> bytes:
    """The same archive with fixed member times, so equal content gives equal bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def workbook_bytes(workbook: Workbook) -> bytes:
    """A workbook's file with stable bytes.

    ExcelWriter directly: openpyxl's save() stamps the current time as "modified".
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return stable_zip(buffer.getvalue())
