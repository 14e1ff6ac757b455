"""The API's long lists come a page at a time: the body stays a JSON array, the way on is in
the `Link` header, the page size is capped, and a page costs the same queries wherever it
is in the list (only its own rows are read, never the whole plan)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cchc.api.pagination import MAX_LIMIT
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.plans.models import Activity, Task

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def _links(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {rel: url for url, rel in LINK.findall(response.headers.get("Link", ""))}


def _walk(client: Client, url: str) -> tuple[list[dict], int]:
    """Every row of a list, following `next` links; and how many pages it took."""
    rows: list[dict] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        pages += 1
        rows += response.json()
        next_url = _links(response).get("next")
        assert pages < 1000
    return rows, pages


def test_following_next_links_gives_every_assignment_once_in_the_same_order(login, plan):
    client = login("coordinator")
    url = f"/api/plans/{plan.pk}/assignments"
    whole = client.get(url)
    total = Assignment.objects.filter(activity__plan=plan, transferred_to__isnull=True).count()
    # A plan that fits one page answers as it always did: the whole array, no next link.
    assert len(whole.json()) == total == int(whole.headers["X-Total-Count"])
    assert "next" not in _links(whole)

    paged, pages = _walk(client, f"{url}?limit=7")
    assert pages == -(-total // 7)
    assert [row["id"] for row in paged] == [row["id"] for row in whole.json()]
    # The same rows, computed a page at a time, as the whole list computes them.
    assert paged == whole.json()


def test_links_keep_the_filters_and_point_both_ways(login, plan, agencies):
    client = login("coordinator")
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    url = f"/api/plans/{plan.pk}/assignments?agency={agencies['a'].pk}&period={period.pk}"
    first = client.get(f"{url}&limit=2")
    links = _links(first)
    assert set(links) == {"next"}
    assert links["next"].startswith("http://testserver/api/plans/")
    assert f"agency={agencies['a'].pk}" in links["next"] and f"period={period.pk}" in links["next"]
    assert "limit=2" in links["next"] and "offset=2" in links["next"]
    second = client.get(links["next"])
    assert {row["agency_id"] for row in second.json()} == {agencies["a"].pk}
    assert _links(second)["prev"].endswith("offset=0")
    total = int(first.headers["X-Total-Count"])
    assert total == Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).count()
    last = client.get(f"{url}&limit=2&offset={total - 1}")
    assert len(last.json()) == 1 and "next" not in _links(last)
    beyond = client.get(f"{url}&limit=2&offset={total + 10}")
    assert beyond.status_code == 200 and beyond.json() == []


@pytest.mark.parametrize(
    "query", [f"limit={MAX_LIMIT + 1}", "limit=0", "offset=-1", "limit=mười", f"offset={10**12}"]
)
def test_a_page_too_big_or_malformed_is_refused(login, plan, query):
    client = login("coordinator")
    for path in ("assignments", "activities", "tasks"):
        response = client.get(f"/api/plans/{plan.pk}/{path}?{query}")
        assert response.status_code == 422, (path, response.content)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    assert response.json()
    return len(context)


@pytest.mark.parametrize("persona", ["coordinator", "officer_a"])
def test_a_page_costs_the_same_queries_at_the_start_and_the_end(login, plan, persona):
    client = login(persona)
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    url = f"/api/plans/{plan.pk}/assignments?period={period.pk}&limit=3"
    total = int(client.get(url).headers["X-Total-Count"])
    counts = {_queries(client, f"{url}&offset={offset}") for offset in (0, 3, total - 2)}
    assert len(counts) == 1, counts


def test_a_page_reads_only_its_own_rows(login, plan):
    """The page of assignments never loads the plan's other assignments."""
    client = login("coordinator")
    with CaptureQueriesContext(connection) as context:
        response = client.get(f"/api/plans/{plan.pk}/assignments?limit=2")
    assert len(response.json()) == 2
    reading_all = [
        q["sql"]
        for q in context.captured_queries
        if 'FROM "monitoring_assignment"' in q["sql"]
        and "LIMIT" not in q["sql"]
        and "COUNT(" not in q["sql"]
        # The plan's transferred assignments: few, whatever the plan's size.
        and '"transferred_to_id" IS NOT NULL' not in q["sql"]
    ]
    assert reading_all == []


def test_activities_and_tasks_page_the_same_way(login, plan):
    client = login("leader")
    activities, pages = _walk(client, f"/api/plans/{plan.pk}/activities?limit=10")
    assert [a["id"] for a in activities] == list(
        Activity.objects.filter(plan=plan)
        .order_by("task__area__position", "task__position", "position", "pk")
        .values_list("pk", flat=True)
    )
    assert pages > 1
    tasks, _pages = _walk(client, f"/api/plans/{plan.pk}/tasks?limit=4")
    assert len(tasks) == Task.objects.filter(plan=plan).count()
    assert sum(len(t["activities"]) for t in tasks) == len(activities)
    only_one_area = client.get(f"/api/plans/{plan.pk}/tasks?area=I&limit=2")
    assert (
        int(only_one_area.headers["X-Total-Count"])
        == Task.objects.filter(plan=plan, area__code="I").count()
    )


def test_the_schema_documents_the_page_size_cap_and_the_headers(client):
    schema = client.get("/api/openapi.json").json()
    for path in (
        "/api/plans/{plan_id}/assignments",
        "/api/plans/{plan_id}/activities",
        "/api/plans/{plan_id}/tasks",
    ):
        operation = schema["paths"][path]["get"]
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")
        assert limit["schema"]["maximum"] == MAX_LIMIT and limit["schema"]["minimum"] == 1
        assert {"Link", "X-Total-Count"} <= set(operation["responses"]["200"]["headers"])
        assert "x-cchc-paged" not in operation
