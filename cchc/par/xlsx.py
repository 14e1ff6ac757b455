"""A criteria set as an XLSX workbook: a «Tiêu chí» sheet, one row per node, and a
«Thông tin» sheet for the set's own fields. What `write_set_xlsx` writes,
`read_set_xlsx` reads back whole (tests/test_par_xlsx.py round-trips it).

The file is untrusted: its zip container is judged by cchc.lib.containers (bombs, DTDs,
macros) before openpyxl opens it, rows are counted before they are built, and every
problem found is reported with its sheet and row, none of it stored (all or nothing).
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from cchc.lib import office
from cchc.lib.containers import (
    OLE2_MAGIC,
    ContainerRejected,
    count_matches,
    inspect_zip,
    open_zip,
    refuse_dtd,
    refuse_macros,
)
from cchc.lib.text import fold
from cchc.par.document import MAX_NODES, NodeRow, SetDocument, bad_text, fmt_points
from cchc.par.services import SHEET, SetImportError
from cchc.plans.interchange import ImportIssue, Location

INFO_SHEET = "Thông tin"
MAX_ROWS = MAX_NODES + 20
HEADER_ROWS = 10
# (field, column title) in the order of the columns.
COLUMNS = [
    ("code", "Mã"),
    ("title", "Lĩnh vực / Tiêu chí / Tiêu chí thành phần"),
    ("max_points", "Điểm tối đa"),
    ("method", "Cách chấm"),
    ("computation_key", "Mã phép tính"),
    ("points_known", "Điểm chuẩn đã rõ"),
    ("points_note", "Ghi chú về điểm"),
    ("max_differs_reason", "Lý do điểm tối đa khác tổng"),
    ("guidance", "Hướng dẫn chấm"),
]
INFO = [
    ("title", "Tên bộ tiêu chí"),
    ("year", "Năm"),
    ("group_code", "Mã nhóm cơ quan"),
    ("step", "Bước điểm"),
    ("source_note", "Nguồn"),
]
METHOD_LABELS = {
    "self": "Tự đánh giá",
    "survey": "Điều tra xã hội học",
    "computed": "Tính từ dữ liệu",
}
# What a person may write for a method: the label, its usual short forms, or the code.
METHOD_WORDS = {
    **{fold(label): code for code, label in METHOD_LABELS.items()},
    **{code: code for code in METHOD_LABELS},
    "tu danh gia": "self",
    "dieu tra xhh": "survey",
    "dieu tra": "survey",
    "xhh": "survey",
    "tinh tu du lieu theo doi": "computed",
    "tu dong": "computed",
}
YES = {"co", "x", "yes", "1", "true", "da ro", "ro"}
NO = {"khong", "no", "0", "false", "chua ro", "chua"}
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _issue(message: str, sheet: str = "", row: int | None = None, column: str = "") -> ImportIssue:
    title = dict(COLUMNS).get(column, "") if column else ""
    letter = ""
    if column:
        letter = "ABCDEFGHI"[[c for c, _t in COLUMNS].index(column)]
    return ImportIssue(Location(sheet=sheet, row=row, column=letter, column_title=title), message)


def _container_issues(data: bytes) -> list[ImportIssue]:
    if not data:
        return [_issue(_("Tệp rỗng, không có nội dung."))]
    if data.startswith(OLE2_MAGIC):
        return [
            _issue(
                _(
                    "Tệp được đặt mật khẩu hoặc ở định dạng cũ (.xls). Hãy gỡ mật khẩu và lưu "
                    "lại thành .xlsx rồi tải lên lại."
                )
            )
        ]
    archive = open_zip(data)
    if archive is None:
        return [_issue(_("Tệp không phải là bảng tính Excel (.xlsx) hoặc bị hỏng."))]
    with archive:
        try:
            inspect_zip(archive)
            if "xl/workbook.xml" not in set(archive.namelist()):
                return [_issue(_("Tệp nén này không phải là bảng tính Excel (.xlsx)."))]
            refuse_dtd(archive)
            refuse_macros(archive)
            if count_matches(
                archive,
                lambda name: name.startswith("xl/worksheets/") and name.endswith(".xml"),
                _ROW_TAG,
                limit=MAX_ROWS,
            ):
                return [_issue(_("Bảng tính có quá %(n)s dòng.") % {"n": MAX_ROWS})]
        except ContainerRejected as error:
            return [_issue(error.message)]
    return []


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _find_header(rows: list[tuple[Any, ...]]) -> int | None:
    for index, row in enumerate(rows[:HEADER_ROWS]):
        if row and len(row) > 2 and fold(_text(row[0])) == fold("Mã"):  # noqa: SIM102
            if fold(_text(row[2])).startswith("diem"):
                return index
    return None


def _read_info(ws: Any, document: SetDocument, issues: list[ImportIssue]) -> None:
    labels = {fold(label): name for name, label in INFO}
    for number, row in enumerate(
        ws.iter_rows(min_row=1, max_row=30, max_col=2, values_only=True), 1
    ):
        if not row or row[0] is None:
            continue
        name = labels.get(fold(_text(row[0])))
        if name is None:
            continue
        value = row[1] if len(row) > 1 else None
        text = _text(value)
        if isinstance(value, str) and value.startswith("="):
            issues.append(_issue(_("Ô chứa công thức; hãy nhập giá trị."), ws.title, number))
            continue
        if bad_text(text):
            issues.append(_issue(_("Có ký tự điều khiển không hợp lệ."), ws.title, number))
            continue
        if name == "year":
            if text and not re.fullmatch(r"\d{4}", text):
                issues.append(
                    _issue(
                        _("Năm «%(v)s» không phải số có 4 chữ số.") % {"v": text[:20]},
                        ws.title,
                        number,
                    )
                )
            elif text:
                document.year = int(text)
        elif name == "step":
            step = _decimal(value)
            if text and (step is None or step <= 0 or step > 10):
                issues.append(
                    _issue(
                        _("Bước điểm «%(v)s» phải là số từ 0,01 đến 10.") % {"v": text[:20]},
                        ws.title,
                        number,
                    )
                )
            elif step is not None:
                document.step = step
        else:
            setattr(document, name, text[:5000])


def _read_node(
    row: tuple[Any, ...], number: int, sheet: str, issues: list[ImportIssue]
) -> NodeRow | None:
    cells = list(row) + [None] * (len(COLUMNS) - len(row))
    values = dict(zip([c for c, _t in COLUMNS], cells, strict=False))
    found = len(issues)
    for name, value in values.items():
        if isinstance(value, str) and value.startswith("="):
            issues.append(_issue(_("Ô chứa công thức; hãy nhập giá trị."), sheet, number, name))
    code = _text(values["code"]).rstrip(".")
    title = _text(values["title"])
    max_points = _decimal(values["max_points"])
    if max_points is None:
        issues.append(
            _issue(
                _("Điểm tối đa «%(v)s» không phải là số.")
                % {"v": _text(values["max_points"])[:20]},
                sheet,
                number,
                "max_points",
            )
        )
    method_text = _text(values["method"])
    method = METHOD_WORDS.get(fold(method_text)) if method_text else ""
    if method is None:
        issues.append(
            _issue(
                _(
                    "Cách chấm «%(v)s» không rõ; ghi «Tự đánh giá», «Điều tra xã hội học» hoặc "
                    "«Tính từ dữ liệu»."
                )
                % {"v": method_text[:40]},
                sheet,
                number,
                "method",
            )
        )
    known_text = fold(_text(values["points_known"]))
    if known_text and known_text not in YES | NO:
        issues.append(
            _issue(
                _("Ghi «Có» hoặc «Không» (không phải «%(v)s»).")
                % {"v": _text(values["points_known"])[:20]},
                sheet,
                number,
                "points_known",
            )
        )
    if len(issues) > found:
        return None
    return NodeRow(
        code=code,
        title=title,
        max_points=max_points or Decimal(0),
        method=method or "",
        computation_key=_text(values["computation_key"]),
        points_known=known_text not in NO,
        points_note=_text(values["points_note"]),
        max_differs_reason=_text(values["max_differs_reason"]),
        guidance=_text(values["guidance"]),
        row=number,
    )


def read_set_xlsx(data: bytes) -> SetDocument:
    """The set a workbook holds; SetImportError with every problem otherwise. The tree's
    own checks (`validate_nodes`) run when it is stored (`services.set_import`)."""
    issues = _container_issues(data)
    if issues:
        raise SetImportError(issues)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(
                BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
    except Exception as error:  # any parser failure means a broken file
        raise SetImportError(
            [
                _issue(
                    _("Không mở được bảng tính: tệp bị hỏng (%(e)s).") % {"e": type(error).__name__}
                )
            ]
        ) from error
    try:
        return _read_workbook(workbook)
    except SetImportError:
        raise
    except Exception as error:  # read-only sheets are parsed row by row, here
        raise SetImportError(
            [
                _issue(
                    _("Không mở được bảng tính: tệp bị hỏng (%(e)s).") % {"e": type(error).__name__}
                )
            ]
        ) from error
    finally:
        workbook.close()


def _read_workbook(workbook: Any) -> SetDocument:
    document = SetDocument()
    issues: list[ImportIssue] = []
    sheets = {fold(ws.title): ws for ws in workbook.worksheets}
    info = sheets.get(fold(INFO_SHEET))
    if info is not None:
        _read_info(info, document, issues)
    criteria = sheets.get(fold(SHEET)) or next(
        (ws for ws in workbook.worksheets if ws is not info), None
    )
    if criteria is None:
        raise SetImportError([_issue(_("Bảng tính không có trang «%(s)s».") % {"s": SHEET})])
    rows = list(criteria.iter_rows(max_row=MAX_ROWS, max_col=len(COLUMNS), values_only=True))
    header = _find_header(rows)
    if header is None:
        titles = ", ".join(title for _n, title in COLUMNS[:4])
        raise SetImportError(
            [
                *issues,
                _issue(
                    _(
                        "Không tìm thấy dòng tiêu đề trong %(n)s dòng đầu; bảng cần bắt đầu "
                        "bằng các cột: %(titles)s."
                    )
                    % {"n": HEADER_ROWS, "titles": titles},
                    criteria.title,
                ),
            ]
        )
    for number, row in enumerate(rows[header + 1 :], start=header + 2):
        if not row or all(v is None or _text(v) == "" for v in row):
            continue
        node = _read_node(row, number, criteria.title, issues)
        if node is not None:
            document.nodes.append(node)
    if not document.nodes and not issues:
        issues.append(_issue(_("Bảng không có tiêu chí nào."), criteria.title))
    if issues:
        raise SetImportError(issues)
    return document


def write_set_xlsx(document: SetDocument) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET
    ws.append([title for _n, title in COLUMNS])
    for cell in ws[1]:
        cell.font = office.BOLD
        cell.alignment = office.CENTER
        cell.border = office.BORDER
    for node in document.nodes:
        ws.append(
            [
                node.code,
                node.title,
                # A number in the cell, so that Excel sums it; the reader takes both.
                float(node.max_points) if node.max_points % 1 else int(node.max_points),
                METHOD_LABELS.get(node.method, ""),
                node.computation_key,
                "Có" if node.points_known else "Không",
                node.points_note,
                node.max_differs_reason,
                node.guidance,
            ]
        )
        for cell in ws[ws.max_row]:
            cell.font = office.BOLD if node.level == 1 else office.FONT
            cell.alignment = office.WRAP
            cell.border = office.BORDER
        # Codes stay text: «1.10» must not become the number 1.1.
        ws.cell(row=ws.max_row, column=1).number_format = "@"
    for letter, width in zip("ABCDEFGHI", (8, 60, 10, 18, 22, 10, 30, 30, 50), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    office.sheet_landscape_a4(ws)
    info = workbook.create_sheet(INFO_SHEET)
    values = {
        "title": document.title,
        "year": document.year or "",
        "group_code": document.group_code,
        "step": fmt_points(document.step),
        "source_note": document.source_note,
    }
    for name, label in INFO:
        info.append([label, values[name]])
        info.cell(row=info.max_row, column=1).font = office.BOLD
        info.cell(row=info.max_row, column=2).alignment = office.WRAP
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 90
    # A set has no issue date: a fixed stamp, so that the same set gives the same bytes
    # (openpyxl stamps "created" with the time the workbook was made).
    workbook.properties.creator = "cchc"
    workbook.properties.created = office.document_time(None)
    workbook.properties.modified = office.document_time(None)
    return office.workbook_bytes(workbook)
