"""Plan files: XLSX, DOCX and JSON round trips, published layouts and broken uploads."""

from __future__ import annotations

import copy
import json
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from cchc.plans.formats import READERS, WRITERS, detect_format
from cchc.plans.formats.docx import read_docx, write_docx
from cchc.plans.formats.jsonfmt import read_json, write_json
from cchc.plans.formats.xlsx import (
    COLUMN_TITLES,
    FIELDS,
    read_xlsx,
    sentence_case,
    split_agencies,
    write_xlsx,
)
from cchc.plans.formats.xlsx import reader as xlsx_reader
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

HEADER = [COLUMN_TITLES[name] for name in FIELDS]


# --- Fixtures built in code ----------------------------------------------------------------


def sample_plan() -> PlanDocument:
    """A small two-area plan with multi-activity tasks."""
    return PlanDocument(
        header=PlanHeader(
            issuer="Ủy ban nhân dân tỉnh Hà Giang",
            number="12/KH-UBND",
            issued_on=date(2022, 1, 15),
            year=2022,
            title="Kế hoạch cải cách hành chính năm 2022",
            status="Đã ban hành",
        ),
        areas=[
            AreaRow(
                code="I",
                title="Công tác chỉ đạo, điều hành",
                tasks=[
                    TaskRow(
                        number="1",
                        title="Xây dựng và tổ chức thực hiện kế hoạch CCHC năm 2022",
                        activities=[
                            ActivityRow(
                                title="Ban hành kế hoạch CCHC năm 2022",
                                outputs="Kế hoạch của UBND tỉnh",
                                lead=["Sở Nội vụ"],
                                cooperating=["Các sở, ban, ngành", "UBND các huyện, thành phố"],
                                deadline="Tháng 01/2022",
                            ),
                            ActivityRow(
                                title="Theo dõi, đôn đốc việc thực hiện",
                                outputs="Báo cáo quý",
                                lead=["Sở Nội vụ"],
                                cooperating=["Văn phòng UBND tỉnh"],
                                deadline="Hằng quý",
                                notes="Gửi trước ngày 15 của tháng cuối quý",
                            ),
                            ActivityRow(
                                title="Tổng kết, đánh giá",
                                outputs="Báo cáo năm",
                                lead=["Sở Nội vụ"],
                                deadline="15/12/2022",
                            ),
                        ],
                    ),
                    TaskRow(
                        number="2",
                        title="Kiểm tra công tác cải cách hành chính",
                        activities=[
                            ActivityRow(
                                title="Kiểm tra công tác cải cách hành chính",
                                outputs="Thông báo kết luận kiểm tra",
                                lead=["Sở Nội vụ"],
                                cooperating=["Sở Tư pháp", "Sở Thông tin và Truyền thông"],
                                deadline="Quý III/2022",
                            )
                        ],
                    ),
                ],
            ),
            AreaRow(
                code="II",
                title="Cải cách thủ tục hành chính (TTHC)",
                tasks=[
                    TaskRow(
                        number="1",
                        title="Rà soát, đơn giản hóa TTHC",
                        activities=[
                            ActivityRow(
                                title="Rà soát TTHC thuộc thẩm quyền của tỉnh",
                                outputs="Quyết định phê duyệt phương án đơn giản hóa",
                                lead=["Văn phòng UBND tỉnh"],
                                cooperating=["Các sở, ban, ngành"],
                                deadline="Quý II/2022",
                            ),
                            ActivityRow(
                                title="Công bố danh mục TTHC",
                                outputs="Quyết định công bố",
                                lead=["Các sở, ban, ngành"],
                                deadline="Thường xuyên",
                            ),
                        ],
                    )
                ],
            ),
        ],
    )


def workbook_bytes(
    rows: Sequence[Sequence[Any]],
    merges: Iterable[str] = (),
    *,
    sheet: str = "Phụ lục",
    extra_sheets: Iterable[str] = (),
) -> bytes:
    """A workbook whose first sheet holds `rows` from A1, with the given merged ranges."""
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    for values in rows:
        ws.append(list(values))
    for merged in merges:
        ws.merge_cells(merged)
    for name in extra_sheets:
        workbook.create_sheet(name)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def grid_table(document: Any, rows: Sequence[Sequence[str]]) -> Any:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    return table


def docx_bytes(document: Any) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def sheet_contents(data: bytes) -> dict[str, Any]:
    """Every sheet's cell values and merged ranges: what a reader of the file sees."""
    workbook = load_workbook(BytesIO(data))
    return {
        ws.title: (
            [[cell.value for cell in row] for row in ws.iter_rows()],
            sorted(str(merged) for merged in ws.merged_cells.ranges),
        )
        for ws in workbook.worksheets
    }


def issues_of(reader: Any, data: bytes) -> list[ImportIssue]:
    with pytest.raises(PlanImportError) as caught:
        reader(data)
    assert caught.value.issues
    return caught.value.issues


def only_issue(reader: Any, data: bytes) -> ImportIssue:
    issues = issues_of(reader, data)
    assert len(issues) == 1, [str(issue) for issue in issues]
    return issues[0]


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """Over 200 MB of zeros as xl/workbook.xml, written in chunks: about 1 MB on disk."""
    buffer = BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/workbook.xml", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1 << 20)
        for _ in range(201):
            member.write(chunk)
    return buffer.getvalue()


