"""The «Thông tin bổ sung» table of a cchc Word appendix (see `formats.xlsx.supplement`).

It follows the appendix on a page of its own, under a heading that says what it is for,
so the appendix prints as the province publishes it.
"""

from __future__ import annotations

from typing import Any

from docx.enum.text import WD_BREAK
from docx.shared import Pt
from docx.table import _Cell

from cchc.plans.formats.xlsx.layout import safe_text
from cchc.plans.formats.xlsx.supplement import (
    SUPPLEMENT_HEADERS,
    SUPPLEMENT_TITLE,
    apply_supplement,
    is_supplement_header,
    supplement_rows,
)
from cchc.plans.interchange import PlanDocument

_NOTE = (
    "Phần này do cchc ghi để khi nhập lại tệp không mất ghi chú, trọng số, chỉ tiêu và "
    "trách nhiệm của kế hoạch; không thuộc phụ lục ban hành."
)


def _set(cell: _Cell, text: str) -> None:
    """Text as given, line breaks kept as paragraphs (read back joined by newlines)."""
    lines = text.split("\n")
    cell.paragraphs[0].add_run(safe_text(lines[0]))
    for line in lines[1:]:
        cell.add_paragraph().add_run(safe_text(line))


def write_supplement_table(document: Any, doc: PlanDocument) -> None:
    rows = supplement_rows(doc, header=True)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    heading = document.add_paragraph()
    run = heading.add_run(SUPPLEMENT_TITLE)
    run.bold = True
    note = document.add_paragraph().add_run(_NOTE)
    note.italic = True
    note.font.size = Pt(11)
    table = document.add_table(rows=1 + len(rows), cols=len(SUPPLEMENT_HEADERS))
    table.style = document.styles["Table Grid"]
    for cell, title in zip(table.rows[0].cells, SUPPLEMENT_HEADERS, strict=True):
        _set(cell, title)
        cell.paragraphs[0].runs[0].bold = True
    for tr, values in zip(table.rows[1:], rows, strict=True):
        for cell, value in zip(tr.cells, values, strict=True):
            _set(cell, value)


def _cell_text(cell: _Cell) -> str:
    return "\n".join(paragraph.text for paragraph in cell.paragraphs)


def read_supplement_table(document: Any, result: PlanDocument) -> None:
    """Apply the first table whose header row is the supplement's, if there is one."""
    for table in document.tables:
        rows = table.rows
        if not rows:
            continue
        try:
            header = [_cell_text(cell) for cell in rows[0].cells]
        except (ValueError, IndexError):
            continue
        if not is_supplement_header(header):
            continue
        apply_supplement(
            result, ([_cell_text(cell) for cell in row.cells] for row in list(rows)[1:])
        )
        return
