"""What sits around the appendix table as provinces publish it.

The signature block and the recipients list below the table, "Tổng cộng" rows, TT numbers
made by Excel formulas or by Word's automatic numbering, unaccepted tracked changes, and a
draft whose number is still blank. Every file is built here the way an officer's copy of
Word or Excel leaves it, down to the XML where python-docx and openpyxl cannot write it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date
from io import BytesIO
from typing import Any

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from openpyxl import Workbook

from cchc.plans.formats.docx import read_docx
from cchc.plans.formats.xlsx import read_xlsx
from cchc.plans.interchange import PlanDocument, PlanImportError
from cchc.plans.models import Plan
from cchc.plans.services import plan_import
from tests import factories

HEADER = [
    "TT",
    "Nhiệm vụ cụ thể",
    "Hoạt động",
    "Kết quả/Sản phẩm",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian hoàn thành",
    "Ghi chú",
]
TITLE = ["PHỤ LỤC", "NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2023"]
ATTACHED = "(Kèm theo Kế hoạch số 30/KH-UBND ngày 05/01/2023 của UBND tỉnh)"
BODY: list[list[Any]] = [
    ["I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH", "", "", "", "", "", ""],
    ["1", "Ban hành kế hoạch", "Xây dựng dự thảo", "Dự thảo", "Sở Nội vụ", "", "Tháng 1", ""],
    ["2", "Công tác tuyên truyền", "Đăng tin", "Tin bài", "Sở Tư pháp", "", "Quý I", ""],
    ["II", "CẢI CÁCH THỂ CHẾ", "", "", "", "", "", ""],
    ["1", "Rà soát văn bản", "Rà soát", "Báo cáo", "Sở Tư pháp", "Sở Nội vụ", "Quý III", ""],
]


def shape(plan: PlanDocument) -> list[tuple[str, str, list[tuple[str, str, list[str]]]]]:
    return [
        (
            area.code,
            area.title,
            [
                (task.number, task.title, [activity.title for activity in task.activities])
                for task in area.tasks
            ],
        )
        for area in plan.areas
    ]


EXPECTED = [
    (
        "I",
        "Công tác chỉ đạo điều hành",
        [
            ("1", "Ban hành kế hoạch", ["Xây dựng dự thảo"]),
            ("2", "Công tác tuyên truyền", ["Đăng tin"]),
        ],
    ),
    ("II", "Cải cách thể chế", [("1", "Rà soát văn bản", ["Rà soát"])]),
]


def issues_of(reader: Callable[[bytes], Any], data: bytes) -> list[str]:
    with pytest.raises(PlanImportError) as caught:
        reader(data)
    return [str(issue) for issue in caught.value.issues]


# --- Excel: rows below the table -------------------------------------------------------------


def workbook(rows: Sequence[Sequence[Any]], merges: Sequence[str] = ()) -> Workbook:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Phụ lục"
    for values in rows:
        ws.append(list(values))
    for merged in merges:
        ws.merge_cells(merged)
    return book


def xlsx_bytes(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def published(body: Sequence[Sequence[Any]], below: Sequence[Sequence[Any]] = ()) -> bytes:
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *body, *below]
    return xlsx_bytes(workbook(rows))


SIGNATURES_BELOW_XLSX = {
    "recipients left, signer right": [
        [],
        ["Nơi nhận:", "", "", "", "", "TM. ỦY BAN NHÂN DÂN"],
        ["- Bộ Nội vụ;", "", "", "", "", "CHỦ TỊCH"],
        ["- TT Tỉnh ủy;", "", "", "", "", ""],
        ["- Lưu: VT, NC.", "", "", "", "", "Nguyễn Văn An"],
    ],
    "recipients in the task column": [
        ["", "Nơi nhận:", "", "", "KT. CHỦ TỊCH"],
        ["", "- Như Điều 3;\n- Lưu: VT.", "", "", "PHÓ CHỦ TỊCH"],
        ["", "", "", "", "(Đã ký)"],
        ["", "", "", "", "Trần Thị Bình"],
    ],
    "signer only, no recipients": [
        [],
        [],
        ["", "", "", "", "", "T/M UBND TỈNH", "", ""],
        ["", "", "", "", "", "CHỦ TỊCH", "", ""],
        ["", "", "", "", "", "Lê Văn Cường", "", ""],
    ],
    "place and date above the signer": [
        ["", "", "", "", "", "Hà Giang, ngày 10 tháng 01 năm 2023"],
        ["", "", "", "", "", "TM. ỦY BAN NHÂN DÂN"],
    ],
    "blank date above the signer": [
        ["", "", "", "", "", "", "Hà Giang, ngày     tháng     năm 2023"],
        ["", "", "", "", "", "", "CHỦ TỊCH"],
    ],
    "department signer": [
        ["", "", "", "", "", "", "GIÁM ĐỐC"],
        ["", "", "", "", "", "", "Phạm Minh Đức"],
    ],
    "maker and approver": [
        ["", "Người lập biểu", "", "", "", "Thủ trưởng đơn vị"],
        ["", "Hoàng Văn E", "", "", "", "Đỗ Thị F"],
    ],
}


@pytest.mark.parametrize("below", SIGNATURES_BELOW_XLSX.values(), ids=SIGNATURES_BELOW_XLSX)
def test_the_signature_block_below_an_excel_table_is_not_read_as_tasks(below):
    plan = read_xlsx(published(BODY, below))
    assert shape(plan) == EXPECTED
    assert plan.areas[1].tasks[0].activities[0].lead == ["Sở Tư pháp"]


def test_a_lead_agency_named_chu_tich_in_full_is_still_a_task_row():
    body = [*BODY, ["2", "Đối thoại", "Đối thoại với doanh nghiệp", "", "Chủ tịch UBND tỉnh"]]
    plan = read_xlsx(published(body))
    assert plan.areas[1].tasks[1].activities[0].lead == ["Chủ tịch UBND tỉnh"]


TOTAL_ROWS = {
    "Tổng cộng in the task column": ["", "Tổng cộng", "", "", "", "", "", ""],
    "TỔNG CỘNG: in the TT column": ["TỔNG CỘNG:", "", "3 nhiệm vụ", "", "", "", "", ""],
    "Cộng with counts": ["", "Cộng (I+II)", 3, 3, "", "", "", ""],
    "Tổng số": ["Tổng số", "", "", "", "", "", "", ""],
    "Tổng cộng with what it counts": ["", "Tổng cộng: 3 nhiệm vụ", "", "", "", "", "", ""],
    "Tổng số of tasks and activities": [
        "",
        "Tổng số: 3 nhiệm vụ, 3 hoạt động",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
}


@pytest.mark.parametrize("total", TOTAL_ROWS.values(), ids=TOTAL_ROWS)
def test_a_total_row_in_an_excel_table_is_skipped(total):
    per_area = ["", "Cộng", 2, "", "", "", "", ""]
    body = [*BODY[:3], per_area, *BODY[3:], total]
    assert shape(read_xlsx(published(body))) == EXPECTED


def test_a_total_row_summed_by_formula_is_skipped_not_reported():
    body = [*BODY, ["", "Tổng cộng", "=COUNTA(C6:C10)", "", "", "", "", ""]]
    assert shape(read_xlsx(published(body))) == EXPECTED


def test_a_task_whose_title_starts_like_a_total_is_kept():
    body = [
        *BODY,
        ["2", "Cộng tác viên pháp luật", "Tập huấn", "", "Sở Tư pháp"],
        ["3", "Tổng số nhiệm vụ cần rà soát", "Thống kê", "", "Sở Tư pháp"],
    ]
    plan = read_xlsx(published(body))
    assert [t.title for t in plan.areas[1].tasks[1:]] == [
        "Cộng tác viên pháp luật",
        "Tổng số nhiệm vụ cần rà soát",
    ]


def test_something_below_the_table_that_is_not_a_signature_is_still_reported():
    body = [*BODY, [], ["Ghi chú: số liệu tạm tính"]]
    issues = issues_of(read_xlsx, published(body))
    assert any("Ghi chú: số liệu tạm tính" in issue for issue in issues)


# --- Excel: TT made by formulas -------------------------------------------------------------

FIRST_DATA_ROW = 6  # title rows 1-3, blank 4, header 5


def formula_body(formulas: dict[int, str]) -> list[list[Any]]:
    """BODY with the TT cells of the given BODY indexes replaced by formulas."""
    body = [list(row) for row in BODY]
    for index, formula in formulas.items():
        body[index][0] = formula
    return body


def rewrite_sheet(data: bytes, change: Callable[[str], str]) -> bytes:
    source = zipfile.ZipFile(BytesIO(data))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                changed = change(content.decode())
                assert changed != content.decode()
                content = changed.encode()
            target.writestr(item, content)
    return buffer.getvalue()


def with_cached_values(data: bytes, values: dict[str, Any]) -> bytes:
    """The workbook as Excel saves it: each formula's last result stored in <v>."""

    def change(text: str) -> str:
        for ref, value in values.items():
            text, count = re.subn(
                rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?',
                lambda match, value=value: f"{match.group(1)}{match.group(2)}<v>{value}</v>",
                text,
            )
            assert count == 1, ref
        return text

    return rewrite_sheet(data, change)


