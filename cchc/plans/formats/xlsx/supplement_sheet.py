"""Reading the «Thông tin bổ sung» sheet a cchc workbook carries (see `formats.xlsx.supplement`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TypeVar

from cchc.plans.formats.xlsx.layout import _key
from cchc.plans.formats.xlsx.supplement import (
    SUPPLEMENT_HEADERS,
    SUPPLEMENT_TITLE,
    apply_supplement,
    is_supplement_header,
)
from cchc.plans.interchange import PlanDocument


class SheetRows(Protocol):
    """What is read of a sheet: openpyxl's worksheet, or the reader's `Sheet`."""

    title: str

    def iter_rows(
        self,
        min_row: int = ...,
        max_row: int | None = ...,
        max_col: int | None = ...,
        values_only: bool = ...,
    ) -> Iterator[tuple[Any, ...]]: ...


S = TypeVar("S", bound=SheetRows)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def find_supplement_sheet(sheets: Sequence[S]) -> S | None:
    """The sheet titled «Thông tin bổ sung» whose first row holds the expected headers."""
    for ws in sheets:
        if _key(ws.title) != _key(SUPPLEMENT_TITLE):
            continue
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        if is_supplement_header([_text(value) for value in first]):
            return ws
    return None


def read_supplement_sheet(ws: SheetRows, document: PlanDocument) -> None:
    width = len(SUPPLEMENT_HEADERS)
    rows = ws.iter_rows(min_row=2, max_col=width, values_only=True)
    apply_supplement(document, ([_text(value) for value in row] for row in rows))
