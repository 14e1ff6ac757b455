"""Downloads: any dashboard table as CSV or XLSX, and the status table sent upward.

One small class per format, each writing rows as they come: the XLSX writers use
openpyxl's write-only mode (rows go straight to a temporary file, strings inline), so a
100,000-row table costs the memory of one row. Responses stream from a temporary file
with a Vietnamese file name (RFC 5987, through Django's `content_disposition_header`).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from cchc.dashboards.queries.common import Table
from cchc.dashboards.queries.status_table import StatusRow
from cchc.lib.office import BOLD as _BOLD
from cchc.lib.office import BORDER as _BORDER
from cchc.lib.office import CENTER as _CENTER
from cchc.lib.office import CENTER_TOP as _CENTER_TOP
from cchc.lib.office import FONT as _FONT
from cchc.lib.office import ITALIC as _ITALIC
from cchc.lib.office import WRAP as _WRAP
from cchc.lib.office import sheet_landscape_a4
from cchc.lib.roman import to_roman
from cchc.plans.formats.xlsx.layout import safe_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_COLUMNS = ("TT", "Nhiệm vụ", "Cơ quan chủ trì", "Tiến độ", "Kết quả/Sản phẩm", "Ghi chú")
STATUS_WIDTHS = (7, 55, 28, 24, 45, 28)


def plain(value: Any) -> str:
    """A table value as text: dates in dd/mm/yyyy, percents with one decimal."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


# ---------------------------------------------------------------------------
# CSV


class _Echo:
    def write(self, value: str) -> str:
        return value


class CsvExporter:
    """A table as UTF-8 CSV with a byte-order mark, which Excel needs to read Vietnamese."""

    def lines(self, table: Table) -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(table.columns)
        for row in table.rows:
            yield writer.writerow([plain(value) for value in row])

    def response(self, table: Table, filename: str) -> StreamingHttpResponse:
        response = StreamingHttpResponse(self.lines(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, filename) or ""
        return response


# ---------------------------------------------------------------------------
# XLSX


class _Cells:
    """Makes the styled cells of one write-only sheet.

    Setting a style on a cell hashes the whole style object, which costs more than
    writing the cell. So each column keeps one cell per style and reuses it: a row is
    written out as soon as it is appended, before the next one reuses its cells.
    """

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.pool: dict[tuple[int, int, int, int], WriteOnlyCell] = {}

    def row(self, *cells: tuple[Any, Font, Alignment] | tuple[Any, Font, Alignment, None]) -> None:
        """Append a row of (value, font, alignment[, None for no border]) cells."""
        out = []
        for column, (value, font, alignment, *rest) in enumerate(cells):
            border = rest[0] if rest else _BORDER
            key = (column, id(font), id(alignment), id(border))
            cell = self.pool.get(key)
            if cell is None:
                cell = WriteOnlyCell(self.ws)
                cell.font = font
                cell.alignment = alignment
                if border is not None:
                    cell.border = border
                self.pool[key] = cell
            if isinstance(value, str):
                value = safe_text(value) or None
            cell.value = value
            if isinstance(value, str):
                # Text that looks like a formula stays text.
                cell.data_type = "s"
            out.append(cell)
        self.ws.append(out)


def _new_sheet(title: str, widths: Iterable[float]) -> tuple[Workbook, WriteOnlyWorksheet]:
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    workbook.properties.creator = "cchc"
    return workbook, ws


class TableXlsxExporter:
    """A dashboard or public table as a one-sheet workbook."""

    def write(self, table: Table, target: IO[bytes], *, sheet: str, title: str) -> None:
        widths = [max(10, min(60, len(c) + 4)) for c in table.columns]
        workbook, ws = _new_sheet(sheet, widths)
        cells = _Cells(ws)
        cells.row((title, _BOLD, _WRAP, None))
        ws.append([])
        cells.row(*[(c, _BOLD, _CENTER) for c in table.columns])
        for row in table.rows:
            cells.row(*[(_xlsx_value(v), _FONT, _WRAP) for v in row])
        workbook.save(target)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return round(value, 1)
    return value


class StatusTableXlsxExporter:
    """The annex table of task status, as the province sends it upward.

    Areas are numbered with Roman numerals and set in bold across the row; tasks and
    activities follow with their lead agencies, progress, results and notes.
    """

    def write(self, rows: Iterable[StatusRow], target: IO[bytes], *, title_lines: list[str]) -> int:
        """Write every row and return how many there were."""
        workbook, ws = _new_sheet("Bảng tiến độ", STATUS_WIDTHS)
        cells = _Cells(ws)
        sheet_landscape_a4(ws)
        last = get_column_letter(len(STATUS_COLUMNS))
        header_row = len(title_lines) + 2
        # A write-only sheet writes its views with the first row: freeze before that.
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        for index, line in enumerate(title_lines, start=1):
            font = _ITALIC if index == len(title_lines) else _BOLD
            cells.row((line, font, _CENTER, None))
            ws.merged_cells.add(f"A{index}:{last}{index}")
        ws.append([])
        cells.row(*[(c, _BOLD, _CENTER) for c in STATUS_COLUMNS])
        count = areas = 0
        for row in rows:
            count += 1
            if row.kind == "area":
                areas += 1
                cells.row(
                    (row.number or to_roman(areas), _BOLD, _CENTER_TOP),
                    (row.title, _BOLD, _WRAP),
                    (None, _BOLD, _WRAP),
                    (row.progress, _BOLD, _WRAP),
                    (None, _BOLD, _WRAP),
                    (None, _BOLD, _WRAP),
                )
                continue
            font = _BOLD if row.kind == "task" else _FONT
            number: str | int = int(row.number) if row.number.isdigit() else row.number
            cells.row(
                (number, font, _CENTER_TOP),
                (row.title, font, _WRAP),
                (row.lead, _FONT, _WRAP),
                (row.progress, _FONT, _WRAP),
                (row.results, _FONT, _WRAP),
                (row.notes, _FONT, _WRAP),
            )
        workbook.save(target)
        return count


def xlsx_response(write: Any, filename: str) -> FileResponse:
    """Write a workbook to a temporary file and stream it back to the browser.

    `write(file)` fills the file; the response closes (and so deletes) it once sent.
    """
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        write(target)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
