"""Agency cells as plans really write them, read as a person would (issue 10, item 1)."""

import unicodedata

import pytest

from cchc.agencies.services import Resolver, load_reference, reference_path


@pytest.fixture
def resolver(db):
    load_reference(reference_path("quang-tri"))
    return Resolver()


def names(resolved):
    return [str(r.target) for r in resolved]


# (cell as written, what a person reads in it)
CELLS = [
    # one cell naming several groups at once: the head noun carries to the next item
    ("UBND cấp huyện, cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    ("UBND cấp huyện và cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    ("UBND các huyện, xã", ["UBND cấp huyện", "UBND cấp xã"]),
    # a shared head noun with a colon; "và" inside a name stays in it
    (
        "Các Sở: Kế hoạch và Đầu tư, Tài chính, Nội vụ",
        ["Sở Kế hoạch và Đầu tư", "Sở Tài chính", "Sở Nội vụ"],
    ),
    ("Các sở: Tài chính và Nội vụ", ["Sở Tài chính", "Sở Nội vụ"]),
    ("Sở: Tư pháp, Nội vụ", ["Sở Tư pháp", "Sở Nội vụ"]),
    ("Các Sở: Tư pháp; Nội vụ; Y tế", ["Sở Tư pháp", "Sở Nội vụ", "Sở Y tế"]),
    ("Các sở:\n- Tư pháp\n- Tài chính", ["Sở Tư pháp", "Sở Tài chính"]),
    # a shared head noun without a colon
    (
        "Sở Tài chính, Kế hoạch và Đầu tư, Nội vụ",
        ["Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Nội vụ"],
    ),
    ("Sở Y tế, Giáo dục và Đào tạo", ["Sở Y tế", "Sở Giáo dục và Đào tạo"]),
    # a name and a note in brackets
    ("Sở Tư pháp (Báo cáo kết quả thực hiện hằng năm)", ["Sở Tư pháp"]),
    ("Sở Tư pháp (Báo cáo kết quả, đánh giá hằng năm), Sở Nội vụ", ["Sở Tư pháp", "Sở Nội vụ"]),
    ("Sở Tư pháp (Báo cáo kết quả", ["Sở Tư pháp"]),  # OCR lost the closing bracket
    # a bracket that is part of a known name stays part of it
    ("Văn phòng (Phòng Hành chính - Tổng hợp)", ["Văn phòng các sở, ban, ngành"]),
    # long mixed lists
    (
        "Sở, ban, ngành, các đơn vị có liên quan và UBND các huyện, thị xã, thành phố",
        ["Các sở, ban, ngành", "Các cơ quan, đơn vị có liên quan", "UBND cấp huyện"],
    ),
    (
        "Các sở, ban, ngành; UBND các huyện, thị xã, thành phố; UBND các xã, phường, thị trấn",
        ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"],
    ),
    (
        "Văn phòng UBND tỉnh, Sở Thông tin và Truyền thông và các cơ quan liên quan khác",
        ["Văn phòng UBND tỉnh", "Sở Thông tin và Truyền thông", "Các cơ quan, đơn vị có liên quan"],
    ),
    # a qualified group: the group, the qualifier kept as a note
    ("Các sở, ban, ngành có đơn vị sự nghiệp công lập", ["Các sở, ban, ngành"]),
    (
        "Các sở, ban, ngành có đơn vị sự nghiệp công lập và UBND cấp huyện",
        ["Các sở, ban, ngành", "UBND cấp huyện"],
    ),
    ("UBND cấp huyện được phân công", ["UBND cấp huyện"]),
    # separators: commas, semicolons, "và", line breaks, bullets
    ("Sở Nội vụ; Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("Sở Nội vụ\nSở Tư pháp\nSở Tài chính", ["Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính"]),
    ("- Sở Nội vụ\n- Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("• Sở Nội vụ;\n• Sở Y tế.", ["Sở Nội vụ", "Sở Y tế"]),
    ("Sở Nội vụ và Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("Sở Nội vụ, Sở Tư pháp và Sở Tài chính", ["Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính"]),
    # names with "và" or commas inside them stay whole
    ("Sở Kế hoạch và Đầu tư", ["Sở Kế hoạch và Đầu tư"]),
    ("Sở Văn hóa, Thể thao và Du lịch", ["Sở Văn hóa, Thể thao và Du lịch"]),
    ("Văn phòng HĐND và UBND cấp huyện", ["Văn phòng HĐND và UBND cấp huyện"]),
    (
        "Đài Phát thanh và Truyền hình tỉnh, Báo Quảng Trị",
        ["Đài Phát thanh và Truyền hình tỉnh", "Báo Quảng Trị"],
    ),
    # abbreviations and spellings
    ("Sở KH&ĐT, Sở TT&TT", ["Sở Kế hoạch và Đầu tư", "Sở Thông tin và Truyền thông"]),
    ("Ủy ban nhân dân cấp huyện, cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    ("  Sở   Nội  vụ  ,   Sở Tư   pháp ", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("SỞ NỘI VỤ, SỞ TƯ PHÁP", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("So Noi vu, So Tu phap", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("Sở Nông nghiệp và PTNT", ["Sở Nông nghiệp và Phát triển nông thôn"]),
    ("UBND các huyện, TX, TP", ["UBND cấp huyện"]),
    ("UBND TP Đông Hà, UBND TX Quảng Trị", ["UBND thành phố Đông Hà", "UBND thị xã Quảng Trị"]),
    # a comma where the register writes a dash
    ("Sở Lao động, Thương binh và Xã hội", ["Sở Lao động - Thương binh và Xã hội"]),
    # the column's role repeated after the name, the head's title before it
    ("Sở Nội vụ chủ trì", ["Sở Nội vụ"]),
    ("Sở Tư pháp phối hợp, Sở Y tế", ["Sở Tư pháp", "Sở Y tế"]),
    ("Chủ tịch UBND tỉnh", ["UBND tỉnh Quảng Trị"]),
    ("Thủ trưởng các sở, ban, ngành", ["Các sở, ban, ngành"]),
    ("Giám đốc Sở Nội vụ", ["Sở Nội vụ"]),
    # the sở's short forms, read the same in every province
    ("Sở VHTT&DL", ["Sở Văn hóa, Thể thao và Du lịch"]),
    ("Sở TNMT, Sở LĐTBXH", ["Sở Tài nguyên và Môi trường", "Sở Lao động - Thương binh và Xã hội"]),
    ("Sở NN và PTNT", ["Sở Nông nghiệp và Phát triển nông thôn"]),
    # groups written without "các" or without their commas
    ("UBND huyện, thị xã, thành phố", ["UBND cấp huyện"]),
    ("Sở ban ngành cấp tỉnh", ["Các sở, ban, ngành"]),
    # "địa phương" in a province's plan: its districts
    ("Các sở, ban, ngành, địa phương", ["Các sở, ban, ngành", "UBND cấp huyện"]),
    ("Sở, ngành, địa phương", ["Các sở, ban, ngành", "UBND cấp huyện"]),
    ("Các huyện, thị xã, thành phố", ["UBND cấp huyện"]),
    # a slash or a spaced dash between two names
    ("Sở Nội vụ/Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("Sở Nội vụ - Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    # what the agency does, after its name
    ("Sở Nội vụ tham mưu UBND tỉnh", ["Sở Nội vụ"]),
    # a name's "và" dropped or written as a dash
    ("Sở Tài nguyên - Môi trường", ["Sở Tài nguyên và Môi trường"]),
    ("Sở Tài nguyên Môi trường, Sở Y tế", ["Sở Tài nguyên và Môi trường", "Sở Y tế"]),
    # a district's unit named for every district or commune: the group of those units
    ("Phòng Nội vụ các huyện, thị xã, thành phố", ["Phòng Nội vụ cấp huyện"]),
    ("Phòng Tư pháp các huyện, thành phố, thị xã", ["Phòng Tư pháp cấp huyện"]),
    ("Thanh tra các huyện", ["Thanh tra cấp huyện"]),
    ("Tư pháp các xã, phường, thị trấn", ["UBND cấp xã"]),
    # ... but one district stays that district
    (
        "UBND huyện Hải Lăng, UBND thị xã Quảng Trị",
        ["UBND huyện Hải Lăng", "UBND thị xã Quảng Trị"],
    ),
    # vague phrases: the member-less group, never an agency
    ("Các đơn vị có liên quan", ["Các cơ quan, đơn vị có liên quan"]),
    ("Các cơ quan, tổ chức có liên quan", ["Các cơ quan, đơn vị có liên quan"]),
]


@pytest.mark.parametrize(("written", "expected"), CELLS)
def test_it_reads_cells_as_a_person_would(resolver, written, expected):
    found = resolver.resolve(written)
    assert found is not None, written
    assert names(found) == expected


@pytest.mark.parametrize(("written", "expected"), CELLS)
def test_decomposed_diacritics_read_the_same(resolver, written, expected):
    found = resolver.resolve(unicodedata.normalize("NFD", written))
    assert found is not None
    assert names(found) == expected


def test_the_shared_head_is_written_out_in_each_name(resolver):
    found = resolver.resolve("Các Sở: Kế hoạch và Đầu tư, Tài chính, Nội vụ")
    assert [r.written_name for r in found] == [
        "Sở Kế hoạch và Đầu tư",
        "Sở Tài chính",
        "Sở Nội vụ",
    ]
    found = resolver.resolve("UBND cấp huyện, cấp xã")
    assert [r.written_name for r in found] == ["UBND cấp huyện", "UBND cấp xã"]


def test_a_bracket_is_kept_as_the_note(resolver):
    (found,) = resolver.resolve("Sở Tư pháp (Báo cáo kết quả thực hiện hằng năm)")
    assert found.written_name == "Sở Tư pháp"
    assert found.note == "Báo cáo kết quả thực hiện hằng năm"


def test_a_qualifier_is_kept_as_the_note(resolver):
    (found,) = resolver.resolve("Các sở, ban, ngành có đơn vị sự nghiệp công lập")
    assert found.target.code == "so-ban-nganh"
    assert found.note == "có đơn vị sự nghiệp công lập"


def test_a_role_or_a_title_is_kept_as_the_note(resolver):
    (found,) = resolver.resolve("Sở Nội vụ chủ trì")
    assert (found.written_name, found.note) == ("Sở Nội vụ", "chủ trì")
    (found,) = resolver.resolve("Chủ tịch UBND tỉnh")
    assert (found.written_name, found.note) == ("UBND tỉnh", "Chủ tịch")
    (found,) = resolver.resolve("Sở Nội vụ tham mưu UBND tỉnh")
    assert (found.written_name, found.note) == ("Sở Nội vụ", "tham mưu UBND tỉnh")
    # Only around a known name: the rest of the cell still has to name an agency.
    assert resolver.resolve("Giám đốc Sở Mặt Trăng") is None
    assert resolver.resolve("Chủ trì") is None


def test_a_colon_after_a_single_name_is_a_note(resolver):
    (found,) = resolver.resolve("Sở Nội vụ: tổng hợp, báo cáo")
    assert str(found.target) == "Sở Nội vụ"
    assert found.note == "tổng hợp, báo cáo"


@pytest.mark.parametrize(
    ("written", "unknown"),
    [
        ("Sở Nội vụ, Sở Ngoại giao Mặt Trăng", ["Sở Nội vụ, Sở Ngoại giao Mặt Trăng"]),
        ("Sở Nội vụ\nBan Không Có", ["Ban Không Có"]),
        ("- Sở Tư pháp\n- Cục Vũ trụ; Sở Y tế", ["Cục Vũ trụ"]),
        ("Các Sở: Tài chính, Mặt Trăng", ["Các Sở: Tài chính, Mặt Trăng"]),
        ("Ban quản lý dự án", ["Ban quản lý dự án"]),
    ],
)
def test_it_names_what_it_cannot_read(resolver, written, unknown):
    reading = resolver.read(written)
    assert reading.unknown == unknown
    assert resolver.resolve(written) is None


def test_a_qualifier_does_not_make_an_agency_out_of_anything(resolver):
    # Only groups take a qualifier: "Sở Nội vụ có ..." is not read as Sở Nội vụ.
    assert resolver.resolve("Sở Nội vụ có trách nhiệm") is None
    # and "Sở, ban, ngành" is never swallowed by a vague phrase
    found = resolver.resolve("Sở, ban, ngành, các đơn vị có liên quan")
    assert names(found) == ["Các sở, ban, ngành", "Các cơ quan, đơn vị có liên quan"]


def test_every_name_of_the_seed_plan_still_resolves(resolver):
    import json

    from cchc.plans.services import DATA_DIR

    data = json.loads((DATA_DIR / "quang-tri-2022.json").read_text(encoding="utf-8"))
    written = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("lead", "cooperating"):
                    written.update(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    assert written
    assert [name for name in sorted(written) if resolver.resolve(name) is None] == []


# ---------------------------------------------------------------------------
# The import: cells become the right assignees, the cell is kept as written


def _document(lead, cooperating=(), *, issuer="UBND tỉnh Quảng Trị", number="25/KH-UBND"):
    from cchc.plans.interchange import ActivityRow, AreaRow, PlanDocument, PlanHeader, TaskRow

    activity = ActivityRow(
        title="Rà soát thủ tục hành chính",
        lead=list(lead),
        cooperating=list(cooperating),
        deadline="Quý II",
    )
    task = TaskRow(number="1", title="Cải cách thủ tục", activities=[activity])
    return PlanDocument(
        header=PlanHeader(issuer=issuer, number=number, year=2022, title="Kế hoạch CCHC 2022"),
        areas=[AreaRow(code="I", title="Cải cách thủ tục hành chính", tasks=[task])],
    )


def _assignees(plan, role):
    from cchc.plans.models import Assignee

    return [
        (a.written_name, str(a.agency or a.group), a.note)
        for a in Assignee.objects.filter(activity__plan=plan, role=role)
        .select_related("agency", "group")
        .order_by("position")
    ]


def test_an_import_reads_real_cells_into_assignees(resolver):
    from cchc.plans.models import Activity
    from cchc.plans.services import plan_import

    lead = ["Sở Tư pháp (Báo cáo kết quả hằng năm)"]
    cooperating = [
        "Các Sở: Kế hoạch và Đầu tư, Tài chính, Nội vụ",
        "UBND cấp huyện, cấp xã",
        "Các sở, ban, ngành có đơn vị sự nghiệp công lập",
    ]
    plan = plan_import(document=_document(lead, cooperating))
    assert _assignees(plan, "lead") == [("Sở Tư pháp", "Sở Tư pháp", "Báo cáo kết quả hằng năm")]
    assert _assignees(plan, "cooperating") == [
        ("Sở Kế hoạch và Đầu tư", "Sở Kế hoạch và Đầu tư", ""),
        ("Sở Tài chính", "Sở Tài chính", ""),
        ("Sở Nội vụ", "Sở Nội vụ", ""),
        ("UBND cấp huyện", "UBND cấp huyện", ""),
        ("UBND cấp xã", "UBND cấp xã", ""),
        ("Các sở, ban, ngành", "Các sở, ban, ngành", "có đơn vị sự nghiệp công lập"),
    ]
    activity = Activity.objects.get(plan=plan)
    assert activity.lead_written == lead[0]
    assert activity.cooperating_written == "\n".join(cooperating)


def test_an_exported_plan_writes_the_cells_back_as_written(resolver):
    from cchc.plans.services import plan_document, plan_import

    cooperating = ["Các Sở: Kế hoạch và Đầu tư, Tài chính, Nội vụ", "UBND cấp huyện, cấp xã"]
    plan = plan_import(document=_document(["Sở Tư pháp (Báo cáo)"], cooperating))
    (row,) = plan_document(plan).areas[0].tasks[0].activities
    assert row.lead == ["Sở Tư pháp (Báo cáo)"]
    assert row.cooperating == cooperating


def test_an_xlsx_cell_with_lines_and_bullets_imports(resolver):
    from cchc.plans.formats.xlsx import read_xlsx, write_xlsx
    from cchc.plans.services import plan_import

    document = _document(
        ["Sở Nội vụ"],
        ["- Sở Tài chính, Kế hoạch và Đầu tư\n- UBND các huyện, thị xã, thành phố"],
    )
    read_back = read_xlsx(write_xlsx(document))
    plan = plan_import(document=read_back)
    assert [name for _w, name, _n in _assignees(plan, "cooperating")] == [
        "Sở Tài chính",
        "Sở Kế hoạch và Đầu tư",
        "UBND cấp huyện",
    ]


def test_an_unknown_name_in_a_cell_fails_the_whole_import_naming_it(resolver):
    from cchc.plans.interchange import PlanImportError
    from cchc.plans.models import Plan
    from cchc.plans.services import plan_import

    document = _document(["Sở Nội vụ"], ["Sở Tư pháp\nBan Quản lý Mặt Trăng", "Cục Sao Hỏa"])
    with pytest.raises(PlanImportError) as raised:
        plan_import(document=document)
    messages = [issue.message for issue in raised.value.issues]
    assert len(messages) == 2
    assert "«Ban Quản lý Mặt Trăng»" in messages[0]
    assert "trong ô «Sở Tư pháp\nBan Quản lý Mặt Trăng»" in messages[0]
    assert messages[1].startswith("Không tìm thấy cơ quan «Cục Sao Hỏa»")
    assert not Plan.objects.exists()


# ---------------------------------------------------------------------------
# The same plan twice (issue 10, item 4)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
        ("Ủy ban nhân dân tỉnh", "UBND tỉnh"),
        ("UBND tỉnh Quảng Trị", "Ủy ban nhân dân tỉnh Quảng Trị"),
        ("UBND tỉnh Quảng Trị", "UBND tỉnh"),
        ("UBND tỉnh Quảng Trị", "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ"),
        ("UBND tỉnh Quảng Trị", "  UBND   tỉnh  Quảng Trị "),
        ("UBND tỉnh Quảng Trị", unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh Quảng Trị")),
        ("Uỷ ban nhân dân tỉnh Quảng Trị", "Ủy ban nhân dân tỉnh Quảng Trị"),
    ],
)
def test_the_same_plan_is_recognised_however_the_issuer_is_written(resolver, first, second):
    from cchc.plans.interchange import PlanImportError
    from cchc.plans.models import Plan
    from cchc.plans.services import plan_import

    plan = plan_import(document=_document(["Sở Nội vụ"], issuer=first))
    with pytest.raises(PlanImportError) as raised:
        plan_import(document=_document(["Sở Nội vụ"], issuer=second))
    assert "đã có trong hệ thống" in raised.value.issues[0].message
    replaced = plan_import(document=_document(["Sở Tư pháp"], issuer=second), replace=True)
    assert replaced.pk == plan.pk
    assert Plan.objects.count() == 1
    assert _assignees(replaced, "lead")[0][1] == "Sở Tư pháp"


def test_the_number_is_compared_without_spaces_or_case(resolver):
    from cchc.plans.interchange import PlanImportError
    from cchc.plans.services import plan_import

    plan_import(document=_document(["Sở Nội vụ"], number="25/KH-UBND"))
    with pytest.raises(PlanImportError):
        plan_import(document=_document(["Sở Nội vụ"], number="25 / kh-UBND"))


def test_another_issuer_or_number_is_another_plan(resolver):
    from cchc.plans.models import Plan
    from cchc.plans.services import plan_import

    plan_import(document=_document(["Sở Nội vụ"], issuer="UBND tỉnh Quảng Trị"))
    plan_import(document=_document(["Sở Nội vụ"], issuer="Sở Nội vụ"))
    plan_import(document=_document(["Sở Nội vụ"], number="26/KH-UBND"))
    assert Plan.objects.count() == 3


def test_the_issuer_is_stored_as_written_and_linked_to_its_agency(resolver):
    from cchc.plans.services import plan_import

    plan = plan_import(document=_document(["Sở Nội vụ"], issuer="Ủy ban nhân dân tỉnh"))
    assert plan.issuer == "Ủy ban nhân dân tỉnh"
    assert str(plan.issuer_agency) == "UBND tỉnh Quảng Trị"


@pytest.mark.parametrize(
    ("written", "note"),
    [
        (
            "Các sở, ban, ngành có đơn vị sự nghiệp công lập và doanh nghiệp nhà nước",
            "có đơn vị sự nghiệp công lập và doanh nghiệp nhà nước",
        ),
        (
            "UBND cấp huyện có thủ tục hành chính về đất đai, xây dựng",
            "có thủ tục hành chính về đất đai, xây dựng",
        ),
    ],
)
def test_a_qualifier_may_hold_a_separator_that_starts_no_name(resolver, written, note):
    (found,) = resolver.resolve(written)
    assert found.note == note


def test_a_name_after_the_qualifier_is_still_a_second_name(resolver):
    found = resolver.resolve(
        "Các sở, ban, ngành có đơn vị sự nghiệp công lập và Sở Kế hoạch và Đầu tư"
    )
    assert names(found) == ["Các sở, ban, ngành", "Sở Kế hoạch và Đầu tư"]
    assert found[0].note == "có đơn vị sự nghiệp công lập"


WRAPPED = [
    # A narrow column: the officer broke the line inside a name or a list.
    ("Sở Kế hoạch và\nĐầu tư", ["Sở Kế hoạch và Đầu tư"]),
    ("Sở Nội vụ, Sở Tư\npháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("UBND các huyện,\nthị xã, thành phố", ["UBND cấp huyện"]),
    ("Các sở, ban, ngành;\nUBND các huyện, thị xã,\nthành phố", ["Các sở, ban, ngành",
                                                         "UBND cấp huyện"]),
    ("Sở Lao động -\nThương binh và Xã hội", ["Sở Lao động - Thương binh và Xã hội"]),
    ("Sở Nội vụ\n(Ban Thi đua - Khen thưởng)", ["Sở Nội vụ"]),
    # Complete lines stay separate names.
    ("Sở Nội vụ\nSở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("Sở Nội vụ\ncác cơ quan liên quan", ["Sở Nội vụ", "Các cơ quan, đơn vị có liên quan"]),
]  # fmt: skip


@pytest.mark.parametrize(("written", "expected"), WRAPPED)
def test_a_line_broken_inside_a_name_is_read_as_one_line(resolver, written, expected):
    from cchc.plans.formats.xlsx.layout import split_agencies

    # As the import reads a cell: split into names, each resolved.
    found = [
        resolved
        for part in split_agencies(written)
        for resolved in resolver.resolve(part) or [None]
    ]
    assert None not in found, written
    assert names(found) == expected
    # The resolver reads the whole cell the same way.
    assert names(resolver.resolve(written) or []) == expected


def test_a_wrapped_bracket_stays_the_names_note_and_roles_in_it_still_count():
    from cchc.plans.formats.xlsx.layout import split_agencies, split_roles

    assert split_agencies("Sở Nội vụ\n(Ban Thi đua - Khen thưởng)") == [
        "Sở Nội vụ (Ban Thi đua - Khen thưởng)"
    ]
    assert split_roles("Sở Nội vụ;\nSở Tư pháp\n(phối hợp)") == (["Sở Nội vụ"], ["Sở Tư pháp"])


def test_names_that_would_read_as_wrapped_lines_are_written_apart():
    from cchc.plans.formats.xlsx.layout import agency_cell, split_agencies

    # A name in lower case or in brackets, after another: the export marks the break.
    for names_written in (["Sở Nội vụ", "phòng Tư pháp"], ["Sở Nội vụ", "(Ban Thi đua)"]):
        assert split_agencies(agency_cell(names_written)) == names_written
    assert agency_cell(["Sở Nội vụ", "Sở Tư pháp"]) == "Sở Nội vụ\nSở Tư pháp"
