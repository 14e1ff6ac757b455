"""Administrative units in two eras: the frozen 2022 file and the current package."""

from __future__ import annotations

import hashlib
import re
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cchc.agencies import eras
from cchc.agencies.models import Agency, AgencyGroup
from cchc.agencies.services import (
    Resolver,
    agencies_of,
    load_current_units,
    load_reference,
    load_units,
    members_on,
    reference_path,
)
from cchc.monitoring.models import Assignment
from cchc.monitoring.services import assignments_sync
from tests import factories

FROZEN_DIR = eras.FROZEN_2022.parent


def test_the_frozen_file_is_the_one_its_readme_describes():
    readme = (FROZEN_DIR / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(eras.FROZEN_2022.read_bytes()).hexdigest()
    recorded = re.search(r"`divisions.json`, SHA-256 `([0-9a-f]{64})`", readme)
    assert recorded is not None and recorded.group(1) == digest, "edited by hand?"
    provenance = eras.provenance_2022()
    assert (provenance["package"], provenance["version"]) == ("vietnam-provinces", "0.5.0")
    assert provenance["source_sha256"] in readme
    assert provenance["data_version"] in readme
    assert (Path(__file__).parent.parent / provenance["generated_by"]).exists()


def test_the_2022_era_has_63_provinces_and_quang_tri_as_it_was():
    quang_tri = eras.divisions_2022(45)
    assert quang_tri["name"] == "Tỉnh Quảng Trị"
    assert len(quang_tri["districts"]) == 10
    assert sum(len(d["wards"]) for d in quang_tri["districts"]) == 125
    with pytest.raises(ValueError, match="No province with code 99"):
        eras.divisions_2022(99)


def test_the_current_era_comes_from_the_newest_package_with_no_districts():
    import vietnam_provinces

    assert not vietnam_provinces.__version__.startswith("0.")
    assert not hasattr(vietnam_provinces, "District")
    provinces = list(vietnam_provinces.Province.iter_all())
    assert len(provinces) == 34
    quang_tri = eras.divisions_current(44)
    assert quang_tri["name"] == "Quảng Trị"
    assert "districts" not in quang_tri
    assert len(quang_tri["wards"]) == 78
    assert "Phường Đồng Hới" in {w["name"] for w in quang_tri["wards"]}
    with pytest.raises(ValueError, match="No province with code 99"):
        eras.divisions_current(99)


@pytest.mark.parametrize(
    ("day", "era"),
    [
        (date(2022, 1, 1), "2022"),
        (date(2025, 6, 30), "2022"),
        (date(2025, 7, 1), "current"),
        (date(2026, 1, 1), "current"),
    ],
)
def test_the_day_picks_the_era(day, era):
    assert eras.era_on(day) == era


def test_a_plan_s_year_picks_the_era():
    assert eras.era_of_year(2022) == "2022"
    assert eras.era_of_year(2025) == "2022"  # its year starts before the switch
    assert eras.era_of_year(2026) == "current"


@pytest.mark.django_db
def test_the_2022_loader_reads_the_frozen_file_not_the_package(monkeypatch):
    # With the package unimportable the 2022 era still loads: it never reads it.
    monkeypatch.setitem(sys.modules, "vietnam_provinces", None)
    counts = load_units(era="2022", path=reference_path("quang-tri"))
    assert (counts["districts"], counts["communes"]) == (10, 125)
    assert Agency.objects.get(name="UBND thị trấn Hồ Xá").admin_code


@pytest.fixture
def both_eras(db):
    load_reference(reference_path("quang-tri"))
    return load_current_units(reference_path("quang-tri"))


def test_the_current_era_has_communes_under_the_province_and_no_districts(both_eras):
    assert both_eras["communes"] == 78
    province = Agency.objects.get(name="UBND tỉnh Quảng Trị", parent=None)
    assert not Agency.objects.filter(kind=Agency.Kind.DISTRICT, closed_on__isnull=True).exists()
    communes = Agency.objects.filter(kind=Agency.Kind.COMMUNE, closed_on__isnull=True)
    assert communes.count() == 78
    assert set(communes.values_list("parent", flat=True)) == {province.pk}
    dong_hoi = Agency.objects.get(name="UBND phường Đồng Hới")
    assert dong_hoi.admin_code == "18880"
    assert Agency.objects.filter(name="UBND đặc khu Cồn Cỏ").exists()
    # the 2022 units are kept, closed on the switch day
    vinh_linh = Agency.objects.get(name="UBND huyện Vĩnh Linh")
    assert vinh_linh.closed_on == eras.SWITCH
    assert vinh_linh.is_active_on(date(2022, 6, 1))


def test_names_of_both_eras_resolve(both_eras):
    resolver = Resolver()
    for written, expected in [
        ("UBND phường Đồng Hới", "UBND phường Đồng Hới"),
        ("UBND huyện Vĩnh Linh", "UBND huyện Vĩnh Linh"),
        ("Sở Nội vụ", "Sở Nội vụ"),
        ("UBND cấp xã", "UBND cấp xã"),
    ]:
        found = resolver.resolve(written)
        assert found is not None and str(found[0].target) == expected


def test_groups_answer_for_each_era(both_eras):
    districts = AgencyGroup.objects.get(code="ubnd-cap-huyen")
    communes = AgencyGroup.objects.get(code="ubnd-cap-xa")
    assert members_on(districts, date(2022, 1, 1)).count() == 10
    assert members_on(districts, date(2026, 1, 1)).count() == 0
    assert members_on(communes, date(2022, 1, 1)).count() == 125
    assert members_on(communes, date(2026, 1, 1)).count() == 78
    assert len(agencies_of(communes, date(2026, 1, 1))) == 78
    everyone = AgencyGroup.objects.get(code="ubnd-cac-cap")
    assert members_on(everyone, date(2026, 1, 1)).count() == 79  # the province + communes


def test_loading_the_current_era_twice_changes_nothing(both_eras):
    before = (Agency.objects.count(), AgencyGroup.objects.count())
    again = load_current_units(reference_path("quang-tri"))
    assert again["closed"] == 0
    assert (Agency.objects.count(), AgencyGroup.objects.count()) == before


def test_a_2026_plan_expands_to_the_current_communes_only(both_eras):
    plan = factories.make_plan(3, year=2026, number="5/KH-2026")
    from cchc.plans.models import Activity, Assignee

    activity = Activity.objects.filter(plan=plan).first()
    Assignee.objects.create(
        activity=activity,
        group=AgencyGroup.objects.get(code="ubnd-cap-xa"),
        role=Assignee.Role.COOPERATING,
        written_name="UBND cấp xã",
    )
    assignments_sync(plan)
    agencies = Agency.objects.filter(
        pk__in=Assignment.objects.filter(activity=activity).values("agency_id"),
        kind=Agency.Kind.COMMUNE,
    )
    assert agencies.count() == 78
    assert not agencies.filter(closed_on__isnull=False).exists()


def test_load_units_command(db):
    out = StringIO()
    call_command("load_units", "--era", "2022", stdout=out)
    assert "vietnam-provinces 0.5.0" in out.getvalue()
    assert "10 đơn vị cấp huyện, 125 đơn vị cấp xã" in out.getvalue()
    out = StringIO()
    call_command("load_units", "--era", "current", stdout=out)
    assert "0 đơn vị cấp huyện, 78 đơn vị cấp xã" in out.getvalue()
    with pytest.raises(CommandError, match="Không có danh mục tỉnh"):
        call_command("load_units", "--era", "current", "--province", "khong-co")