def test_formula_tt_numbers_are_read_by_the_values_excel_saved():
    # Row 7 is task 1 of area I; the cached values are what Excel showed, even where a
    # reader working the formula out itself would get another number.
    data = published(formula_body({2: "=A7+1", 4: "=A7"}))
    data = with_cached_values(data, {"A8": 2, "A10": 1})
    assert shape(read_xlsx(data)) == EXPECTED


@pytest.mark.parametrize(
    "formulas",
    [
        {2: "=A7+1"},
        {2: "=$A$7+1", 4: "=A7"},
        {1: "=ROW()-6", 2: "=ROW()-6", 4: "=ROW(A1)"},
        {2: "=MAX($A$7:A7)+1"},
        {1: "=1", 2: "= A7 + 1"},
    ],
    ids=["previous plus one", "absolute", "row", "max above", "constant"],
)
def test_simple_numbering_formulas_without_saved_values_are_worked_out(formulas):
    # openpyxl, like many scripts and web exports, writes formulas without their results.
    assert shape(read_xlsx(published(formula_body(formulas)))) == EXPECTED


def test_a_chain_of_formulas_numbers_a_long_area():
    rows = [BODY[0]]
    for number in range(1, 41):
        tt = 1 if number == 1 else f"=A{FIRST_DATA_ROW + number - 1}+1"
        rows.append([tt, f"Nhiệm vụ {number}", "Việc", "", "Sở Nội vụ", "", "", ""])
    plan = read_xlsx(published(rows))
    assert [task.number for task in plan.areas[0].tasks] == [str(n) for n in range(1, 41)]


def test_a_formula_tt_without_a_saved_value_that_cannot_be_worked_out_is_reported_clearly():
    issues = issues_of(read_xlsx, published(formula_body({2: "=COUNTA($B$7:B8)"})))
    assert len(issues) == 1
    assert "dòng 8, cột A (TT)" in issues[0]
    assert "=COUNTA($B$7:B8)" in issues[0]
    assert "không lưu kết quả" in issues[0] and "Excel" in issues[0]


def test_a_formula_tt_referring_to_itself_is_reported_not_looped():
    issues = issues_of(read_xlsx, published(formula_body({2: "=A8+1"})))
    assert len(issues) == 1 and "=A8+1" in issues[0]


def test_a_formula_tt_whose_saved_value_is_an_error_is_reported():
    data = rewrite_sheet(
        published(formula_body({2: "=A99+1"})),
        lambda xml: xml.replace(
            '<c r="A8"><f>A99+1</f><v></v></c>', '<c r="A8" t="e"><f>A99+1</f><v>#REF!</v></c>'
        ),
    )
    issues = issues_of(read_xlsx, data)
    assert len(issues) == 1 and "#REF!" in issues[0]


def test_formulas_outside_the_tt_column_are_still_reported():
    body = formula_body({2: "=A7+1"})
    body[2][3] = "=C8"
    issues = issues_of(read_xlsx, published(body))
    assert len(issues) == 1 and "cột D" in issues[0] and "công thức" in issues[0]


# --- Word: around the table -----------------------------------------------------------------


def new_document(title: Sequence[str] = (*TITLE, ATTACHED)) -> Any:
    document = docx.Document()
    for line in title:
        document.add_paragraph(line)
    return document


def add_table(document: Any, rows: Sequence[Sequence[Any]]) -> Any:
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=False):
            cell.text = str(value)
    return table


def docx_bytes(document: Any) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def appendix_document(
    body: Sequence[Sequence[Any]] = BODY, after: Callable[[Any, Any], None] | None = None
) -> bytes:
    document = new_document()
    table = add_table(document, [HEADER, *body])
    if after is not None:
        after(document, table)
    return docx_bytes(document)


def borderless_two_columns(document: Any, table: Any) -> None:
    document.add_paragraph()
    add_table(
        document,
        [
            ["Nơi nhận:\n- Bộ Nội vụ;\n- TT Tỉnh ủy;\n- Lưu: VT, NC.", "TM. ỦY BAN NHÂN DÂN"],
            ["", "CHỦ TỊCH\n\n\nNguyễn Văn An"],
        ],
    )


def eight_columns_right_below(document: Any, table: Any) -> None:
    # Same width as the appendix and nothing between: it would pass as its continuation.
    add_table(
        document,
        [
            ["Nơi nhận:", "", "", "", "", "KT. CHỦ TỊCH", "", ""],
            ["- Như trên;", "", "", "", "", "PHÓ CHỦ TỊCH", "", ""],
        ],
    )


def rows_at_the_end_of_the_table(document: Any, table: Any) -> None:
    for values in (["", "Nơi nhận:", "", "", "", "TM. ỦY BAN NHÂN DÂN"], ["", "", "", "", "", ""]):
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=False):
            cell.text = value
    last = table.rows[-1].cells
    last[5].text = "CHỦ TỊCH"


def three_columns_with_paragraphs(document: Any, table: Any) -> None:
    document.add_paragraph("")
    document.add_paragraph("Đã ký")
    add_table(document, [["Nơi nhận:", "", "T/M UBND TỈNH"], ["- Như trên;", "", "Lê Văn C"]])