# --- Round trips ---------------------------------------------------------------------------


def test_a_plan_written_to_xlsx_reads_back_equal() -> None:
    plan = sample_plan()
    again = read_xlsx(write_xlsx(plan))
    assert again.header == plan.header
    assert again.areas == plan.areas


def test_rewriting_a_read_workbook_gives_the_same_cells_and_bytes() -> None:
    first = write_xlsx(sample_plan())
    second = write_xlsx(read_xlsx(first))
    assert sheet_contents(second) == sheet_contents(first)
    assert second == first


def test_reading_a_written_workbook_records_where_each_value_came_from() -> None:
    plan = read_xlsx(write_xlsx(sample_plan()))
    activity = plan.areas[0].tasks[0].activities[1]
    # Title lines take rows 1-3, the header row 5; area I is row 6, task 1 starts at row 7.
    assert activity.source["deadline"] == Location(
        sheet="Phụ lục", row=8, column="G", column_title="Thời gian hoàn thành"
    )
    assert plan.areas[1].source["code"].row == 11


def test_the_written_workbook_is_laid_out_for_reading_and_printing() -> None:
    workbook = load_workbook(BytesIO(write_xlsx(sample_plan())))
    assert workbook.sheetnames == ["Phụ lục", "Thông tin kế hoạch", "Thông tin bổ sung"]
    ws = workbook["Phụ lục"]
    assert ws["A1"].value == "PHỤ LỤC"
    assert ws["A2"].value == "NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2022"
    assert ws["A3"].value == (
        "(Kèm theo Kế hoạch số 12/KH-UBND ngày 15 tháng 01 năm 2022 "
        "của Ủy ban nhân dân tỉnh Hà Giang)"
    )
    assert [cell.value for cell in ws[5]] == HEADER
    assert ws["A5"].font.bold and ws["A5"].border.left.style == "thin"
    assert ws["C8"].font.name == "Times New Roman" and ws["C8"].font.size == 12
    assert ws["C8"].alignment.wrap_text
    assert ws["H8"].border.right.style == "thin"
    merged = {str(item) for item in ws.merged_cells.ranges}
    assert {"A1:H1", "B6:H6", "A7:A9", "B7:B9"} <= merged
    assert ws["A6"].value == "I" and ws["A6"].font.bold
    assert ws["A7"].value == 1
    assert ws["E7"].value == "Sở Nội vụ"
    assert ws["F7"].value == "Các sở, ban, ngành\nUBND các huyện, thành phố"
    assert ws.column_dimensions["B"].width == 40
    assert ws.freeze_panes == "A6"
    assert ws.print_title_rows == "$5:$5"
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4)
    info = workbook["Thông tin kế hoạch"]
    assert [[cell.value for cell in row] for row in info.iter_rows()] == [
        ["Cơ quan ban hành", "Ủy ban nhân dân tỉnh Hà Giang"],
        ["Số, ký hiệu", "12/KH-UBND"],
        ["Ngày ban hành", "15/01/2022"],
        ["Năm", 2022],
        ["Trích yếu", "Kế hoạch cải cách hành chính năm 2022"],
        ["Trạng thái", "Đã ban hành"],
    ]


def test_text_that_looks_like_a_formula_is_written_as_text() -> None:
    plan = sample_plan()
    plan.areas[0].tasks[0].activities[0].outputs = "=Kế hoạch"
    data = write_xlsx(plan)
    assert load_workbook(BytesIO(data))["Phụ lục"]["D7"].data_type == "s"
    assert read_xlsx(data).areas == plan.areas


def test_a_plan_written_to_docx_reads_back_equal() -> None:
    plan = sample_plan()
    again = read_docx(write_docx(plan))
    assert again.areas == plan.areas
    header = again.header
    assert (header.issuer, header.number, header.issued_on, header.year) == (
        "Ủy ban nhân dân tỉnh Hà Giang",
        "12/KH-UBND",
        date(2022, 1, 15),
        2022,
    )


def test_the_written_document_is_landscape_a4_in_times_new_roman_13() -> None:
    document = docx.Document(BytesIO(write_docx(sample_plan())))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert section.page_width > section.page_height
    assert round(section.page_width.cm, 1) == 29.7
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.styles["Normal"].font.size == Pt(13)
    assert [p.text for p in document.paragraphs[:2]] == [
        "PHỤ LỤC",
        "NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2022",
    ]
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == HEADER
    header_properties = table.rows[0]._tr.trPr
    assert header_properties is not None
    assert header_properties.find(qn("w:tblHeader")) is not None
    # Task 1 of area I covers three rows: its TT cell is one merged cell.
    assert table.cell(2, 0)._tc is table.cell(4, 0)._tc
    assert table.cell(4, 2).text == "Tổng kết, đánh giá"


def test_writing_the_same_plan_twice_gives_the_same_docx_bytes() -> None:
    assert write_docx(sample_plan()) == write_docx(sample_plan())


def test_a_plan_written_to_json_reads_back_equal_with_everything_json_carries() -> None:
    plan = sample_plan()
    plan.areas[0].description = "Mô tả lĩnh vực"
    plan.areas[0].tasks[0].notes = "Ghi chú của nhiệm vụ"
    plan.areas[0].tasks[0].activities[0].due_dates = [date(2022, 1, 31)]
    plan.areas[0].tasks[0].activities[1].needs_date = True
    plan.extra = {"document": {"body": "Nội dung kế hoạch"}, "indicators": [1, 2]}
    assert read_json(write_json(plan)) == plan


