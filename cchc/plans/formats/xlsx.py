"""The plan appendix as an Excel workbook, and the table logic XLSX and DOCX share.

A province publishes its yearly administrative-reform tasks as an appendix ("Phụ lục")
to the plan: an 8-column table where Roman-numbered rows open an area, Arabic-numbered
rows open a task and the rows below a task (or vertically merged cells) add more
activities to it. Word and Excel files carry the same table, so this module turns either
into a grid of plain cells first (`GridRow`) and one `AppendixBuilder` reads that grid.
The DOCX module imports the shared parts from here.

Uploaded files are untrusted: the zip container is inspected before any XML library
sees it, and every problem is collected so that the user can fix a file in one pass.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from cchc.lib.text import fold
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
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
# Below this size a high ratio cannot hurt (a few KB of repeated XML compresses very well),
# so small members are not held to the ratio limit.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 10_000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XLSX_MARKER = "xl/workbook.xml"
DOCX_MARKER = "word/document.xml"

# Fixed zip member times and document timestamps make the same plan give the same bytes.
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
FIXED_TIMESTAMP = datetime(2000, 1, 1, tzinfo=UTC)

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


_ROMAN_SHAPE = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
MAX_AREA_NUMBER = 50


def roman_value(text: str) -> int | None:
    """The value of a well-formed Roman numeral, or None."""
    text = text.upper()
    if not text or not _ROMAN_SHAPE.match(text):
        return None
    total = 0
    for index, char in enumerate(text):
        value = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[text[index + 1]] if index + 1 < len(text) else 0
        total += -value if value < following else value
    return total


_AREA_CODE = re.compile(r"^(?P<code>[IVXLCDM]+)\b[\s.:)\-–]*(?P<rest>.*)$", re.IGNORECASE | re.S)
_TASK_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)*)\.?$")
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


def split_agencies(text: str) -> list[str]:
    """Agency names from one cell: one per line or per ";", bullets dropped.

    Commas are kept: "Các sở, ban, ngành" is a single name.
    """
    names = []
    for part in re.split(r"[\n;]", text):
        name = part.strip().lstrip(_BULLETS).strip().rstrip(".,").strip()
        if name:
            names.append(name)
    return names


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


# --- Zip containers ------------------------------------------------------------------------


def _issue(message: str, location: Location | None = None) -> ImportIssue:
    return ImportIssue(location or Location(), message)


def zip_names(data: bytes) -> set[str] | None:
    """Member names of a zip archive, or None when `data` is not one. Reads no members."""
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return {info.filename for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None


def check_container(data: bytes, marker: str) -> list[ImportIssue]:
    """Problems that make a file unsafe or impossible to open as an Office package.

    Runs before openpyxl or python-docx sees the bytes: a zip bomb must be refused from its
    directory, never inflated.
    """
    expected = _("bảng tính Excel (.xlsx)") if marker == XLSX_MARKER else _("văn bản Word (.docx)")
    if not data:
        return [_issue(_("Tệp rỗng, không có nội dung."))]
    if data.startswith(OLE2_MAGIC):
        return [
            _issue(
                _(
                    "Tệp được đặt mật khẩu hoặc ở định dạng cũ (.xls, .doc). Hãy gỡ mật khẩu "
                    "và lưu lại thành %(expected)s rồi tải lên lại."
                )
                % {"expected": expected}
            )
        ]
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return [
            _issue(
                _("Tệp không phải là %(expected)s: nội dung không đúng định dạng hoặc bị hỏng.")
                % {"expected": expected}
            )
        ]
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if len(infos) > MAX_ZIP_MEMBERS:
            return [
                _issue(
                    _("Tệp nén chứa quá nhiều thành phần (%(count)s); không thể đọc an toàn.")
                    % {"count": len(infos)}
                )
            ]
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            return [
                _issue(
                    _(
                        "Tệp giải nén ra quá lớn (%(size)s MB, tối đa %(limit)s MB); "
                        "có thể là tệp độc hại (zip bomb)."
                    )
                    % {
                        "size": total // (1024 * 1024),
                        "limit": MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
                    }
                )
            ]
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
                return [
                    _issue(
                        _(
                            "Thành phần «%(name)s» có tỉ lệ nén bất thường (%(ratio)s lần); "
                            "có thể là tệp độc hại (zip bomb)."
                        )
                        % {"name": info.filename, "ratio": int(ratio)}
                    )
                ]
        if any(info.flag_bits & 0x1 for info in infos):
            return [_issue(_("Tệp được mã hoá (đặt mật khẩu); hãy gỡ mật khẩu rồi tải lên lại."))]
    if marker not in names:
        if XLSX_MARKER in names:
            found = _("bảng tính Excel (.xlsx)")
        elif DOCX_MARKER in names:
            found = _("văn bản Word (.docx)")
        else:
            found = ""
        if found:
            message = _("Tệp này là %(found)s, không phải %(expected)s.") % {
                "found": found,
                "expected": expected,
            }
        else:
            message = _("Tệp nén này không phải là %(expected)s.") % {"expected": expected}
        return [_issue(message)]
    return []


def stable_zip(data: bytes) -> bytes:
    """The same archive with fixed member times, so equal content gives equal bytes."""
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


# --- The grid both readers produce ---------------------------------------------------------


@dataclass
class GridCell:
    text: str = ""
    # The cell continues a vertical merge: `text` is the value of the merge's top cell.
    merged: bool = False
    # Why the cell cannot be used (a formula, too long …); reported only if it is in the table.
    problem: str = ""


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


def _header_field(text: str) -> str | None:
    key = _key(text)
    if not key:
        return None
    if key in {"tt", "stt", "sott", "sothutu", "thutu"}:
        return "number"
    for fragment, name in (
        ("hoatdong", "activity"),
        ("nhiemvu", "task"),
        ("ketqua", "outputs"),
        ("sanpham", "outputs"),
        ("chutri", "lead"),
        ("phoihop", "cooperating"),
        ("thoigian", "deadline"),
        ("thoihan", "deadline"),
        ("tiendo", "deadline"),
        ("ghichu", "notes"),
    ):
        if fragment in key:
            return name
    return None


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
    return found, clean


def _is_header(found: dict[str, int]) -> bool:
    return "number" in found and "task" in found and len(found) >= 6


def find_header(rows: Sequence[GridRow], limit: int) -> tuple[int, int, dict[str, int]] | None:
    """Indexes of the header row and the first data row, and the field -> column index
    map; None when the first `limit` rows hold no header.

    A two-level header ("Cơ quan thực hiện" over "Chủ trì" | "Phối hợp") is read as one.
    """
    for index, row in enumerate(rows[:limit]):
        found, _clean = _row_fields(row)
        if not _is_header(found):
            continue
        start = index + 1
        if start < len(rows):
            below, clean = _row_fields(rows[start])
            extra = {name: col for name, col in below.items() if name not in found}
            if clean and extra:
                found = {**found, **extra}
                start += 1
        return index, start, found
    return None


def _is_numbering_row(texts: Iterable[str]) -> bool:
    """The "(1) (2) (3) …" row under a published header."""
    filled = [text for text in texts if text]
    return len(filled) >= 3 and all(_NUMBERING_CELL.match(text) for text in filled)


def header_not_found(sheet: str) -> ImportIssue:
    titles = ", ".join(COLUMN_TITLES[name] for name in FIELDS)
    return _issue(
        _(
            "Không tìm thấy dòng tiêu đề của bảng phụ lục trong %(limit)s dòng đầu; "
            "bảng cần có các cột: %(titles)s."
        )
        % {"limit": HEADER_SEARCH_ROWS, "titles": titles},
        Location(sheet=sheet),
    )


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

    def read_table(
        self,
        sheet: str,
        rows: Sequence[GridRow],
        columns: dict[str, int],
        label: Callable[[int], str],
    ) -> None:
        for row in rows:
            self._read_row(sheet, row, columns, label)

    def _read_row(
        self, sheet: str, row: GridRow, columns: dict[str, int], label: Callable[[int], str]
    ) -> None:
        cells = {name: row.cell(columns.get(name)) for name in FIELDS}

        def where(name: str) -> Location:
            index = columns.get(name)
            return Location(
                sheet=sheet,
                row=row.number,
                column=label(index) if index is not None else "",
                column_title=COLUMN_TITLES[name],
            )

        if not any((cell.text and not cell.merged) or cell.problem for cell in cells.values()):
            return
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
        found, clean = _row_fields(row)
        after_header, self._after_header = self._after_header, False
        if _is_header(found) or _is_numbering_row(own.values()):
            self._after_header = True
            return  # a header repeated on a later page
        if after_header and clean and not own["number"]:
            return  # the second level of a repeated two-level header

        number = own["number"]
        if number:
            task_match = _TASK_NUMBER.match(number)
            if task_match:
                self._start_task(task_match.group("number"), own["task"], where)
            else:
                self._start_area(number, own, where)
                return
        elif own["task"]:
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
            self._add_activity(values, where)

    def _start_area(
        self, number: str, own: dict[str, str], where: Callable[[str], Location]
    ) -> None:
        match = _AREA_CODE.match(number)
        code = match.group("code").upper() if match else ""
        value = roman_value(code) if code else None
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
        self._area = area
        self._task = None
        self._task_numbers = set()

    def _start_task(self, number: str, title: str, where: Callable[[str], Location]) -> None:
        task = TaskRow(number=number, title=title)
        task.source = {"number": where("number"), "title": where("task")}
        if self._area is None:
            self.issues.append(
                ImportIssue(
                    where("number"),
                    _(
                        "Nhiệm vụ %(number)s đứng trước mọi lĩnh vực: cần một dòng lĩnh vực "
                        "(số La Mã I, II …) ở phía trên."
                    )
                    % {"number": number},
                )
            )
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

    def _add_activity(self, values: dict[str, str], where: Callable[[str], Location]) -> None:
        task = self._task
        assert task is not None
        if not any(values[name] for name in FIELDS[2:]):
            return  # a task row that only names the task; its activities follow
        activity = ActivityRow(
            title=values["activity"] or task.title,
            outputs=values["outputs"],
            lead=split_agencies(values["lead"]),
            cooperating=split_agencies(values["cooperating"]),
            deadline=values["deadline"],
            notes=values["notes"],
        )
        activity.source = {
            name: where(source)
            for name, source in (
                ("title", "activity"),
                ("outputs", "outputs"),
                ("lead", "lead"),
                ("cooperating", "cooperating"),
                ("deadline", "deadline"),
                ("notes", "notes"),
            )
        }
        task.activities.append(activity)

    def finish(self, sheet: str) -> None:
        if not self.areas and not self.issues:
            self.issues.append(
                _issue(_("Bảng phụ lục không có lĩnh vực hay nhiệm vụ nào."), Location(sheet=sheet))
            )


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def too_long(text: str) -> str:
    if len(text) <= MAX_CELL_CHARS:
        return ""
    return _("Ô dài %(length)s ký tự, vượt quá giới hạn %(limit)s ký tự.") % {
        "length": len(text),
        "limit": MAX_CELL_CHARS,
    }


def too_many_rows(sheet: str) -> ImportIssue:
    return _issue(
        _("Bảng có quá %(limit)s dòng; hãy chia nhỏ tệp.") % {"limit": MAX_ROWS},
        Location(sheet=sheet),
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


def read_title_lines(lines: Sequence[tuple[str, Location]]) -> tuple[PlanHeader, list[ImportIssue]]:
    """Year, number, date and issuer from the lines above the table, where present."""
    header = PlanHeader()
    issues: list[ImportIssue] = []

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
                header.number = number.group("number")
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
            header.number = number_line.group("number")
        day = _DATE.search(text)
        if day and header.issued_on is None and "," in text[: day.start()]:
            take_date(day, where)
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


def _grid_cell(cell: Any) -> GridCell:
    if cell.data_type == "f":
        return GridCell(problem=_("Ô chứa công thức; hãy nhập giá trị thay cho công thức."))
    if cell.data_type == "e":
        return GridCell(
            problem=_("Ô chứa lỗi «%(value)s»; hãy nhập giá trị.") % {"value": cell.value}
        )
    text = _cell_text(cell.value)
    return GridCell(text=text, problem=too_long(text))


def _sheet_grid(ws: Worksheet, first: int, last: int, width: int) -> list[GridRow]:
    rows = []
    for number, cells in enumerate(
        ws.iter_rows(min_row=first, max_row=last, max_col=width), start=first
    ):
        rows.append(GridRow(number, [_grid_cell(cell) for cell in cells]))
    # A vertically merged agency or deadline cell applies to every row it covers; the
    # builder ignores `merged` text in the TT and task columns, which mark continuation.
    for merged in ws.merged_cells.ranges:
        if merged.min_row == merged.max_row or merged.min_col > width:
            continue
        top = merged.min_row - first
        if not 0 <= top < len(rows):
            continue
        value = rows[top].cell(merged.min_col - 1)
        for number in range(merged.min_row + 1, merged.max_row + 1):
            index = number - first
            if 0 <= index < len(rows) and merged.min_col - 1 < len(rows[index].cells):
                rows[index].cells[merged.min_col - 1] = GridCell(text=value.text, merged=True)
    return rows


def _is_empty(ws: Worksheet) -> bool:
    return ws.max_row <= 1 and ws.max_column <= 1 and ws.cell(1, 1).value in (None, "")


def _has_content_after(ws: Worksheet, row: int) -> bool:
    # The cell store holds only cells the file has; iter_rows would create every empty cell
    # up to a stray one at row 1 048 576.
    cells: dict[tuple[int, int], Any] = ws._cells
    return any(
        number > row and cell.value not in (None, "") for (number, _col), cell in cells.items()
    )


def _read_info_sheet(ws: Worksheet, header: PlanHeader) -> list[ImportIssue]:
    issues = []
    by_key = {_key(label): name for name, label in INFO_LABELS.items()}
    for number, (label_cell, value_cell) in enumerate(
        ws.iter_rows(min_row=1, max_row=min(ws.max_row, 50), max_col=2), start=1
    ):
        name = by_key.get(_key(_cell_text(label_cell.value)))
        if name is None:
            continue
        where = Location(sheet=ws.title, row=number, column="B", column_title=INFO_LABELS[name])
        if value_cell.data_type == "f":
            issues.append(
                ImportIssue(where, _("Ô chứa công thức; hãy nhập giá trị thay cho công thức."))
            )
            continue
        value = value_cell.value
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


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _too_many_rows_in_package(data: bytes) -> bool:
    """Whether any worksheet holds more than MAX_ROWS rows, counted in the raw XML.

    openpyxl builds every cell in memory (about 0.1 ms each), so an oversized sheet is
    refused from a streaming count before it is loaded.
    """
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for info in archive.infolist():
            name = info.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            count = 0
            tail = b""
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    block = tail + chunk
                    # Tags wholly inside the carried-over tail were counted with the last block.
                    count += sum(1 for tag in _ROW_TAG.finditer(block) if tag.end() > len(tail))
                    if count > MAX_ROWS:
                        return True
                    tail = block[-64:]
    return False


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
            workbook = load_workbook(BytesIO(data), data_only=False, keep_links=False)
    except Exception as error:  # any parser failure means a broken file
        raise PlanImportError(
            [
                _issue(
                    _("Không mở được bảng tính: tệp bị hỏng hoặc không đúng định dạng (%(error)s).")
                    % {"error": type(error).__name__}
                )
            ]
        ) from error

    sheets = list(workbook.worksheets)
    if not sheets:
        raise PlanImportError([_issue(_("Bảng tính không có trang tính nào."))])
    info_key = _key(INFO_SHEET)
    info = next((ws for ws in sheets if _key(ws.title) == info_key), None)
    data_sheets = [ws for ws in sheets if ws is not info]

    issues = []
    builder = AppendixBuilder()
    appendix: Worksheet | None = None
    lines: list[tuple[str, Location]] = []
    filled = [ws for ws in data_sheets if not _is_empty(ws)]
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
        rows = _sheet_grid(ws, start + 1, last, max(columns.values()) + 1)
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
    return PlanDocument(header=header, areas=builder.areas)


# --- Writing a workbook ----------------------------------------------------------------------

FONT_NAME = "Times New Roman"
COLUMN_WIDTHS = (6, 40, 35, 30, 25, 25, 16, 20)
HEADER_ROW = 5
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name=FONT_NAME, size=12)
_BOLD = Font(name=FONT_NAME, size=12, bold=True)
_ITALIC = Font(name=FONT_NAME, size=12, italic=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
_CENTER_TOP = Alignment(wrap_text=True, horizontal="center", vertical="top")


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
    ws: Worksheet, row: int, values: Sequence[str | int | None], font: Font = _FONT
) -> None:
    for column, value in enumerate(values, start=1):
        cell = _put(ws, row, column, value if value != "" else None)
        cell.font = font
        cell.border = _BORDER
        cell.alignment = _CENTER_TOP if column == 1 else _WRAP


def write_xlsx(doc: PlanDocument) -> bytes:
    """The plan as a readable, printable workbook that `read_xlsx` reads back unchanged."""
    workbook = Workbook()
    ws = workbook.active
    assert isinstance(ws, Worksheet)
    ws.title = APPENDIX_SHEET
    last_column = get_column_letter(len(FIELDS))

    for row, (text, font) in enumerate(
        zip(title_lines(doc.header), (_BOLD, _BOLD, _ITALIC), strict=True), start=1
    ):
        cell = _put(ws, row, 1, text or None)
        cell.font = font
        cell.alignment = _CENTER
        ws.merge_cells(f"A{row}:{last_column}{row}")

    _table_row(ws, HEADER_ROW, [COLUMN_TITLES[name] for name in FIELDS], _BOLD)
    for column in range(1, len(FIELDS) + 1):
        ws.cell(HEADER_ROW, column).alignment = _CENTER

    row = HEADER_ROW + 1
    for area in doc.areas:
        _table_row(ws, row, [area.code, area.title, *[None] * 6], _BOLD)
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
                        "\n".join(activity.lead),
                        "\n".join(activity.cooperating),
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
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)

    _write_info_sheet(workbook.create_sheet(INFO_SHEET), doc.header)

    stamp = document_timestamp(doc.header)
    workbook.properties.creator = "cchc"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.title = safe_text(doc.header.title)[:255] or None
    buffer = BytesIO()
    # ExcelWriter directly: openpyxl's save() stamps the current time as "modified".
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return stable_zip(buffer.getvalue())


def document_timestamp(header: PlanHeader) -> datetime:
    """A stable document time: the issue date when known (openpyxl wants naive UTC)."""
    if header.issued_on:
        stamp = datetime(
            header.issued_on.year, header.issued_on.month, header.issued_on.day, tzinfo=UTC
        )
    else:
        stamp = FIXED_TIMESTAMP
    return stamp.replace(tzinfo=None)


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
        label_cell.font = _BOLD
        label_cell.alignment = _WRAP
        value = values[name]
        value_cell = _put(ws, row, 2, value if value != "" else None)
        value_cell.font = _FONT
        value_cell.alignment = _WRAP
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 80
