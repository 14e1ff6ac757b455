"""The plan as a plain document, between files (XLSX, DOCX, JSON) and the database.

Readers turn a file into a `PlanDocument`, keeping where each value came from, so that
every later error (an unknown agency, an undatable deadline) can name its sheet, row and
column. Writers turn a `PlanDocument` back into a file. Nothing here touches the database.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Location:
    """Where a value sits in an imported file. Empty parts are left out of the text."""

    sheet: str = ""
    row: int | None = None
    column: str = ""  # a column letter for XLSX, a number for DOCX tables
    column_title: str = ""
    path: str = ""  # a JSON path such as areas[0].tasks[2].title

    def __str__(self) -> str:
        parts = []
        if self.sheet:
            # DOCX tables are named "Bảng N" by the reader; they are not worksheets.
            if self.sheet.startswith((_("Bảng") + " ", "Bảng ")):
                parts.append(self.sheet)
            else:
                parts.append(_("trang tính «%(sheet)s»") % {"sheet": self.sheet})
        if self.row is not None:
            parts.append(_("dòng %(row)s") % {"row": self.row})
        if self.column:
            if self.column_title:
                parts.append(
                    _("cột %(column)s (%(title)s)")
                    % {"column": self.column, "title": self.column_title}
                )
            else:
                parts.append(_("cột %(column)s") % {"column": self.column})
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)


@dataclass(frozen=True)
class ImportIssue:
    location: Location
    message: str
    # The written name no agency or group answers to, for the page that settles it.
    unknown_name: str = ""

    def __str__(self) -> str:
        where = str(self.location)
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.location.sheet,
            "row": self.location.row,
            "column": self.location.column,
            "column_title": self.location.column_title,
            "path": self.location.path,
            "message": self.message,
            "text": str(self),
            "unknown_name": self.unknown_name,
        }


class PlanImportError(Exception):
    """A file could not be imported. It carries every problem found, not just the first."""

    def __init__(self, issues: list[ImportIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


@dataclass
class PlanHeader:
    issuer: str = ""
    number: str = ""
    issued_on: date | None = None
    year: int | None = None
    title: str = ""
    status: str = ""


@dataclass
class ActivityRow:
    title: str
    outputs: str = ""
    lead: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    deadline: str = ""
    notes: str = ""
    # The transcriber's doubts, kept apart from the plan's own notes (JSON only).
    transcription_notes: str = ""
    # Used by the weighted rollup; carried by JSON and by the «Thông tin bổ sung» table.
    weight: int = 1
    # Computed from the deadline and present in JSON exports. On import they are used
    # only where the phrase gives no date: then they are a date a coordinator set by hand
    # ("Theo quy định" dated 30/06), which a round trip must not lose.
    due_dates: list[date] = field(default_factory=list)
    needs_date: bool = False
    # Field name ("title", "lead", "deadline" …) -> where it was read. A reader may give a
    # mapping that makes the locations only when one is asked for (a big sheet's rows
    # rarely have a problem to report).
    source: Mapping[str, Location] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class TaskRow:
    number: str
    title: str
    notes: str = ""
    transcription_notes: str = ""
    activities: list[ActivityRow] = field(default_factory=list)
    source: Mapping[str, Location] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class AreaRow:
    code: str
    title: str
    description: str = ""
    tasks: list[TaskRow] = field(default_factory=list)
    source: dict[str, Location] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class PlanDocument:
    header: PlanHeader = field(default_factory=PlanHeader)
    areas: list[AreaRow] = field(default_factory=list)
    # Anything else a richer source carries (the body text of the plan, responsibilities,
    # indicators): kept as given and stored with the plan.
    extra: dict[str, Any] = field(default_factory=dict)
    # True when the source carries everything a plan holds (JSON, or an XLSX/DOCX written
    # by cchc with its «Thông tin bổ sung» table); False for a bare appendix table, whose
    # import with replace keeps what the table cannot say (see services.plan_import).
    complete: bool = field(default=False, compare=False)
    # What the reader did that the importer should check, though nothing is wrong enough to
    # stop the import (a Word file read with its tracked changes accepted). Shown on the
    # import job's page and by the command line; not part of the plan.
    warnings: list[ImportIssue] = field(default_factory=list, compare=False)


def clean_text(value: object) -> str:
    """NFC, no stray whitespace at the ends of lines, no trailing blank lines."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    if "\n" not in text and "\r" not in text:
        return " ".join(text.split())  # one line, as most cells are: the same result
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


ASSIGNEE_SEPARATOR = "; "