def test_json_output_is_readable_utf8_in_a_fixed_key_order() -> None:
    plan = sample_plan()
    plan.extra = {"responsibilities": ["Sở Nội vụ chủ trì"]}
    text = write_json(plan).decode("utf-8")
    assert text.endswith("}\n")
    assert "Ủy ban nhân dân tỉnh Hà Giang" in text
    assert '\n  "plan": {\n    "issuer"' in text
    content = json.loads(text)
    assert list(content) == ["plan", "areas", "responsibilities"]
    assert list(content["plan"]) == ["issuer", "number", "issued_on", "year", "title", "status"]
    assert content["plan"]["issued_on"] == "2022-01-15"
    activity = content["areas"][0]["tasks"][0]["activities"][0]
    assert list(activity) == [
        "title",
        "outputs",
        "lead",
        "cooperating",
        "deadline",
        "due_dates",
        "needs_date",
        "notes",
    ]


def test_readers_and_writers_are_registered_by_format_name() -> None:
    plan = sample_plan()
    for name in ("xlsx", "docx", "json"):
        assert READERS[name](WRITERS[name](plan)).areas == plan.areas


# --- Property: any reasonable plan survives a round trip -------------------------------------

_words = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạềểễếệ ,", min_size=1, max_size=20)
_titles = _words.map(clean_text).filter(lambda text: text and text[0].isalpha())
_names = _titles.map(lambda text: text.rstrip(".,").strip()).filter(bool)


@st.composite
def _plans(draw: st.DrawFn) -> PlanDocument:
    areas = []
    for area_index in range(draw(st.integers(1, 3))):
        tasks = []
        for task_index in range(draw(st.integers(0, 3))):
            activities = [
                ActivityRow(
                    title=draw(_titles),
                    outputs=draw(st.one_of(st.just(""), _titles)),
                    lead=draw(st.lists(_names, max_size=2)),
                    cooperating=draw(st.lists(_names, max_size=3)),
                    deadline=draw(st.one_of(st.just(""), _titles)),
                    notes=draw(st.one_of(st.just(""), _titles)),
                )
                for _ in range(draw(st.integers(0, 3)))
            ]
            tasks.append(TaskRow(str(task_index + 1), draw(_titles), activities=activities))
        areas.append(AreaRow(["I", "II", "III"][area_index], draw(_titles), tasks=tasks))
    return PlanDocument(areas=areas)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_plans())
def test_any_plan_survives_xlsx_docx_and_json_round_trips(plan: PlanDocument) -> None:
    assert read_xlsx(write_xlsx(plan)).areas == plan.areas
    assert read_docx(write_docx(plan)).areas == plan.areas
    assert read_json(write_json(plan)) == plan


# --- Published layouts -----------------------------------------------------------------------


