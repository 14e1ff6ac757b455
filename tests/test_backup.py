"""`cchc backup` and `cchc restore`: a round trip into a fresh instance loses nothing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

COUNT_ROWS = """
import json
from django.apps import apps
from cchc.lib import storage
counts = {m._meta.label_lower: m._default_manager.count() for m in apps.get_models()}
files = {sha: storage.verify(sha) for sha, _ in storage.iter_stored()}
print(json.dumps({"counts": counts, "files": files}))
"""
STORE_FILES = """
from cchc.documents.services import document_link, document_store_file
from cchc.lib import storage
from cchc.lib.uploads import EVIDENCE_KINDS, check_upload
from cchc.monitoring.models import ProgressReport
storage.store(b"%PDF-1.7 minh chung 1", content_type="application/pdf")
storage.store("Báo cáo quý I".encode() * 1000, content_type="application/octet-stream")
# An evidence file of a report: a document with a file, linked through a content type.
report = ProgressReport.objects.order_by("pk").first()
data = b"%PDF-1.7 minh chung 1"
checked = check_upload("minh-chung.pdf", data, allowed=EVIDENCE_KINDS, max_bytes=10**6)
document = document_store_file(
    agency=report.assignment.agency, actor=None, checked=checked, data=data
)
document_link(document=document, target=report, role="evidence", actor=None)
# Line breaks of every kind in a text: the dump is one row per line.
from cchc.plans.models import Activity
first = Activity.objects.order_by("pk").first()
breaks = "Dòng một" + chr(13) + chr(10) + "Dòng hai" + chr(0x2028) + "dòng ba"
breaks += chr(0x2029) + "đoạn" + chr(0x85) + "hết"
Activity.objects.filter(pk=first.pk).update(notes=breaks)
"""
LINKED_REPORTS = """
import json
from cchc.documents.models import DocumentLink
rows = [
    [link.role, link.target.pk, link.document.number]
    + [f.filename for f in link.document.files.all()]
    for link in DocumentLink.objects.all()
]
print(json.dumps(sorted(rows)))
"""

# Every datetime and time of every row, to the microsecond, by model and primary key.
TIMESTAMPS = """
import json
from django.apps import apps
from django.db import models
out = {}
for model in apps.get_models():
    fields = [
        f.attname for f in model._meta.concrete_fields
        if isinstance(f, (models.DateTimeField, models.TimeField))
    ]
    if fields:
        rows = model._default_manager.order_by("pk").values_list("pk", *fields)
        out[model._meta.label_lower] = [
            [str(row[0])] + [v.isoformat() if v else None for v in row[1:]] for row in rows
        ]
