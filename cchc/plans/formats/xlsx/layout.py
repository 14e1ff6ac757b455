"""The appendix table's layout, shared by the XLSX and DOCX formats.

Columns and their titles, sheet names, limits and file markers, the text helpers that
read cell values, the plain-cell grid both readers produce, recognising the header row,
the title lines above the table, and the workbook's column widths.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cchc.lib.text import continues, fold, join_wrapped_lines
from cchc.plans.interchange import (
    PlanHeader,
)

# --- The appendix layout -------------------------------------------------------------------

FIELDS = ("number", "task", "activity", "outputs", "lead", "cooperating", "deadline", "notes")
COLUMN_TITLES: dict[str, str] = {
    "number": "TT",
    "task": "Nhiệm vụ cụ thể",
    "activity": "Hoạt động",
    "outputs": "Kết quả/Sản phẩm",
    "lead": "Cơ quan chủ trì",
    "cooperating": "Cơ quan phối hợp",
    "deadline": "Thời gian hoàn thành",
    "notes": "Ghi chú",
}
APPENDIX_SHEET = "Phụ lục"
INFO_SHEET = "Thông tin kế hoạch"
INFO_LABELS: dict[str, str] = {
    "issuer": "Cơ quan ban hành",
    "number": "Số, ký hiệu",
    "issued_on": "Ngày ban hành",
    "year": "Năm",
    "title": "Trích yếu",
    "status": "Trạng thái",
}
APPENDIX_TITLE = "PHỤ LỤC"

HEADER_SEARCH_ROWS = 20
MAX_ROWS = 20_000
MAX_CELL_CHARS = 5_000
# Zip limits (members, sizes, ratios) are cchc.lib.containers', the same for every upload.

XLSX_MARKER = "xl/workbook.xml"
DOCX_MARKER = "word/document.xml"

ACRONYMS = frozenset(
    {
        "CCHC", "TTHC", "QPPL", "VBQPPL", "UBND", "HĐND", "CNTT", "CQĐT", "CPĐT", "CQS",
        "MTTQ", "UBMTTQ", "CBCC", "CBCCVC", "CCVC", "VC", "ĐVSNCL", "SIPAS", "PAR", "INDEX",
        "PAPI", "PCI", "ISO", "TCVN", "BCĐ", "KT-XH", "DVC", "DVCTT", "CSDL", "HCC", "ICT",
        "IOC", "HTQLCL", "NSNN", "KBNN", "BHXH", "VNPT", "VNEID", "LGSP", "VPĐT", "QLNN",
        "TW", "KH", "UB", "BCH", "CP", "TTG", "BNV", "NĐ", "QĐ", "TT", "ĐCS", "XHCN",
        "GTVT", "TN&MT", "TNMT", "LĐTBXH", "NN&PTNT", "NNPTNT", "VHTTDL", "KH&CN", "KHCN",
        "KH&ĐT", "KHĐT", "GD&ĐT", "GDĐT", "TT&TT", "TTTT", "CMCN", "AI", "IT",
    }
)  # fmt: skip


# --- Small text helpers --------------------------------------------------------------------


def _key(text: str) -> str:
    """Letters and digits only, folded: the form header titles are compared in."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


MAX_AREA_NUMBER = 50


_AREA_CODE = re.compile(r"^(?P<code>[IVXLCDM]+)\b[\s.:)\-–]*(?P<rest>.*)$", re.IGNORECASE | re.S)
_TASK_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)*)\.?$")
# "Phần I", "Mục II", "Lĩnh vực 3": an area's number with its label written out.
_AREA_LABEL = re.compile(r"^(?:phần|mục|lĩnh\s+vực)\s+(?=\S)", re.IGNORECASE)
# Areas lettered "A", "B." instead of numbered; capitals only ("a)" is an activity).
_LETTER_AREA = re.compile(r"^(?P<code>[A-ZĐ])\b[\s.:)\-–]*(?P<rest>.*)$", re.S)
# "A.I": an area numbered within a section lettered A (see `AppendixBuilder._start_area`).
_SECTION_AREA = re.compile(
    r"^(?P<code>[A-ZĐ]\.[IVXLCDM]+)\b[\s.:)\-–]*(?P<rest>.*)$", re.IGNORECASE | re.S
)
_ARABIC_AREA = re.compile(r"^(?P<code>\d{1,2})\b[\s.:)\-–]*(?P<rest>.*)$", re.S)
# What a table writes in the TT column of an activity under its task: "a", "b)", "c.",
# "-", "+", "•". Areas are capital letters or Roman numerals, tasks Arabic numbers.
_ACTIVITY_LABEL = re.compile(r"^(?:\(?[a-zđ][).]?|[-+•–—*·◦▪►➢❖])$")
_NUMBERING_CELL = re.compile(r"^\(?\d{1,2}\)?$")
_TOKEN = re.compile(r"[\w&]+(?:-[\w&]+)*")