def published_workbook() -> bytes:
    rows: list[list[Any]] = [
        ["UBND TỈNH HÀ GIANG"],
        ["PHỤ LỤC"],
        ["NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2022"],
        [
            "(Kèm theo Kế hoạch số 25/KH-UBND ngày 20 tháng 01 năm 2022 của "
            "Ủy ban nhân dân tỉnh Hà Giang)"
        ],
        [
            "STT",
            "Nhiệm vụ",
            "Hoạt động cụ thể",
            "Kết quả/ Sản phẩm",
            "Cơ quan chủ trì",
            "Cơ quan phối hợp",
            "Thời gian\nhoàn thành",
            "Ghi chú",
        ],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"],
        ["I. CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH"],
        [
            1,
            "Xây dựng, ban hành kế hoạch CCHC năm 2022",
            "Xây dựng kế hoạch",
            "Kế hoạch",
            "- Sở Nội vụ",
            "- Các sở, ban, ngành;\n- UBND các huyện, thành phố",
            datetime(2022, 1, 31),
            None,
        ],
        [
            None,
            None,
            "Theo dõi, đôn đốc",
            "Báo cáo",
            "Sở Nội vụ",
            "• Văn phòng UBND tỉnh\n+ Sở Tư pháp",
            "Quý IV/2022",
            "Thường xuyên",
        ],
        [2.0, "Kiểm tra công tác CCHC", None, "Báo cáo kết quả kiểm tra", "Sở Nội vụ"],
        [],
        ["II", "CẢI CÁCH THỂ CHẾ"],
        [
            "1.",
            "Rà soát văn bản QPPL",
            "Rà soát văn bản",
            "Danh mục",
            "Sở Tư pháp",
            None,
            "Quý II",
            None,
            None,
            "ghi chú ngoài bảng",
        ],
        [None, None, "Kiểm tra văn bản", "Kết luận", None, "– Sở Nội vụ", "Quý III"],
        ["III", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH, TTHC LIÊN THÔNG"],
        [1, "Công bố TTHC", "Công bố danh mục", "Quyết định", "Văn phòng UBND tỉnh"],
    ]
    merges = ["A2:H2", "A3:H3", "A4:H4", "A7:H7", "A8:A9", "B8:B9", "B12:H12", "E13:E14"]
    return workbook_bytes(rows, merges, sheet="Sheet1")


def test_a_published_style_workbook_reads_correctly() -> None:
    plan = read_xlsx(published_workbook())
    assert plan.header == PlanHeader(
        issuer="Ủy ban nhân dân tỉnh Hà Giang",
        number="25/KH-UBND",
        issued_on=date(2022, 1, 20),
        year=2022,
    )
    assert [(area.code, area.title) for area in plan.areas] == [
        ("I", "Công tác chỉ đạo điều hành"),
        ("II", "Cải cách thể chế"),
        ("III", "Cải cách thủ tục hành chính, TTHC liên thông"),
    ]
    first, second = plan.areas[0].tasks
    assert (first.number, first.title) == ("1", "Xây dựng, ban hành kế hoạch CCHC năm 2022")
    assert first.activities == [
        ActivityRow(
            title="Xây dựng kế hoạch",
            outputs="Kế hoạch",
            lead=["Sở Nội vụ"],
            cooperating=["Các sở, ban, ngành", "UBND các huyện, thành phố"],
            deadline="31/01/2022",
        ),
        ActivityRow(
            title="Theo dõi, đôn đốc",
            outputs="Báo cáo",
            lead=["Sở Nội vụ"],
            cooperating=["Văn phòng UBND tỉnh", "Sở Tư pháp"],
            deadline="Quý IV/2022",
            notes="Thường xuyên",
        ),
    ]
    assert second.number == "2"
    assert [activity.title for activity in second.activities] == ["Kiểm tra công tác CCHC"]
    review = plan.areas[1].tasks[0]
    assert review.number == "1"
    # The lead cell is merged over both activities: both have it.
    assert [activity.lead for activity in review.activities] == [["Sở Tư pháp"], ["Sở Tư pháp"]]
    assert review.activities[1].cooperating == ["Sở Nội vụ"]
    assert first.activities[0].source["deadline"] == Location(
        sheet="Sheet1", row=8, column="G", column_title="Thời gian hoàn thành"
    )


def test_a_two_level_header_and_a_task_row_naming_only_the_task_read_correctly() -> None:
    rows: list[list[Any]] = [
        [
            "TT",
            "Nhiệm vụ",
            "Hoạt động",
            "Sản phẩm",
            "Cơ quan thực hiện",
            None,
            "Thời hạn",
            "Ghi chú",
        ],
        [None, None, None, None, "Chủ trì", "Phối hợp"],
        ["I", "Lĩnh vực"],
        [1, "Nhiệm vụ chỉ có tên"],
        [None, None, "Việc 1", None, "Sở Nội vụ", "Sở Tư pháp"],
        [None, None, "Việc 2", None, "Sở Tài chính"],
        # The header again, as when a printed table is pasted back together.
        [
            "TT",
            "Nhiệm vụ",
            "Hoạt động",
            "Sản phẩm",
            "Cơ quan thực hiện",
            None,
            "Thời hạn",
            "Ghi chú",
        ],
        [None, None, None, None, "Chủ trì", "Phối hợp"],
        [None, None, "Việc 3", None, "Sở Tài chính"],
    ]
    merges = ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:F1", "G1:G2", "H1:H2"]
    task = read_xlsx(workbook_bytes(rows, merges)).areas[0].tasks[0]
    assert [(a.title, a.lead, a.cooperating) for a in task.activities] == [
        ("Việc 1", ["Sở Nội vụ"], ["Sở Tư pháp"]),
        ("Việc 2", ["Sở Tài chính"], []),
        ("Việc 3", ["Sở Tài chính"], []),
    ]


def published_document(*, split: bool = True) -> bytes:
    document = docx.Document()
    document.add_paragraph("PHỤ LỤC")
    document.add_paragraph("NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2023")
    document.add_paragraph("(Kèm theo Kế hoạch số 30/KH-UBND ngày 05/01/2023 của UBND tỉnh)")
    header = [
        "TT",
        "Nhiệm vụ cụ thể",
        "Hoạt động",
        "Kết quả/ Sản phẩm",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời gian hoàn thành",
        "Ghi chú",
    ]
    first = grid_table(
        document,
        [
            header,
            ["I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH", "", "", "", "", "", ""],
            [
                "1",
                "Ban hành kế hoạch",
                "Xây dựng dự thảo",
                "Dự thảo",
                "Sở Nội vụ",
                "",
                "Tháng 1",
                "",
            ],
            ["", "", "Trình ban hành", "Kế hoạch", "Sở Nội vụ", "", "Tháng 2", ""],
        ],
    )
    first.cell(1, 1).merge(first.cell(1, 7))
    first.cell(2, 0).merge(first.cell(3, 0))
    first.cell(2, 1).merge(first.cell(3, 1))
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    second = grid_table(
        document,
        [
            header,
            ["", "", "Công khai kế hoạch", "Tin bài", "Sở Thông tin và Truyền thông", "", "", ""],
            ["II. CẢI CÁCH THỂ CHẾ", "", "", "", "", "", "", ""],
            ["1", "Rà soát văn bản", "", "Báo cáo", "Sở Tư pháp", "Các sở, ngành", "Quý III", ""],
            ["2", "Theo dõi thi hành pháp luật", "Kiểm tra", "", "Sở Tư pháp", "", "Quý IV", ""],
        ],
    )
    second.cell(2, 0).merge(second.cell(2, 7))
    signature = grid_table(document, [["Nơi nhận:", "CHỦ TỊCH"]])
    assert signature is not None
    return docx_bytes(document)


def test_a_docx_table_split_in_two_with_a_repeated_header_reads_as_one_table() -> None:
    plan = read_docx(published_document())
    assert (plan.header.year, plan.header.number, plan.header.issued_on) == (
        2023,
        "30/KH-UBND",
        date(2023, 1, 5),
    )
    assert plan.header.issuer == "UBND tỉnh"
    assert [(area.code, area.title) for area in plan.areas] == [
        ("I", "Công tác chỉ đạo điều hành"),
        ("II", "Cải cách thể chế"),
    ]
    task = plan.areas[0].tasks[0]
    assert [activity.title for activity in task.activities] == [
        "Xây dựng dự thảo",
        "Trình ban hành",
        "Công khai kế hoạch",
    ]
    assert task.activities[2].source["lead"] == Location(
        sheet="Bảng 2", row=2, column="5", column_title="Cơ quan chủ trì"
    )
    review, follow_up = plan.areas[1].tasks
    assert review.activities[0].title == "Rà soát văn bản"
    assert review.activities[0].cooperating == ["Các sở, ngành"]
    assert follow_up.activities[0].deadline == "Quý IV"


def test_a_docx_table_split_without_repeating_the_header_still_continues() -> None:
    document = docx.Document()
    grid_table(
        document,
        [
            HEADER,
            ["I", "Công tác chỉ đạo", "", "", "", "", "", ""],
            ["1", "Ban hành kế hoạch", "Xây dựng", "", "Sở Nội vụ", "", "", ""],
        ],
    )
    document.add_paragraph()
    grid_table(document, [["", "", "Ban hành", "", "Sở Nội vụ", "", "", ""]])
    plan = read_docx(docx_bytes(document))
    assert [a.title for a in plan.areas[0].tasks[0].activities] == ["Xây dựng", "Ban hành"]


# --- Broken inputs ---------------------------------------------------------------------------


def appendix(*rows: Sequence[Any]) -> bytes:
    return workbook_bytes([HEADER, *rows])


def test_a_workbook_without_the_header_row_names_the_columns_it_expected() -> None:
    issue = only_issue(read_xlsx, workbook_bytes([["Nội dung", "Ghi chú"], ["a", "b"]]))
    assert issue.location.sheet == "Phụ lục"
    assert "Không tìm thấy dòng tiêu đề" in issue.message
    assert "Nhiệm vụ cụ thể" in issue.message and "Thời gian hoàn thành" in issue.message


def test_a_task_before_any_area_is_reported_at_its_tt_cell() -> None:
    issue = only_issue(read_xlsx, appendix([1, "Nhiệm vụ", "Hoạt động"]))
    assert issue.location == Location(sheet="Phụ lục", row=2, column="A", column_title="TT")
    assert "đứng trước mọi lĩnh vực" in issue.message
    assert str(issue).startswith("trang tính «Phụ lục», dòng 2, cột A (TT): ")


def test_a_formula_cell_is_reported_not_computed() -> None:
    issue = only_issue(read_xlsx, appendix(["I", "Lĩnh vực"], [1, "Nhiệm vụ", "Hoạt động", "=1+1"]))
    assert issue.location == Location(
        sheet="Phụ lục", row=3, column="D", column_title="Kết quả/Sản phẩm"
    )
    assert "Ô chứa công thức; hãy nhập giá trị" in issue.message


def test_a_task_row_without_a_title_is_reported() -> None:
    issue = only_issue(read_xlsx, appendix(["I", "Lĩnh vực"], [1, None, "Hoạt động"]))
    assert issue.location.column == "B"
    assert issue.location.column_title == "Nhiệm vụ cụ thể"
    assert "chưa có tên" in issue.message


def test_a_duplicate_task_number_within_an_area_is_reported() -> None:
    issue = only_issue(
        read_xlsx,
        appendix(["I", "Lĩnh vực"], [1, "Nhiệm vụ A", "Việc A"], [1, "Nhiệm vụ B", "Việc B"]),
    )
    assert (issue.location.row, issue.location.column) == (4, "A")
    assert "bị trùng" in issue.message


def test_the_same_task_number_in_two_areas_is_fine() -> None:
    plan = read_xlsx(
        appendix(["I", "Một"], [1, "Nhiệm vụ A", "Việc A"], ["II", "Hai"], [1, "B", "Việc B"])
    )
    assert [area.tasks[0].number for area in plan.areas] == ["1", "1"]


def test_a_huge_cell_is_reported() -> None:
    issue = only_issue(read_xlsx, appendix(["I", "Lĩnh vực"], [1, "Nhiệm vụ", "x" * 6000]))
    assert issue.location == Location(sheet="Phụ lục", row=3, column="C", column_title="Hoạt động")
    assert "vượt quá giới hạn 5000 ký tự" in issue.message


def test_every_problem_in_a_workbook_is_reported_at_once() -> None:
    issues = issues_of(
        read_xlsx,
        appendix(
            [1, "Nhiệm vụ trước lĩnh vực", "Việc"],
            ["1a", "Không phải số La Mã"],  # "A" would be an area lettered A
            ["I", "Lĩnh vực"],
            [None, "Nhiệm vụ thiếu số", "Việc"],
            [None, None, "Việc"],
            [2, "Nhiệm vụ", "=A1"],
            [3, None, "Việc"],
            [2, "Nhiệm vụ trùng", "Việc"],
            ["II"],
        ),
    )
    where = [(issue.location.row, issue.location.column) for issue in issues]
    assert where == [(2, "A"), (3, "A"), (5, "A"), (7, "C"), (8, "B"), (9, "A"), (10, "B")]
    assert all(is_nfc(issue.message) for issue in issues)
    assert "số La Mã" in issues[1].message
    assert "Thiếu số thứ tự (TT)" in issues[2].message
    assert "không có tên" in issues[6].message


def test_an_activity_row_without_a_task_is_reported() -> None:
    issue = only_issue(read_xlsx, appendix(["I", "Lĩnh vực"], [None, None, "Việc lạc"]))
    assert (issue.location.row, issue.location.column) == (3, "C")
    assert "không thuộc nhiệm vụ nào" in issue.message


def test_empty_rows_and_cells_right_of_the_table_are_ignored() -> None:
    plan = read_xlsx(
        appendix(
            [None] * 8,
            ["I", "Lĩnh vực", None, None, None, None, None, None, "bên ngoài"],
            [],
            [1, "Nhiệm vụ", "Việc", None, None, None, None, None, None, "=SUM(A1:A2)"],
        )
    )
    assert plan.areas[0].tasks[0].activities[0].title == "Việc"


def test_a_workbook_with_too_many_rows_is_refused() -> None:
    # Write-only mode keeps building 20 000 rows quick.
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Phụ lục")
    ws.append(HEADER)
    ws.append(["I", "Lĩnh vực"])
    for _ in range(20_000):
        ws.append([None, None, "Việc"])
    buffer = BytesIO()
    workbook.save(buffer)
    issues = issues_of(read_xlsx, buffer.getvalue())
    assert any("quá 20000 dòng" in issue.message for issue in issues)


def test_an_empty_workbook_is_reported() -> None:
    issue = only_issue(read_xlsx, workbook_bytes([]))
    assert "trống" in issue.message


def test_random_bytes_are_not_a_workbook() -> None:
    issue = only_issue(read_xlsx, bytes(range(256)) * 4)
    assert "không phải là bảng tính Excel (.xlsx)" in issue.message


def test_a_text_file_renamed_xlsx_is_refused_everywhere() -> None:
    data = "Kế hoạch cải cách hành chính\n".encode()
    assert "không phải là bảng tính Excel" in only_issue(read_xlsx, data).message
    assert "không phải là văn bản Word" in only_issue(read_docx, data).message
    with pytest.raises(PlanImportError) as caught:
        detect_format("ke-hoach.xlsx", data)
    message = caught.value.issues[0].message
    assert message.startswith(
        "Tệp không phải là bảng tính Excel (.xlsx), văn bản Word (.docx) hay JSON"
    )
    assert "ke-hoach.xlsx" in message


def test_a_zip_bomb_is_refused_without_being_opened(
    zip_bomb: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not see a zip bomb")

    monkeypatch.setattr(xlsx_reader, "load_workbook", never)
    assert len(zip_bomb) < 2 * 1024 * 1024
    issue = only_issue(read_xlsx, zip_bomb)
    assert "zip bomb" in issue.message
    assert "zip bomb" in only_issue(read_docx, zip_bomb).message


def test_a_member_with_an_absurd_compression_ratio_is_refused() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", bytes(8 * 1024 * 1024))
    issue = only_issue(read_xlsx, buffer.getvalue())
    assert "tỉ lệ nén bất thường" in issue.message


def test_an_encrypted_or_legacy_office_file_is_refused() -> None:
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    assert "mật khẩu" in only_issue(read_xlsx, legacy).message
    assert "mật khẩu" in only_issue(read_docx, legacy).message
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", b"secret")
    # zipfile cannot encrypt; set the "encrypted" flag in both headers as an encrypting
    # tool would.
    data = bytearray(buffer.getvalue())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    assert "mã hoá" in only_issue(read_xlsx, bytes(data)).message


def test_a_corrupt_workbook_is_reported() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", b"<not really")
    assert "Không mở được bảng tính" in only_issue(read_xlsx, buffer.getvalue()).message


def test_an_xlsx_that_is_really_a_docx_says_so() -> None:
    document = write_docx(sample_plan())
    issue = only_issue(read_xlsx, document)
    assert issue.message == "Tệp này là văn bản Word (.docx), không phải bảng tính Excel (.xlsx)."
    workbook = write_xlsx(sample_plan())
    assert "là bảng tính Excel (.xlsx), không phải văn bản Word" in (
        only_issue(read_docx, workbook).message
    )


def test_a_docx_without_an_appendix_table_is_reported() -> None:
    document = docx.Document()
    document.add_paragraph("Kế hoạch")
    assert "không có bảng nào" in only_issue(read_docx, docx_bytes(document)).message
    grid_table(document, [["a", "b"], ["c", "d"]])
    issue = only_issue(read_docx, docx_bytes(document))
    assert "Không tìm thấy bảng phụ lục" in issue.message and "Ghi chú" in issue.message


def test_docx_problems_name_the_table_row_and_column() -> None:
    document = docx.Document()
    grid_table(
        document,
        [
            HEADER,
            ["I", "Lĩnh vực", "", "", "", "", "", ""],
            ["1", "Nhiệm vụ", "Việc", "", "", "", "", ""],
            ["1", "Nhiệm vụ khác", "Việc", "", "", "", "", ""],
        ],
    )
    issue = only_issue(read_docx, docx_bytes(document))
    assert issue.location == Location(sheet="Bảng 1", row=4, column="1", column_title="TT")
    assert str(issue).startswith("Bảng 1, dòng 4, cột 1 (TT): ")


def test_non_nfc_input_is_normalised_to_nfc() -> None:
    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    workbook = appendix(
        ["I", nfd("CÔNG TÁC CHỈ ĐẠO")],
        [1, nfd("Nhiệm vụ"), nfd("Hoạt động"), None, nfd("Sở Nội vụ;  Sở Tư pháp")],
    )
    plan = read_xlsx(workbook)
    assert plan.areas[0].title == "Công tác chỉ đạo"
    activity = plan.areas[0].tasks[0].activities[0]
    assert (activity.title, activity.lead) == ("Hoạt động", ["Sở Nội vụ", "Sở Tư pháp"])

    document = docx.Document()
    grid_table(document, [HEADER, ["I", nfd("Lĩnh vực"), *[""] * 6], ["1", nfd("Việc"), *[""] * 6]])
    assert read_docx(docx_bytes(document)).areas[0].title == "Lĩnh vực"

    content = json.loads(write_json(sample_plan()))
    content["areas"][0]["title"] = nfd("Cải cách")
    content["document"] = {"body": nfd("Điều  1")}
    plan = read_json(json.dumps(content).encode())
    assert plan.areas[0].title == "Cải cách"
    assert plan.extra["document"]["body"] == "Điều  1"


# --- JSON validation -------------------------------------------------------------------------


def test_invalid_json_reports_the_line_and_column() -> None:
    issue = only_issue(read_json, b'{\n  "plan": {},\n  "areas": [,]\n}')
    assert (issue.location.row, issue.location.column) == (3, "13")
    assert "Cú pháp JSON không hợp lệ" in issue.message


def test_every_json_problem_is_reported_with_its_path() -> None:
    content = json.loads(write_json(sample_plan()))
    content["plan"]["issued_on"] = "15/01/2022"
    content["plan"]["year"] = "2022"
    del content["areas"][0]["code"]
    content["areas"][0]["tasks"][1]["title"] = ""
    activity = content["areas"][1]["tasks"][0]["activities"][1]
    activity["lead"] = "Sở Nội vụ"
    activity["due_dates"] = ["2022-02-30"]
    activity["needs_date"] = "không"
    content["areas"][1]["tasks"][0]["activities"][0]["deadline"] = 2022
    issues = issues_of(read_json, json.dumps(content, ensure_ascii=False).encode())
    assert [issue.location.path for issue in issues] == [
        "plan.issued_on",
        "plan.year",
        "areas[0].code",
        "areas[0].tasks[1].title",
        "areas[1].tasks[0].activities[0].deadline",
        "areas[1].tasks[0].activities[1].lead",
        "areas[1].tasks[0].activities[1].due_dates[0]",
        "areas[1].tasks[0].activities[1].needs_date",
    ]
    assert "Thiếu trường bắt buộc «code»" in issues[2].message
    assert "Cần danh sách tên cơ quan nhưng gặp chuỗi" in issues[5].message


def test_json_that_is_not_an_object_or_not_utf8_is_refused() -> None:
    assert "phải là một đối tượng" in only_issue(read_json, b"[1, 2]").message
    assert "UTF-8" in only_issue(read_json, '{"plan": "Kế"}'.encode("utf-16")).message
    assert "«areas»" in only_issue(read_json, b'{"plan": null}').message


def test_json_with_a_bom_reads() -> None:
    data = b"\xef\xbb\xbf" + write_json(sample_plan())
    assert read_json(data).areas == sample_plan().areas


# --- Format detection ------------------------------------------------------------------------


def test_detect_format_looks_at_the_content_not_the_file_name() -> None:
    assert detect_format("ke-hoach.docx", write_xlsx(sample_plan())) == "xlsx"
    assert detect_format("ke-hoach.xlsx", write_docx(sample_plan())) == "docx"
    assert detect_format("ke-hoach.xlsx", write_json(sample_plan())) == "json"
    assert detect_format("ke-hoach", b"\xef\xbb\xbf \n\t{}") == "json"
    with pytest.raises(PlanImportError):
        detect_format("ke-hoach.json", b"[]")
    with pytest.raises(PlanImportError):
        detect_format("ke-hoach.xlsx", b"PK\x03\x04 not really a zip")
    other_zip = BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "x")
    with pytest.raises(PlanImportError):
        detect_format("ke-hoach.xlsx", other_zip.getvalue())
    with pytest.raises(PlanImportError) as caught:
        detect_format("C:\\Tài liệu\\ke-hoach.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8))
    assert "«ke-hoach.xls»" in caught.value.issues[0].message


# --- Text helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH", "Công tác chỉ đạo điều hành"),
        ("CẢI CÁCH TTHC VÀ QPPL", "Cải cách TTHC và QPPL"),
        ("ĐỔI MỚI HOẠT ĐỘNG CỦA UBND, HĐND", "Đổi mới hoạt động của UBND, HĐND"),
        ("XÂY DỰNG CHÍNH QUYỀN SỐ 4.0", "Xây dựng chính quyền số 4.0"),
        ("Cải cách thể chế", "Cải cách thể chế"),
        ("Cải cách TÀI CHÍNH công", "Cải cách TÀI CHÍNH công"),
    ],
)
def test_all_capital_area_titles_become_sentence_case(written: str, stored: str) -> None:
    assert sentence_case(written) == stored


