from datetime import date

import pytest

from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.agencies.services import (
    Resolver,
    agency_close,
    agency_merge,
    agency_rename,
    load_reference,
    members_on,
    reference_path,
)


@pytest.fixture
def quang_tri(db):
    return load_reference(reference_path("quang-tri"))


def test_it_loads_quang_tri_with_ten_districts_and_their_communes(quang_tri):
    assert quang_tri["districts"] == 10
    assert quang_tri["communes"] == 125
    district = Agency.objects.get(name="UBND huyện Vĩnh Linh")
    assert district.kind == Agency.Kind.DISTRICT
    assert district.admin_code == "464"
    assert district.children.filter(kind=Agency.Kind.COMMUNE).count() == 18
    assert Agency.objects.get(name="UBND thị trấn Hồ Xá").parent == district


def test_it_is_idempotent(quang_tri):
    before = (Agency.objects.count(), GroupMembership.objects.count())
    load_reference(reference_path("quang-tri"))
    assert (Agency.objects.count(), GroupMembership.objects.count()) == before


def test_collective_groups_expand_to_their_members(quang_tri):
    assert AgencyGroup.objects.get(name="UBND cấp huyện").members.count() == 10
    assert AgencyGroup.objects.get(name="UBND cấp xã").members.count() == 125
    departments = AgencyGroup.objects.get(name="Các sở, ban, ngành").members
    assert departments.filter(name="Sở Nội vụ").exists()
    assert not departments.filter(name="Cục Thuế tỉnh").exists()
    phong = AgencyGroup.objects.get(name="Phòng Nội vụ cấp huyện").members
    assert phong.count() == 10
    assert phong.filter(name="Phòng Nội vụ huyện Vĩnh Linh").exists()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Sở Nội vụ", "Sở Nội vụ"),
        ("SNV", "Sở Nội vụ"),
        ("so noi vu", "Sở Nội vụ"),
        ("VP UBND tỉnh", "Văn phòng UBND tỉnh"),
        ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
        ("UBND các huyện, thị xã, thành phố", "UBND cấp huyện"),
        ("Các sở, ban, ngành", "Các sở, ban, ngành"),
        ("Các sở, ban ngành", "Các sở, ban, ngành"),
        ("Ủy ban nhân dân cấp xã", "UBND cấp xã"),
    ],
)
def test_it_resolves_the_ways_plans_write_names(quang_tri, written, expected):
    found = Resolver().resolve(written)
    assert found is not None
    assert [str(r.target) for r in found] == [expected]


def test_it_splits_a_cell_that_names_two_agencies(quang_tri):
    found = Resolver().resolve("Văn phòng UBND tỉnh, Sở Thông tin và Truyền thông")
    assert found is not None
    assert [str(r.target) for r in found] == ["Văn phòng UBND tỉnh", "Sở Thông tin và Truyền thông"]


def test_it_splits_on_va_only_when_needed(quang_tri):
    found = Resolver().resolve("Sở Tài chính và các đơn vị liên quan")
    assert found is not None
    assert [str(r.target) for r in found] == ["Sở Tài chính", "Các cơ quan, đơn vị có liên quan"]


def test_it_suggests_the_closest_names_for_an_unknown_agency(quang_tri):
    resolver = Resolver()
    assert resolver.resolve("Sở Nội vu tỉnh Quảng Bình") is None
    assert "Sở Nội vụ" in resolver.suggest("Sở Nôi vu")


def test_a_renamed_agency_still_resolves_by_its_old_name(quang_tri):
    agency = Agency.objects.get(name="Sở Kế hoạch và Đầu tư")
    agency_rename(agency=agency, name="Sở Tài chính – Kế hoạch", on=date(2025, 3, 1))
    found = Resolver().resolve("Sở Kế hoạch và Đầu tư")
    assert found is not None and found[0].target == agency
    assert agency.names.count() == 2


def test_merging_keeps_the_source_and_moves_its_group_places(quang_tri):
    source = Agency.objects.get(name="Sở Kế hoạch và Đầu tư")
    target = Agency.objects.get(name="Sở Tài chính")
    agency_merge(sources=[source], into=target, on=date(2025, 3, 1))
    source.refresh_from_db()
    assert source.merged_into == target
    assert source.closed_on == date(2025, 3, 1)
    assert not source.is_active_on(date(2025, 3, 1))
    assert source.is_active_on(date(2024, 12, 31))
    departments = AgencyGroup.objects.get(name="Các sở, ban, ngành")
    # Membership is dated: from the merge the successor holds the place, and the group
    # as it stood before the merge still names the source.
    after = members_on(departments, date(2025, 3, 1))
    assert not after.filter(pk=source.pk).exists()
    assert after.filter(pk=target.pk).exists()
    assert members_on(departments, date(2025, 2, 28)).filter(pk=source.pk).exists()


def test_closing_a_district_takes_it_out_of_its_group(quang_tri):
    district = Agency.objects.get(name="UBND huyện Cam Lộ")
    agency_close(agency=district, on=date(2025, 7, 1))
    group = AgencyGroup.objects.get(name="UBND cấp huyện")
    assert members_on(group, date(2025, 7, 1)).count() == 9
    assert members_on(group, date(2025, 6, 30)).count() == 10
    assert Agency.objects.filter(pk=district.pk).exists()


def test_renaming_in_the_admin_keeps_the_old_name(quang_tri, client):
    from cchc.accounts.models import Role
    from tests.factories import make_user

    admin = make_user("root", Role.ADMIN)
    client.force_login(admin)
    agency = Agency.objects.get(name="Sở Ngoại vụ")
    response = client.post(
        f"/admin/agencies/agency/{agency.pk}/change/",
        {
            "name": "Sở Ngoại vụ và Hợp tác quốc tế",
            "short_name": "",
            "kind": "department",
            "parent": agency.parent_id,
            "admin_code": "",
            "email": "",
            "closed_on": "",
            "merged_into": "",
            "names-TOTAL_FORMS": "0",
            "names-INITIAL_FORMS": "0",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency.refresh_from_db()
    assert agency.name == "Sở Ngoại vụ và Hợp tác quốc tế"
    assert list(agency.names.order_by("pk").values_list("name", flat=True)) == [
        "Sở Ngoại vụ",
        "Sở Ngoại vụ và Hợp tác quốc tế",
    ]
    found = Resolver().resolve("Sở Ngoại vụ")
    assert found is not None and found[0].target == agency
