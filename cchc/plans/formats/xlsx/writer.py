"""Writing the plan as an appendix workbook that `read_xlsx` reads back unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc.lib.office import (
    BOLD,
    BORDER,
    CENTER,
    CENTER_TOP,
    FONT,
    ITALIC,
    WRAP,
    document_time,
    sheet_landscape_a4,
    workbook_bytes,
)
from cchc.plans.formats.xlsx.layout import (
    APPENDIX_SHEET,
    COLUMN_TITLES,
    COLUMN_WIDTHS,
    FIELDS,
    HEADER_ROW,
    INFO_LABELS,
    INFO_SHEET,
    agency_cell,
    format_date,
    safe_text,
    title_lines,
)
from cchc.plans.formats.xlsx.supplement import SUPPLEMENT_HEADERS, SUPPLEMENT_TITLE, supplement_rows
from cchc.plans.interchange import (
    ActivityRow,
    PlanDocument,
    PlanHeader,
)


def _put(ws: Worksheet, row: int, column: int, value: str | int | None) -> Any:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = safe_text(value)
        cell.value = value
        # Text that looks like a formula stays text: an imported plan must not compute.
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _number_value(number: str) -> str | int:
    return int(number) if number.isdigit() and str(int(number)) == number else number


def _table_row(
    ws: Worksheet, row: int, values: Sequence[str | int | None], font: Font = FONT
) -> None:
    for column, value in enumerate(values, start=1):
        cell = _put(ws, row, column, value if value != "" else None)
        cell.font = font
        cell.border = BORDER
        cell.alignment = CENTER_TOP if column == 1 else WRAP


def write_xlsx(doc: PlanDocument) -> bytes:
    """The plan as a readable, printable workbook that `read_xlsx` reads back unchanged."""
    workbook = Workbook()
    ws = workbook.active
    assert isinstance(ws, Worksheet)
    ws.title = APPENDIX_SHEET
    last_column = get_column_letter(len(FIELDS))

    for row, (text, font) in enumerate(
        zip(title_lines(doc.header), (BOLD, BOLD, ITALIC), strict=True), start=1
    ):
        cell = _put(ws, row, 1, text or None)
        cell.font = font
        cell.alignment = CENTER
        ws.merge_cells(f"A{row}:{last_column}{row}")

    _table_row(ws, HEADER_ROW, [COLUMN_TITLES[name] for name in FIELDS], BOLD)
    for column in range(1, len(FIELDS) + 1):
        ws.cell(HEADER_ROW, column).alignment = CENTER

    row = HEADER_ROW + 1
    for area in doc.areas:
        _table_row(ws, row, [area.code, area.title, *[None] * 6], BOLD)
        ws.merge_cells(f"B{row}:{last_column}{row}")
        row += 1
        for task in area.tasks:
            first = row
            activities: list[ActivityRow | None] = list(task.activities) or [None]
            for index, activity in enumerate(activities):
                lead: list[str | int | None] = (
                    [_number_value(task.number), task.title] if index == 0 else [None, None]
                )
                if activity is None:
                    rest: list[str | int | None] = [None] * 6
                else:
                    rest = [
                        activity.title,
                        activity.outputs,
                        agency_cell(activity.lead),
                        agency_cell(activity.cooperating),
                        activity.deadline,
                        activity.notes,
                    ]
                _table_row(ws, row, [*lead, *rest])
                row += 1
            if row - 1 > first:
                ws.merge_cells(f"A{first}:A{row - 1}")
                ws.merge_cells(f"B{first}:B{row - 1}")

    for column, width in enumerate(COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet_landscape_a4(ws)

    _write_info_sheet(workbook.create_sheet(INFO_SHEET), doc.header)
    _write_supplement_sheet(workbook.create_sheet(SUPPLEMENT_TITLE), doc)

    stamp = document_timestamp(doc.header)
    workbook.properties.creator = "cchc"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.title = safe_text(doc.header.title)[:255] or None
    return workbook_bytes(workbook)


def document_timestamp(header: PlanHeader) -> datetime:
    """A stable document time: the issue date when known (openpyxl wants naive UTC)."""
    return document_time(header.issued_on)


def _write_info_sheet(ws: Worksheet, header: PlanHeader) -> None:
    values: dict[str, str | int | None] = {
        "issuer": header.issuer,
        "number": header.number,
        "issued_on": format_date(header.issued_on) if header.issued_on else None,
        "year": header.year,
        "title": header.title,
        "status": header.status,
    }
    for row, (name, label) in enumerate(INFO_LABELS.items(), start=1):
        label_cell = _put(ws, row, 1, label)
        label_cell.font = BOLD
        label_cell.alignment = WRAP
        value = values[name]
        value_cell = _put(ws, row, 2, value if value != "" else None)
        value_cell.font = FONT
        value_cell.alignment = WRAP
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 80


def _write_supplement_sheet(ws: Worksheet, doc: PlanDocument) -> None:
    """What the appendix cannot hold (see `supplement`), so that re-importing loses nothing."""
    _table_row(ws, 1, list(SUPPLEMENT_HEADERS), BOLD)
    for row, values in enumerate(supplement_rows(doc), start=2):
        _table_row(ws, row, [value or None for value in values])
    for column, width in enumerate((10, 10, 12, 30, 90), start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