def test_agency_cells_split_on_lines_semicolons_and_bullets_but_not_commas() -> None:
    cell = "- Sở Nội vụ;\n+ Các sở, ban, ngành\n• UBND các huyện, thành phố.\n\n– Sở Tư pháp;"
    assert split_agencies(cell) == [
        "Sở Nội vụ",
        "Các sở, ban, ngành",
        "UBND các huyện, thành phố",
        "Sở Tư pháp",
    ]


def test_a_workbook_without_the_info_sheet_takes_the_header_from_the_title_lines() -> None:
    plan = sample_plan()
    workbook = load_workbook(BytesIO(write_xlsx(plan)))
    del workbook["Thông tin kế hoạch"]
    buffer = BytesIO()
    workbook.save(buffer)
    header = read_xlsx(buffer.getvalue()).header
    assert header == PlanHeader(
        issuer=plan.header.issuer,
        number=plan.header.number,
        issued_on=plan.header.issued_on,
        year=2022,
    )


def test_an_invalid_date_on_the_info_sheet_is_reported() -> None:
    workbook = load_workbook(BytesIO(write_xlsx(sample_plan())))
    workbook["Thông tin kế hoạch"]["B3"] = "31/02/2022"
    buffer = BytesIO()
    workbook.save(buffer)
    issue = only_issue(read_xlsx, buffer.getvalue())
    assert issue.location == Location(
        sheet="Thông tin kế hoạch", row=3, column="B", column_title="Ngày ban hành"
    )


