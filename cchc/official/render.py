"""The files of an official report: DOCX (Nghị định 30/2020 layout), XLSX annexes, PDF.

All three print `cchc.official.content` and nothing else. The DOCX and XLSX are written
with the shared Office conventions (`cchc.lib.office`: Times New Roman, fixed document
times, stable zip members), so the same content gives the same bytes. The PDF is the DOCX
converted by LibreOffice (`soffice --headless`); LibreOffice stamps its own creation time,
document ID and XMP packet, which `stable_pdf` (pikepdf) replaces by the DOCX's fixed time
and an ID computed from the content, so the PDF too is byte-stable.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import docx
import pikepdf
from django.utils.translation import gettext as _
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from cchc.lib.libreoffice import ConversionFailed, OfficeUnavailable, convert, soffice_path
from cchc.lib.office import (
    BOLD,
    BORDER,
    CENTER,
    FONT,
    ITALIC,
    WRAP,
    document_defaults,
    document_portrait_a4,
    document_time,
    sheet_landscape_a4,
    stable_zip,
    workbook_bytes,
)
from cchc.lib.processes import pid_alive
from cchc.plans.formats.xlsx.layout import safe_text

BODY_SIZE = 14
HEADER_SIZE = 13
TABLE_SIZE = 12
NOTE_SIZE = 11
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
RECIPIENTS = "Nơi nhận:"
PDF_TIMEOUT_SECONDS = 180


def number_text(value: Any) -> str:
    """A cell as the report prints it: a decimal comma, "—" for no figure."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return safe_text(str(value))


# --- DOCX --------------------------------------------------------------------------------


def _run(paragraph: Any, text: str, *, size: int = BODY_SIZE, **style: bool) -> Any:
    run = paragraph.add_run(safe_text(text))
    run.font.size = Pt(size)
    for name, value in style.items():
        setattr(run, name, value)
    return run


def _line(cell_or_doc: Any, text: str, *, center: bool = True, **style: Any) -> Any:
    paragraph = cell_or_doc.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = style.pop("size", BODY_SIZE)
    _run(paragraph, text, size=size, **style)
    return paragraph


def _no_borders(table: Any) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)


def _two_columns(document: Any, widths: tuple[float, float]) -> tuple[Any, Any]:
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    cells = table.rows[0].cells
    for cell, width in zip(cells, widths, strict=True):
        cell.width = Cm(width)
        # The cell's own empty first paragraph would print as a blank line on top.
        cell._tc.remove(cell.paragraphs[0]._p)
    return cells[0], cells[1]


def _rule(cell: Any) -> None:
    """The short line under the issuer and under the motto."""
    _line(cell, "—————", size=HEADER_SIZE)


def _header(document: Any, content: dict[str, Any]) -> None:
    left, right = _two_columns(document, (6.5, 9.5))
    if content["issuer_parent"]:
        _line(left, content["issuer_parent"], size=HEADER_SIZE)
    for line in content["issuer"].split("\n"):
        _line(left, line, size=HEADER_SIZE, bold=True)
    _rule(left)
    _line(left, content["number"], size=HEADER_SIZE)
    _line(right, MOTTO, size=HEADER_SIZE - 1, bold=True)
    _line(right, MOTTO_2, size=BODY_SIZE, bold=True)
    _rule(right)
    _line(right, content["place_date"], size=BODY_SIZE, italic=True)


def _paragraph(document: Any, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1)
    paragraph.paragraph_format.space_after = Pt(6)
    _run(paragraph, text)


TEXT_WIDTH_CM = 16.0  # A4 less the decree's 3 cm left and 2 cm right margins


CELL_PADDING_CM = 0.5  # the Table Grid style's cell margins, and a little air


def _text_cm(text: str) -> float:
    """About how wide a text is in Times New Roman 12 pt bold: capitals and digits are
    wider than the small letters."""
    return sum(0.3 if c.isupper() else 0.23 if c.isdigit() else 0.21 for c in text)


def _column_widths(columns: list[str], rows: list[list[Any]]) -> list[float]:
    """Widths in cm sharing the text width by what each column holds. Each column gets at
    least its longest word (header or cell: "TT", "30/06/2022" never break), and the room
    left goes to the columns whose text would need more lines (the names), in proportion:
    a long name in an equal-width column ran to one word a line."""
    least, wanted = [], []
    for index, title in enumerate(columns):
        texts = [str(title)] + [number_text(row[index]) for row in rows if index < len(row)]
        word = max((_text_cm(part) for text in texts for part in text.split()), default=0.0)
        whole = max((_text_cm(text) for text in texts[1:]), default=0.0)
        least.append(word + CELL_PADDING_CM)
        wanted.append(max(whole, word) + CELL_PADDING_CM)
    spare = TEXT_WIDTH_CM - sum(least)
    if spare <= 0:
        widths = [TEXT_WIDTH_CM * w / sum(least) for w in least]
    else:
        extra = [w - m for w, m in zip(wanted, least, strict=True)]
        if sum(extra) <= spare:
            widths = [TEXT_WIDTH_CM * w / sum(wanted) for w in wanted]
        else:
            widths = [m + e * spare / sum(extra) for m, e in zip(least, extra, strict=True)]
    return [round(width, 2) for width in widths]


