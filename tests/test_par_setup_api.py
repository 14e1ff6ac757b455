"""Setting up the year through the API, as the coordinator does on the pages: copy last
year's set, adjust two criteria and their maxima, open the campaign; and every way to get
it wrong refused in Vietnamese with nothing changed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.audit.models import AuditRecord
from cchc.par.models import Campaign, CriteriaSet, Scorecard
from cchc.par.services import default_sets_load

WINDOWS = {
    "self_opens": "2023-11-01",
    "self_closes": "2023-11-30",
    "appraisal_opens": "2023-12-01",
    "appraisal_closes": "2024-01-20",
    "reply_opens": "2024-01-05",
    "reply_closes": "2024-01-12",
}


@pytest.fixture
def last_year(agencies: dict[str, Agency]) -> CriteriaSet:
    default_sets_load(2022)
    return CriteriaSet.objects.get(year=2022, group__code="so-ban-nganh")


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_copy_adjust_and_open_a_campaign(last_year: CriteriaSet, personas: dict[str, User]) -> None:
    client = _as(personas["coordinator"])
    copied = _post(client, f"/api/par/sets/{last_year.pk}/copy", {"year": 2023})
    assert copied.status_code == 201, copied.content
    copy = copied.json()
    assert copy["year"] == 2023 and copy["status"] == "draft"
    assert copy["criteria"] == last_year.criteria.count()
    nodes = {n["code"]: n for n in client.get(f"/api/par/sets/{copy['id']}").json()["nodes"]}
    for code, points in [("1.1.2", "1.5"), ("1.1.3", "0.5")]:
        changed = _post(
            client, f"/api/par/criteria/{nodes[code]['id']}", {"max_points": points}, "patch"
        )
        assert changed.status_code == 200, changed.content
        assert changed.json()["max_points"] == points
    assert client.get(f"/api/par/sets/{copy['id']}").json()["problems"] == []
    opened = _post(client, f"/api/par/sets/{copy['id']}/campaigns", WINDOWS)
    assert opened.status_code == 201, opened.content
    campaign = Campaign.objects.get(pk=opened.json()["id"])
    assert campaign.year == 2023 and str(campaign.self_closes) == "2023-11-30"
    # Every agency of the group has its scorecard, and the campaign is listed.
    members = campaign.group.memberships.count()
    assert Scorecard.objects.filter(campaign=campaign).count() == members > 0
    assert campaign.pk in [c["id"] for c in client.get("/api/par/campaigns").json()]
    # The set is in use now: a maximum can no longer change, a typo still can.
    frozen = _post(
        client, f"/api/par/criteria/{nodes['1.1.2']['id']}", {"max_points": "2"}, "patch"
    )
    assert frozen.status_code == 400
    assert "đang được dùng cho đợt đánh giá" in frozen.json()["detail"]
    typo = _post(
        client, f"/api/par/criteria/{nodes['1.1.2']['id']}", {"title": "Tên đã sửa"}, "patch"
    )
    assert typo.status_code == 200 and typo.json()["title"] == "Tên đã sửa"
    assert AuditRecord.objects.filter(action="par.campaign.create", source="api").count() == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"year": 2022}, "Hãy chọn một năm khác năm của bộ tiêu chí gốc."),
        ({"year": 1800}, "Phải lớn hơn hoặc bằng 2000."),
        ({"year": "năm sau"}, "Phải là một số nguyên."),
        ({"year": 2023, "title": "x" * 300}, "Không được dài quá 255 ký tự."),
    ],
)
def test_a_wrong_copy_is_refused_and_copies_nothing(
    last_year: CriteriaSet, personas: dict[str, User], body: dict[str, Any], expected: str
) -> None:
    before = CriteriaSet.objects.count()
    response = _post(_as(personas["coordinator"]), f"/api/par/sets/{last_year.pk}/copy", body)
    assert response.status_code in (400, 422)
    detail = response.json()["detail"]
    text = detail if isinstance(detail, str) else " ".join(e["msg"] for e in detail)
    assert expected in text
    assert CriteriaSet.objects.count() == before


def test_wrong_windows_and_wrong_points_change_nothing(
    last_year: CriteriaSet, personas: dict[str, User]
) -> None:
    client = _as(personas["coordinator"])
    late_reply = {**WINDOWS, "reply_closes": "2024-02-01"}
    refused = _post(client, f"/api/par/sets/{last_year.pk}/campaigns", late_reply)
    assert refused.status_code == 400
    assert "Giải trình phải xong trước khi hết hạn thẩm định" in refused.json()["detail"]
    not_a_date = _post(
        client, f"/api/par/sets/{last_year.pk}/campaigns", {**WINDOWS, "self_opens": "1/11"}
    )
    assert not_a_date.status_code == 422
    assert not Campaign.objects.exists()
    node = last_year.criteria.get(code="1.1.2")
    for points in ("-1", "1e9", "NaN", "1.234"):
        response = _post(client, f"/api/par/criteria/{node.pk}", {"max_points": points}, "patch")
        assert response.status_code in (400, 422), points
        assert "Input should" not in response.content.decode()
    nul = _post(client, f"/api/par/criteria/{node.pk}", {"title": "a\x00b"}, "patch")
    assert nul.status_code in (400, 422)
    node.refresh_from_db()
    assert node.max_points == 1 and "\x00" not in node.title


def test_only_the_coordinator_of_the_sets_province_sets_up_the_year(
    last_year: CriteriaSet, personas: dict[str, User], province_b: dict[str, Any]
) -> None:
    node = last_year.criteria.get(code="1.1.2")
    sets_before = CriteriaSet.objects.count()
    for name in ("officer_a", "head_a", "leader", "appraiser"):
        client = _as(personas[name])
        assert _post(client, f"/api/par/sets/{last_year.pk}/copy", {"year": 2023}).status_code in (
            403,
            404,
        )
        assert _post(client, f"/api/par/sets/{last_year.pk}/campaigns", WINDOWS).status_code in (
            403,
            404,
        )
        patched = _post(client, f"/api/par/criteria/{node.pk}", {"title": "Đổi"}, "patch")
        assert patched.status_code in (403, 404)
    other = _as(province_b["people"]["coordinator_bs"])
    assert _post(other, f"/api/par/sets/{last_year.pk}/copy", {"year": 2023}).status_code == 404
    assert (
        _post(other, f"/api/par/criteria/{node.pk}", {"title": "Đổi"}, "patch").status_code == 404
    )
    assert last_year.pk not in [
        c["criteria_set_id"] for c in other.get("/api/par/campaigns").json()
    ]
    assert CriteriaSet.objects.count() == sets_before and not Campaign.objects.exists()
    node.refresh_from_db()
    assert node.title != "Đổi"
