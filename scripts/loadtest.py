#!/usr/bin/env python3
"""Load test on demand: gunicorn on 127.0.0.1 with the demo data, a bounded request mix.

    .venv/bin/python scripts/loadtest.py [--requests 1200] [--threads 8] [--seconds 60]

Sets up a throw-away instance (SQLite in a temporary directory by default, or the
database of `--database-url`; `cchc load_demo`), starts gunicorn on a free port of
127.0.0.1, logs an officer and the province leader in through the login page, issues API
tokens to the coordinator and the officer, then sends a fixed mix from a few threads until
the request count or the time limit is reached: of every four operations three are reads
(the officer's plan, reports and agency dashboard pages, the leader's province dashboard,
the public page, API reads) and one is a write (the officer opens the year's report of
one of the agency's assignments and saves a draft through the API, version included).
Prints requests per second, p50/p95 latency, 409 conflicts (expected when two threads
save one report) and errors. Traffic goes only to 127.0.0.1. Not run in CI.

For measured figures use `cchc bench --load --workers N` instead: the bench's own data at
a chosen size, a fixed mix of officers, heads, coordinators and leaders, p50/p95/p99 and
errors per kind of request beside hello-world under the same gunicorn (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def login(port: int, username: str, password: str) -> str:
    _status, headers, html = request(port, "GET", "/login/")
    csrf = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", "")).group(1)  # type: ignore[union-attr]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()  # type: ignore[union-attr]
    body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, headers, _ = request(
        port,
        "POST",
        "/login/",
        {
            "Cookie": f"csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}:{port}/login/",
        },
        body,
    )
    session = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
    if status != 302 or session is None:
        raise SystemExit(f"login failed: {status}")
    return f"sessionid={session.group(1)}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="cchc-load-"))
    port = free_port()
    database_url = args.database_url or f"sqlite:///{tmp / 'db.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CCHC_DATA_DIR": str(tmp),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL": "0",
        "DEBUG": "",
        "DJANGO_SETTINGS_MODULE": "cchc.settings",
    }
    cchc = [sys.executable, "-m", "cchc"]
    server = None
    try:
        print("setting up the demo database …", flush=True)
        subprocess.run([*cchc, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)
        subprocess.run(
            [*cchc, "collectstatic", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        subprocess.run(
            [*cchc, "load_demo", "--quiet-accounts"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )

        def token(username: str) -> str:
            return subprocess.run(
                [*cchc, "create_api_token", username, "loadtest"],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()

        key, officer_key = token("thuongtruc"), token("canbo.tuphap")
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "cchc.wsgi",
                "-b",
                f"{HOST}:{port}",
                "-w",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        for _ in range(100):
            try:
                request(port, "GET", "/login/")
                break
            except OSError:
                time.sleep(0.1)
        officer = login(port, "canbo.tuphap", "cchc-demo-2022")
        leader = login(port, "lanhdaotinh", "cchc-demo-2022")
        _s, headers, _b = request(port, "GET", "/", {"Cookie": officer})
        plan_path = headers["location"].replace(f"http://{HOST}:{port}", "")
        plan_id = re.search(r"/plans/(\d+)/", plan_path).group(1)  # type: ignore[union-attr]
        api = {"Authorization": f"Bearer {key}"}
        officer_api = {"Authorization": f"Bearer {officer_key}", "Content-Type": "application/json"}
        page, board = {"Cookie": officer}, {"Cookie": leader}
        _s, _h, body = request(port, "GET", f"/api/plans/{plan_id}/assignments", officer_api)
        assignments = [a["id"] for a in json.loads(body)]
        agency_id = json.loads(body)[0]["agency_id"]
        _s, _h, body = request(port, "GET", f"/api/plans/{plan_id}/periods", officer_api)
        period_id = json.loads(body)[-1]["id"]  # the year's report: drafts being written
        reads = [
            ("GET", plan_path, page),
            ("GET", f"{plan_path}?q=cai+cach", page),
            ("GET", "/plans/", page),
            ("GET", "/agencies/", page),
            ("GET", "/search/?q=thu+tuc", page),
            ("GET", "/bao-cao/", page),
            ("GET", "/bao-cao/cho-gui/", page),
            ("GET", f"/dashboard/agency/{agency_id}/", page),
            ("GET", "/dashboard/", board),
            ("GET", "/dashboard/?period=6-thang", board),
            ("GET", "/cong-khai/", {}),
            ("GET", "/api/plans", api),
            ("GET", f"/api/plans/{plan_id}/tasks", api),
            ("GET", f"/api/plans/{plan_id}/progress", api),
        ]
        Outcome = tuple[float, str | None, bool]  # seconds, error, 409

        def timed(
            method: str, path: str, headers: dict[str, str], body: str | None = None
        ) -> tuple[Outcome, bytes]:
            started = time.perf_counter()
            try:
                status, _h, content = request(port, method, path, headers, body)
            except OSError as error:
                return (time.perf_counter() - started, f"{error} {path}", False), b""
            failed = None if status < 400 or status == 409 else f"{status} {method} {path}"
            return (time.perf_counter() - started, failed, status == 409), content

        def write(n: int) -> list[Outcome]:
            """An officer opens the year's report of one assignment and saves a draft."""
            assignment = assignments[n % len(assignments)]
            opened, content = timed(
                "POST", f"/api/assignments/{assignment}/reports/{period_id}", officer_api, "{}"
            )
            if opened[1] is not None:
                return [opened]
            report = json.loads(content)
            saved, _c = timed(
                "PUT",
                f"/api/reports/{report['id']}",
                officer_api,
                json.dumps(
                    {
                        "status": "in_progress",
                        "percent": 10 + n % 80,
                        "version": report["version"],
                        "narrative": f"Lượt ghi {n}: đang triển khai",
                    }
                ),
            )
            return [opened, saved]

        def operation(n: int) -> list[Outcome]:
            # One write in four operations: officers mostly read, and save now and then.
            if n % 4 == 3:
                return write(n)
            return [timed(*reads[n % len(reads)])[0]]

        for method, path, headers in reads:  # one warm-up pass, timed per path
            outcome, _c = timed(method, path, headers)
            print(
                f"  {outcome[0] * 1000:6.0f} ms  {method} {path}"
                + (f"  !! {outcome[1]}" if outcome[1] else "")
            )
        latencies: list[float] = []
        errors: list[str] = []
        conflicts = 0
        lock = threading.Lock()
        counter = iter(range(args.requests))
        deadline = time.monotonic() + args.seconds

        def worker() -> None:
            nonlocal conflicts
            for n in counter:
                if time.monotonic() > deadline:
                    return
                for elapsed, failed, conflict in operation(n):
                    with lock:
                        latencies.append(elapsed)
                        conflicts += conflict
                        if failed:
                            errors.append(failed)

        began = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        latencies.sort()
        p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
        print(
            f"requests: {len(latencies)} in {wall:.1f} s with {args.threads} threads, "
            f"{args.workers} gunicorn workers, {database_url.split(':')[0]}"
        )
        print(f"throughput: {len(latencies) / wall:.1f} req/s")
        print(
            f"latency: p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
        )
        print(f"409 conflicts (two writers of one report, expected): {conflicts}")
        print(f"errors: {len(errors)}" + (f" (first: {errors[:3]})" if errors else ""))
        return 1 if errors else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