def paragraphs_only(document: Any, table: Any) -> None:
    for line in ("Nơi nhận:", "- Bộ Nội vụ;", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"):
        document.add_paragraph(line)


SIGNATURES_DOCX = {
    "borderless two columns": borderless_two_columns,
    "eight columns right below": eight_columns_right_below,
    "rows at the end of the table": rows_at_the_end_of_the_table,
    "three columns after paragraphs": three_columns_with_paragraphs,
    "paragraphs only": paragraphs_only,
}


@pytest.mark.parametrize("after", SIGNATURES_DOCX.values(), ids=SIGNATURES_DOCX)
def test_the_signature_block_of_a_word_appendix_is_not_read_as_the_appendix(after):
    plan = read_docx(appendix_document(after=after))
    assert shape(plan) == EXPECTED
    assert plan.header.number == "30/KH-UBND"
    assert not plan.warnings


def test_a_signature_table_before_the_appendix_does_not_hide_it():
    document = new_document()
    add_table(document, [["ỦY BAN NHÂN DÂN\nTỈNH HÀ GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]])
    add_table(document, [HEADER, *BODY])
    assert shape(read_docx(docx_bytes(document))) == EXPECTED


def test_title_rows_merged_across_the_top_of_the_word_table_are_its_title_lines():
    # No paragraph above: "PHỤ LỤC", the title and the attached-to line are the table's
    # first rows, each merged across its width.
    document = new_document(title=())
    table = add_table(document, [[TITLE[0]], [TITLE[1]], [ATTACHED], HEADER, *BODY])
    for index, text in enumerate([TITLE[0], TITLE[1], ATTACHED]):
        table.cell(index, 0).merge(table.cell(index, len(HEADER) - 1)).text = text
    plan = read_docx(docx_bytes(document))
    assert shape(plan) == EXPECTED
    assert (plan.header.number, plan.header.year) == ("30/KH-UBND", 2023)


def test_a_header_below_rows_of_something_else_is_not_the_appendix():
    # Rows of two texts above the header: a table of something else, as before.
    document = new_document()
    add_table(document, [["Kính gửi", "Các sở, ban, ngành"], ["Ngày", "05/01/2023"], HEADER, *BODY])
    issues = issues_of(read_docx, docx_bytes(document))
    assert any("Không tìm thấy bảng phụ lục" in issue for issue in issues)


def test_total_rows_in_a_word_table_are_skipped():
    body = [*BODY[:3], ["", "Cộng", "2", "", "", "", "", ""], *BODY[3:]]
    body.append(["TỔNG CỘNG", "", "3", "", "", "", "", ""])
    assert shape(read_docx(appendix_document(body))) == EXPECTED


# --- Word: automatic numbering ---------------------------------------------------------------


def abstract(identifier: int, levels: Sequence[tuple[str, str, int]]) -> str:
    """An abstractNum with (numFmt, lvlText, start) per level."""
    parts = "".join(
        f'<w:lvl w:ilvl="{level}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for level, (fmt, text, start) in enumerate(levels)
    )
    return f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{identifier}">{parts}</w:abstractNum>'


def instance(number: int, abstract_id: int, restart: dict[int, int] | None = None) -> str:
    overrides = "".join(
        f'<w:lvlOverride w:ilvl="{level}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
        for level, start in (restart or {}).items()
    )
    return (
        f'<w:num {nsdecls("w")} w:numId="{number}">'
        f'<w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'
    )


def add_numbering(document: Any, abstracts: Sequence[str], instances: Sequence[str]) -> None:
    numbering = document.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    for xml in abstracts:
        element = parse_xml(xml)
        if first_num is not None:
            first_num.addprevious(element)  # abstractNum elements come before num ones
        else:
            numbering.append(element)
    for xml in instances:
        numbering.append(parse_xml(xml))


def number_paragraph(cell: Any, num_id: int, level: int = 0) -> None:
    properties = cell.paragraphs[0]._p.get_or_add_pPr()
    properties.append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
            f'<w:numId w:val="{num_id}"/></w:numPr>'
        )
    )


def numbered_document(
    abstracts: Sequence[str],
    instances: Sequence[str],
    numbering: dict[int, tuple[int, int]],
    body: Sequence[Sequence[Any]] = BODY,
    merge_area_rows: bool = False,
) -> bytes:
    """BODY with the TT text of rows in `numbering` (row index -> numId, ilvl) emptied and
    numbered by Word instead."""
    document = new_document()
    rows = [list(row) for row in body]
    for index in numbering:
        rows[index][0] = ""
    table = add_table(document, [HEADER, *rows])
    add_numbering(document, abstracts, instances)
    for index, (num_id, level) in numbering.items():
        number_paragraph(table.cell(index + 1, 0), num_id, level)
    if merge_area_rows:
        for index, row in enumerate(body):
            if row[0] in {"I", "II"}:
                table.cell(index + 1, 0).merge(table.cell(index + 1, 7))
    return docx_bytes(document)


ROMAN = abstract(901, [("upperRoman", "%1.", 1)])
DECIMAL = abstract(902, [("decimal", "%1.", 1)])
MULTILEVEL = abstract(903, [("upperRoman", "%1.", 1), ("decimal", "%2.", 1)])


def test_tt_by_word_numbering_restarted_per_area_reads_as_word_shows_it():
    # Word's "Restart at 1": a new list instance of the same definition with startOverride.
    plan = read_docx(
        numbered_document(
            [ROMAN, DECIMAL],
            [instance(91, 901), instance(92, 902), instance(93, 902, {0: 1})],
            {0: (91, 0), 1: (92, 0), 2: (92, 0), 3: (91, 0), 4: (93, 0)},
        )
    )
    assert shape(plan) == EXPECTED
    assert not plan.warnings


def test_a_multilevel_list_numbers_areas_and_tasks_and_restarts_below_each_area():
    plan = read_docx(
        numbered_document(
            [MULTILEVEL],
            [instance(95, 903)],
            {0: (95, 0), 1: (95, 1), 2: (95, 1), 3: (95, 0), 4: (95, 1)},
        )
    )
    assert shape(plan) == EXPECTED


def test_area_titles_numbered_by_word_in_cells_merged_across_the_table():
    body = [list(row) for row in BODY]
    plan = read_docx(
        numbered_document(
            [ROMAN, DECIMAL],
            [instance(91, 901), instance(92, 902), instance(93, 902, {0: 1})],
            {0: (91, 0), 1: (92, 0), 2: (92, 0), 3: (91, 0), 4: (93, 0)},
            body=body,
            merge_area_rows=True,
        )
    )
    # The merged area row keeps its title text in the TT cell: "I. CÔNG TÁC …".
    assert [(area.code, area.title) for area in plan.areas] == [
        ("I", "Công tác chỉ đạo điều hành"),
        ("II", "Cải cách thể chế"),
    ]


def test_a_list_continued_across_areas_keeps_counting_and_start_values_apply():
    # Without a restart the same list goes on (3 after 2), and w:start=5 starts at 5.
    plan = read_docx(
        numbered_document(
            [ROMAN, abstract(904, [("decimal", "%1.", 5)])],
            [instance(91, 901), instance(96, 904), instance(97, 904)],
            {0: (91, 0), 1: (96, 0), 2: (96, 0), 3: (91, 0), 4: (97, 0)},
        )
    )
    assert [[task.number for task in area.tasks] for area in plan.areas] == [["5", "6"], ["7"]]


def test_a_restart_at_another_number_is_honoured():
    plan = read_docx(
        numbered_document(
            [ROMAN, DECIMAL],
            [instance(91, 901), instance(92, 902, {0: 3}), instance(98, 901, {0: 2})],
            {0: (91, 0), 1: (92, 0), 2: (92, 0), 3: (98, 0), 4: (92, 0)},
        )
    )
    assert [area.code for area in plan.areas] == ["I", "II"]
    assert [[task.number for task in area.tasks] for area in plan.areas] == [["3", "4"], ["5"]]


def test_a_numbered_tt_cell_merged_down_over_activities_counts_once():
    body = [
        BODY[0],
        ["1", "Ban hành kế hoạch", "Xây dựng dự thảo", "", "Sở Nội vụ", "", "", ""],
        ["", "", "Trình ban hành", "", "Sở Nội vụ", "", "", ""],
        ["2", "Công tác tuyên truyền", "Đăng tin", "", "Sở Tư pháp", "", "", ""],
    ]
    document = new_document()
    rows = [list(row) for row in body]
    for row in rows[1:]:
        row[0] = ""
    table = add_table(document, [HEADER, *rows])
    add_numbering(document, [DECIMAL], [instance(92, 902)])
    merged = table.cell(2, 0).merge(table.cell(3, 0))
    table.cell(2, 1).merge(table.cell(3, 1))
    number_paragraph(merged, 92)
    number_paragraph(table.cell(4, 0), 92)
    plan = read_docx(docx_bytes(document))
    assert [(task.number, len(task.activities)) for task in plan.areas[0].tasks] == [
        ("1", 2),
        ("2", 1),
    ]


def test_letter_and_lower_roman_formats_are_shown_as_word_does():
    from cchc.plans.formats.docx import _format_number

    assert [_format_number(n, "lowerLetter") for n in (1, 2, 26, 27)] == ["a", "b", "z", "aa"]
    assert [_format_number(n, "upperLetter") for n in (1, 3)] == ["A", "C"]
    assert [_format_number(n, "lowerRoman") for n in (4, 9)] == ["iv", "ix"]
    assert [_format_number(n, "upperRoman") for n in (14, 40)] == ["XIV", "XL"]
    assert _format_number(7, "bullet") == ""


# --- Word: tracked changes -------------------------------------------------------------------

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def deleted_run(text: str) -> str:
    return f'<w:r><w:delText xml:space="preserve">{text}</w:delText></w:r>'


def revision(tag: str, inner: str, number: int = 1) -> str:
    stamp = 'w:author="Chuyên viên" w:date="2023-01-04T08:00:00Z"'
    return f'<w:{tag} w:id="{number}" {stamp}>{inner}</w:{tag}>'


def set_cell_xml(cell: Any, runs: str) -> None:
    paragraph = cell.paragraphs[0]._p
    for child in list(paragraph):
        if child.tag != qn("w:pPr"):
            paragraph.remove(child)
    wrapper = parse_xml(f"<w:p {W_NS}>{runs}</w:p>")
    for child in list(wrapper):
        paragraph.append(child)


def tracked_document(edit: Callable[[Any], None], body: Sequence[Sequence[Any]] = BODY) -> bytes:
    document = new_document()
    table = add_table(document, [HEADER, *body])
    edit(table)
    return docx_bytes(document)


def test_inserted_and_deleted_text_reads_as_if_every_change_were_accepted():
    def edit(table: Any) -> None:
        # "Xây dựng dự thảo" was "Soạn dự thảo": the old word deleted, the new one inserted.
        set_cell_xml(
            table.cell(2, 2),
            revision("del", deleted_run("Soạn "), 1)
            + revision("ins", run("Xây dựng "), 2)
            + run("dự thảo"),
        )
        # A lead agency added by a reviewer, a cooperating one struck out.
        set_cell_xml(table.cell(5, 4), revision("ins", run("Sở Tư pháp"), 3))
        set_cell_xml(
            table.cell(5, 5), run("Sở Nội vụ") + revision("del", deleted_run("; Sở Y tế"), 4)
        )

    plan = read_docx(tracked_document(edit))
    assert shape(plan) == EXPECTED
    activity = plan.areas[1].tasks[0].activities[0]
    assert (activity.lead, activity.cooperating) == (["Sở Tư pháp"], ["Sở Nội vụ"])
    assert len(plan.warnings) == 1
    assert "thay đổi chưa được chấp nhận" in str(plan.warnings[0])
    assert "4 thay đổi" in str(plan.warnings[0])


def test_a_deletion_inside_an_insertion_and_an_insertion_inside_a_deletion_both_go():
    def edit(table: Any) -> None:
        set_cell_xml(
            table.cell(3, 2),
            revision(
                "ins",
                run("Đăng ") + revision("del", deleted_run("bài "), 2) + run("tin"),
                1,
            )
            + revision("del", deleted_run("cũ") + revision("ins", run(" mới"), 4), 3),
        )

    plan = read_docx(tracked_document(edit))
    assert plan.areas[0].tasks[1].activities[0].title == "Đăng tin"


def test_a_deleted_row_goes_and_an_inserted_row_stays():
    body = [*BODY, ["2", "Nhiệm vụ đã bỏ", "Việc đã bỏ", "", "Sở Nội vụ", "", "", ""]]

    def edit(table: Any) -> None:
        rows = table._tbl.tr_lst
        rows[-1].get_or_add_trPr().append(parse_xml(f"<w:del {W_NS} w:id='7' w:author='A'/>"))
        rows[2].get_or_add_trPr().append(parse_xml(f"<w:ins {W_NS} w:id='8' w:author='A'/>"))

    plan = read_docx(tracked_document(edit, body))
    assert shape(plan) == EXPECTED
    assert plan.warnings


def test_moved_text_is_read_where_it_was_moved_to():
    def edit(table: Any) -> None:
        set_cell_xml(table.cell(2, 6), revision("moveTo", run("Tháng 2"), 1))
        set_cell_xml(table.cell(3, 6), run("Quý I") + revision("moveFrom", run(" Tháng 2"), 2))

    plan = read_docx(tracked_document(edit))
    assert plan.areas[0].tasks[0].activities[0].deadline == "Tháng 2"
    assert plan.areas[0].tasks[1].activities[0].deadline == "Quý I"


def test_a_tracked_change_in_the_title_lines_is_accepted_too():
    document = new_document(TITLE)
    paragraph = document.add_paragraph()
    wrapper = parse_xml(
        f"<w:p {W_NS}>{run('(Kèm theo Kế hoạch số ')}"
        f"{revision('del', deleted_run('29/KH-UBND'), 1)}{revision('ins', run('30/KH-UBND'), 2)}"
        f"{run(' ngày 05/01/2023 của UBND tỉnh)')}</w:p>"
    )
    for child in list(wrapper):
        paragraph._p.append(child)
    add_table(document, [HEADER, *BODY])
    plan = read_docx(docx_bytes(document))
    assert plan.header.number == "30/KH-UBND"
    assert plan.warnings


def test_a_document_without_tracked_changes_has_no_warning():
    assert read_docx(appendix_document()).warnings == []


# --- A draft whose number is blank -----------------------------------------------------------

BLANK_NUMBERS = [
    "Số      /KH-UBND",
    "Số: ....../KH-UBND",
    "Số /KH-UBND",
    "Số: …/KH-UBND",
    "Số: ______/KH-UBND",
]


@pytest.mark.parametrize("line", BLANK_NUMBERS)
def test_a_blank_number_line_makes_a_draft_without_a_number(line):
    document = new_document(["ỦY BAN NHÂN DÂN TỈNH HÀ GIANG", line, *TITLE])
    add_table(document, [HEADER, *BODY])
    plan = read_docx(docx_bytes(document))
    assert (plan.header.number, plan.header.status) == ("", "draft")


@pytest.mark.parametrize(
    "attached",
    [
        "(Kèm theo Kế hoạch số      /KH-UBND ngày    tháng   năm 2023 của UBND tỉnh)",
        "(Kèm theo Kế hoạch số ....../KH-UBND ngày 05/01/2023 của UBND tỉnh)",
        "(Kèm theo Kế hoạch số /KH-UBND của UBND tỉnh)",
    ],
)
def test_a_blank_number_in_the_attached_line_of_a_workbook_makes_a_draft(attached):
    rows = [[TITLE[0]], [TITLE[1]], [attached], [], HEADER, *BODY]
    plan = read_xlsx(xlsx_bytes(workbook(rows)))
    assert (plan.header.number, plan.header.status, plan.header.issuer) == (
        "",
        "draft",
        "UBND tỉnh",
    )


def test_a_given_number_is_not_a_draft():
    plan = read_xlsx(published(BODY))
    assert (plan.header.number, plan.header.status) == ("30/KH-UBND", "")
    assert plan.header.issued_on == date(2023, 1, 5)


# --- Through the import --------------------------------------------------------------------


def importable_rows() -> list[list[Any]]:
    return [
        ["I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"],
        ["1", "Ban hành kế hoạch", "Xây dựng dự thảo", "", "Sở Nội vụ", "", "Tháng 1", ""],
        ["2", "Tuyên truyền", "Đăng tin", "", "Sở Tư pháp", "", "Quý I", ""],
    ]


@pytest.mark.django_db
def test_a_blank_numbered_draft_imports_as_a_numberless_draft_each_time():
    factories.make_structure()
    attached = "(Kèm theo Kế hoạch số      /KH-UBND ngày    tháng   năm 2023 của UBND tỉnh)"
    rows = [
        [TITLE[0]],
        [TITLE[1]],
        [attached],
        [],
        HEADER,
        *importable_rows(),
        [],
        ["Nơi nhận:", "", "", "", "", "TM. ỦY BAN NHÂN DÂN"],
        ["- Như trên;", "", "", "", "", "CHỦ TỊCH"],
    ]
    data = xlsx_bytes(workbook(rows))
    first = plan_import(document=read_xlsx(data))
    assert (first.number, first.status, first.year) == ("", Plan.Status.DRAFT, 2023)
    assert first.activities.count() == 2
    # A draft has no number to recognise it by: a second import is a second draft.
    second = plan_import(document=read_xlsx(data))
    assert second.pk != first.pk and second.number == ""
    assert not Plan.objects.filter(number="/KH-UBND").exists()


@pytest.mark.django_db
def test_the_import_job_page_shows_the_tracked_changes_warning(client, personas):
    document = new_document(TITLE)
    table = add_table(document, [HEADER, *importable_rows()])
    set_cell_xml(
        table.cell(2, 2),
        revision("del", deleted_run("Soạn thảo"), 1) + revision("ins", run("Xây dựng dự thảo"), 2),
    )
    client.force_login(personas["coordinator"])
    response = client.post(
        reverse("plan_import"),
        {"file": SimpleUploadedFile("phu-luc.docx", docx_bytes(document)), "year": 2023},
    )
    job = factories.job_of(response)
    assert job.status == "done", job.errors
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Lưu ý khi nhập" in page
    assert "2 thay đổi chưa được chấp nhận" in page
    plan = Plan.objects.get()
    assert plan.activities.get(task__number="1").title == "Xây dựng dự thảo"
    api = client.get(f"/api/jobs/{job.pk}").json()
    assert [w["message"] for w in api["warnings"]] == [job.params["warnings"][0]["message"]]
    assert "thay đổi chưa được chấp nhận" in api["warnings"][0]["text"]


@pytest.mark.django_db
def test_a_job_without_warnings_shows_none(client, personas):
    client.force_login(personas["coordinator"])
    document = new_document(TITLE)
    add_table(document, [HEADER, *importable_rows()])
    response = client.post(
        reverse("plan_import"),
        {"file": SimpleUploadedFile("phu-luc.docx", docx_bytes(document)), "year": 2023},
    )
    job = factories.job_of(response)
    assert job.status == "done", job.errors
    assert "Lưu ý khi nhập" not in client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert client.get(f"/api/jobs/{job.pk}").json()["warnings"] == []


@pytest.mark.django_db
def test_the_command_line_prints_the_warning(tmp_path, capsys):
    from django.core.management import call_command

    factories.make_structure()
    document = new_document(TITLE)
    table = add_table(document, [HEADER, *importable_rows()])
    set_cell_xml(table.cell(3, 2), revision("ins", run("Đăng tin"), 1))
    path = tmp_path / "phu-luc.docx"
    path.write_bytes(docx_bytes(document))
    call_command("import_plan", str(path))
    captured = capsys.readouterr()
    assert "Lưu ý:" in captured.err and "1 thay đổi chưa được chấp nhận" in captured.err
    assert "Đã nhập kế hoạch" in captured.out


def test_cells_that_only_look_like_a_signature_do_not_end_the_table():
    body = [
        *BODY[:2],
        ["", "", "KT-XH: đánh giá tác động", "", "Sở Nội vụ", "", "", "(Đã ký kết hợp đồng)"],
        *BODY[2:],
    ]
    plan = read_xlsx(published(body))
    assert [a.title for a in plan.areas[0].tasks[0].activities] == [
        "Xây dựng dự thảo",
        "KT-XH: đánh giá tác động",
    ]
    assert [area.code for area in plan.areas] == ["I", "II"]


def test_malformed_or_hostile_numbering_definitions_do_not_break_the_reader():
    broken = abstract(905, [("decimal", "%1.", 1)]).replace('w:ilvl="0"', 'w:ilvl="x"')
    huge = abstract(906, [("lowerLetter", "%1%1%1%1%1.", 10**9)])
    body = [list(row) for row in BODY]
    data = numbered_document(
        [broken, huge], [instance(81, 905), instance(82, 906)], {1: (81, 0), 2: (82, 0)}, body
    )
    issues = issues_of(read_docx, data)
    assert issues  # the TT cells read empty or as a huge number: reported, not a crash
    assert all(len(issue) < 2000 for issue in issues)


def test_tt_numbered_by_the_list_number_style_reads_as_word_shows_it():
    # "List Number" numbers through its style, not the paragraph; one list across areas.
    document = new_document()
    rows = [list(row) for row in BODY]
    for index in (1, 2, 4):
        rows[index][0] = ""
    table = add_table(document, [HEADER, *rows])
    for index in (1, 2, 4):
        table.cell(index + 1, 0).paragraphs[0].style = document.styles["List Number"]
    plan = read_docx(docx_bytes(document))
    assert [[task.number for task in area.tasks] for area in plan.areas] == [["1", "2"], ["3"]]
    assert [task.title for task in plan.areas[1].tasks] == ["Rà soát văn bản"]


def test_a_paragraph_can_switch_its_styles_numbering_off():
    document = new_document()
    rows = [list(row) for row in BODY]
    rows[2][0] = ""
    table = add_table(document, [HEADER, *rows])
    paragraph = table.cell(3, 0).paragraphs[0]
    paragraph.style = document.styles["List Number"]
    number_paragraph(table.cell(3, 0), 0)  # numId 0: no number, whatever the style says
    issues = issues_of(read_docx, docx_bytes(document))
    assert any("Thiếu số thứ tự (TT)" in issue for issue in issues)


def test_a_deadline_written_with_a_full_date_does_not_end_the_table():
    body = [
        *BODY[:2],
        ["", "", "Trình ban hành", "", "Sở Nội vụ", "", "Quý I, ngày 10 tháng 3 năm 2023", ""],
        *BODY[2:],
    ]
    plan = read_xlsx(published(body))
    assert plan.areas[0].tasks[0].activities[1].deadline == "Quý I, ngày 10 tháng 3 năm 2023"
    assert [area.code for area in plan.areas] == ["I", "II"]


# --- Column titles as provinces word them -----------------------------------------------------

HEADER_WORDINGS = {
    "the template's": HEADER,
    "Nội dung, Đơn vị, Thời hạn": [
        "STT", "Nội dung", "Hoạt động cụ thể", "Sản phẩm đầu ra", "Đơn vị chủ trì",
        "Đơn vị phối hợp", "Thời hạn hoàn thành", "Ghi chú",
    ],
    "công việc, thực hiện, tiến độ, an extra column": [
        "Số TT", "Nội dung công việc", "Hoạt động", "Sản phẩm", "Cơ quan thực hiện",
        "Cơ quan phối hợp", "Tiến độ", "Kinh phí thực hiện",
    ],
    "đầu mối, lộ trình": [
        "TT", "Nhiệm vụ", "Nội dung hoạt động", "Kết quả dự kiến", "Đơn vị đầu mối",
        "Đơn vị phối hợp", "Lộ trình", "Ghi chú",
    ],
    "thời điểm, hạn": [
        "Số thứ tự", "Tên nhiệm vụ", "Hoạt động", "Kết quả", "Cơ quan, đơn vị thực hiện",
        "Cơ quan phối hợp", "Hạn hoàn thành", "Ghi chú",
    ],
    "Nội dung over Nhiệm vụ cụ thể, no Hoạt động": [
        "TT", "Nội dung", "Nhiệm vụ cụ thể", "Kết quả/Sản phẩm", "Cơ quan chủ trì",
        "Cơ quan phối hợp", "Thời gian thực hiện", "Ghi chú",
    ],
    "Nhiệm vụ over Công việc cụ thể": [
        "STT", "Nhiệm vụ", "Công việc cụ thể", "Sản phẩm", "Đơn vị chủ trì thực hiện",
        "Đơn vị phối hợp thực hiện", "Thời gian", "Ghi chú",
    ],
}  # fmt: skip


@pytest.mark.parametrize("header", HEADER_WORDINGS.values(), ids=HEADER_WORDINGS)
def test_column_titles_as_provinces_word_them_are_read(header):
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], header, *BODY]
    plan = read_xlsx(xlsx_bytes(workbook(rows)))
    assert shape(plan) == EXPECTED
    activity = plan.areas[1].tasks[0].activities[0]
    assert (activity.outputs, activity.lead, activity.cooperating, activity.deadline) == (
        "Báo cáo",
        ["Sở Tư pháp"],
        ["Sở Nội vụ"],
        "Quý III",
    )


