"""On PostgreSQL, the heavy pages of one province reach the big tables through their
indexes, from the province's plan, agency or people down: no query of theirs reads a big
table whole, that is, other provinces' rows (issue 14, item 2).

Five provinces are built with the bench's builders (`cchc.ops.bench.bench_build`, the rows
`cchc bench --scale national` makes, smaller) and analysed, as autovacuum would have.
Every page is requested as the first province's people; each SELECT it sends is
explained (`EXPLAIN (FORMAT JSON)`). At the national size a sequential scan, or a hash
or merge join over a whole table, costs the planner 34 provinces' rows; at a size CI can
build in a minute the same tables are a few pages and the planner rightly prefers to read
them whole. So the test explains with those whole-table shortcuts priced out
(`enable_seqscan`, `enable_hashjoin`, `enable_mergejoin` off): what the planner still
does is what the query leaves it. A table the query gives no indexed way into (no
filter reaching it from the province, or none an index serves) is then still read
whole: a sequential scan, or an index scan without an index condition. That fails, with
the page, the query and its plan. docs/deploy.md ("Query plans at the national size")
shows the plans of the heaviest queries on the national bench.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cchc.ops.bench import Bench, _url, bench_build

pytestmark = [pytest.mark.postgres]

# Tables whose size grows with the number of provinces: a whole read of one is the
# other provinces' rows. (Plans and reporting periods are a few rows a province: read
# whole they cost nothing at any size, and their (province OR national) filters are
# cheaper that way.)
BIG = {
    "agencies_agency",
    "agencies_groupmembership",
    "monitoring_assignment",
    "monitoring_progressreport",
    "monitoring_reportversion",
    "plans_activity",
    "plans_assignee",
    "plans_duedate",
    "plans_task",
    "accounts_user",
}

FORCE = "SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off"
UNFORCE = "RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin"

# (URL name, query string, who asks): the pages and endpoints of issue 14 that show one
# province, one agency or one plan.
PAGES = [
    ("report_worklist", "", "officer"),
    ("report_drafts", "", "head"),
    ("report_queue", "", "coordinator"),
    ("plan_list", "", "coordinator"),
    ("plan_detail", "", "coordinator"),
    ("agency_list", "", "coordinator"),
    ("agency_detail", "", "coordinator"),
    ("search", "q=ra+soat", "coordinator"),
    ("dashboard_province", "plan={plan_id}", "leader"),
    ("dashboard_agency", "plan={plan_id}", "leader"),
    ("api:list_plans", "", "coordinator"),
    ("api:list_assignments", "period={period_id}", "officer"),
    ("api:list_assignments", "period={period_id}", "coordinator"),
]


@pytest.fixture
def national(db: None) -> Bench:
    """A small province (the one measured) among four bigger ones, analysed: its rows
    are a few hundredths of each big table, as one province's are of 34 at the national
    size, so the planner's estimates are of the national kind."""
    bench = bench_build(
        tag="cchc-bench-plans", provinces=1, agencies=12, activities=12, periods=3,
        rng=random.Random(14),
    )  # fmt: skip
    bench_build(
        tag="cchc-bench-others", provinces=4, agencies=30, activities=40, periods=3,
        rng=random.Random(15),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return bench


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def explain(sql: str, form: str = "FORMAT TEXT") -> Any:
    with connection.cursor() as cursor:
        cursor.execute(FORCE)
        try:
            cursor.execute(f"EXPLAIN ({form}) {sql}")
            rows = cursor.fetchall()
        finally:
            cursor.execute(UNFORCE)
    return rows[0][0] if form == "FORMAT JSON" else "\n".join(row[0] for row in rows)


def _partial_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%% WHERE %%'")
        return {row[0] for row in cursor.fetchall()}


def whole_reads(sql: str) -> tuple[list[str], str]:
    """The big tables `sql`'s plan reads whole, each with the node that does; the plan."""
    plan = explain(sql, "FORMAT JSON")
    if isinstance(plan, str):
        plan = json.loads(plan)
    found = []
    partial = _partial_indexes()
    for node in _nodes(plan[0]["Plan"]):
        table = node.get("Relation Name")
        if table not in BIG:
            continue
        kind = node["Node Type"]
        # A partial index holds only the rows of its condition (transferred assignments,
        # submitted reports): reading it whole is not reading the table whole.
        if kind == "Seq Scan" or (
            kind in {"Index Scan", "Index Only Scan"}
            and "Index Cond" not in node
            and node.get("Index Name") not in partial
        ):
            found.append(f"{kind} on {table}")
    return found, explain(sql) if found else ""


def test_one_provinces_pages_read_no_big_table_whole_and_the_queue_its_index(
    national: Bench,
) -> None:
    params = national.params()
    clients: dict[str, Client] = {}
    problems: list[str] = []
    explained = 0
    for name, query, persona in PAGES:
        url = _url(name, query, params)
        assert url is not None, name
        client = clients.get(persona)
        if client is None:
            client = clients[persona] = Client()
            client.force_login(national.users[persona])
        # The dashboard's first read computes the figures; that is the heavy one.
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        for query_ in queries.captured_queries:
            sql = query_["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            explained += 1
            reads, text = whole_reads(sql)
            for read in reads:
                problems.append(f"{persona} {url}: {read}\n{sql}\n{text}\n")
    assert explained > 50
    assert not problems, "\n".join(problems)
    # One build for both: it is most of the test's time.
    _queue_uses_the_submitted_index(national)


def _queue_uses_the_submitted_index(national: Bench) -> None:
    """The queue's count and page read only submitted reports, through the partial index
    of them (`report_submitted_assignment`), not each assignment's whole history."""
    client = Client()
    client.force_login(national.users["coordinator"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url("report_queue", "", national.params()), secure=True)
    assert response.status_code == 200
    submitted = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "monitoring_progressreport"' in q["sql"]
        and "\"state\" = 'submitted'" in q["sql"]
    ]
    assert len(submitted) >= 2  # the count and the page
    for sql in submitted:
        assert "report_submitted_assignment" in explain(sql), sql
