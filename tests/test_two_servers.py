"""Two app servers and two workers on one PostgreSQL database and one S3-compatible object
store (moto in server mode), as a load balancer would spread one installation:

* a session opened on one server is good on the other (sessions in the database);
* evidence uploaded through one server downloads through the other, though each server
  has a data directory of its own (the file is in the object store, not on a disk);
* an export asked for on one server is run by a worker and downloaded through the other;
* a short mixed load over both servers ends with no error.

Runs in the PostgreSQL pass (`dev.py test`), on a database of its own that it drops.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n" + os.urandom(64)
BUCKET = "cchc-test"
# A loaded CI machine may take seconds for a first request (imports, the pool filling).
TIMEOUT = 90
SETUP = """
import json
from django.urls import reverse
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.accounts.models import User
from tests import factories
agencies = factories.make_structure()
factories.make_personas(agencies)
plan = factories.make_plan(14)
period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
items = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"], role="lead")
items = list(items.order_by("pk").values_list("pk", flat=True))
print(json.dumps({
    "plan": plan.pk,
    "period": period.pk,
    "items": items,
    "pages": [reverse("report_detail", args=[pk, period.pk]) for pk in items],
    "saves": [reverse("report_save", args=[pk, period.pk]) for pk in items],
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…); `dev.py test` runs it there")
    import psycopg

    name = f"cchc_two_{uuid.uuid4().hex[:8]}"
    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def object_store(tmp_path_factory) -> Iterator[str]:
    """moto in server mode, in a process of its own, as an S3 endpoint would be."""
    import boto3

    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
    )
    try:
        wait_for(port)
        endpoint = f"http://127.0.0.1:{port}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


class Installation:
    """The processes of one installation, each with a data directory of its own."""

    def __init__(self, tmp: Path, database: str, endpoint: str) -> None:
        self.tmp = tmp
        self.processes: list[subprocess.Popen[bytes]] = []
        self.base_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CCHC_"))},
            "DATABASE_URL": database,
            "SECRET_KEY": "two-servers-test-key-not-secret",
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL": "0",
            "CCHC_TODAY": "2022-03-25",
            "CCHC_S3_BUCKET": BUCKET,
            "CCHC_S3_ENDPOINT_URL": endpoint,
            "CCHC_S3_ACCESS_KEY_ID": "testing",
            "CCHC_S3_SECRET_ACCESS_KEY": "testing",
            "CCHC_S3_REGION": "us-east-1",
            "CCHC_S3_PREFIX": "two",
            "DJANGO_SETTINGS_MODULE": "cchc.settings",
            "PYTHONPATH": str(ROOT),
        }

    def env(self, name: str) -> dict[str, str]:
        data = self.tmp / name
        data.mkdir(exist_ok=True)
        return {**self.base_env, "CCHC_DATA_DIR": str(data)}

    def cchc(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "cchc", *args],
            cwd=ROOT,
            env=self.env("setup"),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self, name: str, *command: str) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.processes.append(
            subprocess.Popen(command, cwd=ROOT, env=self.env(name), stdout=log, stderr=log)
        )

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def installation(
    tmp_path_factory, database, object_store
) -> Iterator[tuple[Installation, dict, list[str]]]:
    tmp = tmp_path_factory.mktemp("two-servers")
    site = Installation(tmp, database, object_store)
    site.cchc("migrate", "--no-input", "-v", "0")
    data = json.loads(site.cchc("shell", "--no-imports", "-c", SETUP).strip().splitlines()[-1])
    data["token"] = site.cchc("create_api_token", "officer_a", "two-servers").strip()
    urls = []
    try:
        for name in ("app1", "app2"):
            port = free_port()
            site.start(
                name,
                str(BIN / "gunicorn"),
                "cchc.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "--log-level",
                "warning",
            )
            urls.append(f"http://127.0.0.1:{port}")
        for name in ("worker1", "worker2"):
            site.start(
                name, sys.executable, "-m", "cchc", "worker", "--no-reload", "--interval", "0.2"
            )
        for url in urls:
            wait_for(int(url.rsplit(":", 1)[1]))
        yield site, data, urls
    finally:
        site.stop()


