"""PAR INDEX criteria sets, bands and campaigns (cchc.par): the shipped defaults,
validation, XLSX import and export, copying, the in-use freeze, campaign windows, the
policy, the pages for each persona and the read-only API."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from cchc.accounts.models import Role, User
from cchc.accounts.policy import can
from cchc.agencies.models import Agency, AgencyGroup
from cchc.audit.models import AuditRecord
from cchc.lib import calendar
from cchc.par.document import NodeRow, validate_nodes
from cchc.par.models import Campaign, ClassificationBand, CriteriaSet, Criterion
from cchc.par.services import (
    ParError,
    SetImportError,
    Windows,
    bands_for,
    campaign_create,
    criterion_delete,
    criterion_update,
    default_sets_load,
    require_in_window,
    set_copy,
    set_import,
    set_problems,
    set_to_document,
    window_state,
)
from cchc.par.xlsx import COLUMNS, read_set_xlsx, write_set_xlsx
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal
WINDOWS = Windows(
    self_opens=date(2022, 12, 1),
    self_closes=date(2022, 12, 15),
    appraisal_opens=date(2022, 12, 16),
    appraisal_closes=date(2023, 1, 20),
    reply_opens=date(2023, 1, 5),
    reply_closes=date(2023, 1, 12),
)


@pytest.fixture
def sets(agencies: dict[str, Agency]) -> dict[str, CriteriaSet]:
    default_sets_load(2022)
    return {s.group.code: s for s in CriteriaSet.objects.select_related("group")}


@pytest.fixture
def dept_set(sets: dict[str, CriteriaSet]) -> CriteriaSet:
    return sets["so-ban-nganh"]


def _node(code: str, points: str, method: str = "self", **extra: Any) -> NodeRow:
    extra.setdefault("title", f"Tiêu chí {code}")
    return NodeRow(code=code, max_points=D(points), method=method, **extra)


# ---------------------------------------------------------------------------
# The shipped defaults


def test_defaults_load_for_the_groups_that_exist_on_the_national_8_areas(
    sets: dict[str, CriteriaSet],
) -> None:
    # The test province has no commune group: that file is skipped, not forced in.
    assert set(sets) == {"so-ban-nganh", "ubnd-cap-huyen"}
    for criteria_set in sets.values():
        assert set_problems(criteria_set) == []
        areas = list(criteria_set.criteria.filter(level=1).order_by("position"))
        assert [a.code for a in areas] == [str(n) for n in range(1, 9)]
        assert areas[7].title.startswith("Tác động của CCHC")
        assert areas[7].method == Criterion.Method.SURVEY
        assert sum(a.max_points for a in areas) == 100
        assert "chỉ để minh hoạ" in criteria_set.source_note
    dept = sets["so-ban-nganh"]
    # Area 1 from the Cà Mau fragment: 20 points, of which 10 are readable, said so.
    area1 = dept.criteria.get(code="1")
    assert area1.max_points == 20 and area1.points_known
    assert "không đọc được" in area1.max_differs_reason
    assert dept.criteria.get(code="1.1.1").guidance.startswith("Ban hành kịp thời: 1 điểm")
    assert dept.criteria.get(code="1.1.4").computation_key == "lead_activities_on_time"
    assert dept.criteria.get(code="1.2.1").method == Criterion.Method.COMPUTED
    # Areas 2–8: points unknown, marked so; the district set is unknown throughout.
    assert not dept.criteria.filter(level=1, code__in=list("2345678"), points_known=True).exists()
    assert not sets["ubnd-cap-huyen"].criteria.filter(points_known=True).exists()
    assert ClassificationBand.objects.filter(year=2022, group=dept.group).count() == 5


def test_load_par_sets_command_is_idempotent(agencies: dict[str, Agency]) -> None:
    out = io.StringIO()
    call_command("load_par_sets", "--year", "2023", stdout=out)
    assert "Các sở, ban, ngành: đã nạp 17 tiêu chí, tổng 100 điểm" in out.getvalue()
    assert "chưa có trong danh mục" in out.getvalue()
    out = io.StringIO()
    call_command("load_par_sets", "--year", "2023", stdout=out)
    assert "đã có bộ tiêu chí năm 2023" in out.getvalue()
    assert CriteriaSet.objects.filter(year=2023).count() == 2


# ---------------------------------------------------------------------------
# Validation


def test_a_parent_must_equal_the_sum_of_its_children_unless_a_reason_is_given() -> None:
    nodes = [_node("1", "5", ""), _node("1.1", "2"), _node("1.2", "2.5")]
    problems = validate_nodes(nodes, D("0.25"))
    assert [(p.code, p.message) for p in problems] == [
        (
            "1",
            "Điểm tối đa 5 khác tổng điểm các tiêu chí con (4,5). Sửa điểm, hoặc ghi lý do "
            "được phép khác.",
        )
    ]
    nodes[0].max_differs_reason = "Điểm thưởng ngoài các tiêu chí con."
    assert validate_nodes(nodes, D("0.25")) == []


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ([_node("1", "2", "")], "phải có cách chấm"),
        ([_node("1", "2", "computed")], "cần mã phép tính"),
        ([_node("1", "2", "self", computation_key="x_y")], "Chỉ tiêu chí tính từ dữ liệu"),
        ([_node("1", "2"), _node("1", "2")], "bị trùng"),
        ([_node("1.a", "2")], "không đúng dạng"),
        ([_node("1.1.1.1", "2")], "không đúng dạng"),
        ([_node("2.1", "2")], "Không có mục 2 chứa tiêu chí 2.1"),
        ([_node("1", "0.3")], "không phải bội số của bước điểm 0,25"),
        ([_node("1", "-1")], "phải từ 0 đến 1000"),
        ([_node("1", "2", title="")], "Thiếu tên"),
        ([_node("1", "2", guidance="a\x00b")], "ký tự điều khiển"),
        ([_node("1", "1", "survey"), _node("1.1", "1")], "không chấm trực tiếp"),
        ([], "chưa có lĩnh vực"),
    ],
)
def test_validation_names_each_problem_in_vietnamese(nodes: list[NodeRow], expected: str) -> None:
    problems = validate_nodes(nodes, D("0.25"))
    assert any(expected in p.message for p in problems), problems


def test_a_set_import_with_wrong_sums_stores_nothing(agencies: dict[str, Agency]) -> None:
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    document = set_to_document_like([_node("1", "5", ""), _node("1.1", "2"), _node("1.2", "2")])
    with pytest.raises(SetImportError) as caught:
        set_import(document, year=2024, group=group)
    assert "khác tổng điểm các tiêu chí con (4)" in str(caught.value)
    assert not CriteriaSet.objects.exists()
    assert not Criterion.objects.exists()


def set_to_document_like(nodes: list[NodeRow]) -> Any:
    from cchc.par.document import SetDocument

    return SetDocument(title="Bộ thử", nodes=nodes)


# ---------------------------------------------------------------------------
# XLSX


def _workbook(rows: list[list[Any]], *, header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Tiêu chí"
    ws.append(header or [title for _n, title in COLUMNS])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_export_then_import_loses_nothing(dept_set: CriteriaSet) -> None:
    node = dept_set.criteria.get(code="1.1.1")
    node.guidance = "Dòng một\nDòng hai – «trích dẫn» & <thẻ>"
    node.save()
    data = write_set_xlsx(set_to_document(dept_set))
    document = read_set_xlsx(data)
    assert document.year == 2022
    assert document.group_code == "so-ban-nganh"
    assert document.step == D("0.25")
    assert document.source_note == dept_set.source_note
    copy = set_import(document, year=2030)
    fields = [
        "code", "title", "guidance", "max_points", "method", "computation_key",
        "points_known", "points_note", "max_differs_reason", "level", "position",
    ]  # fmt: skip
    original = list(dept_set.criteria.order_by("position").values(*fields))
    back = list(copy.criteria.order_by("position").values(*fields))
    assert back == original
    assert copy.title == dept_set.title and copy.group == dept_set.group
    parents = {c.code: c.parent.code if c.parent else None for c in copy.criteria.all()}
    assert parents["1.1.4"] == "1.1" and parents["1.1"] == "1" and parents["8"] is None
    # Written twice, the same bytes: even a second later, the file carries no clock time.
    assert write_set_xlsx(set_to_document(dept_set)) == data
    from io import BytesIO

    from openpyxl import load_workbook

    from cchc.lib.office import document_time

    properties = load_workbook(BytesIO(data)).properties
    assert properties.created == properties.modified == document_time(None)


def test_import_reports_every_bad_cell_with_its_sheet_and_row(agencies: dict[str, Agency]) -> None:
    data = _workbook(
        [
            ["1", "Công tác chỉ đạo", 10, "", "", "Có", "", "", ""],
            ["1.1", "Kế hoạch", "mười", "Tự đánh giá", "", "", "", "", ""],
            ["1.2", "Báo cáo", 5, "Bói toán", "", "", "", "", ""],
            ["1.3", "Kiểm tra", 5, "Tự đánh giá", "", "Có lẽ", "", "", ""],
            ["1.4", "Công thức", "=2+3", "Tự đánh giá", "", "", "", "", ""],
        ]
    )
    with pytest.raises(SetImportError) as caught:
        read_set_xlsx(data)
    texts = [str(issue) for issue in caught.value.issues]
    assert any("dòng 3" in t and "cột C (Điểm tối đa)" in t and "«mười»" in t for t in texts)
    assert any("dòng 4" in t and "Cách chấm «Bói toán» không rõ" in t for t in texts)
    assert any("dòng 5" in t and "«Có» hoặc «Không»" in t for t in texts)
    assert any("dòng 6" in t and "công thức" in t for t in texts)
    assert all("trang tính «Tiêu chí»" in t for t in texts)


def test_import_checks_sums_with_the_rows_they_came_from(agencies: dict[str, Agency]) -> None:
    data = _workbook(
        [
            ["1", "Công tác chỉ đạo", 10, "", "", "", "", "", ""],
            ["1.1", "Kế hoạch", 4, "Tự đánh giá", "", "", "", "", ""],
            ["1.2", "Báo cáo", 5, "tự đánh giá", "", "", "", "", ""],
        ]
    )
    document = read_set_xlsx(data)
    group = AgencyGroup.objects.get(code="ubnd-cap-huyen")
    with pytest.raises(SetImportError) as caught:
        set_import(document, year=2022, group=group)
    (issue,) = caught.value.issues
    assert str(issue).startswith("trang tính «Tiêu chí», dòng 2: Điểm tối đa 10 khác tổng")
    assert not CriteriaSet.objects.exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "Tệp rỗng"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "định dạng cũ (.xls)"),
        (b"Ma,Ten\n1,Chi dao\n", "không phải là bảng tính Excel"),
        (b"MZ\x90\x00", "không phải là bảng tính Excel"),
    ],
)
def test_hostile_files_are_refused_before_a_parser_sees_them(data: bytes, expected: str) -> None:
    with pytest.raises(SetImportError) as caught:
        read_set_xlsx(data)
    assert expected in str(caught.value)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_a_dtd_and_a_word_file_are_refused() -> None:
    bomb = _zip(
        {"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b"\0" * (300 * 1024 * 1024)}
    )
    with pytest.raises(SetImportError):
        read_set_xlsx(bomb)
    xxe = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><w>&e;</w>',
        }
    )
    with pytest.raises(SetImportError):
        read_set_xlsx(xxe)
    word = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>"})
    with pytest.raises(SetImportError) as caught:
        read_set_xlsx(word)
    assert "không phải là bảng tính Excel" in str(caught.value)


def test_a_nul_smuggled_into_the_sheet_is_refused_and_nothing_is_stored(
    agencies: dict[str, Agency],
) -> None:
    data = _workbook([["1", "PLACEHOLDER", 10, "Tự đánh giá", "", "", "", "", ""]])
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {n: source.read(n) for n in source.namelist()}
    for name, content in members.items():
        if b"PLACEHOLDER" in content:
            members[name] = content.replace(b"PLACEHOLDER", b"Ch\x00i &#1; \xe1\xbb\x89")
    with pytest.raises(SetImportError):
        document = read_set_xlsx(_zip(members))
        set_import(document, year=2022, group=AgencyGroup.objects.first())
    assert not CriteriaSet.objects.exists()


def test_a_header_not_found_says_which_columns_are_needed() -> None:
    data = _workbook([["1", "x", 1]], header=["STT", "Nội dung"])
    with pytest.raises(SetImportError) as caught:
        read_set_xlsx(data)
    assert "Mã, Lĩnh vực / Tiêu chí / Tiêu chí thành phần, Điểm tối đa" in str(caught.value)


def test_an_existing_draft_is_replaced_only_when_asked(dept_set: CriteriaSet) -> None:
    document = read_set_xlsx(write_set_xlsx(set_to_document(dept_set)))
    with pytest.raises(SetImportError, match="thay thế bản nháp"):
        set_import(document)
    replaced = set_import(document, replace=True)
    assert replaced.pk != dept_set.pk
    assert CriteriaSet.objects.filter(year=2022, group=dept_set.group).count() == 1


# ---------------------------------------------------------------------------
# Copy and the in-use freeze


def test_copy_to_next_year_then_adjust(dept_set: CriteriaSet, personas: dict[str, User]) -> None:
    copy = set_copy(dept_set, year=2023, actor=personas["coordinator"])
    assert copy.status == CriteriaSet.Status.DRAFT and copy.copied_from == dept_set
    assert copy.criteria.count() == dept_set.criteria.count()
    assert "Sao chép từ" in copy.source_note
    # Adjust two criteria and their maxima (and the parent with them).
    for code, points in [("1.1.2", "1.5"), ("1.1.3", "0.5")]:
        criterion_update(
            copy.criteria.get(code=code), actor=personas["coordinator"], max_points=points
        )
    assert set_problems(copy) == []
    criterion_update(copy.criteria.get(code="1.1.4"), actor=None, max_points="3")
    problems = set_problems(copy)
    assert [p.code for p in problems] == ["1.1"]
    # The original is untouched.
    assert dept_set.criteria.get(code="1.1.2").max_points == 1
    assert AuditRecord.objects.filter(action="par.criterion.update").count() == 3
    with pytest.raises(ParError, match="Đã có bộ tiêu chí năm 2023"):
        set_copy(dept_set, year=2023, actor=None)
    with pytest.raises(ParError, match="năm khác"):
        set_copy(dept_set, year=2022, actor=None)


def test_a_set_in_use_refuses_destructive_edits_but_not_typo_fixes(
    dept_set: CriteriaSet, personas: dict[str, User]
) -> None:
    coordinator = personas["coordinator"]
    campaign_create(dept_set, windows=WINDOWS, actor=coordinator)
    dept_set.refresh_from_db()
    assert dept_set.status == CriteriaSet.Status.IN_USE
    node = dept_set.criteria.get(code="1.1.1")
    with pytest.raises(ParError, match=r"không sửa được điểm tối đa của tiêu chí 1\.1\.1"):
        criterion_update(node, actor=coordinator, max_points="2")
    with pytest.raises(ParError, match="cách chấm"):
        criterion_update(node, actor=coordinator, method="survey")
    with pytest.raises(ParError, match=r"không xoá được tiêu chí 1\.1\.1"):
        criterion_delete(node, actor=coordinator)
    criterion_update(node, actor=coordinator, title="Ban hành kế hoạch CCHC năm đúng hạn")
    criterion_update(node, actor=coordinator, max_points=D(1), guidance="Sửa lỗi chính tả.")
    node.refresh_from_db()
    assert node.title.endswith("đúng hạn") and node.max_points == 1
    document = read_set_xlsx(write_set_xlsx(set_to_document(dept_set)))
    with pytest.raises(SetImportError, match="đang được dùng"):
        set_import(document, replace=True)
    assert dept_set.criteria.count() == 17


def test_a_node_edit_cannot_smuggle_a_nul_or_break_the_node(dept_set: CriteriaSet) -> None:
    node = dept_set.criteria.get(code="1.1.2")
    title = node.title
    with pytest.raises(ParError, match="ký tự điều khiển"):
        criterion_update(node, actor=None, title="Ban\x00 hành")
    with pytest.raises(ParError, match="cần mã phép tính"):
        criterion_update(node, actor=None, method="computed")
    with pytest.raises(ParError, match="không phải là số"):
        criterion_update(node, actor=None, max_points="nan?")
    node.refresh_from_db()
    assert node.title == title and node.method == "self"


def test_deleting_a_draft_node_removes_its_children(dept_set: CriteriaSet) -> None:
    criterion_delete(dept_set.criteria.get(code="1.1"), actor=None)
    assert not dept_set.criteria.filter(code__startswith="1.1").exists()
    assert dept_set.criteria.count() == 12


# ---------------------------------------------------------------------------
# Campaigns, windows, policy


def test_windows_out_of_order_are_refused(dept_set: CriteriaSet) -> None:
    bad = Windows(**{**WINDOWS.__dict__, "appraisal_opens": date(2022, 12, 10)})
    with pytest.raises(ParError, match="Thẩm định bắt đầu sau khi hết hạn tự đánh giá"):
        campaign_create(dept_set, windows=bad, actor=None)
    late_reply = Windows(**{**WINDOWS.__dict__, "reply_closes": date(2023, 2, 1)})
    with pytest.raises(ParError, match="Giải trình phải xong trước khi hết hạn thẩm định"):
        campaign_create(dept_set, windows=late_reply, actor=None)
    assert not Campaign.objects.exists()


def test_a_set_with_problems_cannot_open_a_campaign_and_one_per_year(dept_set: CriteriaSet) -> None:
    criterion_update(dept_set.criteria.get(code="1.1.4"), actor=None, max_points="3")
    with pytest.raises(ParError, match="còn 1 lỗi"):
        campaign_create(dept_set, windows=WINDOWS, actor=None)
    criterion_update(dept_set.criteria.get(code="1.1.4"), actor=None, max_points="2")
    campaign_create(dept_set, windows=WINDOWS, actor=None)
    with pytest.raises(ParError, match="đã có đợt đánh giá năm 2022"):
        campaign_create(dept_set, windows=WINDOWS, actor=None)


def test_windows_are_policy_rules_with_a_clear_message_when_late(
    dept_set: CriteriaSet, personas: dict[str, User], agencies: dict[str, Agency]
) -> None:
    campaign = campaign_create(dept_set, windows=WINDOWS, actor=None)
    officer, appraiser = personas["officer_a"], personas["appraiser"]
    district_officer = factories.make_user("officer_d1", Role.OFFICER, agencies["d1"])
    with calendar.as_of(date(2022, 12, 15)):
        assert can(officer, "par.self_assess", campaign)
        require_in_window(officer, "par.self_assess", campaign)
        assert not can(appraiser, "par.appraise", campaign)
        assert [w["state"] for w in window_state(campaign)] == ["open", "before", "before"]
    with calendar.as_of(date(2022, 12, 16)):
        assert not can(officer, "par.self_assess", campaign)
        assert can(officer, "par.self_assess", campaign, when=False)
        with pytest.raises(ParError) as caught:
            require_in_window(officer, "par.self_assess", campaign)
        assert caught.value.message == (
            "Thời hạn tự đánh giá của «Đánh giá PAR INDEX năm 2022 – Các sở, ban, ngành» đã "
            "đóng (từ 01/12/2022 đến hết 15/12/2022); thay đổi không được lưu."
        )
        require_in_window(appraiser, "par.appraise", campaign)
        with pytest.raises(ParError, match=r"giải trình .* chưa mở"):
            require_in_window(officer, "par.reply", campaign)
        # Not their group: never, whatever the date.
        with pytest.raises(PermissionDenied):
            require_in_window(district_officer, "par.self_assess", campaign)
        # An appraiser does not self-assess; an officer does not appraise.
        assert not can(appraiser, "par.self_assess", campaign, when=False)
        assert not can(officer, "par.appraise", campaign, when=False)
    with calendar.as_of(date(2023, 1, 12)):
        require_in_window(personas["head_a"], "par.reply", campaign)
    with calendar.as_of(date(2023, 1, 21)):
        assert not can(appraiser, "par.appraise", campaign)


def test_bands_default_until_configured(dept_set: CriteriaSet) -> None:
    group = AgencyGroup.objects.get(code="ubnd-cap-huyen")
    assert [b.label for b in bands_for(2031, group)] == [
        "Xuất sắc",
        "Tốt",
        "Khá",
        "Trung bình",
        "Yếu",
    ]
    ClassificationBand.objects.create(
        year=2031, group=group, label="Nhóm I", lower=D(80), upper=None, regulation="Thử"
    )
    assert [b.label for b in bands_for(2031, group)] == ["Nhóm I"]


# ---------------------------------------------------------------------------
# Pages


def test_the_list_shows_each_agency_its_own_groups_sets(
    sets: dict[str, CriteriaSet], login: Any, agencies: dict[str, Agency]
) -> None:
    page = login("officer_a").get("/par/").content.decode()
    assert "Các sở, ban, ngành" in page and "UBND cấp huyện" not in page
    page = login("leader").get("/par/").content.decode()
    assert "Các sở, ban, ngành" in page and "UBND cấp huyện" in page
    assert "Nhập bộ tiêu chí (XLSX)" not in page
    page = login("coordinator").get("/par/?year=2022").content.decode()
    assert "Nhập bộ tiêu chí (XLSX)" in page


def test_the_tree_page_shows_codes_points_methods_and_unknown_points(
    dept_set: CriteriaSet, login: Any
) -> None:
    response = login("officer_a").get(f"/par/{dept_set.pk}/")
    page = response.content.decode()
    assert "1.1.4" in page and "Mức độ thực hiện kế hoạch CCHC" in page
    assert "Tính từ dữ liệu theo dõi" in page and "lead_activities_on_time" in page
    assert "Chưa rõ điểm chuẩn — cần đối chiếu văn bản." in page
    assert "7 mục chưa rõ điểm chuẩn" in page
    assert "Ban hành kịp thời: 1 điểm" in page
    assert "/par/tieu-chi/" not in page  # no edit links for an officer
    # The classification bands of the year and group, with where each comes from.
    assert "Xếp loại chỉ số năm 2022 – Các sở, ban, ngành" in page
    assert "Trung bình" in page and "chưa căn cứ văn bản của tỉnh" in page


def test_another_groups_set_is_not_found_for_an_agency(
    sets: dict[str, CriteriaSet], login: Any
) -> None:
    client = login("officer_a")
    district = sets["ubnd-cap-huyen"]
    assert client.get(f"/par/{district.pk}/").status_code == 404
    assert client.get(f"/par/{district.pk}/xlsx/").status_code == 404
    assert client.get(f"/api/par/sets/{district.pk}").status_code == 404
    listed = client.get("/api/par/sets").json()
    assert [s["group_code"] for s in listed] == ["so-ban-nganh"]


def test_tree_page_shows_problems_per_node(dept_set: CriteriaSet, login: Any) -> None:
    criterion_update(dept_set.criteria.get(code="1.2.2"), actor=None, max_points="2")
    page = login("coordinator").get(f"/par/{dept_set.pk}/").content.decode()
    assert "Bộ tiêu chí có 1 lỗi" in page
    assert "Điểm tối đa 2 khác tổng điểm các tiêu chí con (3)" in page


def test_import_page_all_or_nothing(
    agencies: dict[str, Agency], login: Any, dept_set: CriteriaSet
) -> None:
    client = login("coordinator")
    group = AgencyGroup.objects.get(code="ubnd-cap-huyen")
    bad = _workbook(
        [["1", "Chỉ đạo", 10, "", "", "", "", "", ""], ["1.1", "Kế hoạch", 4, "Tự đánh giá"]]
    )
    response = client.post("/par/nhap/", {"file": _upload(bad), "year": 2025, "group": group.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tệp có 1 lỗi; chưa có gì thay đổi" in page
    assert "dòng 2" in page
    assert not CriteriaSet.objects.filter(year=2025).exists()
    good = write_set_xlsx(set_to_document(dept_set))
    response = client.post("/par/nhap/", {"file": _upload(good), "year": 2025, "group": group.pk})
    created = CriteriaSet.objects.get(year=2025, group=group)
    assert response.status_code == 302 and response["Location"] == f"/par/{created.pk}/"
    assert created.criteria.count() == 17


def _upload(data: bytes, name: str = "bo-tieu-chi.xlsx") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_export_download_for_a_reader(dept_set: CriteriaSet, login: Any) -> None:
    response = login("head_a").get(f"/par/{dept_set.pk}/xlsx/")
    assert response.status_code == 200
    assert "bo-tieu-chi-par-2022-so-ban-nganh.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["Tiêu chí"]
    assert sheet["A2"].value == "1" and sheet["C2"].value == 20


def test_copy_edit_and_campaign_pages(dept_set: CriteriaSet, login: Any) -> None:
    client = login("coordinator")
    response = client.post(f"/par/{dept_set.pk}/sao-chep/", {"year": 2023, "title": ""})
    copy = CriteriaSet.objects.get(year=2023, group=dept_set.group)
    assert response["Location"] == f"/par/{copy.pk}/"
    node = copy.criteria.get(code="1.1.1")
    form = {
        "title": node.title, "guidance": node.guidance, "max_points": "1.5", "method": "self",
        "computation_key": "", "points_known": "on", "points_note": "", "max_differs_reason": "",
    }  # fmt: skip
    response = client.post(f"/par/tieu-chi/{node.pk}/sua/", form)
    assert response.status_code == 302
    node.refresh_from_db()
    assert node.max_points == D("1.5")
    response = client.get(f"/par/{copy.pk}/mo-dot/")
    assert response.status_code == 200
    dates = {k: v.isoformat() for k, v in WINDOWS.__dict__.items()}
    dates = {k: v.replace("2022", "2023").replace("2023-01", "2024-01") for k, v in dates.items()}
    page = client.post(f"/par/{copy.pk}/mo-dot/", {"title": "", **dates}).content.decode()
    assert "còn 1 lỗi" in page  # 1.1 no longer adds up
    node.max_points = D(1)
    node.save()
    response = client.post(f"/par/{copy.pk}/mo-dot/", {"title": "", **dates})
    campaign = Campaign.objects.get(year=2023)
    assert response["Location"] == f"/par/dot/{campaign.pk}/"
    # Now in use: the page shows the maximum and the method frozen, and ignores a posted
    # change to them; a title typo is still fixed.
    page = client.get(f"/par/tieu-chi/{node.pk}/sua/").content.decode()
    assert "chỉ sửa được lỗi chính tả" in page
    assert 'name="max_points" value="1"' in page and "disabled" in page
    response = client.post(f"/par/tieu-chi/{node.pk}/sua/", {**form, "title": "Ban hành KH"})
    assert response.status_code == 302
    node.refresh_from_db()
    assert node.max_points == 1 and node.title == "Ban hành KH"
    page = client.get(f"/par/dot/{campaign.pk}/").content.decode()
    assert "Sở Tư pháp" in page and "01/12/2023" in page
    response = client.post(f"/par/tieu-chi/{node.pk}/xoa/")
    assert response.status_code == 302
    assert copy.criteria.filter(pk=node.pk).exists()


def test_campaign_form_names_the_window_out_of_order(dept_set: CriteriaSet, login: Any) -> None:
    dates = {k: v.isoformat() for k, v in WINDOWS.__dict__.items()}
    dates["self_closes"] = "2022-11-01"
    page = login("coordinator").post(f"/par/{dept_set.pk}/mo-dot/", dates).content.decode()
    assert "Hạn tự đánh giá phải từ ngày mở trở đi." in page
    assert not Campaign.objects.exists()


def test_officers_and_leaders_cannot_manage(dept_set: CriteriaSet, login: Any) -> None:
    node = dept_set.criteria.get(code="1.1.1")
    for persona in ("officer_a", "head_a", "leader", "appraiser"):
        client = login(persona)
        assert client.get("/par/nhap/").status_code == 403
        assert client.post(f"/par/tieu-chi/{node.pk}/xoa/").status_code == 403
        assert client.post(f"/par/{dept_set.pk}/sao-chep/", {"year": 2024}).status_code == 403
    assert dept_set.criteria.filter(pk=node.pk).exists()
    assert not CriteriaSet.objects.filter(year=2024).exists()


def test_api_tree(dept_set: CriteriaSet, login: Any) -> None:
    body = login("appraiser").get(f"/api/par/sets/{dept_set.pk}").json()
    assert body["max_points"] in (100, "100", "100.00")
    assert len(body["nodes"]) == 17 and body["problems"] == []
    node = next(n for n in body["nodes"] if n["code"] == "2")
    assert node["points_known"] is False and "Chưa rõ điểm chuẩn" in node["points_note"]


def test_a_nul_posted_to_a_page_changes_nothing(dept_set: CriteriaSet, login: Any) -> None:
    node = dept_set.criteria.get(code="1.1.1")
    form = {"title": "Ban\x00hành", "max_points": "1", "method": "self", "points_known": "on"}
    response = login("coordinator").post(f"/par/tieu-chi/{node.pk}/sua/", form)
    assert response.status_code == 400
    node.refresh_from_db()
    assert node.title == "Ban hành kế hoạch CCHC năm"


def test_load_demo_loads_the_default_sets_of_the_plans_year() -> None:
    out = io.StringIO()
    call_command("load_demo", "--without-reports", "--quiet-accounts", stdout=out)
    assert "UBND cấp xã: đã nạp 17 tiêu chí, tổng 100 điểm; 17 mục chưa rõ điểm chuẩn." in (
        out.getvalue()
    )
    # 2021's departments' set carries the demo's published campaign (cchc.par.demo).
    assert sorted(CriteriaSet.objects.values_list("year", "group__code")) == [
        (2021, "so-ban-nganh"),
        (2022, "so-ban-nganh"),
        (2022, "ubnd-cap-huyen"),
        (2022, "ubnd-cap-xa"),
    ]


def test_the_demo_2022_campaign_shows_survey_scores() -> None:
    from cchc.par.models import Campaign, Criterion, ScoreItem

    call_command("load_demo", "--without-reports", "--quiet-accounts", stdout=io.StringIO())
    campaign = Campaign.objects.get(year=2022, group__code="so-ban-nganh")
    survey = ScoreItem.objects.filter(
        scorecard__campaign=campaign,
        criterion__method=Criterion.Method.SURVEY,
    )
    assert survey.exists()
    assert not survey.filter(self_score__isnull=True).exists()
    for item in survey.select_related("criterion")[:50]:
        assert 0 <= item.self_score <= item.criterion.max_points
    # The 2021 results were published in the demo's past, not on the day it was loaded.
    published = Campaign.objects.get(year=2021, group__code="so-ban-nganh").published_at
    assert published is not None and published.year == 2022