def test_a_plan_without_header_information_writes_and_reads() -> None:
    plan = copy.deepcopy(sample_plan())
    plan.header = PlanHeader()
    assert read_xlsx(write_xlsx(plan)).header == PlanHeader()
    assert read_docx(write_docx(plan)).header == PlanHeader()
    assert read_json(write_json(plan)).header == PlanHeader()


def test_a_repeated_header_row_inside_a_worksheet_is_skipped() -> None:
    plan = read_xlsx(
        appendix(["I", "Lĩnh vực"], [1, "Nhiệm vụ", "Việc 1"], HEADER, [None, None, "Việc 2"])
    )
    assert [a.title for a in plan.areas[0].tasks[0].activities] == ["Việc 1", "Việc 2"]


@pytest.mark.parametrize("number_title", ["STT", "Số TT", "Số thứ tự", "tt"])
def test_a_repeated_header_is_skipped_whatever_its_tt_column_is_called(number_title: str) -> None:
    # Only rows whose first filled cell names the TT column are tried as headers.
    repeated = [number_title, *HEADER[1:]]
    plan = read_xlsx(
        appendix(["I", "Lĩnh vực"], [1, "Nhiệm vụ", "Việc 1"], repeated, [None, None, "Việc 2"])
    )
    assert [a.title for a in plan.areas[0].tasks[0].activities] == ["Việc 1", "Việc 2"]


