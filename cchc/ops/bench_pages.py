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
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

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