print(json.dumps(out))
"""


def rows_of(dump: bytes) -> list[str]:
    """The dump's rows. Only "\\n" ends one: `str.splitlines` would also split at the line
    and paragraph separators a text may hold (U+2028, U+2029, U+0085)."""
    return [line for line in dump.decode().split("\n") if line]


class Instance:
    """A cchc installation of its own: an SQLite file (or the database `url` names) and a
    data directory."""

    def __init__(self, root: Path, url: str | None = None) -> None:
        root.mkdir()
        self.root = root
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DATABASE_URL": url or f"sqlite:///{root / 'db.sqlite3'}",
            "CCHC_DATA_DIR": str(root),
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "cchc.settings",
        }

    def cchc(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "cchc", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def state(self) -> dict[str, dict[str, object]]:
        output = self.cchc("shell", "--no-imports", "-c", COUNT_ROWS).stdout
        return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Instance, Path]:
    instance = Instance(tmp_path_factory.mktemp("backup") / "source")
    instance.cchc("migrate", "--no-input")
    instance.cchc("load_demo", "--quiet-accounts")
    instance.cchc("shell", "--no-imports", "-c", STORE_FILES)
    archive = instance.root.parent / "cchc-backup.tar.gz"
    instance.cchc("backup", "-o", str(archive))
    return instance, archive


@pytest.mark.own_sqlite
def test_the_backup_is_one_archive_with_a_manifest_of_checksums(
    source: tuple[Instance, Path],
) -> None:
    _instance, archive = source
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        lines = rows_of(tar.extractfile("db.jsonl").read())  # type: ignore[union-attr]
    assert {"manifest.json", "db.jsonl"} <= set(names)
    assert manifest["format"] == 2 and manifest["database"]["name"] == "db.jsonl"
    # One row per line, so that a restore reads it a line at a time.
    dump = [json.loads(line) for line in lines]
    assert manifest["database"]["objects"] == len(dump) > 1000
    assert len(manifest["files"]) == 2
    assert all(f"files/{s[:2]}/{s[2:4]}/{s}" in names for s in manifest["files"])
    models = {row["model"] for row in dump}
    assert {
        "accounts.user",
        "agencies.agency",
        "plans.plan",
        "plans.activity",
        "files.storedfile",
        "audit.auditrecord",
        "documents.document",
        "documents.documentfile",
        "documents.documentlink",
    } <= models


@pytest.fixture(scope="module")
def restored(source: tuple[Instance, Path], tmp_path_factory: pytest.TempPathFactory) -> Instance:
    _original, archive = source
    fresh = Instance(tmp_path_factory.mktemp("restore") / "fresh")
    fresh.cchc("migrate", "--no-input")
    fresh.cchc("restore", str(archive))
    return fresh


@pytest.mark.own_sqlite
def test_a_restore_into_a_fresh_instance_brings_back_every_row_and_file(
    source: tuple[Instance, Path], restored: Instance
) -> None:
    original, _archive = source
    fresh = restored
    before, after = original.state(), fresh.state()
    assert after["counts"] == before["counts"]
    assert after["files"] == before["files"]
    assert all(after["files"].values()), "a restored file does not match its checksum"
    assert before["counts"]["plans.activity"] > 50
    # Documents come back linked to the same reports, with their files.
    assert before["counts"]["documents.documentfile"] == 1
    assert before["counts"]["documents.documentlink"] > 1
    links = [original.cchc("shell", "--no-imports", "-c", LINKED_REPORTS).stdout]
    links.append(fresh.cchc("shell", "--no-imports", "-c", LINKED_REPORTS).stdout)
    assert links[0] == links[1] and "minh-chung.pdf" in links[0]


@pytest.mark.own_sqlite
def test_a_restore_keeps_every_timestamp_to_the_microsecond(
    source: tuple[Instance, Path], restored: Instance
) -> None:
    original, _archive = source
    before = json.loads(original.cchc("shell", "--no-imports", "-c", TIMESTAMPS).stdout)
    after = json.loads(restored.cchc("shell", "--no-imports", "-c", TIMESTAMPS).stdout)
    # Only the instance's own work queue differs (the restore ran as a job there).
    for label in ("jobs.job", "django_tasks_database.dbtaskresult", "sessions.session"):
        before.pop(label, None)
        after.pop(label, None)
    assert after == before
    # The comparison means something only if some timestamp has sub-millisecond digits,
    # which Django's own JSON format would have cut.
    values = [v for rows in before.values() for row in rows for v in row[1:] if v]
    assert len(values) > 100
    assert any("." in v and len(v.split(".")[1].split("+")[0]) == 6 for v in values)
    assert any(not v.split("+")[0].endswith("000") for v in values if "." in v)


@pytest.mark.own_sqlite
def test_it_refuses_to_restore_over_existing_data(
    source: tuple[Instance, Path],
) -> None:
    original, archive = source
    result = original.cchc("restore", str(archive), check=False)
    assert result.returncode != 0
    assert "không trống" in result.stderr


@pytest.mark.own_sqlite
def test_it_refuses_a_backup_whose_file_does_not_match_its_checksum(
    source: tuple[Instance, Path], tmp_path: Path
) -> None:
    _original, archive = source
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as tar_in, tarfile.open(tampered, "w:gz") as tar_out:
        for member in tar_in.getmembers():
            data = tar_in.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("files/"):
                data = data[:-1] + b"!"
            import io

            tar_out.addfile(member, io.BytesIO(data))
    fresh = Instance(tmp_path / "fresh")
    fresh.cchc("migrate", "--no-input")
    result = fresh.cchc("restore", str(tampered), check=False)
    assert result.returncode != 0
    assert "không khớp mã kiểm tra" in result.stderr
    assert fresh.state()["counts"]["plans.plan"] == 0


@pytest.mark.django_db
def test_the_backup_reads_each_users_key_once_however_many_rows_point_at_it() -> None:
    """A national installation's audit trail has millions of rows by a few thousand users:
    the dump must not read a user again for each of their rows."""
    import io

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cchc.audit.models import AuditRecord
    from cchc.ops.backup import _dump

    users = [get_user_model().objects.create(username=f"u{i}", role="admin") for i in range(3)]

    def dump_queries(rows: int) -> tuple[int, bytes]:
        AuditRecord.objects.bulk_create(
            AuditRecord(actor=users[i % 3], action="x", object_type="t", source="cli")
            for i in range(rows)
        )
        target = io.BytesIO()
        with CaptureQueriesContext(connection) as queries:
            _dump(target)
        return len(queries), target.getvalue()

    few, _small = dump_queries(5)
    many, dump = dump_queries(300)
    assert many == few
    rows = [json.loads(line) for line in rows_of(dump)]
    actors = [row["fields"]["actor"] for row in rows if row["model"] == "audit.auditrecord"]
    actors = [actor for actor in actors if actor is not None]  # the set-up's own records
    assert len(actors) == 305 and {tuple(a) for a in actors} == {("u0",), ("u1",), ("u2",)}


DUMP = """
import sys
from cchc.ops.backup import _dump
with open(sys.argv[-1], "wb") as out:
    _dump(out)