def login(base: str, username: str):  # type: ignore[no-untyped-def]
    import requests

    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=TIMEOUT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = session.post(
        f"{base}/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:2000]
    return session


def test_an_upload_through_one_server_downloads_through_the_other(installation):
    site, data, (one, two) = installation
    officer = login(one, "officer_a")
    page = officer.get(one + data["pages"][0], timeout=TIMEOUT)
    assert page.status_code == 200
    fields = dict(
        re.findall(r'name="(csrfmiddlewaretoken|version|submission)" value="([^"]*)"', page.text)
    )
    form = {
        **fields,
        "status": "in_progress",
        "percent": "40",
        "reason": "",
        "narrative": "Đã rà soát 12 thủ tục hành chính.",
        "completed_on": "",
        "doc-TOTAL_FORMS": "0",
        "doc-INITIAL_FORMS": "0",
        "doc-MIN_NUM_FORMS": "0",
        "doc-MAX_NUM_FORMS": "1000",
        "then": "save",
    }
    saved = officer.post(
        one + data["saves"][0],
        data=form,
        files={"attachments": ("bien-ban.pdf", PDF, "application/pdf")},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert saved.status_code == 302, saved.text[:3000]

    # The same session cookie, on the other server: the page and the file are there.
    other = officer.get(two + data["pages"][0], timeout=TIMEOUT)
    assert other.status_code == 200
    assert "bien-ban.pdf" in other.text
    link = re.search(r'href="(/bao-cao/minh-chung/\d+/)"', other.text).group(1)  # type: ignore[union-attr]
    download = officer.get(two + link, timeout=TIMEOUT)
    assert download.status_code == 200
    assert download.content == PDF
    # Neither server kept it on its own disk.
    assert not list((site.tmp / "app1").rglob("*.pdf"))
    assert not [p for p in (site.tmp / "app1" / "files").rglob("*") if p.is_file()]


def test_a_job_asked_on_one_server_runs_on_a_worker_and_downloads_from_the_other(installation):
    _site, data, (one, two) = installation
    coordinator = login(one, "coordinator")
    asked = coordinator.get(
        f"{one}/dashboard/status-table.xlsx?plan={data['plan']}",
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert asked.status_code == 302, asked.text[:2000]
    job = re.search(r"/jobs/([0-9a-f-]{36})/", asked.headers["Location"]).group(1)  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while True:
        answer = coordinator.get(f"{two}/jobs/{job}/file/", timeout=TIMEOUT)
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert answer.status_code == 200
    assert answer.content[:2] == b"PK"  # an XLSX (zip) workbook


def test_a_mixed_load_over_both_servers_has_no_error(installation):
    _site, data, (one, two) = installation
    import requests

    officers = [login(base, "officer_a") for base in (one, two)]
    api = {"Authorization": f"Bearer {data['token']}"}
    leaders = [login(base, "leader") for base in (one, two)]
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()

    def run(index: int) -> None:
        base = (one, two)[index % 2]
        officer, leader = officers[index % 2], leaders[index % 2]
        deadline = time.monotonic() + 6
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if n % 3 == 0:
                # An officer's client saves a report through the API: the version it
                # read, then the save; a 409 (the other thread saved first) is no error.
                item = data["items"][index % len(data["items"])]
                opened = requests.post(
                    f"{base}/api/assignments/{item}/reports/{data['period']}",
                    json={},
                    headers=api,
                    timeout=TIMEOUT,
                )
                status = opened.status_code
                if status in (200, 201):
                    report = opened.json()
                    saved = requests.put(
                        f"{base}/api/reports/{report['id']}",
                        json={
                            "status": "in_progress",
                            "percent": n % 100,
                            "version": report["version"],
                        },
                        headers=api,
                        timeout=TIMEOUT,
                    )
                    status = saved.status_code if saved.status_code != 409 else 200
                path = "save"
            else:
                path = ("/", "/bao-cao/", "/dashboard/", "/cong-khai/")[n % 4]
                who = leader if path == "/dashboard/" else officer
                status = who.get(base + path, timeout=TIMEOUT).status_code
            with lock:
                done[0] += 1
                if status >= 400:
                    errors.append(f"{status} {base}{path}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert done[0] > 20
    assert errors == []
