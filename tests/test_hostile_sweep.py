"""Every page and API address, asked with hostile query values, answers below 500.

A sweep, not a list: new routes are covered as they are added. It runs on SQLite and, in
the suite's second pass, on PostgreSQL, which refuses what SQLite forgives.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cchc.accounts.models import User
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.plans.cascade import plan_derive

# What a person or a script could put in a query string; NUL is the edge's (tested apart).
HOSTILE = [
    "x" * 5000,
    "-1",
    "99999999999999999999999",
    "2022-13-45",
    "0001-01-01",
    "９",
    "nan",
    "1e9999",
    "' OR 1=1--",
    "\u202e<script>",
]
PARAMS = [
    "q", "page", "kind", "area", "agency", "period", "status", "year", "plan", "date",
    "limit", "offset", "sort", "group", "format", "next", "state", "role", "on", "as_of",
    "quarter", "method",
]  # fmt: skip


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _urls(ids: dict[str, int]) -> list[str]:
    urls = set()
    for route in _routes():
        if "(?P" in route or route.startswith("admin/") or "logout" in route:
            continue  # regex routes carry secrets (calendar feeds); admin is Django's own

        def value(match: re.Match[str]) -> str:
            kind, name = match.group(1), match.group(2)
            if kind == "uuid":
                return str(uuid.uuid4())
            if kind == "int":
                return str(ids.get(name, 1))
            return "x"

        urls.add("/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route))
    return sorted(urls)


# Every field name the forms and views read (collected from their forms and request.POST).
FIELDS = [
    "agency", "area", "comment", "completed_on", "decision", "document_id", "due_on",
    "ends_on", "id", "into", "issued_on", "kind", "month", "name", "narrative", "number",
    "on", "percent", "period", "plan", "position", "q", "reason", "replace", "role",
    "starts_on", "status", "submission", "summary", "text", "version", "year", "confirm",
    "next", "report", "state", "then", "code", "title", "group", "guidance", "max_points",
    "method", "computation_key", "points_known", "points_note", "max_differs_reason",
    "self_opens", "self_closes", "appraisal_opens", "appraisal_closes", "reply_opens",
    "reply_closes",
    "next", "report", "state", "then", "code", "title", "deadline", "lead", "cooperating",
    "task", "task_title", "outputs", "signer", "due",
    "next", "report", "state", "then", "code",
    "definition", "population", "quarter", "method", "website", "q1", "q2", "name",
    "documents-TOTAL_FORMS", "documents-INITIAL_FORMS", "documents-0-number",
    "documents-0-issued_on", "documents-0-summary",
]  # fmt: skip


def _ids(plan, agencies) -> dict[str, int]:  # type: ignore[no-untyped-def]
    assignment = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()
    assert assignment is not None
    from tests.test_permission_matrix import par_objects

    officer_a = User.objects.get(username="officer_a")
    own = plan_derive(parent=plan, agency=agencies["a"], actor=officer_a).plan
    from cchc.citizens.models import Counter

    counter = Counter.objects.create(agency=agencies["a"], name="Quầy một cửa")
    return {
        **par_objects(),
        "counter_id": counter.pk,
        "plan_id": plan.pk,
        "agency_id": agencies["a"].pk,
        "assignment_id": assignment.pk,
        "period_id": ReportingPeriod.objects.get(plan=plan, code="q1").pk,
        "agency_plan_id": own.pk,
        "agency_activity_id": own.activities.order_by("pk").first().pk,
    }


@pytest.mark.parametrize("persona", ["officer_a", "head_a", "coordinator", "admin"])
def test_no_address_answers_5xx_to_hostile_form_posts(login, plan, agencies, persona) -> None:
    """Every address is sent a form whose every field holds the same hostile value."""
    client = login(persona)
    crashed = []
    for url in _urls(_ids(plan, agencies)):
        if url.startswith("/api/"):
            continue  # JSON bodies: the API's own tests and the schemathesis fuzz
        for hostile in HOSTILE:
            response = client.post(url, dict.fromkeys(FIELDS, hostile))
            if response.status_code >= 500:
                crashed.append(f"{response.status_code} POST {url} ← {hostile[:20]!r}")
    assert not crashed, "\n".join(crashed)


@pytest.mark.parametrize("persona", ["officer_a", "coordinator"])
def test_no_address_answers_5xx_to_hostile_query_values(login, plan, agencies, persona) -> None:
    client = login(persona)
    crashed = []
    urls = _urls(_ids(plan, agencies))
    assert len(urls) > 60, "the sweep must see the whole URL conf"
    for url in urls:
        for hostile in HOSTILE:
            response = client.get(url, dict.fromkeys(PARAMS, hostile))
            if response.status_code >= 500:
                crashed.append(f"{response.status_code} {url} ← {hostile[:20]!r}")
    assert not crashed, "\n".join(crashed)