def sentence_case(text: str) -> str:
    """An all-capitals title in sentence case, acronyms kept; other titles unchanged.

    Published appendices shout their area titles; the register shows them as ordinary
    sentences. Python's lower() already maps Vietnamese capitals (Đ, Ư, Ơ, Ấ …) correctly.
    """
    letters = [char for char in text if char.isalpha()]
    if not letters or any(char.islower() for char in letters):
        return text

    def lower(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token.upper() in ACRONYMS else token.lower()

    lowered = _TOKEN.sub(lower, text)
    for index, char in enumerate(lowered):
        if char.isalpha():
            return lowered[:index] + char.upper() + lowered[index + 1 :]
    return lowered


_BULLETS = "-+•–—*·◦▪►➢❖"


def agency_cell(names: Sequence[str]) -> str:
    """Agency names written into one cell, one per line, as `split_agencies` reads them
    back: where a name would read as the previous one's wrapped continuation (it starts
    in lower case or with a bracket), the previous line ends with ";"."""
    lines: list[str] = []
    for name in names:
        if lines and continues(lines[-1], name):
            lines[-1] += ";"
        lines.append(name)
    return "\n".join(lines)


def split_agencies(text: str) -> list[str]:
    """Agency names from one cell: one per line or per ";", bullets dropped.

    Commas are kept: "Các sở, ban, ngành" is a single name.
    """
    return list(_split_agencies(text))


# A plan's agency cells repeat ("Các sở, ban, ngành" on hundreds of rows); a new list each
# time, since callers keep and may change it.
@functools.lru_cache(maxsize=4096)
def _split_agencies(text: str) -> tuple[str, ...]:
    names = []
    for part in re.split(r"[\n;]", join_wrapped_lines(text)):
        name = part.strip().lstrip(_BULLETS).strip().rstrip(".,").strip()
        if name:
            names.append(name)
    return tuple(names)


_ROLE_WORD = r"(?:chủ\s*trì|phối\s*hợp)"
_AGENCY_WORD = r"(?:(?:cơ\s*quan|đơn\s*vị)\s+)?"
# "Chủ trì: Sở Tư pháp", "Cơ quan phối hợp: Sở Nội vụ, Sở Tài chính"
_ROLE_FIRST = re.compile(
    rf"^{_AGENCY_WORD}(?P<role>{_ROLE_WORD})\s*:\s*(?P<names>\S.*)$", re.I | re.S
)
# "Sở Tư pháp (chủ trì)", "Sở Nội vụ phối hợp"
_ROLE_AFTER = re.compile(
    rf"^(?P<names>\S.*?)\s*(?:\(\s*(?P<role>{_ROLE_WORD})\s*\)|\s(?P<bare>{_ROLE_WORD}))$",
    re.I | re.S,
)
# A new role starts a new part: "Chủ trì: Sở Tư pháp, phối hợp: Sở Nội vụ", "Sở Tư pháp
# chủ trì, Sở Nội vụ phối hợp".
_ROLE_BREAK = re.compile(
    rf"\s*[,.]\s*(?={_AGENCY_WORD}{_ROLE_WORD}\s*:)"
    r"|(?:(?<=chủ trì)|(?<=phối hợp)|(?<=chủ trì\))|(?<=phối hợp\)))\s*,\s*",
    re.I,
)


def split_roles(text: str) -> tuple[list[str], list[str]] | None:
    """Lead and cooperating agencies written in one cell with their roles ("Sở Tư pháp
    (chủ trì); Sở Nội vụ (phối hợp)", "Chủ trì: Sở Tư pháp\nPhối hợp: Sở Nội vụ"), or
    None when no name of the cell is marked "phối hợp": then all are the lead's."""
    lead: list[str] = []
    cooperating: list[str] = []
    for part in split_agencies(text):
        for piece in _ROLE_BREAK.split(part):
            found = _ROLE_FIRST.match(piece) or _ROLE_AFTER.match(piece)
            if found is None:
                lead.append(piece)
                continue
            role = found.group("role") or found.group("bare")
            names = split_agencies(found.group("names"))
            (cooperating if fold(role).replace(" ", "") == "phoihop" else lead).extend(names)
    return (lead, cooperating) if cooperating else None


def format_date(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date_text(text: str) -> date | None:
    """A dd/mm/yyyy (or ISO) date, or None when the text is not one."""
    text = text.strip()
    match = _DMY.match(text)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        match = _ISO.match(text)
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return None


def safe_text(text: str) -> str:
    """Text an XML part can hold: control characters from pasted sources removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


# --- The grid both readers produce ---------------------------------------------------------


@dataclass
class GridCell:
    text: str = ""
    # The cell continues a vertical merge: `text` is the value of the merge's top cell.
    merged: bool = False
    # Why the cell cannot be used (a formula, too long …); reported only if it is in the table.
    problem: str = ""
    # The label Word's automatic numbering shows before the cell's text ("1.", "II."), which
    # is not part of the text itself.
    numbered: str = ""


EMPTY_CELL = GridCell()


@dataclass
class GridRow:
    number: int  # 1-based, as the user sees it in Excel or counts it in Word
    cells: list[GridCell] = field(default_factory=list)

    def cell(self, index: int | None) -> GridCell:
        if index is None or index >= len(self.cells):
            return EMPTY_CELL
        return self.cells[index]

    def line(self) -> str:
        """The row's own text on one line, as a title line above the table."""
        return " ".join(cell.text for cell in self.cells if cell.text and not cell.merged)


@functools.lru_cache(maxsize=4096)
def _header_field(text: str) -> str | None:
    # Asked of every cell of every row (a header may repeat on each page), and a plan's
    # cells repeat the same few thousand texts.
    key = _key(text)
    if not key:
        return None
    if key in {"tt", "stt", "sott", "sothutu", "thutu"}:
        return "number"
    for fragment, name in (
        # "Thời gian thực hiện" over "Bắt đầu" | "Hoàn thành": the start is a column of the
        # header that cchc does not keep; the end is the deadline.
        ("batdau", START),
        ("tungay", START),
        ("ketthuc", "deadline"),
        ("denngay", "deadline"),
        ("hoatdong", "activity"),
        ("nhiemvu", "task"),
        ("ketqua", "outputs"),
        ("sanpham", "outputs"),
        ("chutri", "lead"),
        ("phoihop", "cooperating"),
        ("thoigian", "deadline"),
        ("thoihan", "deadline"),
        ("tiendo", "deadline"),
        ("lotrinh", "deadline"),
        ("thoidiem", "deadline"),
        ("hoanthanh", "deadline"),
        ("ghichu", "notes"),
        # After the fields above: "Nội dung hoạt động" is the activity, "Nội dung công
        # việc" or "Nội dung" alone the task.
        ("noidung", "task"),
        ("congviec", "task"),
        # "Lĩnh vực" in a column of its own, where a table does not write area rows. After
        # the fields above: "Lĩnh vực, nhiệm vụ" is the task's column.
        ("linhvuc", AREA),
    ):
        if fragment in key:
            return name
    # "Cơ quan thực hiện", "Đơn vị đầu mối": the lead, when a table has no "chủ trì"
    # column (a two-level header puts "Chủ trì" | "Phối hợp" under it, the same column).
    # Only an agency's column: "Kinh phí thực hiện" is not one.
    if ("coquan" in key or "donvi" in key) and ("thuchien" in key or "daumoi" in key):
        return "lead"
    return None


START = "start"
AREA = "area"
# The titles of the columns a header may have besides FIELDS, as messages name them.
EXTRA_TITLES = {START: "Bắt đầu", AREA: "Lĩnh vực"}


def opens_header(text: str) -> bool:
    """Whether a row whose first filled cell says `text` may be a header: a header starts
    with the TT column's title ("TT", "STT", "Số thứ tự")."""
    return _header_field(text) == "number"


def _row_fields(row: GridRow) -> tuple[dict[str, int], bool]:
    """Fields named by the row's cells (first occurrence wins), and whether every
    non-empty cell named one."""
    found: dict[str, int] = {}
    clean = True
    for index, cell in enumerate(row.cells):
        if not cell.text or cell.merged:
            continue
        name = _header_field(cell.text)
        if name is None:
            clean = False
        elif name not in found:
            found[name] = index
        elif name == "task" and "activity" not in found:
            # "Nội dung | Nhiệm vụ cụ thể", "Nhiệm vụ | Công việc cụ thể": a second task
            # title, where no column says "hoạt động", is the finer of the two.
            found["activity"] = index
    return found, clean


# A header row names at least this many columns, each in a cell of its own; or at least
# HEADER_MIN_CLEAN when every filled cell of the row names one (the upper row of a
# two-level header: "STT | Nhiệm vụ | Đơn vị thực hiện | Thời gian thực hiện | Sản phẩm").
HEADER_MIN_FIELDS = 6
HEADER_MIN_CLEAN = 4


def _is_header(found: dict[str, int], clean: bool = False) -> bool:
    if "number" not in found or "task" not in found:
        return False
    return len(found) >= (HEADER_MIN_CLEAN if clean else HEADER_MIN_FIELDS)


def find_header(rows: Sequence[GridRow], limit: int) -> tuple[int, int, dict[str, int]] | None:
    """Indexes of the header row and the first data row, and the field -> column index
    map; None when the first `limit` rows hold no header.

    A two-level header ("Cơ quan thực hiện" over "Chủ trì" | "Phối hợp") is read as one.
    """
    for index, row in enumerate(rows[:limit]):
        found, clean = _row_fields(row)
        if not _is_header(found, clean):
            continue
        start = index + 1
        if start < len(rows):
            below, below_clean = _row_fields(rows[start])
            if below_clean and below and not set(below) <= {"number", "task"}:
                # The lower row is finer: "Hoàn thành" under "Thời gian thực hiện" is the
                # deadline's own column, not the merged cell's first one ("Bắt đầu").
                found = {**found, **below}
                start += 1
        return index, start, found
    return None


# What sits below a published table: the recipients list and the signature block. A row
# holding one of these ends the appendix; nothing after it is a task.
_SIGNATURE_START = re.compile(
    r"^(?:nơi\s*nhận\b|t\s*[./]\s*m\b|tm\s*\.|k\s*[./]\s*t\b|kt\s*\.|tl\s*\.|q\s*\.\s*"
    r"(?:chủ|giám)|\(?\s*đã\s*ký\s*\)?$|\(\s*ký\s*(?:tên|,)|người\s*lập\b"
    # The place and date above the signer: "Hà Giang, ngày 10 tháng 01 năm 2023".
    # A deadline ("Quý I, ngày 10 tháng 3 năm 2023") is not a place.
    r"|(?!(?:quý|tháng|trước|sau|từ|đến|năm|hạn|chậm)\b)[^\W\d][\w .]{1,40},\s*"
    r"ngày\b[\s\d.…_]*tháng\b[\s\d.…_]*năm\b[\s\d.…_]*$)",
    re.IGNORECASE,
)
_SIGNATURE_TITLES = frozenset(
    {
        "chủ tịch", "phó chủ tịch", "giám đốc", "phó giám đốc", "trưởng ban", "phó trưởng ban",
        "chánh văn phòng", "phó chánh văn phòng", "thủ trưởng cơ quan", "thủ trưởng đơn vị",
    }
)  # fmt: skip
# "Tổng cộng", "Cộng", "Tổng số" rows summing the table: not tasks. Diacritics count here:
# "Công tác …" must not match "Cộng".
# "Tổng cộng: 25 nhiệm vụ, 134 hoạt động" counts too.
_TOTAL = re.compile(
    r"^(?:tổng\s+cộng|tổng\s+số|cộng|tổng)\b[\s:.\-]*"
    r"(?:[\divxlcdm+(),;.\s]"
    r"|(?<=\d )(?:nhiệm\s+vụ|hoạt\s+động|nội\s+dung|lĩnh\s+vực|đầu\s+việc)\b)*$"
)


# Asked of every filled cell of every row; most cells repeat (agencies, deadlines).
@functools.lru_cache(maxsize=4096)
def is_signature_cell(text: str) -> bool:
    """A cell that starts the recipients list or the signature block below the table."""
    line = text.split("\n", 1)[0].strip()
    return bool(_SIGNATURE_START.match(line)) or line.lower().rstrip(".:") in _SIGNATURE_TITLES


def is_total_cell(text: str) -> bool:
    return bool(_TOTAL.match(" ".join(text.lower().split())))


def _is_numbering_row(texts: Iterable[str]) -> bool:
    """The "(1) (2) (3) …" row under a published header."""
    filled = [text for text in texts if text]
    return len(filled) >= 3 and all(_NUMBERING_CELL.match(text) for text in filled)


# --- Title lines above the table -----------------------------------------------------------


def title_lines(header: PlanHeader) -> list[str]:
    """The lines a published appendix carries above its table."""
    year = (
        f"NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM {header.year}"
        if header.year
        else "NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH"
    )
    attached = ""
    if header.number or header.issued_on or header.issuer:
        attached = "(Kèm theo Kế hoạch"
        if header.number:
            attached += f" số {header.number}"
        if header.issued_on:
            day = header.issued_on
            attached += f" ngày {day.day:02d} tháng {day.month:02d} năm {day.year:04d}"
        if header.issuer:
            attached += f" của {header.issuer}"
        attached += ")"
    return [APPENDIX_TITLE, year, attached]


# --- Workbook layout (the styles are cchc.lib.office's) -------------------------------------

COLUMN_WIDTHS = (6, 40, 35, 30, 25, 25, 16, 20)
HEADER_ROW = 5