def _table(document: Any, block: dict[str, Any], explained: set[str]) -> None:
    _line(document, block["title"], center=False, italic=True, bold=True)
    columns = block["columns"]
    table = document.add_table(rows=1 + len(block["rows"]), cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, columns, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, title, size=TABLE_SIZE, bold=True)
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))
    table.autofit = False
    for column, width in zip(table.columns, _column_widths(columns, block["rows"]), strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    for row, values in zip(table.rows[1:], block["rows"], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            if not isinstance(value, str):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(paragraph, number_text(value), size=TABLE_SIZE)
    if not block["rows"]:
        _line(document, _("(Không có số liệu trong kỳ.)"), center=False, size=NOTE_SIZE)
    if block["key"] in explained:
        return
    # How a block is computed is said once, under its first table.
    explained.add(block["key"])
    note = document.add_paragraph()
    _run(
        note, _("Cách tính: %(method)s") % {"method": block["method"]}, size=NOTE_SIZE, italic=True
    )


def _body(
    document: Any,
    blocks: list[dict[str, Any]],
    slots: list[dict[str, Any]],
    explained: set[str],
) -> None:
    for block in blocks:
        _table(document, block, explained)
    for slot in slots:
        for line in slot["text"].split("\n") if slot["text"] else []:
            if line.strip():
                _paragraph(document, line.strip())


def _signature(document: Any, content: dict[str, Any]) -> None:
    document.add_paragraph()
    left, right = _two_columns(document, (8.0, 8.0))
    paragraph = left.add_paragraph()
    _run(paragraph, RECIPIENTS, size=12, bold=True, italic=True)
    for line in content["recipients"]:
        _line(left, line, center=False, size=NOTE_SIZE)
    for line in content["signer_title"].split("\n"):
        _line(right, line, size=BODY_SIZE, bold=True)
    for _blank in range(4):
        right.add_paragraph()
    _line(right, content["signer_name"], size=BODY_SIZE, bold=True)


def write_docx(content: dict[str, Any]) -> bytes:
    document = docx.Document()
    document_defaults(document, size=BODY_SIZE)
    document_portrait_a4(document.sections[0])
    _header(document, content)
    document.add_paragraph()
    _line(document, content["kind"], bold=True)
    _line(document, content["title"], bold=True)
    _line(document, "—————", size=HEADER_SIZE)
    intro = _(
        "Số liệu trong báo cáo tính đến ngày %(as_of)s, từ dữ liệu theo dõi thực hiện %(plan)s."
    ) % {"as_of": content["as_of"], "plan": content["plan"]}
    _paragraph(document, intro)
    explained: set[str] = set()
    for section in content["sections"]:
        heading = document.add_paragraph()
        heading.paragraph_format.space_before = Pt(6)
        _run(heading, f"{section['number']}. {section['title'].upper()}", bold=True)
        _body(document, section["blocks"], section["slots"], explained)
        for item in section["items"]:
            sub = document.add_paragraph()
            sub.paragraph_format.space_before = Pt(6)
            _run(sub, f"{item['number']}. {item['title']}", bold=True)
            _body(document, item["blocks"], item["slots"], explained)
    if content.get("sources"):
        _line(document, _("Các cơ quan đã gửi báo cáo được tổng hợp:"), center=False, bold=True)
        for source in content["sources"]:
            _line(document, f"- {source['agency']}", center=False)
    _signature(document, content)

    properties = document.core_properties
    stamp = document_time(None)
    properties.author = "cchc"
    properties.last_modified_by = "cchc"
    properties.created = stamp
    properties.modified = stamp
    properties.revision = 1
    properties.title = safe_text(content["title"])[:255]
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


# --- XLSX annexes ------------------------------------------------------------------------


def write_xlsx(content: dict[str, Any]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for annex in content["annexes"]:
        sheet = workbook.create_sheet(_("Phụ lục %(n)s") % {"n": annex["number"]})
        sheet_landscape_a4(sheet)
        width = max(len(annex["columns"]), 1)
        lines = [
            (_("Phụ lục %(n)s") % {"n": annex["number"]}, BOLD),
            (annex["title"].upper(), BOLD),
            (
                _("(Kèm theo Báo cáo %(number)s của %(issuer)s, %(title)s)")
                % {
                    "number": content["number"],
                    "issuer": content["issuer"].title() if content["issuer"] else "",
                    "title": content["title"],
                },
                ITALIC,
            ),
            (_("Số liệu tính đến ngày %(as_of)s") % {"as_of": content["as_of"]}, ITALIC),
        ]
        for row, (text, font) in enumerate(lines, start=1):
            cell = sheet.cell(row=row, column=1, value=safe_text(text))
            cell.font = font
            cell.alignment = CENTER
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        top = len(lines) + 2
        for column, title in enumerate(annex["columns"], start=1):
            cell = sheet.cell(row=top, column=column, value=title)
            cell.font, cell.border, cell.alignment = BOLD, BORDER, CENTER
        for offset, values in enumerate(annex["rows"], start=1):
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=top + offset, column=column, value=value)
                cell.font, cell.border, cell.alignment = FONT, BORDER, WRAP
                if isinstance(value, float):
                    cell.number_format = "0.0"
        note_row = top + len(annex["rows"]) + 2
        note = sheet.cell(
            row=note_row, column=1, value=_("Cách tính: %(m)s") % {"m": annex["method"]}
        )
        note.font, note.alignment = ITALIC, WRAP
        sheet.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=width)
        sheet.row_dimensions[note_row].height = 45
        for column in range(1, width + 1):
            title = annex["columns"][column - 1] if annex["columns"] else ""
            wide = 45 if title in (_("Lĩnh vực"), _("Trích yếu"), _("Yếu tố"), _("Cơ quan")) else 14
            sheet.column_dimensions[get_column_letter(column)].width = wide
        sheet.print_title_rows = f"{top}:{top}"
    if not workbook.worksheets:
        sheet = workbook.create_sheet(_("Phụ lục"))
        sheet.cell(row=1, column=1, value=_("Mẫu báo cáo này không có bảng số liệu."))
    properties = workbook.properties
    properties.creator = "cchc"
    properties.lastModifiedBy = "cchc"
    properties.created = properties.modified = document_time(None)
    properties.title = safe_text(content["title"])[:255]
    return workbook_bytes(workbook)


# --- PDF ---------------------------------------------------------------------------------


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed, or did not convert the file."""


PDF_FOLDER_PREFIX = "cchc-pdf-"
_PDF_FOLDER = re.compile(rf"{PDF_FOLDER_PREFIX}(\d+)-")


def sweep_stale_pdf_folders(now: float | None = None) -> int:
    """Remove the conversion folders (the DOCX, LibreOffice's private profile, a half
    PDF) that a generation killed mid-way left behind: those whose owning process is gone
    and that are older than a conversion may last. Returns how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{PDF_FOLDER_PREFIX}*"):
        found = _PDF_FOLDER.match(folder.name)
        if found is None or not folder.is_dir() or pid_alive(int(found.group(1))):
            continue
        try:
            old = now - folder.stat().st_mtime > PDF_TIMEOUT_SECONDS + 30
        except OSError:
            continue
        if old:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def write_pdf(content: dict[str, Any]) -> bytes:
    """The DOCX converted by LibreOffice headless, in a private profile and directory."""
    if soffice_path() is None:
        raise PdfUnavailable(
            _("Máy chủ chưa cài LibreOffice (gói libreoffice-writer-nogui) để tạo PDF.")
        )
    sweep_stale_pdf_folders()
    try:
        # The folder names the process that owns it, so that a worker killed mid-way
        # leaves something the next generation can tell is abandoned.
        pdf = convert(
            write_docx(content),
            source="docx",
            target="pdf:writer_pdf_Export",
            timeout=PDF_TIMEOUT_SECONDS,
            prefix=f"{PDF_FOLDER_PREFIX}{os.getpid()}-",
        )
    except (OfficeUnavailable, ConversionFailed) as failure:
        raise PdfUnavailable(_("LibreOffice không chuyển được báo cáo sang PDF.")) from failure
    return stable_pdf(pdf)


def stable_pdf(data: bytes) -> bytes:
    """The same PDF without what changes from one conversion to the next: the creation and
    change times become the DOCX's fixed document time, the XMP packet (which repeats
    them) and LibreOffice's trailer checksum are dropped, and the trailer ID is derived
    from the content (qpdf's deterministic ID), so the same report gives the same bytes."""
    stamp = document_time(None).strftime("D:%Y%m%d%H%M%SZ")
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pdf.docinfo["/CreationDate"] = pikepdf.String(stamp)
            pdf.docinfo["/ModDate"] = pikepdf.String(stamp)
            if "/Metadata" in pdf.Root:
                del pdf.Root["/Metadata"]
            # LibreOffice's own trailer entries: a random ID and a checksum of its run.
            for key in ("/ID", "/DocChecksum"):
                if key in pdf.trailer:
                    del pdf.trailer[key]
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True, linearize=False)
    except pikepdf.PdfError as failure:
        raise PdfUnavailable(_("LibreOffice không chuyển được báo cáo sang PDF.")) from failure
    return out.getvalue()


WRITERS = {"docx": write_docx, "xlsx": write_xlsx, "pdf": write_pdf}
