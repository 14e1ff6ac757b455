"""What `cchc bench` adds around the page table: a hello-world view measured through the
same stack in the same run (so every figure also reads as "this many hello-worlds", which
compares across machines), the report save through the API, and the results as JSON.

The ratio of a page is its p50 divided by hello-world's p50: 40 × means the page costs
forty requests that do nothing but pass the middleware. Hello-world is requested many
more times than a page (its median is a fraction of a millisecond).
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cchc.accounts.models import ApiToken
from cchc.monitoring.models import ProgressReport
from cchc.ops.bench import Bench, Row, _percentile

HELLO_PATH = "/__bench__/hello/"
HELLO_LABEL = "hello-world"
SAVE_LABEL = "API lưu báo cáo (PUT)"
# The JSON's version: bump when a key changes meaning.
JSON_FORMAT = 1


@contextlib.contextmanager
def same_stack() -> Iterator[None]:
    """The site plus the hello-world view (one URL map for both), the test client's host
    let in, static names looked up without a collectstatic manifest."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        STORAGES=storages,
        ROOT_URLCONF="cchc.ops.bench_urls",
    ):
        yield


def measure_hello(repeat: int) -> Row:
    client = Client(raise_request_exception=False)
    client.get(HELLO_PATH, secure=True)
    with CaptureQueriesContext(connection) as queries:
        status = client.get(HELLO_PATH, secure=True).status_code
    count = len(queries)
    timings = []
    for _ in range(max(200, repeat * 10)):
        started = time.perf_counter()
        client.get(HELLO_PATH, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    return Row(
        label=HELLO_LABEL,
        persona="anonymous",
        status=status,
        queries=count,
        p50=statistics.median(timings),
        p95=_percentile(timings, 0.95),
    )


def editable_report(bench: Bench) -> ProgressReport:
    """A draft (or returned) report of the officer's agency in the last period: one the
    officer may save, as in the week before a deadline."""
    report = (
        ProgressReport.objects.filter(
            assignment__agency=bench.agency,
            period=bench.period,
            state__in=[ProgressReport.State.DRAFT, ProgressReport.State.RETURNED],
        )
        .order_by("pk")
        .first()
    )
    if report is None:  # a tiny bench may have none: open the first one again as a draft
        report = bench.report
        ProgressReport.objects.filter(pk=report.pk).update(state=ProgressReport.State.DRAFT)
        report.refresh_from_db()
    return report


def measure_save(bench: Bench, repeat: int) -> Row:
    """The officer saves a draft through the API (`PUT /api/reports/<id>`) with its
    version, as a client would: each save is a new version of the same report."""
    report = editable_report(bench)
    _token, key = ApiToken.issue(user=bench.users["officer"], name="cchc bench")
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/reports/{report.pk}"
    version = report.version

    def save(n: int) -> int:
        nonlocal version
        response = client.put(
            url,
            json.dumps(
                {
                    "status": "in_progress",
                    "percent": 10 + n % 80,
                    "narrative": f"Lượt lưu {n}: đang triển khai theo kế hoạch.",
                    "version": version,
                }
            ),
            content_type="application/json",
            secure=True,
        )
        if response.status_code == 200:
            version = response.json()["version"]
        return response.status_code

    save(0)
    with CaptureQueriesContext(connection) as queries:
        status = save(1)
    count = len(queries)
    timings = []
    for n in range(repeat):
        started = time.perf_counter()
        save(n + 2)
        timings.append((time.perf_counter() - started) * 1000)
    return Row(
        label=SAVE_LABEL,
        persona="officer",
        status=status,
        queries=count,
        p50=statistics.median(timings),
        p95=_percentile(timings, 0.95),
    )


AFTER_SEND_LABEL = "dashboard tỉnh sau khi gửi một báo cáo"
AFTER_APPROVAL_LABEL = "dashboard tỉnh sau khi duyệt một báo cáo"


def measure_after_change(bench: Bench, repeat: int) -> list[Row]:
    """The first read of the province dashboard after a report is sent, and after one is
    approved (docs/dashboards.md): each timed read follows its own change, made through
    the services as the head and the coordinator would (the change itself is not timed).
    The reads before (`measure`) have filled the cache, as a live server's would be."""
    from cchc.monitoring.services import report_review, report_submit

    drafts = list(
        ProgressReport.objects.filter(
            assignment__agency=bench.agency,
            period=bench.period,
            state__in=[ProgressReport.State.DRAFT, ProgressReport.State.RETURNED],
        ).order_by("pk")[: repeat + 1]
    )
    if not drafts:
        return []
    client = Client(raise_request_exception=False)
    client.force_login(bench.users["leader"])
    url = reverse("dashboard_province") + f"?plan={bench.plan.pk}"
    _get_page(client, url)  # the cache filled, the templates compiled
    timings: dict[str, list[float]] = {AFTER_SEND_LABEL: [], AFTER_APPROVAL_LABEL: []}
    counts: dict[str, int] = {}
    statuses: dict[str, int] = {}

    def read(label: str) -> None:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            statuses[label] = _get_page(client, url)
            timings[label].append((time.perf_counter() - started) * 1000)
        counts.setdefault(label, len(queries))

    # Rolled back afterwards: the bench's data stay as built (its histories are checked
    # against the report workflow, and the load mode reads the same drafts). The reads
    # run in the same transaction, so they see each change as the next request would.
    with transaction.atomic():
        for report in drafts:
            report = report_submit(report=report, actor=bench.users["head"], expected_version=None)
            read(AFTER_SEND_LABEL)
            report_review(
                report=report,
                actor=bench.users["coordinator"],
                approve=True,
                expected_version=None,
            )
            read(AFTER_APPROVAL_LABEL)
        transaction.set_rollback(True)
    client.logout()
    return [
        Row(
            label=label,
            persona="leader",
            status=statuses[label],
            queries=counts[label],
            p50=statistics.median(values),
            p95=_percentile(values, 0.95),
        )
        for label, values in timings.items()
    ]


def _get_page(client: Client, url: str) -> int:
    return client.get(url, secure=True).status_code


@dataclass
class Results:
    """Everything a run measured, for `--json`. Keys are documented in docs/deploy.md."""

    format: int
    vendor: str
    scale: str
    sizes: dict[str, int]
    counts: dict[str, int]
    build_seconds: float
    analyze_seconds: float
    analyzed: bool
    database: dict[str, Any]
    hello: dict[str, Any]
    pages: list[dict[str, Any]]
    skipped: list[str]
    surveys: dict[str, Any] | None = None
    load: dict[str, Any] | None = None


def page_dicts(rows: list[Row], hello: Row) -> list[dict[str, Any]]:
    return [{**asdict(r), "ratio": ratio(r, hello)} for r in rows]


def ratio(row: Row, hello: Row) -> float:
    """How many hello-worlds the row's median costs."""
    return row.p50 / hello.p50 if hello.p50 else 0.0


def dump(results: Results) -> str:
    return json.dumps(asdict(results), ensure_ascii=False, indent=2, default=str)