# "Đơn vị thực hiện" over "Chủ trì" | "Phối hợp", "Thời gian thực hiện" over "Bắt đầu" |
# "Hoàn thành": the upper row names five columns, the lower one refines two of them.
TWO_LEVEL_TOP = ["STT", "Nhiệm vụ", "Đơn vị thực hiện", "", "Thời gian thực hiện", "", "Sản phẩm"]
TWO_LEVEL_BOTTOM = ["", "", "Chủ trì", "Phối hợp", "Bắt đầu", "Hoàn thành", ""]
TWO_LEVEL_BODY = [
    ["I", "CẢI CÁCH THỂ CHẾ", "", "", "", "", ""],
    ["1", "Rà soát văn bản", "Sở Tư pháp", "Sở Nội vụ", "Tháng 1", "Quý III", "Báo cáo"],
    ["2", "Kiểm tra văn bản", "Sở Tư pháp", "", "01/3/2023", "30/11/2023", "Kết luận"],
]


def _two_level_outcome(plan: PlanDocument) -> list[tuple[str, list[str], list[str], str, str]]:
    return [
        (a.title, a.lead, a.cooperating, a.deadline, a.outputs)
        for task in plan.areas[0].tasks
        for a in task.activities
    ]


TWO_LEVEL_EXPECTED = [
    ("Rà soát văn bản", ["Sở Tư pháp"], ["Sở Nội vụ"], "Quý III", "Báo cáo"),
    ("Kiểm tra văn bản", ["Sở Tư pháp"], [], "30/11/2023", "Kết luận"),
]


