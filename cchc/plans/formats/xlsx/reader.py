"""Reading an appendix, from a grid of cells or an Excel workbook, into a PlanDocument.

`AppendixBuilder` reads the grid both formats produce and collects every problem, so
that the user can fix a file in one pass.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import FORMULA_TAG as _FORMULA_TAG
from openpyxl.worksheet._reader import INLINE_STRING as _INLINE_STRING
from openpyxl.worksheet._reader import WorkSheetParser

from cchc.lib.roman import from_roman, to_roman
from cchc.lib.text import fold
from cchc.plans.formats.xlsx.layout import (
    _ACTIVITY_LABEL,
    _ARABIC_AREA,
    _AREA_CODE,
    _AREA_LABEL,
    _LETTER_AREA,
    _SECTION_AREA,
    _TASK_NUMBER,
    AREA,
    COLUMN_TITLES,
    EMPTY_CELL,
    EXTRA_TITLES,
    FIELDS,
    HEADER_MIN_CLEAN,
    HEADER_SEARCH_ROWS,
    INFO_LABELS,
    INFO_SHEET,
    MAX_AREA_NUMBER,
    MAX_ROWS,
    XLSX_MARKER,
    GridCell,
    GridRow,
    _is_header,
    _is_numbering_row,
    _key,
    _row_fields,
    find_header,
    format_date,
    is_signature_cell,
    is_total_cell,
    opens_header,
    parse_date_text,
    sentence_case,
    split_agencies,
    split_roles,
)
from cchc.plans.formats.xlsx.supplement_sheet import find_supplement_sheet, read_supplement_sheet
from cchc.plans.formats.xlsx.validation import (
    _issue,
    _shorten,
    _too_many_rows_in_package,
    check_container,
    header_not_found,
    too_long,
    too_many_rows,
)
from cchc.plans.interchange import (
    ActivityRow,
    AreaRow,
    ImportIssue,
    Location,
    PlanDocument,
    PlanHeader,
    PlanImportError,
    TaskRow,
    clean_text,
)


class _Sources(Mapping[str, Location]):
    """A row's field -> Location map, made when first read: a big sheet's rows rarely
    have a problem to report, and making every location of every row was a tenth of the
    import (`plan_check` asks for one only when it reports an issue)."""

    __slots__ = ("_built", "_columns", "_fields", "_label", "_row", "_sheet")

    def __init__(
        self,
        sheet: str,
        row: int,
        columns: dict[str, int],
        label: Callable[[int], str],
        fields: tuple[tuple[str, str], ...],
    ) -> None:
        self._sheet, self._row, self._columns, self._label = sheet, row, columns, label
        self._fields = fields  # (field of the row, column of the appendix)
        self._built: dict[str, Location] | None = None

    def _locations(self) -> dict[str, Location]:
        if self._built is None:
            self._built = {
                name: _location(self._sheet, self._row, self._columns, self._label, column)
                for name, column in self._fields
            }
        return self._built

    def __getitem__(self, name: str) -> Location:
        return self._locations()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._locations())

    def __len__(self) -> int:
        return len(self._fields)


def _location(
    sheet: str, row: int, columns: dict[str, int], label: Callable[[int], str], name: str
) -> Location:
    index = columns.get(name)
    return Location(
        sheet=sheet,
        row=row,
        column=label(index) if index is not None else "",
        column_title=COLUMN_TITLES.get(name) or EXTRA_TITLES[name],
    )


_ACTIVITY_SOURCES = (
    ("title", "activity"),
    ("outputs", "outputs"),
    ("lead", "lead"),
    ("cooperating", "cooperating"),
    ("deadline", "deadline"),
    ("notes", "notes"),
)
_TASK_SOURCES = (("number", "number"), ("title", "task"))


# "Như trên" ("as above") and its abbreviations, in an agency, deadline or output cell.
_SAME_AS_ABOVE = re.compile(r"^\s*[-(\[]?\s*(?:như\s+trên|nt)\s*[-)\].]?\s*$", re.IGNORECASE)
_REPEATABLE = frozenset({"outputs", "lead", "cooperating", "deadline"})

_BULLET_LINE = re.compile(r"^(?:[-+•–—*·◦▪►➢❖]|\(?[a-zđ][).])\s*(?P<text>\S.*)$")


def _bulleted(text: str) -> list[str]:
    """The items of a cell whose every line starts with a bullet ("- ", "+ ", "a) "); none
    when a line does not, as in "Rà soát các nội dung sau:" over its points."""
    items = []
    for line in text.split("\n"):
        match = _BULLET_LINE.match(line)
        if match is None:
            return []
        items.append(match.group("text"))
    return items


class AppendixBuilder:
    """Reads appendix rows into areas, tasks and activities, collecting every problem.

    State carries over between tables, so a task split over two Word tables keeps its
    activities.
    """

    def __init__(self) -> None:
        self.areas: list[AreaRow] = []
        self.issues: list[ImportIssue] = []
        self._area: AreaRow | None = None
        self._task: TaskRow | None = None
        self._area_codes: set[str] = set()
        self._task_numbers: set[str] = set()
        self._after_header = False
        # The last task read before any area, with its message.
        self._arealess: tuple[TaskRow, ImportIssue] | None = None
        # Set at the recipients list or the signature block: the table is over.
        self.ended = False
        # The last activity's cells, for a cell that says "như trên".
        self._previous_values: dict[str, str] | None = None
        # A table that names each row's area in a column of its own ("Lĩnh vực"), not in
        # area rows: the areas it named, by their folded names, and the current one's.
        self._column_areas: dict[str, AreaRow] = {}
        # The last lettered area ("A", "B"), and the section the numbered areas below it
        # belong to when it turned out to be one.
        self._letter_area: AreaRow | None = None
        self._section: str | None = None
        self._area_key: str | None = None

    def read_table(
        self,
        sheet: str,
        rows: Sequence[GridRow],
        columns: dict[str, int],
        label: Callable[[int], str],
    ) -> None:
        for row in rows:
            if self.ended:
                return
            self._read_row(sheet, row, columns, label)

    def _read_row(
        self, sheet: str, row: GridRow, columns: dict[str, int], label: Callable[[int], str]
    ) -> None:
        cells = {name: row.cell(columns.get(name)) for name in FIELDS}
        area_cell = row.cell(columns.get(AREA)) if AREA in columns else EMPTY_CELL

        def where(name: str) -> Location:
            return _location(sheet, row.number, columns, label, name)

        def sources(fields: tuple[tuple[str, str], ...]) -> _Sources:
            return _Sources(sheet, row.number, columns, label, fields)

        if not any(
            (cell.text and not cell.merged) or cell.problem for cell in (*cells.values(), area_cell)
        ):
            return
        texts = [cell.text for cell in row.cells if cell.text and not cell.merged]
        if (
            self.areas
            and (not cells["number"].text or is_signature_cell(cells["number"].text))
            and any(is_signature_cell(text) for text in texts)
        ):
            # "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH": the signature block, placed in
            # the sheet's rows below the table or in the last rows of a Word table.
            self.ended = True
            return
        if texts and is_total_cell(texts[0]):
            return  # a "Tổng cộng" row counts the rows above; it is not a task
        broken = False
        for name, cell in cells.items():
            if cell.problem:
                self.issues.append(ImportIssue(where(name), cell.problem))
                broken = broken or name in {"number", "task"}
        if broken:
            return
        own = {
            name: "" if cell.merged or cell.problem else cell.text for name, cell in cells.items()
        }
        values = {name: "" if cell.problem else cell.text for name, cell in cells.items()}
        after_header, self._after_header = self._after_header, False
        # Recognising a header folds every cell's text; a row with fewer filled cells than
        # a header names, or whose first cell is not a TT column's title, cannot be one.
        found, clean = (
            _row_fields(row)
            if after_header or (len(texts) >= HEADER_MIN_CLEAN and opens_header(texts[0]))
            else ({}, False)
        )
        if _is_header(found, clean) or _is_numbering_row(own.values()):
            self._after_header = True
            return  # a header repeated on a later page
        if after_header and clean and not own["number"]:
            return  # the second level of a repeated two-level header
        area_key = fold(area_cell.text) if area_cell.text else ""
        if area_key and not area_cell.problem and area_key != self._area_key:
            self._area_from_column(area_key, area_cell.text, row.number, columns, label, sheet)
            if not any(own.values()):
                return  # a row that only names the area of the rows below

        number = own["number"]
        if (
            number
            and self._task is not None
            and not own["task"]
            and own["activity"]
            and number.rstrip(".").rpartition(".")[0] == self._task.number
        ):
            # "1.1", "1.2" under task 1, with the task's cell empty and the activity's
            # filled: the task's numbered activities.
            number = ""
        elif number and self._task is not None and _ACTIVITY_LABEL.match(number):
            # "a)", "b)", "-": an activity of the task above. A table without an activity
            # column writes it in the task's column.
            number = ""
            if not own["activity"] and own["task"]:
                values["activity"], own["task"] = own["task"], ""
        if number:
            task_match = _TASK_NUMBER.match(number)
            if task_match:
                self._start_task(task_match.group("number"), own["task"], where, sources)
            else:
                self._start_area(number, own, where)
                return
        elif own["task"]:
            items = _bulleted(own["task"]) if self._task is not None and not own["activity"] else []
            if items:
                # "- Rà soát …" with no TT under a task, in a table without an activity
                # column: the task's activities, one per bulleted line, sharing the row's
                # agencies, deadline and outputs.
                for item in items:
                    self._add_activity({**values, "activity": item}, sources)
                return
            if self._task is None or own["task"] != self._task.title:
                self.issues.append(
                    ImportIssue(
                        where("number"),
                        _(
                            "Thiếu số thứ tự (TT) của nhiệm vụ «%(task)s»; hãy ghi số 1, 2, 3 … "
                            "vào cột TT."
                        )
                        % {"task": _shorten(own["task"])},
                    )
                )
                # Absorb the rows below so that one missing number gives one message.
                self._task = TaskRow(number="", title=own["task"])
                self._task.source = {"title": where("task")}
        elif self._task is None:
            self.issues.append(
                ImportIssue(
                    where("activity"),
                    _(
                        "Dòng này không thuộc nhiệm vụ nào: chưa có dòng nhiệm vụ (có TT và "
                        "tên nhiệm vụ) ở phía trên."
                    ),
                )
            )
            return
        if self._task is not None and self._task.title:
            self._add_activity(values, sources)

    def _area_from_column(
        self,
        key: str,
        text: str,
        number: int,
        columns: dict[str, int],
        label: Callable[[int], str],
        sheet: str,
    ) -> None:
        """The area the "Lĩnh vực" column names from this row on: a new one numbered I,
        II … in the order they come, or one named before ("CẢI CÁCH THỂ CHẾ" and "Cải cách
        thể chế" are one area), whose task numbers then go on."""
        self._area_key = key
        area = self._column_areas.get(key)
        if area is None:
            code = to_roman(len(self.areas) + 1)
            area = AreaRow(code=code, title=sentence_case(text))
            where = _location(sheet, number, columns, label, AREA)
            area.source = {"code": where, "title": where}
            self._area_codes.add(code)
            self.areas.append(area)
            self._column_areas[key] = area
        self._area = area
        self._task = None
        self._task_numbers = {task.number for task in area.tasks}

    def _start_area(
        self, number: str, own: dict[str, str], where: Callable[[str], Location]
    ) -> None:
        labelled = _AREA_LABEL.sub("", number)
        match = _SECTION_AREA.match(labelled)
        roman = False
        value: int | None
        if match:
            # "A.I": an area under section A, as cchc writes it back.
            code, value = match.group("code").upper(), 1
        else:
            match = _AREA_CODE.match(labelled)
            code = match.group("code").upper() if match else ""
            value = from_roman(code) if code else None
            roman = value is not None and value <= MAX_AREA_NUMBER
        if value is None or value > MAX_AREA_NUMBER:
            # "A", "B." (areas lettered), or "Phần 1": the letter or number is the code.
            match = _LETTER_AREA.match(labelled) or (
                _ARABIC_AREA.match(labelled) if labelled != number else None
            )
            code = match.group("code").upper() if match else ""
            value = 1 if match else None
        if roman:
            # "A. NHIỆM VỤ TRỌNG TÂM" over "I. CẢI CÁCH THỂ CHẾ": a lettered row followed by
            # a numbered area before any task is a section over the areas below it; they
            # are numbered within it ("A.I", "B.I"), and the section stays as a heading.
            previous = self._area
            if previous is not None and previous is self._letter_area and not previous.tasks:
                self._section = previous.code
            if self._section:
                code = f"{self._section}.{code}"
        if match is None or value is None or value > MAX_AREA_NUMBER:
            self.issues.append(
                ImportIssue(
                    where("number"),
                    _(
                        "Giá trị «%(value)s» ở cột TT không phải số La Mã của lĩnh vực (I, II, "
                        "III …) cũng không phải số thứ tự của nhiệm vụ (1, 2, 3 …)."
                    )
                    % {"value": _shorten(number)},
                )
            )
            code = number
            rest = ""
        else:
            rest = match.group("rest").strip()
        title_from = "number"
        if not rest:
            for name in FIELDS[1:]:
                if own[name]:
                    rest, title_from = own[name], name
                    break
        area = AreaRow(code=code, title=sentence_case(rest))
        area.source = {"code": where("number"), "title": where(title_from)}
        if not rest:
            self.issues.append(
                ImportIssue(
                    where("task"),
                    _("Lĩnh vực %(code)s không có tên.") % {"code": code},
                )
            )
        if code in self._area_codes:
            self.issues.append(
                ImportIssue(
                    where("number"),
                    _("Lĩnh vực %(code)s xuất hiện hai lần trong bảng.") % {"code": code},
                )
            )
        self._area_codes.add(code)
        self.areas.append(area)
        if match is not None and match.re is _LETTER_AREA:
            self._letter_area, self._section = area, None
        self._area = area
        self._task = None
        self._task_numbers = set()

    def _start_task(
        self,
        number: str,
        title: str,
        where: Callable[[str], Location],
        sources: Callable[[tuple[tuple[str, str], ...]], _Sources],
    ) -> None:
        above = self._task
        if (
            above is not None
            and not above.activities
            and above.number.isdigit()
            and number.startswith(above.number + ".")
            and (self._area is None or self._area.code.isdigit())
        ):
            self._task_to_area(above)
        task = TaskRow(number=number, title=title)
        task.source = sources(_TASK_SOURCES)
        if self._area is None:
            issue = ImportIssue(
                where("number"),
                _(
                    "Nhiệm vụ %(number)s đứng trước mọi lĩnh vực: cần một dòng lĩnh vực "
                    "(số La Mã I, II …) ở phía trên."
                )
                % {"number": number},
            )
            self._arealess = (task, issue)
            self.issues.append(issue)
        else:
            if number in self._task_numbers:
                self.issues.append(
                    ImportIssue(
                        where("number"),
                        _("Số thứ tự nhiệm vụ %(number)s bị trùng trong lĩnh vực %(area)s.")
                        % {"number": number, "area": self._area.code},
                    )
                )
            self._task_numbers.add(number)
            self._area.tasks.append(task)
        if not title:
            self.issues.append(
                ImportIssue(
                    where("task"),
                    _("Nhiệm vụ %(number)s chưa có tên (cột Nhiệm vụ cụ thể trống).")
                    % {"number": number},
                )
            )
        self._task = task

    def _task_to_area(self, task: TaskRow) -> None:
        """ "1 | CÔNG TÁC CHỈ ĐẠO" above "1.1", "1.2": areas numbered like tasks. The row
        was read as a task with no activity; it is the area its sub-numbers name."""
        if self._area is not None and self._area.tasks and self._area.tasks[-1] is task:
            self._area.tasks.pop()
        if self._arealess is not None and self._arealess[0] is task:
            withdrawn = self._arealess[1]
            self.issues = [issue for issue in self.issues if issue is not withdrawn]
        self._arealess = None
        area = AreaRow(code=task.number, title=sentence_case(task.title))
        area.source = {"code": task.source["number"], "title": task.source["title"]}
        if task.number in self._area_codes:
            self.issues.append(
                ImportIssue(
                    task.source["number"],
                    _("Lĩnh vực %(code)s xuất hiện hai lần trong bảng.") % {"code": task.number},
                )
            )
        self._area_codes.add(task.number)
        self.areas.append(area)
        self._area = area
        self._task = None
        self._task_numbers = set()

    def _add_activity(
        self, values: dict[str, str], sources: Callable[[tuple[tuple[str, str], ...]], _Sources]
    ) -> None:
        task = self._task
        assert task is not None
        if not any(values[name] for name in FIELDS[2:]):
            return  # a task row that only names the task; its activities follow
        previous = self._previous_values
        if previous is not None:
            # "Như trên", "nt", "-nt-": the cell of the row above, as written there.
            values = {
                name: previous[name] if name in _REPEATABLE and _SAME_AS_ABOVE.match(text) else text
                for name, text in values.items()
            }
        self._previous_values = values
        lead, cooperating = split_agencies(values["lead"]), split_agencies(values["cooperating"])
        if not cooperating and (roles := split_roles(values["lead"])) is not None:
            # One agency column with the roles written in it ("Sở Tư pháp (chủ trì); Sở
            # Nội vụ (phối hợp)"), as tables with a single "Cơ quan thực hiện" write it.
            lead, cooperating = roles
        activity = ActivityRow(
            title=values["activity"] or task.title,
            outputs=values["outputs"],
            lead=lead,
            cooperating=cooperating,
            deadline=values["deadline"],
            notes=values["notes"],
        )
        activity.source = sources(_ACTIVITY_SOURCES)
        task.activities.append(activity)

    def finish(self, sheet: str) -> None:
        if not self.areas and not self.issues:
            self.issues.append(
                _issue(_("Bảng phụ lục không có lĩnh vực hay nhiệm vụ nào."), Location(sheet=sheet))
            )


# --- Title lines above the table -----------------------------------------------------------

_ATTACHED = re.compile(r"kèm\s+theo\s+kế\s+hoạch(?P<body>.*)$", re.IGNORECASE | re.S)
_NUMBER = re.compile(r"\bsố\s*:?\s*(?P<number>[^\s,;()]+)", re.IGNORECASE)
_DATE = re.compile(
    r"\bngày\s+(?P<day>\d{1,2})\s*(?:tháng\s*|[/.\-]\s*)(?P<month>\d{1,2})"
    r"\s*(?:năm\s*|[/.\-]\s*)(?P<year>\d{4})",
    re.IGNORECASE,
)
_ISSUER = re.compile(r"\bcủa\s+(?P<issuer>.+?)[\s).]*$", re.IGNORECASE | re.S)
_YEAR = re.compile(r"cai cach hanh chinh(?: nha nuoc)?(?: tinh \w+)? nam (\d{4})")
_NUMBER_LINE = re.compile(r"^số\s*:\s*(?P<number>\S+)", re.IGNORECASE)
# "Số      /KH-UBND", "Số: ....../KH-UBND", "Số: …/KH-UBND": a draft, numbered only when
# it is signed. Dots, ellipses and underscores are the blank a clerk fills in by hand.
_BLANK_NUMBER_LINE = re.compile(r"^số\s*:?[\s.…_]*/", re.IGNORECASE)
_BLANK = re.compile(r"^[.…_]*(?=/)")


def _given_number(number: str) -> str:
    """The plan's number, or "" when the file leaves it blank ("....../KH-UBND")."""
    return "" if _BLANK.match(number) else number


def read_title_lines(lines: Sequence[tuple[str, Location]]) -> tuple[PlanHeader, list[ImportIssue]]:
    """Year, number, date and issuer from the lines above the table, where present."""
    header = PlanHeader()
    issues: list[ImportIssue] = []
    blank = False

    def take_date(match: re.Match[str], where: Location) -> None:
        try:
            header.issued_on = date(
                int(match.group("year")), int(match.group("month")), int(match.group("day"))
            )
        except ValueError:
            issues.append(
                ImportIssue(
                    where,
                    _("Ngày ban hành «%(value)s» không phải ngày hợp lệ.")
                    % {"value": match.group(0)},
                )
            )

    for text, where in lines:
        attached = _ATTACHED.search(text)
        if attached:
            body = attached.group("body")
            number = _NUMBER.search(body)
            if number and not header.number:
                header.number = _given_number(number.group("number"))
                blank = blank or not header.number
            day = _DATE.search(body)
            if day and header.issued_on is None:
                take_date(day, where)
            issuer = _ISSUER.search(body)
            if issuer and not header.issuer:
                header.issuer = clean_text(issuer.group("issuer"))
            continue
        # Only title-length lines: a plan's body also cites other years' reform work.
        year = _YEAR.search(fold(text)) if len(text) <= 200 else None
        if year and header.year is None:
            header.year = int(year.group(1))
    # The plan's own first page, when the appendix comes with it: "Số: 12/KH-UBND" and
    # "Hà Giang, ngày 10 tháng 01 năm 2022".
    for text, where in lines:
        number_line = _NUMBER_LINE.match(text)
        if number_line and not header.number:
            header.number = _given_number(number_line.group("number"))
        if not header.number and _BLANK_NUMBER_LINE.match(text):
            blank = True
        day = _DATE.search(text)
        if day and header.issued_on is None and "," in text[: day.start()]:
            take_date(day, where)
    if blank and not header.number:
        # A plan without its number is not issued yet; an empty number also keeps it apart
        # from every other plan (numbers are unique only when given).
        header.status = "draft"
    return header, issues


# --- Reading a workbook ----------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, datetime):
        return format_date(value.date())
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return clean_text(value)


def _grid_cell(value: Any, data_type: str) -> GridCell:
    if data_type == "f":
        return GridCell(problem=_("Ô chứa công thức; hãy nhập giá trị thay cho công thức."))
    if data_type == "e":
        return GridCell(problem=_("Ô chứa lỗi «%(value)s»; hãy nhập giá trị.") % {"value": value})
    text = _cell_text(value)
    return GridCell(text=text, problem=too_long(text))


_EMPTY: tuple[Any, str] = (None, "n")


class Sheet:
    """One worksheet's cells, read once from the sheet's XML.

    openpyxl's normal load builds a styled Cell object for every cell and re-draws the
    borders of every merged range, about twice the cost of its read-only streaming, which
    in turn gives no merged ranges. This streams the sheet through openpyxl's own sheet
    parser (the one read-only mode uses) and keeps the merged ranges the same parse reads
    at the end of the sheet. What it holds is what the normal load gave: the cells a merge
    covers, all but its top-left one, are empty, and the merges count in the sheet's size.
    """

    def __init__(
        self,
        title: str,
        cells: dict[tuple[int, int], tuple[Any, str]],
        merges: list[tuple[int, int, int, int]],
        hidden_rows: frozenset[int] = frozenset(),
        source: Any = None,
    ) -> None:
        self.title = title
        self.source = source  # openpyxl's read-only sheet, to parse it again
        # Rows the sheet hides: not shown on screen nor printed, so not read.
        self.hidden_rows = hidden_rows
        self.cells = cells
        self.merges = merges  # (min_col, min_row, max_col, max_row), 1-based
        rows = [row for row, _col in cells] + [merge[3] for merge in merges]
        columns = [col for _row, col in cells] + [merge[2] for merge in merges]
        self.max_row = max(rows, default=1)
        self.max_column = max(columns, default=1)

    def value(self, row: int, column: int) -> Any:
        return self.cells.get((row, column), _EMPTY)[0]

    def iter_rows(
        self,
        min_row: int = 1,
        max_row: int | None = None,
        max_col: int | None = None,
        values_only: bool = True,
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of values, every row `max_col` wide, as openpyxl's `iter_rows` gives them."""
        cells = self.cells
        width = range(1, (max_col or self.max_column) + 1)
        for row in range(min_row, (max_row or self.max_row) + 1):
            yield tuple(cells.get((row, column), _EMPTY)[0] for column in width)


def _merge_bounds(ref: str) -> tuple[int, int, int, int]:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    if min_col is None or min_row is None or max_col is None or max_row is None:
        raise ValueError(ref)  # a whole row or column "merged": not what Excel writes
    return min_col, min_row, max_col, max_row


def _localname(element: Any) -> str:
    return str(element.tag).rpartition("}")[2]


def _inline_text(inline: Any) -> str:
    """The text of an inline string (`<is>`), as openpyxl's `Text.from_tree(…).content`
    gives it: the plain `<t>`, then each run's `<t>`; phonetic runs left out. Where two
    `<t>` sit side by side, the last counts, as there."""
    plain: str | None = None
    runs: list[str] = []
    for child in inline:
        name = _localname(child)
        if name == "t":
            plain = child.text
        elif name == "r":
            text: str | None = None
            for part in child:
                if _localname(part) == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return "".join([plain, *runs] if plain is not None else runs)


class _SheetParser(WorkSheetParser):
    """openpyxl's sheet parser, with inline strings read without building openpyxl's
    rich-text objects. Files written by openpyxl (cchc's own templates and exports, most
    generated files) keep every text inline, and those objects were half of the parse:
    about 0.2 s of CPU for the bench's 10,000 activities."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        if element.get("t") != "inlineStr" or self.rich_text:
            return super().parse_cell(element)
        inline = element.find(_INLINE_STRING)
        if inline is None or (not self.data_only and element.find(_FORMULA_TAG) is not None):
            return super().parse_cell(element)
        # What the parent does for every cell: where it is, and its style.
        coordinate = element.get("r")
        style_id = element.get("s", 0)
        if style_id:
            style_id = int(style_id)
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        return {
            "row": row,
            "column": column,
            "value": _inline_text(inline),
            "data_type": "s",
            "style_id": style_id,
        }


def _parse_sheet(
    workbook: Any, ws: Any, *, data_only: bool = False
) -> tuple[dict[tuple[int, int], tuple[Any, str]], list[tuple[int, int, int, int]], frozenset[int]]:
    """The cells (value, openpyxl data type), merged ranges and hidden rows of a
    read-only sheet."""
    cells: dict[tuple[int, int], tuple[Any, str]] = {}
    with workbook._archive.open(ws._worksheet_path) as source:
        parser = _SheetParser(
            source,
            ws._shared_strings,
            data_only=data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for _number, row in parser.parse():
            for cell in row:
                cells[cell["row"], cell["column"]] = (cell["value"], cell["data_type"])
        found = parser.merged_cells.mergeCell if parser.merged_cells else []
        merges = [_merge_bounds(merge.ref) for merge in found]
        hidden = frozenset(
            int(number)
            for number, attrs in parser.row_dimensions.items()
            if str(attrs.get("hidden", "")).lower() in ("1", "true")
        )
    for min_col, min_row, max_col, max_row in merges:
        # The normal load empties every cell a merge covers but its top-left one.
        area = (max_row - min_row + 1) * (max_col - min_col + 1)
        if area <= len(cells):
            covered = [
                (row, col)
                for row in range(min_row, max_row + 1)
                for col in range(min_col, max_col + 1)
                if (row, col) in cells
            ]
        else:
            covered = [
                (row, col)
                for row, col in cells
                if min_row <= row <= max_row and min_col <= col <= max_col
            ]
        for key in covered:
            if key != (min_row, min_col):
                del cells[key]
    return cells, merges, hidden


_REF = r"\$?([A-Z]{1,3})\$?(\d{1,7})"
_SIMPLE_FORMULA = re.compile(
    r"^=\s*(?:(?P<number>\d+)|(?P<ref>" + _REF + r")|ROW\(\s*(?P<row_ref>" + _REF + r")?\s*\)"
    r"|MAX\(\s*(?P<first>" + _REF + r")\s*:\s*(?P<last>" + _REF + r")\s*\))"
    r"\s*(?:(?P<sign>[+-])\s*(?P<step>\d+))?\s*$",
    re.IGNORECASE,
)


class NumberFormulas:
    """The values of formulas in the TT column ("=A5+1", "=ROW()-4", "=MAX($A$5:A7)+1").

    Excel saves each formula's last result beside it, and that is what the user saw; a file
    written by a program that does not calculate (a script, some web exports) has formulas
    without results, and then the simple numbering formulas are worked out here.
    """

    def __init__(self, results: Callable[[], Sheet], sheet: Sheet, column: int) -> None:
        # `results` parses the sheet again for the formulas' saved results; only a file
        # whose TT column has formulas pays for it.
        self._results = results
        self._sheet = sheet
        self._column = column  # 1-based
        self._cached: Sheet | None = None
        self._no_results = False
        self._values: dict[tuple[int, int], int | None] = {}

    def _cached_sheet(self) -> Sheet:
        if self._cached is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._cached = self._results()
            except Exception:  # a saved result openpyxl cannot parse: work formulas out
                self._cached = self._sheet
                self._no_results = True
        return self._cached

    def cell(self, row: int, formula: str) -> GridCell:
        cached = self._cached_sheet().value(row, self._column)
        if self._no_results:
            cached = None
        if cached is not None and cached != "":
            if isinstance(cached, str) and cached.startswith("#"):
                return GridCell(
                    problem=_("Ô chứa lỗi «%(value)s»; hãy nhập giá trị.") % {"value": cached}
                )
            return GridCell(text=_cell_text(cached))
        value = self._evaluate(row, self._column, 0)
        if value is None:
            return GridCell(
                problem=_(
                    "Ô TT chứa công thức «%(formula)s» nhưng tệp không lưu kết quả của công "
                    "thức (tệp không được tạo hay lưu bằng Excel). Hãy mở tệp bằng Excel rồi "
                    "lưu lại, hoặc nhập số thứ tự thay cho công thức."
                )
                % {"formula": _shorten(formula)}
            )
        return GridCell(text=str(value))

    def _evaluate(self, row: int, column: int, depth: int) -> int | None:
        key = (row, column)
        if key in self._values:
            return self._values[key]
        if depth > 50:
            return None
        raw = self._sheet.value(row, column)
        value: int | None = None
        if isinstance(raw, bool):
            value = None
        elif isinstance(raw, int | float):
            value = int(raw) if float(raw).is_integer() else None
        elif isinstance(raw, str) and raw.startswith("="):
            value = self._formula(raw, row, column, depth)
        elif isinstance(raw, str) and raw.strip().isdigit():
            value = int(raw.strip())
        self._values[key] = value
        return value

    def _formula(self, formula: str, row: int, column: int, depth: int) -> int | None:
        match = _SIMPLE_FORMULA.match(formula.replace(" ", ""))
        if match is None:
            return None
        groups = match.groups()
        base: int | None
        if match.group("number"):
            base = int(match.group("number"))
        elif match.group("ref"):
            ref_column, ref_row = column_index_from_string(groups[2]), int(groups[3])
            base = (
                None
                if (ref_row, ref_column) == (row, column)
                else self._evaluate(ref_row, ref_column, depth + 1)
            )
        elif formula.upper().replace(" ", "").startswith("=ROW("):
            base = int(groups[6]) if match.group("row_ref") else row
        else:
            first_column, first_row = column_index_from_string(groups[8]), int(groups[9])
            last_column, last_row = column_index_from_string(groups[11]), int(groups[12])
            if first_column != last_column or row in range(first_row, last_row + 1):
                return None
            found = [
                self._evaluate(number, first_column, depth + 1)
                for number in range(min(first_row, last_row), max(first_row, last_row) + 1)
            ]
            base = max((value for value in found if value is not None), default=0)
        if base is None:
            return None
        step = int(match.group("step") or 0)
        return base - step if match.group("sign") == "-" else base + step


def _sheet_grid(
    ws: Sheet,
    first: int,
    last: int,
    width: int,
    numbers: NumberFormulas | None = None,
) -> list[GridRow]:
    rows = []
    cells = ws.cells
    columns = range(1, width + 1)
    # Most cells of a plan are short texts that repeat (agencies, deadlines): read each once.
    known: dict[tuple[Any, str], GridCell] = {}
    tt = numbers._column if numbers is not None else 0
    for number in range(first, last + 1):
        grid = []
        for column in columns:
            key = cells.get((number, column), _EMPTY)
            if column == tt and key[1] == "f":
                assert numbers is not None
                grid.append(numbers.cell(number, str(key[0])))
                continue
            try:
                cell = known.get(key)
            except TypeError:  # an unhashable value (an array formula)
                cell = None
            if cell is None:
                cell = _grid_cell(*key)
                if isinstance(key[0], str | int | float | type(None)) and len(known) < 100_000:
                    known[key] = cell
            grid.append(cell)
        rows.append(GridRow(number, grid))
    # A vertically merged agency or deadline cell applies to every row it covers; the
    # builder ignores `merged` text in the TT and task columns, which mark continuation.
    for min_col, min_row, _max_col, max_row in ws.merges:
        if min_row == max_row or min_col > width:
            continue
        top = min_row - first
        if not 0 <= top < len(rows):
            continue
        value = rows[top].cell(min_col - 1)
        for number in range(min_row + 1, max_row + 1):
            index = number - first
            if 0 <= index < len(rows) and min_col - 1 < len(rows[index].cells):
                rows[index].cells[min_col - 1] = GridCell(text=value.text, merged=True)
    return rows


def _is_empty(ws: Sheet) -> bool:
    return ws.max_row <= 1 and ws.max_column <= 1 and ws.value(1, 1) in (None, "")


def _has_content_after(ws: Sheet, row: int) -> bool:
    return any(
        number > row and value not in (None, "")
        for (number, _col), (value, _type) in ws.cells.items()
    )


def _read_info_sheet(ws: Sheet, header: PlanHeader) -> list[ImportIssue]:
    issues = []
    by_key = {_key(label): name for name, label in INFO_LABELS.items()}
    for number in range(1, min(ws.max_row, 50) + 1):
        label = ws.value(number, 1)
        value, data_type = ws.cells.get((number, 2), _EMPTY)
        name = by_key.get(_key(_cell_text(label)))
        if name is None:
            continue
        where = Location(sheet=ws.title, row=number, column="B", column_title=INFO_LABELS[name])
        if data_type == "f":
            issues.append(
                ImportIssue(where, _("Ô chứa công thức; hãy nhập giá trị thay cho công thức."))
            )
            continue
        if value is None or value == "":
            continue
        if name == "issued_on":
            if isinstance(value, datetime):
                header.issued_on = value.date()
            elif isinstance(value, date):
                header.issued_on = value
            else:
                parsed = parse_date_text(_cell_text(value))
                if parsed is None:
                    issues.append(
                        ImportIssue(
                            where,
                            _("Ngày ban hành «%(value)s» không đúng dạng ngày/tháng/năm.")
                            % {"value": _shorten(_cell_text(value))},
                        )
                    )
                else:
                    header.issued_on = parsed
        elif name == "year":
            text = _cell_text(value)
            if re.fullmatch(r"\d{4}", text):
                header.year = int(text)
            else:
                issues.append(
                    ImportIssue(
                        where,
                        _("Năm «%(value)s» không phải số năm có 4 chữ số.")
                        % {"value": _shorten(text)},
                    )
                )
        else:
            setattr(header, name, _cell_text(value))
    return issues


def read_xlsx(data: bytes) -> PlanDocument:
    """Read an appendix workbook. Raises PlanImportError listing every problem."""
    issues = check_container(data, XLSX_MARKER)
    if issues:
        raise PlanImportError(issues)
    if _too_many_rows_in_package(data):
        raise PlanImportError(
            [
                _issue(
                    _("Bảng tính có trang tính quá %(limit)s dòng; hãy chia nhỏ tệp.")
                    % {"limit": MAX_ROWS}
                )
            ]
        )
    try:
        with warnings.catch_warnings():
            # Unsupported extensions (data validation, slicers) only warn; they do not matter.
            warnings.simplefilter("ignore")
            workbook = load_workbook(
                BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
            try:
                sheets = [
                    Sheet(ws.title, *_parse_sheet(workbook, ws), source=ws)
                    for ws in workbook.worksheets
                ]
            except BaseException:
                workbook.close()
                raise
    except Exception as error:  # any parser failure means a broken file
        raise PlanImportError(
            [
                _issue(
                    _("Không mở được bảng tính: tệp bị hỏng hoặc không đúng định dạng (%(error)s).")
                    % {"error": type(error).__name__}
                )
            ]
        ) from error
    try:
        return _read_sheets(workbook, sheets)
    finally:
        workbook.close()


def _row_list(numbers: list[int], shown: int = 8) -> str:
    listed = ", ".join(str(number) for number in numbers[:shown])
    return f"{listed} …" if len(numbers) > shown else listed


def _read_sheets(workbook: Any, sheets: list[Sheet]) -> PlanDocument:
    if not sheets:
        raise PlanImportError([_issue(_("Bảng tính không có trang tính nào."))])
    info_key = _key(INFO_SHEET)
    info = next((ws for ws in sheets if _key(ws.title) == info_key), None)
    supplement = find_supplement_sheet(sheets)
    data_sheets = [ws for ws in sheets if ws is not info and ws is not supplement]

    issues = []
    builder = AppendixBuilder()
    appendix: Sheet | None = None
    lines: list[tuple[str, Location]] = []
    # A hidden sheet (an old version kept out of sight) is read only when no visible one
    # holds the appendix.
    filled = sorted(
        (ws for ws in data_sheets if not _is_empty(ws)),
        key=lambda ws: getattr(ws.source, "sheet_state", "visible") != "visible",
    )
    warnings_found: list[ImportIssue] = []
    for ws in filled:
        top = _sheet_grid(ws, 1, min(ws.max_row, HEADER_SEARCH_ROWS + 1), min(ws.max_column, 64))
        found = find_header(top, HEADER_SEARCH_ROWS)
        if found is None:
            continue
        header_index, start, columns = found
        appendix = ws
        lines = [
            (row.line(), Location(sheet=ws.title, row=row.number))
            for row in top[:header_index]
            if row.line()
        ]
        last = ws.max_row
        if last > MAX_ROWS:
            if _has_content_after(ws, MAX_ROWS):
                issues.append(too_many_rows(ws.title))
                break
            last = MAX_ROWS

        def results(sheet: Sheet = ws) -> Sheet:
            return Sheet(sheet.title, *_parse_sheet(workbook, sheet.source, data_only=True))

        numbers = NumberFormulas(results, ws, columns["number"] + 1)
        rows = _sheet_grid(ws, start + 1, last, max(columns.values()) + 1, numbers)
        skipped = [row.number for row in rows if row.number in ws.hidden_rows]
        if skipped:
            rows = [row for row in rows if row.number not in ws.hidden_rows]
            warnings_found.append(
                ImportIssue(
                    Location(sheet=ws.title),
                    _(
                        "%(count)s dòng bị ẩn trong bảng (dòng %(rows)s) không được nhập, như "
                        "khi xem và in bảng tính. Hãy bỏ ẩn nếu cần nhập các dòng này."
                    )
                    % {"count": len(skipped), "rows": _row_list(skipped)},
                )
            )
        builder.read_table(ws.title, rows, columns, lambda index: get_column_letter(index + 1))
        builder.finish(ws.title)
        break

    if appendix is None:
        if filled:
            issues.extend(header_not_found(ws.title) for ws in filled)
        else:
            title = data_sheets[0].title if data_sheets else ""
            issues.append(_issue(_("Trang tính trống, không có dữ liệu."), Location(sheet=title)))
    issues.extend(builder.issues)

    header, header_issues = read_title_lines(lines)
    issues.extend(header_issues)
    if info is not None:
        issues.extend(_read_info_sheet(info, header))
    if issues:
        raise PlanImportError(issues)
    document = PlanDocument(header=header, areas=builder.areas, warnings=warnings_found)
    if supplement is not None:
        read_supplement_sheet(supplement, document)
    return document
