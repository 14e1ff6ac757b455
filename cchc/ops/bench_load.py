"""`cchc bench --load`: gunicorn with N workers against the bench data, a fixed mix of
what people do, and per kind of request the throughput, p50/p95/p99 and errors, beside
hello-world served by the same gunicorn.

It runs in the bench's own database (after the data is built and analysed). The socket
is bound here and handed to gunicorn (`--bind fd://…`): it listens before gunicorn
starts, so the first request simply waits in the kernel's queue until a worker takes it
(no polling, no sleeping). Requests carry `X-Forwarded-Proto: https`, as behind the
TLS-terminating load balancer of docs/deploy.md, so the production settings apply.

The mix, per client thread and round, on a report of its own (the busiest agency's, last
period; threads share reports only when the agency has fewer than threads):

- officer: the worklist page, then two saves of the draft through the API (PUT);
- head: the "to send" page, then sends the report through the API;
- coordinator: the review queue, then returns the report through the API (so the round
  can start again);
- leader: the province dashboard twice and the agency dashboard.

A 409 (two threads saving one report) is counted as a conflict, not an error.

Each kind's rate in the mix is a share of the round, which the slowest kind of the round
sets (the dashboards). So after the mix, the officer's two kinds and the province
dashboard run alone for a quarter of the time each (`solo`): every thread reading the
worklist, then every thread saving its own drafts in turn through the API (a token, as
another system would; `SAVE_SPREAD`), then every thread reading the province dashboard, each against
hello-world's rate. These are the figures docs/deploy.md's sizing compares with the
issue's goals (worklist ≥ 200 requests a second, a save ≥ 10 % of hello-world, the
dashboard ≥ 100 requests a second).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils.translation import gettext as _

from cchc.accounts.models import ApiToken
from cchc.monitoring.figures import figures_changed
from cchc.monitoring.models import ProgressReport
from cchc.monitoring.worklist import work_changed
from cchc.ops.bench import Bench, _url

HOST = "127.0.0.1"
HELLO = "/__bench__/hello/"
TIMEOUT = 120


@dataclass
class Kind:
    label: str
    count: int = 0
    errors: int = 0
    conflicts: int = 0
    latencies: list[float] = field(default_factory=list)
    first_errors: list[str] = field(default_factory=list)

    def record(self, status: int, elapsed: float, method: str, path: str) -> None:
        """One answer (status 0: no answer); the caller holds the kind's lock."""
        self.count += 1
        self.latencies.append(elapsed)
        if status == 409:  # a version conflict: expected when two clients save one report
            self.conflicts += 1
        elif status == 0 or status >= 400:
            self.errors += 1
            if len(self.first_errors) < 3:
                self.first_errors.append(f"{status} {method} {path}")

    def summary(self, seconds: float, hello_p50: float) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(share: float) -> float:
            if not ordered:
                return 0.0
            return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

        p50 = pct(0.5)
        return {
            "label": self.label,
            "requests": self.count,
            "per_second": self.count / seconds if seconds else 0.0,
            "p50": p50,
            "p95": pct(0.95),
            "p99": pct(0.99),
            "errors": self.errors,
            "conflicts": self.conflicts,
            "first_errors": self.first_errors,
            "ratio": p50 / hello_p50 if hello_p50 else 0.0,
        }


@dataclass
class LoadResult:
    workers: int
    threads: int
    seconds: float
    hello_per_second: float
    hello_p50: float
    mix_per_second: float
    errors: int
    kinds: list[dict[str, Any]]
    # The kinds run alone after the mix (see the module's note), with `share_of_hello`.
    solo: list[dict[str, Any]] = field(default_factory=list)

    @property
    def share_of_hello(self) -> float:
        return self.mix_per_second / self.hello_per_second if self.hello_per_second else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share_of_hello": self.share_of_hello}