def test_a_two_level_header_with_a_start_and_an_end_column_is_read_in_excel():
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], TWO_LEVEL_TOP, TWO_LEVEL_BOTTOM]
    book = workbook([*rows, *TWO_LEVEL_BODY], merges=["A5:A6", "B5:B6", "C5:D5", "E5:F5", "G5:G6"])
    assert _two_level_outcome(read_xlsx(xlsx_bytes(book))) == TWO_LEVEL_EXPECTED


def test_a_two_level_header_with_a_start_and_an_end_column_is_read_in_word():
    document = new_document()
    table = add_table(document, [TWO_LEVEL_TOP, TWO_LEVEL_BOTTOM, *TWO_LEVEL_BODY])
    for (row_a, col_a), (row_b, col_b) in (
        ((0, 0), (1, 0)),
        ((0, 1), (1, 1)),
        ((0, 2), (0, 3)),
        ((0, 4), (0, 5)),
        ((0, 6), (1, 6)),
    ):
        first = table.cell(row_a, col_a)
        text = first.text
        merged = first.merge(table.cell(row_b, col_b))
        merged.text = text
    assert _two_level_outcome(read_docx(docx_bytes(document))) == TWO_LEVEL_EXPECTED


def test_a_short_header_that_names_something_else_is_still_not_a_header():
    # Four cells, one of them naming no column: not the upper row of a header.
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], ["STT", "Nhiệm vụ", "Chủ trì", "Ý kiến"]]
    issues = issues_of(read_xlsx, xlsx_bytes(workbook([*rows, *TWO_LEVEL_BODY])))
    assert any("Không tìm thấy dòng tiêu đề" in issue for issue in issues)


