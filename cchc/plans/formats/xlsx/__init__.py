"""The plan appendix as an Excel workbook, and the table logic XLSX and DOCX share.

A province publishes its yearly administrative-reform tasks as an appendix ("Phụ lục")
to the plan: an 8-column table where Roman-numbered rows open an area, Arabic-numbered
rows open a task and the rows below a task (or vertically merged cells) add more
activities to it. Word and Excel files carry the same table, so either is turned into a
grid of plain cells first (`GridRow`) and one `AppendixBuilder` reads that grid.

Uploaded files are untrusted: the zip container is inspected before any XML library
sees it, and every problem is collected so that the user can fix a file in one pass.

- `layout`: columns, titles, limits, markers, text helpers, the grid, the header row,
  the title lines and the column widths (styles: `cchc.lib.office`);
- `validation`: container checks (through `cchc.lib.containers`) and the table-wide
  problems;
- `reader`: `AppendixBuilder`, `read_title_lines` and `read_xlsx`;
- `writer`: `write_xlsx` and `document_timestamp`.

This package re-exports the names other modules import from it.
"""

from cchc.lib.containers import OLE2_MAGIC, zip_names
from cchc.lib.office import FONT_NAME, stable_zip
from cchc.plans.formats.xlsx.layout import (
    COLUMN_TITLES,
    DOCX_MARKER,
    FIELDS,
    MAX_ROWS,
    XLSX_MARKER,
    GridCell,
    GridRow,
    find_header,
    safe_text,
    sentence_case,
    split_agencies,
    title_lines,
)
from cchc.plans.formats.xlsx.reader import AppendixBuilder, read_title_lines, read_xlsx
from cchc.plans.formats.xlsx.validation import (
    check_container,
    too_long,
    too_many_rows,
)
from cchc.plans.formats.xlsx.writer import document_timestamp, write_xlsx

__all__ = [
    "COLUMN_TITLES",
    "DOCX_MARKER",
    "FIELDS",
    "FONT_NAME",
    "MAX_ROWS",
    "OLE2_MAGIC",
    "XLSX_MARKER",
    "AppendixBuilder",
    "GridCell",
    "GridRow",
    "check_container",
    "document_timestamp",
    "find_header",
    "read_title_lines",
    "read_xlsx",
    "safe_text",
    "sentence_case",
    "split_agencies",
    "stable_zip",
    "title_lines",
    "too_long",
    "too_many_rows",
    "write_xlsx",
    "zip_names",
]
