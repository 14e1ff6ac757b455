"""Names are unique per province (docs/tenants.md, "Provinces are tenants").

Every province has a group "Các sở, ban, ngành" (code so-ban-nganh), aliases such as
"UBND tỉnh" and "Các sở", and a plan "21/KH-UBND" issued by "UBND tỉnh". Two provinces in
one installation load, import, re-import and run PAR INDEX with those same names, each
finding its own.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from cchc.accounts.models import Role
from cchc.agencies import services
from cchc.agencies.models import Agency, AgencyGroup, Alias
from cchc.agencies.services import load_reference, reference_path
from cchc.monitoring.models import Assignment
from cchc.par.document import SetDocument
from cchc.par.models import CriteriaSet, InspectionPlan
from cchc.par.services import DATA_DIR, read_json_document, set_import
from cchc.plans.interchange import ActivityRow, AreaRow, PlanDocument, PlanHeader, TaskRow
from cchc.plans.models import Assignee, Plan
from cchc.plans.services import plan_import
from tests import factories

QUANG_TRI = "UBND tỉnh Quảng Trị"
QUANG_BINH = "UBND tỉnh Quảng Bình"


def _second_reference(tmp_path: Path) -> Path:
    """Quảng Bình written with Quảng Trị's reference file: the same departments, groups,
    group codes and aliases under another province root."""
    data = json.loads(reference_path("quang-tri").read_text(encoding="utf-8"))
    data["province"]["code"] = 44
    data["province"]["current_code"] = 44
    data["province"]["agency"] = QUANG_BINH
    data["province"]["aliases"] = ["UBND tỉnh", "Ủy ban nhân dân tỉnh Quảng Bình"]
    path = tmp_path / "quang-binh.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def two(db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Agency]:
    # Two districts of three communes each are enough to tell the provinces apart, and
    # much quicker to load than the hundreds of the real ones.
    real = services._divisions

    def few(code: int) -> dict[str, Any]:
        divisions = real(code)
        districts = [dict(d, wards=d["wards"][:3]) for d in divisions["districts"][:2]]
        return dict(divisions, districts=districts)

    monkeypatch.setattr(services, "_divisions", few)
    load_reference(reference_path("quang-tri"))
    load_reference(_second_reference(tmp_path))
    return {
        "a": Agency.objects.get(name=QUANG_TRI, parent=None),
        "b": Agency.objects.get(name=QUANG_BINH, parent=None),
    }


def _document(title: str, *, issuer: str = "UBND tỉnh") -> PlanDocument:
    """A plan as every province writes it: the same number, issuer and group names."""
    activity = ActivityRow(
        title=title,
        outputs="Kế hoạch",
        lead=["Các sở, ban, ngành"],
        cooperating=["Các sở", "Các cơ quan liên quan"],
        deadline="Quý II",
    )
    task = TaskRow(number="1", title="Rà soát thủ tục hành chính", activities=[activity])
    area = AreaRow(code="I", title="Cải cách thể chế", tasks=[task])
    header = PlanHeader(issuer=issuer, number="21/KH-UBND", year=2022, title=title)
    return PlanDocument(header=header, areas=[area])


def test_two_provinces_load_the_same_groups_and_aliases(two: dict[str, Agency]) -> None:
    a, b = two["a"], two["b"]
    groups = AgencyGroup.objects.filter(code="so-ban-nganh", name="Các sở, ban, ngành")
    assert sorted(groups.values_list("province_id", flat=True)) == sorted([a.pk, b.pk])
    for root in (a, b):
        group = groups.get(province=root)
        members = set(group.members.values_list("province_id", flat=True))
        assert members == {root.pk}, "a province's group gathers its own departments only"
        # Its aliases are its own: "Các sở" in each province is that province's group.
        assert Alias.objects.get(search_name__in=["cac so"], province=root).group == group
    # "UBND tỉnh" is each province's own root.
    by_province = {
        alias.province_id: alias.agency_id
        for alias in Alias.objects.filter(name="UBND tỉnh", agency__isnull=False)
    }
    assert by_province == {a.pk: a.pk, b.pk: b.pk}
    # Loading again changes nothing (idempotent, per province).
    count = AgencyGroup.objects.count(), Alias.objects.count()
    load_reference(reference_path("quang-tri"))
    assert (AgencyGroup.objects.count(), Alias.objects.count()) == count


def test_a_group_code_or_name_is_still_unique_within_a_province(two: dict[str, Agency]) -> None:
    with pytest.raises(ValidationError, match="Tỉnh này đã có nhóm cơ quan với mã này"):
        AgencyGroup(code="so-ban-nganh", name="Khác", province=two["b"]).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyGroup.objects.create(code="khac", name="Các sở, ban, ngành", province=two["b"])
    # National groups (no province) are unique among themselves.
    AgencyGroup.objects.create(code="quoc-gia", name="Nhóm quốc gia", province=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyGroup.objects.create(code="quoc-gia", name="Nhóm khác", province=None)


def test_each_province_imports_its_plan_21_resolving_names_to_its_own(
    two: dict[str, Agency],
) -> None:
    a, b = two["a"], two["b"]
    plan_a = plan_import(document=_document("Kế hoạch CCHC Quảng Trị 2022"), province=a)
    plan_b = plan_import(document=_document("Kế hoạch CCHC Quảng Bình 2022"), province=b)
    assert plan_a.pk != plan_b.pk
    assert (plan_a.province_id, plan_b.province_id) == (a.pk, b.pk)
    assert Plan.objects.filter(number="21/KH-UBND", issuer="UBND tỉnh").count() == 2
    # "UBND tỉnh" is each plan's own province's people's committee.
    assert (plan_a.issuer_agency_id, plan_b.issuer_agency_id) == (a.pk, b.pk)
    for plan, root in ((plan_a, a), (plan_b, b)):
        assignees = {x.written_name: x.group for x in Assignee.objects.filter(activity__plan=plan)}
        assert assignees["Các sở, ban, ngành"].province_id == root.pk
        assert assignees["Các sở, ban, ngành"].code == "so-ban-nganh"
        assert assignees["Các sở"] == assignees["Các sở, ban, ngành"]  # alias, own province
        assert assignees["Các cơ quan liên quan"].code == "co-quan-lien-quan"
        assert assignees["Các cơ quan liên quan"].province_id == root.pk
        # The work goes to the province's own departments, never the other's.
        provinces = set(
            Assignment.objects.filter(activity__plan=plan).values_list(
                "agency__province_id", flat=True
            )
        )
        assert provinces == {root.pk}


def test_replacing_province_b_plan_replaces_b_never_a(two: dict[str, Agency]) -> None:
    a, b = two["a"], two["b"]
    plan_a = plan_import(document=_document("Kế hoạch CCHC Quảng Trị 2022"), province=a)
    plan_b = plan_import(document=_document("Kế hoạch CCHC Quảng Bình 2022"), province=b)
    # Without --replace B's second import is refused (it is B's plan 21 again)...
    with pytest.raises(Exception, match="21/KH-UBND"):
        plan_import(document=_document("Bản sửa"), province=b)
    # ...and with it, B's plan is replaced, however the issuer is spelt.
    again = plan_import(
        document=_document("Kế hoạch CCHC Quảng Bình 2022 (sửa)", issuer="Ủy ban nhân dân tỉnh"),
        province=b,
        replace=True,
    )
    assert again.pk == plan_b.pk
    plan_a.refresh_from_db()
    assert plan_a.title == "Kế hoạch CCHC Quảng Trị 2022" and plan_a.province_id == a.pk
    assert Plan.objects.filter(number="21/KH-UBND").count() == 2
    assert Plan.objects.get(pk=plan_b.pk).title == "Kế hoạch CCHC Quảng Bình 2022 (sửa)"


def test_import_plan_command_with_province_and_without(
    two: dict[str, Agency], tmp_path: Path
) -> None:
    from cchc.plans.formats.jsonfmt import write_json
    from cchc.plans.services import plan_document

    a = two["a"]
    plan_a = plan_import(document=_document("Kế hoạch CCHC Quảng Trị 2022"), province=a)
    path = tmp_path / "21.json"
    path.write_bytes(write_json(plan_document(plan_a)))
    # "UBND tỉnh" names both provinces: without --province the import cannot tell whose.
    with pytest.raises(CommandError):
        call_command("import_plan", str(path), stdout=StringIO(), stderr=StringIO())
    call_command(
        "import_plan", str(path), "--province", QUANG_BINH, stdout=StringIO(), stderr=StringIO()
    )
    plan_b = Plan.objects.get(number="21/KH-UBND", province=two["b"])
    assert plan_b.pk != plan_a.pk
    assert plan_b.issuer_agency_id == two["b"].pk


def test_par_sets_and_draws_find_each_provinces_own_groups(two: dict[str, Agency]) -> None:
    a, b = two["a"], two["b"]
    out = StringIO()
    call_command("load_par_sets", "--year", "2022", stdout=out)
    sets = CriteriaSet.objects.filter(year=2022, group__code="so-ban-nganh")
    assert sorted(sets.values_list("group__province_id", flat=True)) == sorted([a.pk, b.pk])
    assert "(UBND tỉnh Quảng Bình)" in out.getvalue()  # the lines say whose group
    # A province's --province load again finds its own sets already there.
    again = StringIO()
    call_command("load_par_sets", "--year", "2022", "--province", QUANG_BINH, stdout=again)
    assert "đã có bộ tiêu chí năm 2022" in again.getvalue()
    assert CriteriaSet.objects.filter(year=2022).count() == 6  # three groups × two

    # A set imported by B's coordinator from a document naming "so-ban-nganh" is B's.
    coordinator_b = factories.make_user(
        "coordinator_qb",
        Role.COORDINATOR,
        Agency.objects.get(name="Sở Nội vụ", parent=b),
    )
    document: SetDocument = read_json_document((DATA_DIR / "so-ban-nganh.json").read_bytes())
    imported = set_import(document, year=2023, actor=coordinator_b)
    assert imported.group.province_id == b.pk

    # The inspection draw: a code alone names two provinces' groups.
    with pytest.raises(CommandError, match="--province"):
        call_command("par_draw", "--year", "2022", "--seed", "1", "--group", "so-ban-nganh")
    draw = StringIO()
    call_command(
        "par_draw",
        "--year",
        "2022",
        "--seed",
        "1",
        "--group",
        "so-ban-nganh",
        "--province",
        str(b.pk),
        stdout=draw,
    )
    drawn = InspectionPlan.objects.get(year=2022)
    assert drawn.group.province_id == b.pk
    chosen = set(drawn.selections.values_list("agency__province_id", flat=True))
    assert chosen == {b.pk}


def test_set_import_names_an_unknown_group_code(two: dict[str, Agency]) -> None:
    from cchc.par.services import SetImportError

    document = read_json_document((DATA_DIR / "so-ban-nganh.json").read_bytes())
    document.group_code = "khong-co"
    with pytest.raises(SetImportError, match="Không có nhóm cơ quan mã «khong-co»"):
        set_import(document, year=2023, actor=None)


def test_names_settled_in_one_province_are_asked_again_in_the_other(
    two: dict[str, Agency],
) -> None:
    from cchc.agencies.aliases import Settlement, aliases_settle
    from cchc.agencies.services import Resolver
    from cchc.jobs.models import Job
    from cchc.register.settle import read_choices, rows_to_settle

    a, b = two["a"], two["b"]
    home_a = Agency.objects.get(name="Sở Nội vụ", parent=a)
    coordinator_a = factories.make_user("coordinator_qt", Role.COORDINATOR, home_a)
    coordinator_b = factories.make_user(
        "coordinator_qb", Role.COORDINATOR, Agency.objects.get(name="Sở Nội vụ", parent=b)
    )
    written = "Tổ công tác cải cách tỉnh"
    aliases_settle([Settlement(written, target=home_a)], actor=coordinator_a, source="web")
    assert Resolver(a.pk).lookup(written) == home_a
    assert Resolver(b.pk).lookup(written) is None  # A's spelling is not B's

    job = Job.objects.create(
        kind="plan_import",
        subject_type=Job.Subject.PROVINCE,
        asked_by=coordinator_b,
        status=Job.Status.FAILED,
        errors=[{"unknown_name": written, "path": "areas[0].lead"}],
    )
    rows = rows_to_settle(job)
    assert [row.unknown.name for row in rows] == [written]
    offered = {target.province_id for _value, target in rows[0].candidates}
    assert offered <= {b.pk, None}, "B is offered only its own agencies and groups"
    # A forged choice of A's group is refused; B's own group is kept, as B's alias.
    group_a = AgencyGroup.objects.get(code="so-ban-nganh", province=a)
    group_b = AgencyGroup.objects.get(code="so-ban-nganh", province=b)
    assert read_choices(lambda field: f"group:{group_a.pk}", rows) is None
    settlements = read_choices(lambda field: f"group:{group_b.pk}", rows_to_settle(job))
    assert settlements is not None
    aliases_settle(settlements, actor=coordinator_b, source="web")
    assert Resolver(b.pk).lookup(written) == group_b
    assert Resolver(a.pk).lookup(written) == home_a
    assert Alias.objects.filter(name=written).count() == 2


def test_the_alias_backfill_gives_each_alias_its_targets_province(
    two: dict[str, Agency],
) -> None:
    from cchc.agencies import tenant_backfill

    b = two["b"]
    mine = set(Alias.objects.filter(province=b).values_list("pk", flat=True))
    assert len(mine) > 10
    Alias.objects.filter(pk__in=mine).update(province=None)
    tenant_backfill.backfill_aliases(Alias, Agency, AgencyGroup)
    assert set(Alias.objects.filter(province=b).values_list("pk", flat=True)) == mine
    assert not Alias.objects.filter(province__isnull=True).exists()


def test_a_number_two_provinces_use_is_refused_by_the_cli_and_their_ids_are_given(
    two: dict[str, Agency], tmp_path: Path
) -> None:
    plan_a = plan_import(document=_document("Kế hoạch CCHC Quảng Trị 2022"), province=two["a"])
    plan_b = plan_import(document=_document("Kế hoạch CCHC Quảng Bình 2022"), province=two["b"])
    out = tmp_path / "plan.json"
    for command, args in (
        ("export_plan", ["21/KH-UBND", "-o", str(out)]),
        ("export_status", ["21/KH-UBND", "-o", str(tmp_path / "status.xlsx")]),
        ("rebuild_summaries", ["--plan", "21/KH-UBND"]),
    ):
        with pytest.raises(CommandError) as refused:
            call_command(command, *args, stdout=StringIO(), stderr=StringIO())
        message = str(refused.value)
        assert "nhiều tỉnh" in message
        assert f"{plan_a.pk}: 21/KH-UBND ({QUANG_TRI}" in message
        assert f"{plan_b.pk}: 21/KH-UBND ({QUANG_BINH}" in message
    assert not out.exists() and not (tmp_path / "status.xlsx").exists()
    # The id names one plan: B's export is B's.
    call_command(
        "export_plan", str(plan_b.pk), "-o", str(out), stdout=StringIO(), stderr=StringIO()
    )
    assert "Kế hoạch CCHC Quảng Bình 2022" in out.read_text(encoding="utf-8")