ROLES_IN_ONE_CELL = {
    "in brackets": "Sở Tư pháp (chủ trì); Sở Nội vụ (phối hợp)",
    "before a colon, one per line": "Chủ trì: Sở Tư pháp\nPhối hợp: Sở Nội vụ",
    "after the name, with a comma": "Sở Tư pháp chủ trì, Sở Nội vụ phối hợp",
    "capitals": "CHỦ TRÌ: Sở Tư pháp; PHỐI HỢP: Sở Nội vụ",
}


@pytest.mark.parametrize("cell", ROLES_IN_ONE_CELL.values(), ids=ROLES_IN_ONE_CELL)
def test_roles_written_in_one_agency_column_give_lead_and_cooperating(cell):
    header = ["TT", "Nhiệm vụ", "Kết quả/Sản phẩm", "Cơ quan thực hiện", "Thời gian", "Ghi chú"]
    body = [
        ["I", "CẢI CÁCH THỂ CHẾ", "", "", "", ""],
        ["1", "Rà soát văn bản", "Báo cáo", cell, "Quý III", ""],
        ["2", "Kiểm tra văn bản", "Kết luận", "Sở Tư pháp, Sở Nội vụ", "Quý IV", ""],
    ]
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], header, *body]
    first, second = (t.activities[0] for t in read_xlsx(xlsx_bytes(workbook(rows))).areas[0].tasks)
    assert (first.lead, first.cooperating) == (["Sở Tư pháp"], ["Sở Nội vụ"])
    # Without a role, every name of the cell is the lead's, as before.
    assert (second.lead, second.cooperating) == (["Sở Tư pháp, Sở Nội vụ"], [])


def test_a_cost_column_is_not_taken_for_the_lead_agency():
    header = [*HEADER[:4], "Kinh phí thực hiện", *HEADER[4:]]
    body = [[*row[:4], "100 triệu", *row[4:]] for row in BODY]
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], header, *body]
    activity = read_xlsx(xlsx_bytes(workbook(rows))).areas[1].tasks[0].activities[0]
    assert activity.lead == ["Sở Tư pháp"]


def test_a_table_without_a_task_column_is_still_refused_in_vietnamese():
    header = ["TT", "Ghi nhận", *HEADER[2:]]
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], header, *BODY]
    issues = issues_of(read_xlsx, xlsx_bytes(workbook(rows)))
    assert any("Không tìm thấy dòng tiêu đề" in issue for issue in issues)


# --- Areas and activities numbered as provinces number them ------------------------------------


def _row(number: str, task: str, activity: str = "", lead: str = "", deadline: str = ""):
    return [number, task, activity, "", lead, "", deadline, ""]


