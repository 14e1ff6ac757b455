"""The plan appendix as a Word document.

Provinces publish the appendix in Word more often than in Excel. The table is the same
8-column layout as the workbook (see `xlsx.py`, which holds the shared table reader); Word
adds its own shapes: a table broken into several tables with the header repeated,
horizontally spanned cells (gridSpan) and vertically merged cells (vMerge), which
python-docx reports as the same cell on every row they cover.
"""

from __future__ import annotations

import re
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
from cchc.lib.roman import MAX_ROMAN, to_roman
from cchc.plans.formats.docx_supplement import read_supplement_table, write_supplement_table
from cchc.plans.formats.xlsx.layout import (
    COLUMN_TITLES,
    DOCX_MARKER,
    FIELDS,
    MAX_ROWS,
    GridCell,
    GridRow,
    agency_cell,
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


def _grid_rows(table: Table, labels: dict[Any, str]) -> list[GridRow]:
    """The table as rows of grid cells, spans and merges resolved.

    A horizontally spanned cell gives its text to its first grid column only; a vertically
    merged cell repeats the top cell's text on the rows below, marked as merged. `labels`
    holds the automatic numbers Word shows before numbered paragraphs.
    """
    rows = []
    tops: dict[int, GridCell] = {}
    for number, tr in enumerate(table._tbl.tr_lst, start=1):
        cells = [GridCell() for _ in range(tr.grid_before)]
        for tc in tr.tc_lst:
            column = len(cells)
            if tc.vMerge == "continue":
                top = tops.get(column, GridCell())
                cells.append(GridCell(text=top.text, merged=True, numbered=top.numbered))
            else:
                text = clean_text(_Cell(tc, table).text)
                paragraphs = tc.p_lst
                label = labels.get(paragraphs[0], "") if paragraphs else ""
                cell = GridCell(text=text, problem=too_long(text), numbered=label)
                tops[column] = cell
                cells.append(cell)
            cells.extend(GridCell() for _ in range(tc.grid_span - 1))
        rows.append(GridRow(number, cells))
    return rows


def _with_numbers(rows: list[GridRow], column: int) -> list[GridRow]:
    """The TT column as Word shows it: an automatic number ("1.", "II.") before the text."""
    for row in rows:
        if column < len(row.cells):
            cell = row.cells[column]
            if cell.numbered:
                text = f"{cell.numbered} {cell.text}".strip()
                row.cells[column] = GridCell(text=text, merged=cell.merged, problem=cell.problem)
    return rows


# --- Word's automatic numbering ----------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _val(element: Any, path: str) -> str | None:
    found = element.find(path)
    return None if found is None else found.get(f"{_W}val")


def _letters(value: int, capital: bool) -> str:
    # Word's letter numbering repeats the letter past z: a … z, aa … zz, aaa …
    letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
    return letter.upper() if capital else letter


def _format_number(value: int, number_format: str) -> str:
    # Past 3999 Word itself falls back to digits; the bound also keeps a hostile start value
    # from asking for a label millions of letters long.
    if (value < 1 or value > MAX_ROMAN) and number_format != "decimal":
        return str(value)
    if number_format in {"upperRoman", "lowerRoman"}:
        roman = to_roman(value)
        return roman if number_format == "upperRoman" else roman.lower()
    if number_format in {"upperLetter", "lowerLetter"}:
        return _letters(value, number_format == "upperLetter")
    if number_format in {"bullet", "none"}:
        return ""
    return str(value)  # decimal, decimalZero and the rest read as plain numbers


class _Level:
    def __init__(self, element: Any) -> None:
        self.start = int(_val(element, f"{_W}start") or 0)
        self.format = _val(element, f"{_W}numFmt") or "decimal"
        self.text = _val(element, f"{_W}lvlText") or ""
        restart = _val(element, f"{_W}lvlRestart")
        # Levels restart after any higher level by default; lvlRestart="0" never.
        self.restart = int(restart) if restart is not None else None


def _style_numbering(document: Any) -> dict[str, tuple[str | None, int]]:
    """Paragraph styles that number their paragraphs ("List Number"), with their basedOn
    chain followed: style id -> (numId, ilvl)."""
    try:
        styles = document.part.styles.element
    except (KeyError, NotImplementedError):
        return {}
    own: dict[str, tuple[str | None, int | None]] = {}
    based: dict[str, str] = {}
    for style in styles.findall(f"{_W}style"):
        identifier = style.get(f"{_W}styleId", "")
        parent = _val(style, f"{_W}basedOn")
        if parent:
            based[identifier] = parent
        properties = style.find(f"{_W}pPr/{_W}numPr")
        if properties is not None:
            style_ilvl = _val(properties, f"{_W}ilvl")
            own[identifier] = (
                _val(properties, f"{_W}numId"),
                int(style_ilvl) if style_ilvl else None,
            )
    found: dict[str, tuple[str | None, int]] = {}
    for identifier in set(own) | set(based):
        num_id: str | None = None
        level: int | None = None
        seen: set[str] = set()
        current: str | None = identifier
        while current and current not in seen and (num_id is None or level is None):
            seen.add(current)
            style_num, style_level = own.get(current, (None, None))
            num_id = num_id if num_id is not None else style_num
            level = level if level is not None else style_level
            current = based.get(current)
        if num_id is not None:
            found[identifier] = (num_id, level or 0)
    return found


def numbering_labels(document: Any) -> dict[Any, str]:
    """The label Word shows before each numbered paragraph of the body, by paragraph element.

    Word counts a list per abstract numbering definition: two list instances (w:num) of the
    same definition continue each other unless an instance restarts a level with
    w:lvlOverride/w:startOverride, which applies where the instance is first used. A level
    starts at its w:start and restarts whenever a higher level moves on.
    """
    body = document.element.body
    styled = _style_numbering(document)
    numbered: list[tuple[Any, str | None, int]] = []
    for paragraph in body.iter(f"{_W}p"):
        properties = paragraph.find(f"{_W}pPr")
        if properties is None:
            continue
        num_id, ilvl = styled.get(_val(properties, f"{_W}pStyle") or "", (None, 0))
        direct = properties.find(f"{_W}numPr")
        if direct is not None:
            # The paragraph's own numPr overrides its style's, each part on its own.
            num_id = _val(direct, f"{_W}numId") or num_id
            own_level = _val(direct, f"{_W}ilvl")
            ilvl = int(own_level) if own_level is not None else ilvl
        if num_id is not None:
            numbered.append((paragraph, num_id, ilvl))
    if not numbered:
        return {}
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return {}
    abstracts: dict[str, dict[int, _Level]] = {}
    for abstract in numbering.findall(f"{_W}abstractNum"):
        levels = {
            int(level.get(f"{_W}ilvl", "0")): _Level(level)
            for level in abstract.findall(f"{_W}lvl")
        }
        abstracts[abstract.get(f"{_W}abstractNumId", "")] = levels
    instances: dict[str, tuple[str, dict[int, int]]] = {}
    for num in numbering.findall(f"{_W}num"):
        overrides = {}
        for override in num.findall(f"{_W}lvlOverride"):
            start = _val(override, f"{_W}startOverride")
            if start is not None and start.lstrip("-").isdigit():
                overrides[int(override.get(f"{_W}ilvl", "0"))] = int(start)
        instances[num.get(f"{_W}numId", "")] = (_val(num, f"{_W}abstractNumId") or "", overrides)

    counters: dict[str, dict[int, int]] = {}
    started: set[str] = set()
    labels: dict[Any, str] = {}
    for paragraph, num_id, level_number in numbered:
        if num_id is None or num_id == "0" or num_id not in instances:
            continue  # numId 0 switches numbering off for the paragraph
        abstract_id, overrides = instances[num_id]
        levels = abstracts.get(abstract_id, {})
        level = levels.get(level_number)
        if level is None:
            continue
        counts = counters.setdefault(abstract_id, {})
        if num_id not in started:
            started.add(num_id)
            for overridden, first in overrides.items():
                # The next paragraph at that level shows `first`.
                counts[overridden] = first - 1
        if level_number in counts:
            counts[level_number] += 1
        else:
            counts[level_number] = level.start
        for lower, lower_level in levels.items():
            if lower > level_number and (
                lower_level.restart is None or lower_level.restart > level_number
            ):
                counts.pop(lower, None)
        if level.format in {"bullet", "none"}:
            continue

        def shown(
            match: re.Match[str],
            counts: dict[int, int] = counts,
            levels: dict[int, _Level] = levels,
        ) -> str:
            index = int(match.group(1)) - 1
            referred = levels.get(index)
            value = counts.get(index, referred.start if referred else 1)
            return _format_number(value, referred.format if referred else "decimal")

        labels[paragraph] = re.sub(r"%(\d)", shown, level.text).strip()
    return labels


# --- Tracked changes ---------------------------------------------------------------------


def accept_tracked_changes(document: Any) -> int:
    """Apply every unaccepted revision as Word does on "Accept all"; return how many.

    Inserted text (w:ins, w:moveTo) is kept, deleted text (w:del, w:moveFrom, and a
    deletion inside an insertion) is dropped, deleted table rows go, and the marks of
    inserted rows and formatting changes are removed.
    """
    body = document.element.body
    count = sum(len(body.findall(f".//{_W}{tag}")) for tag in ("ins", "del", "moveFrom", "moveTo"))
    if not count:
        return 0
    for row_mark in body.findall(f".//{_W}tr/{_W}trPr/{_W}del"):
        row = row_mark.getparent().getparent()
        if row.getparent() is not None:
            row.getparent().remove(row)
    for tag in ("del", "moveFrom"):
        for element in body.findall(f".//{_W}{tag}"):
            parent = element.getparent()
            if parent is None:
                continue  # already gone with an outer deletion
            # A deleted paragraph mark (in w:rPr) is only dropped: its text stays.
            parent.remove(element)
    for tag in ("ins", "moveTo"):
        for element in body.findall(f".//{_W}{tag}"):
            parent = element.getparent()
            if parent is None:
                continue
            if parent.tag in {f"{_W}rPr", f"{_W}trPr"}:
                parent.remove(element)
                continue
            index = parent.index(element)
            for offset, child in enumerate(list(element)):
                parent.insert(index + offset, child)
            parent.remove(element)
    for tag in ("rPrChange", "pPrChange", "tblPrChange", "trPrChange", "tcPrChange"):
        for element in body.findall(f".//{_W}{tag}"):
            element.getparent().remove(element)
    return count


def _grid_width(table: Table) -> int:
    grid = table._tbl.tblGrid
    return len(grid.gridCol_lst) if grid is not None else 0


# Title rows a table may hold above its header ("PHỤ LỤC", the attached-to line).
TITLE_ROWS_IN_TABLE = 4


def _is_title_row(row: GridRow) -> bool:
    """A row with at most one text: a title merged across the table, or an empty row."""
    return sum(1 for cell in row.cells if cell.text and not cell.merged) <= 1


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

    warnings = []
    changes = accept_tracked_changes(document)
    if changes:
        warnings.append(
            ImportIssue(
                Location(),
                _(
                    "Văn bản còn %(count)s thay đổi chưa được chấp nhận (Theo dõi thay đổi – "
                    "Track Changes). Văn bản đã được đọc như khi chấp nhận tất cả thay đổi: "
                    "giữ phần chèn thêm, bỏ phần đã xoá. Hãy kiểm tra lại kết quả nhập."
                )
                % {"count": changes},
            )
        )
    try:
        labels = numbering_labels(document)
    except (ValueError, TypeError, KeyError, AttributeError):
        # Malformed numbering definitions (a level that is not a number): Word would show
        # no number either, and an empty TT is reported where it matters.
        labels = {}

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
        if builder.ended:
            break  # the signature block was in the table above; nothing after it is a task
        table_count += 1
        sheet = _table_name(table_count)
        try:
            rows = _grid_rows(block, labels)
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
        found = find_header(rows, TITLE_ROWS_IN_TABLE + 1)
        if found is not None and not all(_is_title_row(row) for row in rows[: found[0]]):
            found = None  # a header further down a table of something else
        if found is not None:
            header_index, start, columns = found
            if not builder.areas:
                # "PHỤ LỤC …", "(Kèm theo Kế hoạch số …)" in merged rows above the header,
                # inside the table: the appendix's title lines.
                lines.extend(
                    (row.line(), Location(sheet=sheet, row=row.number))
                    for row in rows[:header_index]
                    if row.line()
                )
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
        _with_numbers(rows, columns["number"])
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
    result = PlanDocument(header=header, areas=builder.areas, warnings=warnings)
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
                        agency_cell(activity.lead),
                        agency_cell(activity.cooperating),
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