def test_a_row_of_many_cells_that_does_not_start_with_a_tt_title_is_an_activity() -> None:
    # Every cell names a column ("Nhiệm vụ", "Sản phẩm", "Chủ trì" …), but the row has no
    # TT title first: it is a task's row, not a header.
    row = [2, "Nhiệm vụ", "Hoạt động", "Sản phẩm", "Sở Tư pháp", "Sở Nội vụ", "Quý I"]
    plan = read_xlsx(appendix(["I", "Lĩnh vực"], row))
    task = plan.areas[0].tasks[0]
    assert (task.number, task.activities[0].title) == ("2", "Hoạt động")


def test_cells_written_in_rich_text_read_as_their_whole_text() -> None:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.worksheet._reader import WorkSheetParser

    bold = InlineFont(b=True)
    rows: list[list[Any]] = [
        HEADER,
        ["I", CellRichText(["Lĩnh vực ", TextBlock(bold, "cải cách thể chế")])],
        [
            1,
            CellRichText([TextBlock(bold, "Rà soát"), " văn bản"]),
            "Hoạt động một",
            "",
            CellRichText([TextBlock(bold, "Sở Tư pháp"), ";\nSở Nội vụ"]),
            None,
            "Quý I",
        ],
    ]
    data = workbook_bytes(rows)
    plan = read_xlsx(data)
    assert plan.areas[0].title == "Lĩnh vực cải cách thể chế"
    task = plan.areas[0].tasks[0]
    assert task.title == "Rà soát văn bản"
    assert task.activities[0].lead == ["Sở Tư pháp", "Sở Nội vụ"]
    # The reader's quicker reading of inline strings gives what openpyxl's own parser gives.
    for data_only in (False, True):
        parsed = []
        for parser_class in (WorkSheetParser, xlsx_reader._SheetParser):
            book = load_workbook(BytesIO(data), read_only=True)
            ws = book.worksheets[0]
            with book._archive.open(ws._worksheet_path) as source:
                parser = parser_class(
                    source,
                    ws._shared_strings,
                    data_only=data_only,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                parsed.append([cell for _number, row in parser.parse() for cell in row])
            book.close()
        assert parsed[0] == parsed[1]