"""


def dump_lines(instance: Instance) -> list[str]:
    """The rows a backup of `instance` would hold now, without the sessions (each
    instance's own logins), in the dump's order. Written straight by the dump, not by
    `cchc backup`, which would add its own job to the instance that other tests count."""
    path = instance.root / "dump.jsonl"
    instance.cchc("shell", "--no-imports", "-c", DUMP.replace("sys.argv[-1]", repr(str(path))))
    return [
        line for line in rows_of(path.read_bytes()) if '"model": "sessions.session"' not in line
    ]


def archive_lines(archive: Path) -> list[str]:
    return [
        line
        for line in rows_of(original_dump(archive))
        if '"model": "sessions.session"' not in line
    ]


@pytest.mark.own_sqlite
def test_a_restored_instance_backs_up_to_the_same_rows_value_for_value(
    source: tuple[Instance, Path], restored: Instance
) -> None:
    """Counts and timestamps are not enough: every column of every row comes back, in a
    text that includes line and paragraph separators (the dump is one row per line)."""
    _original, archive = source
    before = archive_lines(archive)
    after = dump_lines(restored)
    assert len(after) == len(before) > 1000
    assert after == before


def _archive_with_dump(source: Path, target: Path, dump: bytes, *, version: int, name: str) -> None:
    """`source` with its dump replaced by `dump` (as `name`, format `version`) and the
    manifest's checksum made to match, as a backup of that format would be."""
    with tarfile.open(source) as tar_in, tarfile.open(target, "w:gz") as tar_out:
        manifest = json.loads(tar_in.extractfile("manifest.json").read())  # type: ignore[union-attr]
        manifest["format"] = version
        manifest["database"] = {
            "name": name,
            "sha256": hashlib.sha256(dump).hexdigest(),
            "objects": manifest["database"]["objects"],
        }
        for member in tar_in.getmembers():
            if member.name in ("manifest.json", "db.jsonl"):
                continue
            tar_out.addfile(member, tar_in.extractfile(member))
        for member_name, data in ((name, dump), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(member_name)
            info.size = len(data)
            tar_out.addfile(info, io.BytesIO(data))


def original_dump(archive: Path) -> bytes:
    with tarfile.open(archive) as tar:
        return tar.extractfile("db.jsonl").read()  # type: ignore[union-attr,no-any-return]


@pytest.mark.own_sqlite
def test_a_backup_of_the_first_format_still_restores(
    source: tuple[Instance, Path], tmp_path: Path
) -> None:
    """Archives written before the dump became one row per line hold `db.json`, a single
    JSON array: they restore as they always did."""
    original, archive = source
    rows = rows_of(original_dump(archive))
    old = tmp_path / "old-format.tar.gz"
    dump = ("[" + ", ".join(rows) + "]").encode()
    _archive_with_dump(archive, old, dump, version=1, name="db.json")
    fresh = Instance(tmp_path / "fresh")
    fresh.cchc("migrate", "--no-input")
    fresh.cchc("restore", str(old))
    before, after = original.state(), fresh.state()
    own = {"jobs.job", "django_tasks_database.dbtaskresult", "sessions.session"}
    differ = {k for k in before["counts"].keys() - own if before["counts"][k] != after["counts"][k]}
    assert differ == set(), {k: (before["counts"][k], after["counts"].get(k)) for k in differ}
    assert after["files"] == before["files"]


@pytest.mark.own_sqlite
def test_a_dump_with_a_broken_row_is_refused_in_vietnamese_and_loads_nothing(
    source: tuple[Instance, Path], tmp_path: Path
) -> None:
    """Checksums only prove the file is the one written; a dump written wrong (by hand, by
    another tool) must still change nothing: the rows before the broken one are not kept."""
    _original, archive = source
    rows = rows_of(original_dump(archive))
    middle = len(rows) // 2
    broken_rows = [*rows[:middle], '{"model": "plans.plan", "pk": 1, "fields": {', *rows[middle:]]
    broken = tmp_path / "broken.tar.gz"
    _archive_with_dump(archive, broken, "\n".join(broken_rows).encode(), version=2, name="db.jsonl")
    fresh = Instance(tmp_path / "fresh")
    fresh.cchc("migrate", "--no-input")
    result = fresh.cchc("restore", str(broken), check=False)
    assert result.returncode != 0
    assert f"Không nạp được dữ liệu của bản sao lưu (bản ghi thứ {middle + 1})" in result.stderr
    counts = fresh.state()["counts"]
    assert counts["plans.plan"] == counts["agencies.agency"] == counts["accounts.user"] == 0


@pytest.mark.postgres
def test_the_backup_restores_into_postgresql_value_for_value(
    source: tuple[Instance, Path], tmp_path: Path
) -> None:
    """The rows go in as batches of plain values on PostgreSQL (arrays unnested), not
    through `save()`: every column of every row must come back as SQLite held it."""
    import psycopg
    from django.conf import settings

    _original, archive = source
    server = settings.DATABASES["default"]
    name = f"cchc_restore_{os.getpid()}"
    admin = psycopg.connect(
        host=server["HOST"],
        port=server["PORT"] or 5432,
        user=server["USER"],
        password=server["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = (
            f"{server['USER']}:{server['PASSWORD']}@"
            if server["PASSWORD"]
            else f"{server['USER']}@"
        )
        url = f"postgres://{auth}{server['HOST']}:{server['PORT'] or 5432}/{name}"
        fresh = Instance(tmp_path / "pg", url=url)
        fresh.cchc("migrate", "--no-input")
        fresh.cchc("restore", str(archive))
        # Parsed: PostgreSQL's jsonb keeps an object's keys in its own order.
        after = [json.loads(line) for line in dump_lines(fresh)]
        assert after == [json.loads(line) for line in archive_lines(archive)]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