NUMBERINGS = {
    "areas 1, 2 over tasks 1.1, 2.1": (
        [
            _row("1", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
            _row("1.1", "Ban hành kế hoạch", "Xây dựng dự thảo", "Sở Nội vụ", "Tháng 1"),
            _row("1.2", "Công tác tuyên truyền", "Đăng tin", "Sở Tư pháp", "Quý I"),
            _row("2.", "CẢI CÁCH THỂ CHẾ"),
            _row("2.1", "Rà soát văn bản", "Rà soát", "Sở Tư pháp", "Quý III"),
        ],
        [
            ("1", "Công tác chỉ đạo điều hành", [
                ("1.1", "Ban hành kế hoạch", ["Xây dựng dự thảo"]),
                ("1.2", "Công tác tuyên truyền", ["Đăng tin"]),
            ]),
            ("2", "Cải cách thể chế", [("2.1", "Rà soát văn bản", ["Rà soát"])]),
        ],
    ),
    "areas A, B": (
        [
            _row("A", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
            _row("1", "Ban hành kế hoạch", "Xây dựng dự thảo", "Sở Nội vụ", "Tháng 1"),
            _row("B.", "CẢI CÁCH THỂ CHẾ"),
            _row("1", "Rà soát văn bản", "Rà soát", "Sở Tư pháp", "Quý III"),
        ],
        [
            ("A", "Công tác chỉ đạo điều hành", [("1", "Ban hành kế hoạch", ["Xây dựng dự thảo"])]),
            ("B", "Cải cách thể chế", [("1", "Rà soát văn bản", ["Rà soát"])]),
        ],
    ),
    "Phần I, Mục 2": (
        [
            _row("Phần I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
            _row("1", "Ban hành kế hoạch", "Xây dựng dự thảo", "Sở Nội vụ", "Tháng 1"),
            _row("Mục 2", "CẢI CÁCH THỂ CHẾ"),
            _row("1", "Rà soát văn bản", "Rà soát", "Sở Tư pháp", "Quý III"),
        ],
        [
            ("I", "Công tác chỉ đạo điều hành", [("1", "Ban hành kế hoạch", ["Xây dựng dự thảo"])]),
            ("2", "Cải cách thể chế", [("1", "Rà soát văn bản", ["Rà soát"])]),
        ],
    ),
    "activities a), b., - under their task": (
        [
            _row("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
            _row("1", "Ban hành kế hoạch"),
            _row("a)", "", "Xây dựng dự thảo", "Sở Nội vụ", "Tháng 1"),
            _row("b.", "", "Trình ký ban hành", "Sở Nội vụ", "Tháng 2"),
            # No activity column used: the activity is written in the task's.
            _row("-", "Gửi các cơ quan", "", "Văn phòng UBND tỉnh", "Tháng 2"),
        ],
        [
            ("I", "Công tác chỉ đạo điều hành", [
                ("1", "Ban hành kế hoạch",
                 ["Xây dựng dự thảo", "Trình ký ban hành", "Gửi các cơ quan"]),
            ]),
        ],
    ),
    "activities bulleted in the task's column, with no TT": (
        [
            _row("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
            _row("1", "Ban hành kế hoạch"),
            _row("", "- Xây dựng dự thảo", "", "Sở Nội vụ", "Tháng 1"),
            # several in one cell: one activity each, sharing the row's agency and deadline
            _row("", "- Trình ký ban hành\n- Gửi các cơ quan", "", "Sở Nội vụ", "Tháng 2"),
            _row("", "+ Đăng tải trên Cổng thông tin", "", "Văn phòng UBND tỉnh", "Tháng 2"),
            _row("2", "Công tác tuyên truyền"),
            _row("", "a) Đăng tin\nb) Tọa đàm", "", "Sở Tư pháp", "Quý I"),
        ],
        [
            ("I", "Công tác chỉ đạo điều hành", [
                ("1", "Ban hành kế hoạch", [
                    "Xây dựng dự thảo",
                    "Trình ký ban hành",
                    "Gửi các cơ quan",
                    "Đăng tải trên Cổng thông tin",
                ]),
                ("2", "Công tác tuyên truyền", ["Đăng tin", "Tọa đàm"]),
            ]),
        ],
    ),
    "activities numbered 1.1, 1.2 under task 1, the task's cell empty": (
        [
            _row("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
            _row("1", "Ban hành kế hoạch"),
            _row("1.1", "", "Xây dựng dự thảo", "Sở Nội vụ", "Tháng 1"),
            _row("1.2.", "", "Trình ký ban hành", "Sở Nội vụ", "Tháng 2"),
            _row("2", "Công tác tuyên truyền", "Đăng tin", "Sở Tư pháp", "Quý I"),
        ],
        [
            ("I", "Công tác chỉ đạo điều hành", [
                ("1", "Ban hành kế hoạch", ["Xây dựng dự thảo", "Trình ký ban hành"]),
                ("2", "Công tác tuyên truyền", ["Đăng tin"]),
            ]),
        ],
    ),
    "a task with sub-tasks 1.1 under area I stays a task": (
        [
            _row("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
            _row("1", "Ban hành kế hoạch"),
            _row("1.1", "Xây dựng", "Xây dựng dự thảo", "Sở Nội vụ", "Tháng 1"),
        ],
        [
            ("I", "Công tác chỉ đạo điều hành", [
                ("1", "Ban hành kế hoạch", []),
                ("1.1", "Xây dựng", ["Xây dựng dự thảo"]),
            ]),
        ],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), NUMBERINGS.values(), ids=NUMBERINGS)
def test_areas_and_activities_numbered_as_provinces_number_them(body, expected):
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *body]
    assert shape(read_xlsx(xlsx_bytes(workbook(rows)))) == expected
    assert shape(read_docx(appendix_document(body))) == expected


def test_bulleted_lines_share_the_rows_agencies_and_deadline():
    body = [
        _row("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
        _row("1", "Ban hành kế hoạch"),
        _row("", "- Trình ký ban hành\n- Gửi các cơ quan", "", "Sở Nội vụ", "Tháng 2"),
    ]
    plan = read_docx(appendix_document(body))
    activities = plan.areas[0].tasks[0].activities
    assert [(a.lead, a.deadline) for a in activities] == [(["Sở Nội vụ"], "Tháng 2")] * 2


def test_a_task_cell_that_is_not_all_bullets_still_needs_its_tt():
    # "… sau:" over its points is one text, not a list of activities: without a TT it is
    # a task whose number is missing, as before.
    body = [
        _row("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
        _row("1", "Ban hành kế hoạch"),
        _row("", "Rà soát các nội dung sau:\n- Thể chế\n- Thủ tục", "", "Sở Nội vụ", "Tháng 2"),
    ]
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *body]
    issues = issues_of(read_xlsx, xlsx_bytes(workbook(rows)))
    assert any("Thiếu số thứ tự (TT) của nhiệm vụ «Rà soát các nội dung sau:" in i for i in issues)


@pytest.mark.parametrize("same", ["Như trên", "nt", "-nt-", "(như trên)", "NT."])
def test_a_cell_that_says_as_above_repeats_the_row_above(same):
    body = [
        _row("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
        _row("1", "Ban hành kế hoạch", "Xây dựng dự thảo", "Sở Nội vụ; Sở Tư pháp", "Quý I"),
        _row("2", "Công tác tuyên truyền", "Đăng tin", same, same),
    ]
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *body]
    for plan in (read_xlsx(xlsx_bytes(workbook(rows))), read_docx(appendix_document(body))):
        second = plan.areas[0].tasks[1].activities[0]
        assert (second.lead, second.deadline) == (["Sở Nội vụ", "Sở Tư pháp"], "Quý I")


def test_as_above_with_nothing_above_stays_as_written():
    body = [
        _row("I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"),
        _row("1", "Ban hành kế hoạch", "Xây dựng dự thảo", "Như trên", "Quý I"),
    ]
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *body]
    first = read_xlsx(xlsx_bytes(workbook(rows))).areas[0].tasks[0].activities[0]
    assert first.lead == ["Như trên"]  # an unknown name, settled or refused at the import


def test_rows_hidden_in_excel_are_not_read_and_the_import_says_so():
    # An officer hid a dropped task rather than deleting it: Excel neither shows nor
    # prints it.
    body = [*BODY, ["2", "Nhiệm vụ đã bỏ", "Không làm nữa", "", "Sở Mặt Trăng", "", "Quý I", ""]]
    book = workbook([[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *body])
    hidden_row = 5 + len(body)
    book.active.row_dimensions[hidden_row].hidden = True
    plan = read_xlsx(xlsx_bytes(book))
    assert shape(plan) == EXPECTED
    (warning,) = plan.warnings
    assert f"1 dòng bị ẩn trong bảng (dòng {hidden_row}) không được nhập" in str(warning)


def test_a_hidden_sheet_gives_way_to_the_visible_appendix():
    book = workbook([[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *BODY])
    old = book.create_sheet("Bản cũ", 0)
    for values in [[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *BODY[:2]]:
        old.append(values)
    old.sheet_state = "hidden"
    assert shape(read_xlsx(xlsx_bytes(book))) == EXPECTED
    # Shown again, the old version comes first and is the one read, as before.
    old.sheet_state = "visible"
    assert shape(read_xlsx(xlsx_bytes(book))) != EXPECTED


def test_an_activity_label_with_no_task_above_is_refused_in_vietnamese():
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, _row("a)", "Xây dựng dự thảo")]
    issues = issues_of(read_xlsx, xlsx_bytes(workbook(rows)))
    assert any("«a)» ở cột TT không phải số La Mã" in issue for issue in issues)


def test_a_task_before_any_area_is_still_refused_when_no_sub_number_follows():
    body = [_row("1", "Ban hành kế hoạch", "Xây dựng dự thảo", "Sở Nội vụ", "Tháng 1")]
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], HEADER, *body]
    issues = issues_of(read_xlsx, xlsx_bytes(workbook(rows)))
    assert any("đứng trước mọi lĩnh vực" in issue for issue in issues)


# --- Areas named in a column of their own ------------------------------------------------------

AREA_HEADER = ["STT", "Lĩnh vực", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"]
AREA_BODY: list[list[Any]] = [
    [1, "Cải cách thể chế", "Rà soát văn bản", "Sở Tư pháp", "Sở Nội vụ", "Quý II"],
    [2, "Cải cách thể chế", "Kiểm tra văn bản", "Sở Tư pháp", "", "Quý III"],
    [3, "Cải cách thủ tục hành chính", "Công bố thủ tục", "Văn phòng UBND tỉnh", "", "Quý I"],
    [4, "CẢI CÁCH THỦ TỤC HÀNH CHÍNH", "Rà soát thủ tục", "Văn phòng UBND tỉnh", "", "Quý IV"],
]


def _areas_of(plan: PlanDocument) -> list[tuple[str, str, list[str]]]:
    return [(a.code, a.title, [t.number for t in a.tasks]) for a in plan.areas]


@pytest.mark.parametrize("merged", [True, False], ids=["merged down", "written on every row"])
def test_areas_named_in_a_column_of_their_own_are_read_in_excel(merged: bool) -> None:
    body = [list(row) for row in AREA_BODY]
    if merged:
        body[1][1] = body[3][1] = None
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], AREA_HEADER, *body]
    plan = read_xlsx(xlsx_bytes(workbook(rows, merges=["B6:B7", "B8:B9"] if merged else [])))
    # Written on every row, "CẢI CÁCH THỦ TỤC HÀNH CHÍNH" in capitals is the same area.
    assert _areas_of(plan) == [
        ("I", "Cải cách thể chế", ["1", "2"]),
        ("II", "Cải cách thủ tục hành chính", ["3", "4"]),
    ]
    activity = plan.areas[0].tasks[0].activities[0]
    assert (activity.lead, activity.cooperating) == (["Sở Tư pháp"], ["Sở Nội vụ"])
    assert activity.deadline == "Quý II"


def test_an_area_named_again_further_down_takes_the_rows_back() -> None:
    rows = [
        AREA_HEADER,
        [1, "Cải cách thể chế", "Rà soát văn bản", "Sở Tư pháp", "", "Quý II"],
        [2, "Cải cách tài chính công", "Tự chủ tài chính", "Sở Tài chính", "", "Quý III"],
        [3, "Cải cách thể chế", "Kiểm tra văn bản", "Sở Tư pháp", "", "Quý IV"],
        [1, "Cải cách thể chế", "Trùng số", "Sở Tư pháp", "", "Quý IV"],
    ]
    with pytest.raises(PlanImportError) as caught:
        read_xlsx(xlsx_bytes(workbook(rows)))
    # The area's numbers go on where it left off: task 1 again in it is a duplicate.
    (issue,) = caught.value.issues
    assert "Số thứ tự nhiệm vụ 1 bị trùng trong lĩnh vực I" in issue.message
    plan = read_xlsx(xlsx_bytes(workbook(rows[:4])))
    assert _areas_of(plan) == [
        ("I", "Cải cách thể chế", ["1", "3"]),
        ("II", "Cải cách tài chính công", ["2"]),
    ]


def test_areas_named_in_a_merged_column_are_read_in_word() -> None:
    document = new_document()
    body = [[str(v) for v in row] for row in AREA_BODY[:3]]
    table = add_table(document, [AREA_HEADER, *body])
    first = table.cell(1, 1)
    merged = first.merge(table.cell(2, 1))
    merged.text = "Cải cách thể chế"
    plan = read_docx(docx_bytes(document))
    assert _areas_of(plan) == [
        ("I", "Cải cách thể chế", ["1", "2"]),
        ("II", "Cải cách thủ tục hành chính", ["3"]),
    ]


def test_a_row_that_only_names_the_area_opens_it_for_the_rows_below() -> None:
    rows = [
        AREA_HEADER,
        ["", "Cải cách thể chế", "", "", "", ""],
        [1, "", "Rà soát văn bản", "Sở Tư pháp", "", "Quý II"],
        [2, "", "Kiểm tra văn bản", "Sở Tư pháp", "", "Quý III"],
    ]
    plan = read_xlsx(xlsx_bytes(workbook(rows)))
    assert _areas_of(plan) == [("I", "Cải cách thể chế", ["1", "2"])]


def test_a_header_titled_linh_vuc_nhiem_vu_is_still_the_task_column() -> None:
    rows = [
        ["TT", "Lĩnh vực, nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"],
        ["I", "Cải cách thể chế"],
        [1, "Rà soát văn bản", "Sở Tư pháp", "", "Quý II"],
    ]
    assert _areas_of(read_xlsx(xlsx_bytes(workbook(rows)))) == [("I", "Cải cách thể chế", ["1"])]


@pytest.mark.django_db
def test_a_plan_with_an_area_column_imports_without_edits() -> None:
    factories.make_structure()
    rows = [[TITLE[0]], [TITLE[1]], [ATTACHED], [], AREA_HEADER, *AREA_BODY[:3]]
    plan = plan_import(document=read_xlsx(xlsx_bytes(workbook(rows))), year=2023)
    assert [(a.code, a.title, a.tasks.count()) for a in plan.areas.order_by("position")] == [
        ("I", "Cải cách thể chế", 2),
        ("II", "Cải cách thủ tục hành chính", 1),
    ]


# --- Sections lettered A, B over areas numbered I, II ------------------------------------------

SECTIONED: list[list[Any]] = [
    ["A", "NHIỆM VỤ TRỌNG TÂM"],
    ["I", "CẢI CÁCH THỂ CHẾ"],
    ["1", "Rà soát văn bản", "Rà soát", "Báo cáo", "Sở Tư pháp", "", "Quý I"],
    ["II", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"],
    ["1", "Công bố thủ tục", "Công bố", "Quyết định", "Văn phòng UBND tỉnh", "", "Quý II"],
    ["B", "NHIỆM VỤ KHÁC"],
    ["I", "CÔNG TÁC CHỈ ĐẠO"],
    ["1", "Ban hành kế hoạch", "Dự thảo", "Kế hoạch", "Sở Nội vụ", "", "Tháng 1"],
]
SECTIONED_SHAPE = [
    ("A", "Nhiệm vụ trọng tâm", []),
    ("A.I", "Cải cách thể chế", ["1"]),
    ("A.II", "Cải cách thủ tục hành chính", ["1"]),
    ("B", "Nhiệm vụ khác", []),
    ("B.I", "Công tác chỉ đạo", ["1"]),
]


@pytest.mark.parametrize("reader", ["xlsx", "docx"])
def test_areas_numbered_again_under_each_lettered_section_are_numbered_within_it(reader):
    if reader == "xlsx":
        plan = read_xlsx(published(SECTIONED))
    else:
        plan = read_docx(appendix_document(SECTIONED))
    assert _areas_of(plan) == SECTIONED_SHAPE


def test_lettered_areas_with_their_own_tasks_are_not_sections():
    body = [
        ["A", "CẢI CÁCH THỂ CHẾ"],
        ["1", "Rà soát văn bản", "Rà soát", "", "Sở Tư pháp", "", "Quý I"],
        ["B", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"],
        ["1", "Công bố thủ tục", "Công bố", "", "Văn phòng UBND tỉnh", "", "Quý II"],
    ]
    assert _areas_of(read_xlsx(published(body))) == [
        ("A", "Cải cách thể chế", ["1"]),
        ("B", "Cải cách thủ tục hành chính", ["1"]),
    ]


def test_an_area_numbered_twice_without_sections_is_still_refused():
    body = [*BODY, ["I", "LẠI LĨNH VỰC I"], ["1", "Việc", "Việc", "", "Sở Nội vụ", "", "Quý I"]]
    assert any("Lĩnh vực I xuất hiện hai lần" in m for m in issues_of(read_xlsx, published(body)))


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["xlsx", "docx"])
def test_a_sectioned_plan_survives_export_and_import(file_format):
    from cchc.plans.formats import write_docx, write_xlsx
    from cchc.plans.services import plan_document

    factories.make_structure()
    plan = plan_import(document=read_xlsx(published(SECTIONED)), year=2023)
    write, read = (write_xlsx, read_xlsx) if file_format == "xlsx" else (write_docx, read_docx)
    again = read(write(plan_document(plan)))
    assert _areas_of(again) == SECTIONED_SHAPE
