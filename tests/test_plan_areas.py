"""The plan page opens folded, one line per area, and reads an area's tasks when it is
opened (`plan_area`): what it writes, what the area's fragment holds, who may have it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cchc.plans.models import Activity, Plan
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _activity_ids(content: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'id="activity-(\d+)"', content)}


def _area_url(plan: Plan, area_id: object) -> str:
    return f"/plans/{plan.pk}/areas/{area_id}/"


def test_the_folded_plan_page_shows_every_area_but_no_activity(login, plan: Plan) -> None:
    content = login("officer_a").get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert _activity_ids(content) == set()
    for activity in plan.activities.all():
        assert activity.title not in content
    assert '<details class="area" id="area-I"' in content
    for area in plan.areas.all():
        assert f'id="area-{area.code}"' in content
        assert area.title in content
        # Its counts as before, from the database, and a way in without JavaScript.
        tasks = area.tasks.count()
        activities = Activity.objects.filter(task__area=area).count()
        assert f"{tasks} nhiệm vụ · {activities} hoạt động" in content
        assert reverse("plan_area", args=[plan.pk, area.pk]) in content
        assert f'href="/plans/{plan.pk}/?area={area.pk}"' in content
    assert "Xem các nhiệm vụ của lĩnh vực này" in content
    assert "Hiển thị 14/14 nhiệm vụ" in content
    # A folded area is not read aloud when its table arrives, and no template comment
    # leaks into the page.
    assert content.count('aria-live="off"') == plan.areas.count()
    assert "{#" not in content and "#}" not in content


def test_no_template_comment_runs_over_a_line() -> None:
    # Django's {# … #} ends at the line's end: one spread over lines is shown to the user.
    from pathlib import Path

    import cchc

    leaks = [
        f"{path.name}:{number}"
        for path in Path(cchc.__file__).parent.rglob("templates/**/*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert leaks == []


def test_an_opened_area_holds_its_own_activities_only(login, plan: Plan) -> None:
    client = login("officer_a")
    area = plan.areas.get(code="II")
    response = client.get(reverse("plan_area", args=[plan.pk, area.pk]), **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    own = set(Activity.objects.filter(task__area=area).values_list("pk", flat=True))
    assert own and _activity_ids(content) == own
    assert '<table class="plan-table">' in content
    assert "<html" not in content
    # The same rows as the plan page shows the area open.
    page = client.get(reverse("plan_detail", args=[plan.pk]), {"open": "all"}).content.decode()
    for pk in own:
        row = re.search(rf'<tr class="activity[^"]*" id="activity-{pk}">.*?</tr>', content, re.S)
        assert row is not None and row.group(0) in page


def test_an_opened_area_badges_groups_as_the_open_page_does(login, plan: Plan) -> None:
    client = login("officer_a")
    badges = set()
    for area in plan.areas.all():
        response = client.get(reverse("plan_area", args=[plan.pk, area.pk]), **HTMX)
        badges |= set(
            re.findall(r"Nhóm «[^»]+»: \d+ cơ quan thành viên", response.content.decode())
        )
    assert "Nhóm «UBND cấp huyện»: 2 cơ quan thành viên" in badges
    assert "Nhóm «Các sở, ban, ngành»: 4 cơ quan thành viên" in badges


def test_an_area_asked_for_as_a_page_is_the_plan_filtered_to_it(login, plan: Plan) -> None:
    area = plan.areas.get(code="III")
    response = login("officer_a").get(reverse("plan_area", args=[plan.pk, area.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/?area={area.pk}"


def test_the_no_script_link_shows_the_area_open(login, plan: Plan) -> None:
    area = plan.areas.get(code="III")
    content = login("officer_a").get(f"/plans/{plan.pk}/?area={area.pk}").content.decode()
    own = set(Activity.objects.filter(task__area=area).values_list("pk", flat=True))
    assert _activity_ids(content) == own
    assert '<details class="area" id="area-III" open>' in content


def test_the_area_filter_reads_only_that_area_and_counts_the_whole_plan(
    login, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cchc.register import views

    read: list[list[str]] = []
    tree = views.plan_tree

    def spy(plan: Plan, *, areas: Any = None) -> Any:
        read.append([area.code for area in areas])
        return tree(plan, areas=areas)

    monkeypatch.setattr(views, "plan_tree", spy)
    area = plan.areas.get(code="III")
    content = login("officer_a").get(f"/plans/{plan.pk}/?area={area.pk}").content.decode()
    assert read == [["III"]]
    # "Showing n of all the plan's tasks", as before.
    shown = area.tasks.count()
    assert f"Hiển thị {shown}/{plan.tasks.count()} nhiệm vụ" in content
    # Another filter with the area: still that area only, still the whole plan's total.
    read.clear()
    login("officer_a").get(f"/plans/{plan.pk}/", {"area": area.pk, "q": "zzz-khong-co"})
    assert read == [["III"]]


def test_filters_and_open_all_still_show_activities(login, plan: Plan) -> None:
    client = login("officer_a")
    every = set(plan.activities.values_list("pk", flat=True))
    url = reverse("plan_detail", args=[plan.pk])
    assert _activity_ids(client.get(url, {"open": "all"}).content.decode()) == every
    assert _activity_ids(client.get(url, {"q": "cai cach"}).content.decode())
    assert _activity_ids(client.get(url, {"month": 6}, **HTMX).content.decode())


def test_a_plan_of_one_area_opens_it(login, agencies) -> None:
    plan = factories.make_plan(3)
    area = plan.areas.order_by("position").first()
    assert area is not None
    plan.tasks.exclude(area=area).delete()  # the other areas left empty
    content = login("officer_a").get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert _activity_ids(content) == set(plan.activities.values_list("pk", flat=True))


def test_another_provinces_user_cannot_open_an_area(
    client, plan: Plan, province_b: dict[str, Any]
) -> None:
    area = plan.areas.first()
    assert area is not None
    client.force_login(province_b["people"]["officer_bs"])
    response = client.get(reverse("plan_area", args=[plan.pk, area.pk]), **HTMX)
    assert response.status_code == 404
    assert not _activity_ids(response.content.decode())


def test_an_anonymous_visitor_is_sent_to_log_in(client, plan: Plan) -> None:
    area = plan.areas.first()
    assert area is not None
    response = client.get(reverse("plan_area", args=[plan.pk, area.pk]), **HTMX)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_area_of_another_plan_is_not_found(login, plan: Plan, agencies) -> None:
    other = factories.make_plan(7, number="7/KH")
    foreign = other.areas.first()
    assert foreign is not None
    client = login("officer_a")
    assert client.get(_area_url(plan, foreign.pk), **HTMX).status_code == 404
    assert client.get(_area_url(other, foreign.pk), **HTMX).status_code == 200


@pytest.mark.parametrize(
    ("area_id", "status"),
    [
        ("abc", 404),
        ("9223372036854775808", 404),
        ("1" + "0" * 40, 404),
        ("9" * 5000, 404),
        ("-1", 404),
        ("0", 404),
        # A NUL anywhere in a request is refused as malformed before any view.
        ("%00", 400),
        ("1%00", 400),
    ],
)
def test_a_hostile_area_is_refused(login, plan: Plan, area_id: str, status: int) -> None:
    client = login("officer_a")
    for headers in ({}, HTMX):
        response = client.get(_area_url(plan, area_id), **headers)
        assert response.status_code == status, (area_id, response.status_code)
        assert not _activity_ids(response.content.decode())


@pytest.mark.parametrize("area", ["abc", "9" * 50, "-1", "1.5"])
def test_a_hostile_area_filter_shows_the_plan_folded(login, plan: Plan, area: str) -> None:
    response = login("officer_a").get(reverse("plan_detail", args=[plan.pk]), {"area": area})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hiển thị 14/14 nhiệm vụ" in content
    assert not _activity_ids(content)


def test_a_nul_in_the_area_filter_is_refused(login, plan: Plan) -> None:
    response = login("officer_a").get(reverse("plan_detail", args=[plan.pk]), {"area": "1\x00"})
    assert response.status_code == 400


PLAN_AREA_QUERIES = 9


def test_an_area_reads_the_same_queries_for_60_and_600_tasks(login, agencies) -> None:
    client = login("officer_a")
    counts = []
    for size in (60, 600):
        plan = factories.make_plan(size, number=f"{size}/KH")
        area = plan.areas.order_by("position").first()
        assert area is not None
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("plan_area", args=[plan.pk, area.pk]), **HTMX)
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts == [PLAN_AREA_QUERIES, PLAN_AREA_QUERIES]


def test_a_link_to_an_activity_opens_its_area(login, plan: Plan) -> None:
    client = login("coordinator")
    activity = plan.activities.filter(needs_date=True).select_related("task").first()
    assert activity is not None
    page = client.get(reverse("needs_date", args=[plan.pk])).content.decode()
    link = re.search(rf'href="([^"]*#activity-{activity.pk})"', page)
    assert link is not None
    url, _fragment = link.group(1).replace("&amp;", "&").split("#")
    assert url == f"/plans/{plan.pk}/?area={activity.task.area_id}"
    assert activity.pk in _activity_ids(client.get(url).content.decode())


def _sectioned_plan() -> Plan:
    """A plan lettered in sections over areas numbered within them, as the import reads
    "A. NHIỆM VỤ TRỌNG TÂM" over "I. …": the sections are areas with no task."""
    from cchc.plans.formats import read_xlsx
    from cchc.plans.services import plan_import
    from tests.test_formats_around import SECTIONED, published

    return plan_import(document=read_xlsx(published(SECTIONED)), year=2023)


@pytest.mark.parametrize("query", [{}, {"open": "all"}], ids=["folded", "open"])
def test_each_section_heads_its_areas_once(login, agencies, query: dict[str, str]) -> None:
    plan = _sectioned_plan()
    content = login("coordinator").get(reverse("plan_detail", args=[plan.pk]), query)
    text = content.content.decode()
    headings = re.findall(r'<h2 class="plan-section">(.*?)</h2>', text, re.S)
    assert [re.sub(r"<[^>]+>", "", h).split() for h in headings] == [
        ["A", "Nhiệm", "vụ", "trọng", "tâm"],
        ["B", "Nhiệm", "vụ", "khác"],
    ]
    # Each heading stands right above its first area; the sections are not areas shown.
    first, second = (m.start() for m in re.finditer('<h2 class="plan-section">', text))
    assert first < text.index('id="area-A.I"') < text.index('id="area-A.II"') < second
    assert second < text.index('id="area-B.I"')
    assert 'id="area-A"' not in text and 'id="area-B"' not in text


def test_a_section_heading_is_not_repeated_when_filtered_to_one_area(login, agencies) -> None:
    plan = _sectioned_plan()
    area = plan.areas.get(code="A.II")
    text = login("coordinator").get(reverse("plan_detail", args=[plan.pk]), {"area": area.pk})
    # Filtered to one area, only its own tree is read: no section is known, none shown,
    # and the area is still there with its code.
    page = text.content.decode()
    assert 'id="area-A.II"' in page and 'id="area-A.I"' not in page
    assert '<h2 class="plan-section">' not in page
