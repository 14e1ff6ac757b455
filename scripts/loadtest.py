#!/usr/bin/env python3
"""Load test on demand: gunicorn on 127.0.0.1 with the demo data, a bounded request mix.

    .venv/bin/python scripts/loadtest.py [--requests 1200] [--threads 8] [--seconds 60]

Sets up a throw-away instance (SQLite in a temporary directory, `cchc load_demo`), starts
gunicorn on a free port of 127.0.0.1, logs an officer in through the login page, issues a
coordinator's API token, then sends a fixed mix of page views and API calls from a few
threads until the request count or the time limit is reached. Prints requests per second,
p50/p95 latency and errors. Traffic goes only to 127.0.0.1. Not run in CI.
"""

from __future__ import annotations

import argparse
import http.client
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


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: str | None = None) -> tuple[int, dict[str, str], bytes]:
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
    status, headers, _ = request(port, "POST", "/login/", {
        "Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://{HOST}:{port}/login/"}, body)
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
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="cchc-load-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
           "CCHC_DATA_DIR": str(tmp), "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": HOST, "SECURE_SSL": "0", "DEBUG": "",
           "DJANGO_SETTINGS_MODULE": "cchc.settings"}
    cchc = [sys.executable, "-m", "cchc"]
    server = None
    try:
        print("setting up the demo database …", flush=True)
        subprocess.run([*cchc, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)
        subprocess.run([*cchc, "collectstatic", "--no-input", "-v", "0"], env=env, cwd=ROOT,
                       check=True)
        subprocess.run([*cchc, "load_demo", "--quiet-accounts"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        key = subprocess.run([*cchc, "create_api_token", "thuongtruc", "loadtest"], env=env,
                             cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "cchc.wsgi", "-b", f"{HOST}:{port}", "-w", str(args.workers),
             "--log-level", "warning"], env=env, cwd=ROOT)
        for _ in range(100):
            try:
                request(port, "GET", "/login/")
                break
            except OSError:
                time.sleep(0.1)
        officer = login(port, "canbo.tuphap", "cchc-demo-2022")
        _s, headers, _b = request(port, "GET", "/", {"Cookie": officer})
        plan_path = headers["location"].replace(f"http://{HOST}:{port}", "")
        plan_id = re.search(r"/plans/(\d+)/", plan_path).group(1)  # type: ignore[union-attr]
        api = {"Authorization": f"Bearer {key}"}
        page = {"Cookie": officer}
        mix = [
            ("GET", plan_path, page), ("GET", f"{plan_path}?q=cai+cach", page),
            ("GET", "/plans/", page), ("GET", "/agencies/", page),
            ("GET", "/agencies/?q=tu+phap", page), ("GET", "/search/?q=thu+tuc", page),
            ("GET", f"/plans/{plan_id}/needs-date/", page),
            ("GET", "/api/plans", api),
            ("GET", f"/api/plans/{plan_id}/activities?due_month=6", api),
            ("GET", f"/api/plans/{plan_id}/tasks", api), ("GET", "/api/agencies?limit=100", api),
        ]
        for method, path, headers in mix:  # one warm-up pass, timed per path
            started = time.perf_counter()
            request(port, method, path, headers)
            print(f"  {(time.perf_counter() - started) * 1000:6.0f} ms  {method} {path}")
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        counter = iter(range(args.requests))
        deadline = time.monotonic() + args.seconds

        def worker() -> None:
            for n in counter:
                if time.monotonic() > deadline:
                    return
                method, path, headers = mix[n % len(mix)]
                started = time.perf_counter()
                try:
                    status, _h, _b = request(port, method, path, headers)
                    failed = None if status < 400 else f"{status} {path}"
                except OSError as error:
                    failed = f"{error} {path}"
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
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
        print(f"requests: {len(latencies)} in {wall:.1f} s with {args.threads} threads, "
              f"{args.workers} gunicorn workers")
        print(f"throughput: {len(latencies) / wall:.1f} req/s")
        print(f"latency: p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
        print(f"errors: {len(errors)}" + (f" (first: {errors[:3]})" if errors else ""))
        return 1 if errors else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
