"""Reading the «Thông tin bổ sung» sheet a cchc workbook carries (see `formats.xlsx.supplement`)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.worksheet.worksheet import Worksheet

from cchc.plans.formats.xlsx.layout import _key
from cchc.plans.formats.xlsx.supplement import (
    SUPPLEMENT_HEADERS,
    SUPPLEMENT_TITLE,
    apply_supplement,
    is_supplement_header,
)
from cchc.plans.interchange import PlanDocument


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def find_supplement_sheet(sheets: Sequence[Worksheet]) -> Worksheet | None:
    """The sheet titled «Thông tin bổ sung» whose first row holds the expected headers."""
    for ws in sheets:
        if _key(ws.title) != _key(SUPPLEMENT_TITLE):
            continue
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        if is_supplement_header([_text(value) for value in first]):
            return ws
    return None


def read_supplement_sheet(ws: Worksheet, document: PlanDocument) -> None:
    width = len(SUPPLEMENT_HEADERS)
    rows = ws.iter_rows(min_row=2, max_col=width, values_only=True)
    apply_supplement(document, ([_text(value) for value in row] for row in rows))
