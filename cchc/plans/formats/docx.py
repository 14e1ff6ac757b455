"""The plan appendix as a Word document.

Provinces publish the appendix in Word more often than in Excel. The table is the same
8-column layout as the workbook (see `xlsx.py`, which holds the shared table reader); Word
adds its own shapes: a table broken into several tables with the header repeated,
horizontally spanned cells (gridSpan) and vertically merged cells (vMerge), which
python-docx reports as the same cell on every row they cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

import docx
from django.utils.translation import gettext as _
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Cm
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from cchc.lib.office import document_defaults, document_landscape_a4, stable_zip
from cchc.plans.formats.docx_supplement import read_supplement_table, write_supplement_table
from cchc.plans.formats.xlsx.layout import (
    COLUMN_TITLES,
    DOCX_MARKER,
    FIELDS,
    MAX_ROWS,
    GridCell,
    GridRow,
    find_header,
    safe_text,
    title_lines,
)
from cchc.plans.formats.xlsx.reader import AppendixBuilder, read_title_lines
from cchc.plans.formats.xlsx.validation import check_container, too_long, too_many_rows
from cchc.plans.formats.xlsx.writer import document_timestamp
from cchc.plans.interchange import (
    ActivityRow,
    ImportIssue,
    Location,
    PlanDocument,
    PlanImportError,
    clean_text,
)

# Usable width of landscape A4 between the margins (office.landscape_text_width_cm): 26.2 cm.
COLUMN_WIDTHS_CM = (1.3, 5.0, 4.6, 3.8, 3.2, 3.2, 2.6, 2.5)


def _table_name(number: int) -> str:
    return _("Bảng %(number)s") % {"number": number}


def _grid_rows(table: Table) -> list[GridRow]:
    """The table as rows of grid cells, spans and merges resolved.

    A horizontally spanned cell gives its text to its first grid column only; a vertically
    merged cell repeats the top cell's text on the rows below, marked as merged.
    """
    rows = []
    tops: dict[int, str] = {}
    for number, tr in enumerate(table._tbl.tr_lst, start=1):
        cells = [GridCell() for _ in range(tr.grid_before)]
        for tc in tr.tc_lst:
            column = len(cells)
            if tc.vMerge == "continue":
                cells.append(GridCell(text=tops.get(column, ""), merged=True))
            else:
                text = clean_text(_Cell(tc, table).text)
                tops[column] = text
                cells.append(GridCell(text=text, problem=too_long(text)))
            cells.extend(GridCell() for _ in range(tc.grid_span - 1))
        rows.append(GridRow(number, cells))
    return rows


def _grid_width(table: Table) -> int:
    grid = table._tbl.tblGrid
    return len(grid.gridCol_lst) if grid is not None else 0


def read_docx(data: bytes) -> PlanDocument:
    """Read an appendix from a Word document. Raises PlanImportError listing every problem."""
    issues = check_container(data, DOCX_MARKER)
    if issues:
        raise PlanImportError(issues)
    try:
        document = docx.Document(BytesIO(data))
    except Exception as error:  # any parser failure means a broken file
        raise PlanImportError(
            [
                ImportIssue(
                    Location(),
                    _(
                        "Không mở được văn bản Word: tệp bị hỏng hoặc không đúng định dạng "
                        "(%(error)s)."
                    )
                    % {"error": type(error).__name__},
                )
            ]
        ) from error

    builder = AppendixBuilder()
    lines: list[tuple[str, Location]] = []
    table_count = 0
    first_sheet = ""
    columns: dict[str, int] | None = None
    width = 0
    # True while only empty paragraphs separate us from the last appendix table, so that a
    # table split without repeating its header still counts as the same table.
    adjacent = False
    total_rows = 0
    for paragraph_number, block in enumerate(document.iter_inner_content(), start=1):
        if isinstance(block, Paragraph):
            text = clean_text(block.text)
            if text:
                adjacent = False
                if columns is None:
                    lines.append((text, Location(row=paragraph_number)))
            continue
        table_count += 1
        sheet = _table_name(table_count)
        try:
            rows = _grid_rows(block)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            # Malformed table XML (a non-numeric span, a merge with nothing above).
            raise PlanImportError(
                [
                    ImportIssue(
                        Location(sheet=sheet),
                        _("Không đọc được bảng: cấu trúc bảng bị hỏng (%(error)s).")
                        % {"error": type(error).__name__},
                    )
                ]
            ) from error
        found = find_header(rows, 1)
        if found is not None:
            _header_index, start, columns = found
            width = _grid_width(block)
        elif columns is not None and adjacent and _grid_width(block) == width:
            start = 0
        else:
            adjacent = False
            continue
        total_rows += len(rows)
        if total_rows > MAX_ROWS:
            builder.issues.append(too_many_rows(sheet))
            break
        first_sheet = first_sheet or sheet
        builder.read_table(sheet, rows[start:], columns, lambda index: str(index + 1))
        adjacent = True

    issues = []
    if columns is None:
        titles = ", ".join(COLUMN_TITLES[name] for name in FIELDS)
        if table_count == 0:
            message = _("Văn bản không có bảng nào; cần bảng phụ lục có các cột: %(titles)s.") % {
                "titles": titles
            }
        else:
            message = _(
                "Không tìm thấy bảng phụ lục trong %(count)s bảng của văn bản: dòng đầu của "
                "bảng phải là dòng tiêu đề với các cột: %(titles)s."
            ) % {"count": table_count, "titles": titles}
        issues.append(ImportIssue(Location(), message))
    else:
        builder.finish(first_sheet)
    issues.extend(builder.issues)
    header, header_issues = read_title_lines(lines)
    issues.extend(header_issues)
    if issues:
        raise PlanImportError(issues)
    result = PlanDocument(header=header, areas=builder.areas)
    read_supplement_table(document, result)
    return result


# --- Writing -------------------------------------------------------------------------------


def _fill(cell: _Cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    """One paragraph per line, so that each agency sits on its own line in Word."""
    lines = text.split("\n") if text else [""]
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if line:
            run = paragraph.add_run(safe_text(line))
            if bold:
                run.bold = True


def _repeat_as_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:tblHeader"))


def write_docx(doc: PlanDocument) -> bytes:
    """The appendix as a province publishes it: landscape A4, Times New Roman 13."""
    document = docx.Document()
    document_defaults(document)
    document_landscape_a4(document.sections[0])

    for text, style in zip(title_lines(doc.header), ("bold", "bold", "italic"), strict=True):
        if not text:
            continue
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(safe_text(text))
        run.bold = style == "bold" or None
        run.italic = style == "italic" or None
    document.add_paragraph()

    table = document.add_table(rows=1, cols=len(FIELDS))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(width) for width in COLUMN_WIDTHS_CM]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header = table.rows[0]
    for cell, name, width in zip(header.cells, FIELDS, widths, strict=True):
        cell.width = width
        _fill(cell, COLUMN_TITLES[name], bold=True, center=True)
    _repeat_as_header(header)

    for area in doc.areas:
        cells = table.add_row().cells
        _fill(cells[0], area.code, bold=True, center=True)
        _fill(cells[1].merge(cells[-1]), area.title, bold=True)
        for task in area.tasks:
            activities: Sequence[ActivityRow | None] = task.activities or [None]
            rows = [table.add_row().cells for _ in activities]
            for cells, activity in zip(rows, activities, strict=True):
                if activity is None:
                    continue
                for cell, text in zip(
                    cells[2:],
                    (
                        activity.title,
                        activity.outputs,
                        "\n".join(activity.lead),
                        "\n".join(activity.cooperating),
                        activity.deadline,
                        activity.notes,
                    ),
                    strict=True,
                ):
                    _fill(cell, text)
            number_cell, title_cell = rows[0][0], rows[0][1]
            if len(rows) > 1:
                number_cell = number_cell.merge(rows[-1][0])
                title_cell = title_cell.merge(rows[-1][1])
            _fill(number_cell, task.number, center=True)
            _fill(title_cell, task.title)

    write_supplement_table(document, doc)

    properties = document.core_properties
    stamp = document_timestamp(doc.header)
    properties.author = "cchc"
    properties.last_modified_by = "cchc"
    properties.created = stamp
    properties.modified = stamp
    properties.revision = 1
    properties.title = safe_text(doc.header.title)[:255]
    buffer = BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())