class Server:
    """gunicorn serving `cchc.ops.bench_wsgi` on a socket bound here."""

    def __init__(self, workers: int) -> None:
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(128)
        self.port = int(self.sock.getsockname()[1])
        fd = self.sock.fileno()
        env = {
            **os.environ,
            "ALLOWED_HOSTS": ",".join({*settings.ALLOWED_HOSTS, HOST}),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cchc.ops.bench_wsgi:application",
                "--bind",
                f"fd://{fd}",
                "--workers",
                str(workers),
                "--timeout",
                str(TIMEOUT),
                "--log-level",
                "warning",
            ],
            env=env,
            pass_fds=(fd,),
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.sock.close()

    def request(
        self, method: str, path: str, headers: dict[str, str], body: str | None = None
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            conn.request(
                method,
                path,
                body=body.encode() if body is not None else None,
                headers={"X-Forwarded-Proto": "https", "Host": HOST, **headers},
            )
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def _timed(
    server: Server, method: str, path: str, headers: dict[str, str], body: Any
) -> tuple[int, bytes, float]:
    """The request's status (0 when the server did not answer), body and milliseconds."""
    started = time.perf_counter()
    try:
        status, content = server.request(
            method, path, headers, None if body is None else json.dumps(body)
        )
    except OSError as error:
        status, content = 0, str(error).encode()
    return status, content, (time.perf_counter() - started) * 1000


def _session(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# How many drafts each thread cycles through when saving alone (`_solo_kinds`).
SAVE_SPREAD = 10


def _reports(bench: Bench, threads: int) -> list[ProgressReport]:
    """The reports the threads write on: the busiest agency's in the last period, opened as
    drafts (the bench's own data)."""
    reports = list(
        ProgressReport.objects.filter(assignment__agency=bench.agency, period=bench.period)
        .order_by("pk")
        .values_list("pk", flat=True)[:threads]
    )
    with transaction.atomic():
        ProgressReport.objects.filter(pk__in=reports).update(state=ProgressReport.State.DRAFT)
        # Written past the services: the cached lists and figures must follow, as after
        # any change (cchc.monitoring.worklist, cchc.monitoring.figures).
        work_changed(bench.agency.pk)
        figures_changed(bench.plan)
    return list(ProgressReport.objects.filter(pk__in=reports).order_by("pk"))


def run(
    bench: Bench,
    *,
    workers: int,
    threads: int,
    seconds: float,
    say: Callable[[str], None],
) -> LoadResult:
    params = bench.params()
    officer = _session(bench.users["officer"])
    head = _session(bench.users["head"])
    coordinator = _session(bench.users["coordinator"])
    leader = _session(bench.users["leader"])
    keys = {
        role: ApiToken.issue(user=bench.users[role], name="cchc bench --load")[1]
        for role in ("officer", "head", "coordinator")
    }

    def api(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[role]}", "Content-Type": "application/json"}

    def page(name: str, query: str = "") -> str:
        url = _url(name, query, params)
        assert url is not None, name
        return url

    worklist = page("report_worklist")
    drafts = page("report_drafts")
    queue = page("report_queue")
    province = page("dashboard_province", "plan={plan_id}")
    agency = page("dashboard_agency", "plan={plan_id}")
    reports = _reports(bench, threads)

    server = Server(workers)
    try:
        # The first request waits for gunicorn's first worker: warm every URL once.
        for path, cookie in (
            (HELLO, ""),
            (worklist, officer),
            (drafts, head),
            (queue, coordinator),
            (province, leader),
            (agency, leader),
        ):
            server.request("GET", path, {"Cookie": cookie} if cookie else {})
        hello = _hello(server, threads=threads, seconds=max(2.0, seconds / 4))
        hello_p50 = hello.summary(1, 0)["p50"]
        hello_rate = hello.count / max(2.0, seconds / 4)
        say(
            f"hello-world: {hello_rate:.0f} req/s, p50 {hello_p50:.1f} ms "
            f"({workers} worker(s), {threads} thread(s))"
        )
        kinds: dict[str, Kind] = {}
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def call(
            label: str, method: str, path: str, headers: dict[str, str], body: Any = None
        ) -> tuple[int, Any]:
            status, content, elapsed = _timed(server, method, path, headers, body)
            with lock:
                kinds.setdefault(label, Kind(label)).record(status, elapsed, method, path)
            if status == 200 and method != "GET":
                return status, json.loads(content)
            return status, None

        def client(index: int) -> None:
            report = reports[index % len(reports)]
            url = f"/api/reports/{report.pk}"
            version = report.version
            n = 0

            def current() -> int:
                _status, content = server.request("GET", url, api("officer"))
                return int(json.loads(content)["version"])

            while time.monotonic() < deadline:
                n += 1
                call("cán bộ: việc của tôi (trang)", "GET", worklist, {"Cookie": officer})
                for step in (1, 2):
                    _status, out = call(
                        "cán bộ: lưu báo cáo (API)",
                        "PUT",
                        url,
                        api("officer"),
                        {
                            "status": "in_progress",
                            "percent": (n * 2 + step) % 90 + 5,
                            "narrative": f"Vòng {n}, lần lưu {step}.",
                            "version": version,
                        },
                    )
                    version = out["version"] if out else current()
                call("lãnh đạo cơ quan: chờ gửi (trang)", "GET", drafts, {"Cookie": head})
                _status, out = call(
                    "lãnh đạo cơ quan: gửi (API)",
                    "POST",
                    f"{url}/submit",
                    api("head"),
                    {"version": version},
                )
                version = out["version"] if out else current()
                call("thường trực: chờ duyệt (trang)", "GET", queue, {"Cookie": coordinator})
                _status, out = call(
                    "thường trực: trả lại (API)",
                    "POST",
                    f"{url}/review",
                    api("coordinator"),
                    {"approve": False, "comment": "Đề nghị bổ sung.", "version": version},
                )
                version = out["version"] if out else current()
                for _ in range(2):
                    call("lãnh đạo tỉnh: dashboard tỉnh", "GET", province, {"Cookie": leader})
                call("lãnh đạo tỉnh: dashboard cơ quan", "GET", agency, {"Cookie": leader})

        began = time.perf_counter()
        pool = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        wall = time.perf_counter() - began
        solo = _solo_kinds(
            server,
            bench,
            threads=threads,
            seconds=max(2.0, seconds / 4),
            worklist=worklist,
            officer=officer,
            token=keys["officer"],
            dashboard=province,
            leader=leader,
        )
    finally:
        server.stop()
    for kind in solo:
        kind["share_of_hello"] = kind["per_second"] / hello_rate if hello_rate else 0.0
        say(
            _(
                "Riêng %(label)s: %(rate).1f yêu cầu/giây = %(share).1f %% của hello-world, "
                "p50 %(p50).1f ms, p95 %(p95).1f ms, %(errors)s lỗi, %(conflicts)s xung đột."
            )
            % {
                "label": kind["label"],
                "rate": kind["per_second"],
                "share": 100 * kind["share_of_hello"],
                "p50": kind["p50"],
                "p95": kind["p95"],
                "errors": kind["errors"],
                "conflicts": kind["conflicts"],
            }
        )
    summaries = [k.summary(wall, hello_p50) for k in kinds.values()]
    total = sum(k.count for k in kinds.values())
    return LoadResult(
        workers=workers,
        threads=threads,
        seconds=wall,
        hello_per_second=hello_rate,
        hello_p50=hello_p50,
        mix_per_second=total / wall if wall else 0.0,
        errors=sum(k.errors for k in kinds.values())
        + hello.errors
        + sum(int(k["errors"]) for k in solo),
        kinds=summaries,
        solo=solo,
    )


def _solo_kinds(
    server: Server,
    bench: Bench,
    *,
    threads: int,
    seconds: float,
    worklist: str,
    officer: str,
    token: str,
    dashboard: str,
    leader: str,
) -> list[dict[str, Any]]:
    """The officer's worklist, then the officer's API save, then the leader's province
    dashboard, each alone on the server."""
    reading = _alone(
        server,
        "cán bộ: việc của tôi (trang)",
        threads=threads,
        seconds=seconds,
        step=lambda _index, _n: ("GET", worklist, {"Cookie": officer}, None),
    )
    # Whatever state the mix left the reports in (a round cut short leaves one sent):
    # drafts again. Each thread cycles through drafts of its own (up to SAVE_SPREAD), as
    # an officer saves the agency's several reports: one report saved a thousand times
    # in a few seconds would grow a history no real report has, and the answer carries
    # the history.
    reports = _reports(bench, threads * SAVE_SPREAD)
    versions = {report.pk: report.version for report in reports}
    own = [reports[index::threads] or [reports[index % len(reports)]] for index in range(threads)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    lock = threading.Lock()

    last: dict[int, int] = {}  # each thread's report of its last request

    def save(index: int, n: int) -> tuple[str, str, dict[str, str], Any]:
        report = own[index][n % len(own[index])]
        last[index] = report.pk
        with lock:
            version = versions[report.pk]
        body = {"status": "in_progress", "percent": n % 90 + 5, "narrative": f"Lần {n}."}
        return "PUT", f"/api/reports/{report.pk}", headers, {**body, "version": version}

    def saved(index: int, status: int, content: bytes) -> None:
        pk = last[index]
        if status == 200:
            with lock:
                versions[pk] = int(json.loads(content)["version"])
        elif status == 409:
            # Another thread saved it first (fewer reports than threads): its version now.
            _status, current = server.request("GET", f"/api/reports/{pk}", headers)
            with lock:
                versions[pk] = int(json.loads(current)["version"])

    saving = _alone(
        server,
        "cán bộ: lưu báo cáo (API)",
        threads=threads,
        seconds=seconds,
        step=save,
        after=saved,
    )
    # Read after the saves, which changed no figure (drafts): the cached dashboard.
    leading = _alone(
        server,
        "lãnh đạo tỉnh: dashboard tỉnh",
        threads=threads,
        seconds=seconds,
        step=lambda _index, _n: ("GET", dashboard, {"Cookie": leader}, None),
    )
    return [reading, saving, leading]


def _alone(
    server: Server,
    label: str,
    *,
    threads: int,
    seconds: float,
    step: Callable[[int, int], tuple[str, str, dict[str, str], Any]],
    after: Callable[[int, int, bytes], None] | None = None,
) -> dict[str, Any]:
    """`threads` clients sending `step(thread, n)` for `seconds`: the kind's summary."""
    kind = Kind(label)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(index: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            method, path, headers, body = step(index, n)
            status, content, elapsed = _timed(server, method, path, headers, body)
            with lock:
                kind.record(status, elapsed, method, path)
            if after is not None:
                after(index, status, content)

    began = time.perf_counter()
    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return kind.summary(time.perf_counter() - began, 0)


def _hello(server: Server, *, threads: int, seconds: float) -> Kind:
    kind = Kind("hello-world")
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, _content = server.request("GET", HELLO, {})
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                kind.count += 1
                kind.latencies.append(elapsed)
                kind.errors += status != 200

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return kind
