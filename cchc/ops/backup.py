"""One-file backups: a consistent database dump, every stored file, and a manifest.

The archive (tar.gz) holds `manifest.json`, `db.jsonl` and `files/ab/cd/<sha256>`. The
dump is every model's rows (auth included) as JSON Lines, one row per line, timestamps to
the microsecond (`cchc/ops/serializer.py`), taken inside one transaction so that it is a
single snapshot, with foreign keys to content types and permissions written by natural
key, since those rows are made afresh by `migrate`. A restore goes only into an empty,
migrated database, checks every checksum first, and then reads the dump a line at a time
and inserts it a batch of rows at a time: its memory does not grow with the backup.
Format 1 archives (`db.json`, one JSON array) still restore, through Django's `loaddata`.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from cchc.lib import storage
from cchc.lib.bulk import insert_rows
from cchc.lib.collector import collector_paused
from cchc.lib.files import atomic_output
from cchc.ops import serializer

Progress = Callable[[int, int, str], None]

FORMAT = 2
DUMP_NAME = "db.jsonl"
# What each format called its dump; format 1 is read by Django's `loaddata`.
DUMP_NAMES = {1: "db.json", 2: DUMP_NAME}
# Rows inserted per statement on a restore.
RESTORE_BATCH = 2000
# Made by `migrate` itself; a restore finds them already there.
REBUILT_BY_MIGRATE = ("contenttypes.contenttype", "auth.permission")
# Rows that may exist in a freshly migrated database without making it "not empty".
IGNORED_WHEN_EMPTY = {
    *REBUILT_BY_MIGRATE,
    "sessions.session",
    # The restore itself runs as a job.
    "jobs.job",
    "django_tasks_database.dbtaskresult",
    # Notifications of that job.
    "reminders.notification",
    # The default SIPAS survey, written by a data migration (citizens 0002); the backup's
    # rows of the same keys replace them.
    "citizens.surveydefinition",
    "citizens.surveyelement",
    "citizens.surveyquestion",
    # The default kinds of feedback, written by citizens 0004.
    "citizens.feedbacktype",
    # The default official report templates (official 0002), the same way.
    "official.reporttemplate",
}


class RestoreError(Exception):
    """A backup that cannot be restored here; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    objects: int
    files: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Rows that belong to this instance's own work queue, not to its data: a restored
# instance starts with no jobs (their result files are not in the archive either).
NOT_BACKED_UP = ("jobs.job", "django_tasks_database.dbtaskresult")
_OBJECT_START = b'{"model": "'


class _DumpFile(io.TextIOBase):
    """Where `dumpdata` writes: a file on disk, hashed and counted as it is written.

    `dumpdata` reads each table with `.iterator()`, a batch of rows at a time, so the
    dump never sits in memory. Inside a JSON string a quote is escaped, so the start of
    an object, `{"model": "`, is found only where an object starts: counting it counts rows.
    """

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0
        self.objects = 0
        self._tail = b""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        data = text.encode()
        self.target.write(data)
        self.digest.update(data)
        self.size += len(data)
        window = self._tail + data
        self.objects += window.count(_OBJECT_START) - self._tail.count(_OBJECT_START)
        self._tail = window[-(len(_OBJECT_START) - 1) :]
        return len(text)


def _dump(target: IO[bytes]) -> _DumpFile:
    out = _DumpFile(target)
    # Only an outermost transaction can choose its isolation; nested (a job run at once
    # inside a caller's transaction, as in tests) it reads within the caller's.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                # One snapshot for every table, even while others write.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            # Django's "json" would cut every timestamp to milliseconds.
            format=serializer.FORMAT_NAME,
            exclude=[*REBUILT_BY_MIGRATE, *NOT_BACKED_UP],
            natural_foreign=True,
            indent=None,
            stdout=out,
        )
    return out


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def _no_progress(done: int, total: int, message: str) -> None:
    pass


def backup_write(out: IO[bytes], *, progress: Progress = _no_progress) -> BackupSummary:
    """Write the archive into `out`, streaming: rows in batches through a temporary file,
    stored files in chunks straight from the store. Memory stays flat however large the
    evidence store grows."""
    files = list(storage.iter_stored())
    total = len(files) + 1
    progress(0, total, _("Đang sao lưu cơ sở dữ liệu…"))
    with tempfile.TemporaryFile() as dump_file:
        dump = _dump(dump_file)
        with tarfile.open(fileobj=out, mode="w:gz", compresslevel=6) as archive:
            dump_file.seek(0)
            info = tarfile.TarInfo(DUMP_NAME)
            info.size = dump.size
            info.mtime = int(datetime.now(UTC).timestamp())
            info.mode = 0o644
            archive.addfile(info, dump_file)
            sizes: dict[str, int] = {}
            for done, (sha, size) in enumerate(files, start=1):
                # `addfile` copies the file in small blocks; nothing is read whole.
                info = tarfile.TarInfo(f"files/{sha[:2]}/{sha[2:4]}/{sha}")
                info.size = size
                info.mtime = int(datetime.now(UTC).timestamp())
                info.mode = 0o644
                with storage.open_blob(sha) as handle:
                    archive.addfile(info, handle)
                sizes[sha] = size
                progress(
                    done,
                    total,
                    _("Đã sao lưu %(done)s/%(total)s tệp…") % {"done": done, "total": len(files)},
                )
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "database": {
                    "name": DUMP_NAME,
                    "sha256": dump.digest.hexdigest(),
                    "objects": dump.objects,
                },
                "files": sizes,
            }
            # Last, since it carries the checksum of what came before; a restore looks
            # members up by name.
            _add(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
    return BackupSummary(Path(), dump.objects, len(files))


def backup(path: Path) -> BackupSummary:
    """Write the archive to `path` (via a temporary file, so `path` is never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as out:
        summary = backup_write(out)
    return BackupSummary(path, summary.objects, summary.files)


def non_empty_tables() -> list[str]:
    """Models that hold rows although a fresh `migrate` would leave them empty."""
    found = []
    for model in apps.get_models():
        if model._meta.label_lower in IGNORED_WHEN_EMPTY or not model._meta.managed:
            continue
        if model._default_manager.exists():
            found.append(model._meta.label_lower)
    return found


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    handle = _open_member(archive, name)
    return handle.read()


def _open_member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    member = archive.getmember(name)
    handle = archive.extractfile(member)
    if handle is None:
        raise RestoreError(_("Tệp sao lưu hỏng: thiếu «%(name)s».") % {"name": name})
    return handle


def _hash_member(archive: tarfile.TarFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    handle = _open_member(archive, name)
    while chunk := handle.read(storage.CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def restore(path: Path, *, progress: Progress = _no_progress) -> dict[str, Any]:
    """Bring a backup back into this (empty, migrated) instance; all or nothing.

    Every checksum is checked first, reading the archive in chunks; only then are the rows
    loaded (one transaction) and the files copied into the store, again in chunks.
    """
    busy = non_empty_tables()
    if busy:
        raise RestoreError(
            _(
                "Cơ sở dữ liệu đích không trống (có dữ liệu trong: %(tables)s). Chỉ khôi phục "
                "vào một cài đặt mới đã chạy «cchc migrate» và chưa có dữ liệu."
            )
            % {"tables": ", ".join(busy)}
        )
    if any(True for _ in storage.iter_stored()):
        raise RestoreError(_("Thư mục tệp đích không trống; chỉ khôi phục vào một cài đặt mới."))
    try:
        archive = tarfile.open(path, mode="r:gz")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as error:
        raise RestoreError(
            _("Không đọc được tệp sao lưu «%(path)s»: %(error)s") % {"path": path, "error": error}
        ) from None
    with archive:
        try:
            manifest = json.loads(_read(archive, "manifest.json"))
        except (KeyError, ValueError):
            raise RestoreError(_("Tệp sao lưu thiếu bản kê hoặc dữ liệu.")) from None
        version = manifest.get("format") if isinstance(manifest, dict) else None
        dump_name = DUMP_NAMES.get(version) if isinstance(version, int) else None
        if dump_name is None:
            raise RestoreError(_("Định dạng sao lưu không được hỗ trợ."))
        try:
            dump_sha, _dump_size = _hash_member(archive, dump_name)
        except KeyError:
            raise RestoreError(_("Tệp sao lưu thiếu bản kê hoặc dữ liệu.")) from None
        if dump_sha != manifest["database"]["sha256"]:
            raise RestoreError(_("Dữ liệu trong tệp sao lưu không khớp mã kiểm tra."))
        files: dict[str, int] = manifest["files"]
        total = len(files) * 2 + 1
        for done, (sha, size) in enumerate(files.items(), start=1):
            try:
                found = _hash_member(archive, f"files/{sha[:2]}/{sha[2:4]}/{sha}")
            except KeyError:
                message = _("Thiếu tệp %(sha)s trong bản sao lưu.") % {"sha": sha}
                raise RestoreError(message) from None
            if found != (sha, size):
                raise RestoreError(
                    _("Tệp %(sha)s trong bản sao lưu không khớp mã kiểm tra.") % {"sha": sha}
                )
            progress(
                done,
                total,
                _("Đã kiểm tra %(done)s/%(total)s tệp…") % {"done": done, "total": len(files)},
            )
        progress(len(files), total, _("Đang nạp cơ sở dữ liệu…"))
        if dump_name == DUMP_NAME:
            expected = int(manifest["database"].get("objects") or 0)

            def loaded(count: int) -> None:
                message = _("Đã nạp %(done)s/%(total)s bản ghi…") % {
                    "done": count,
                    "total": expected,
                }
                progress(len(files), total, message)

            _load_lines(_open_member(archive, dump_name), loaded=loaded)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                dump_path = Path(tmp) / dump_name
                with dump_path.open("wb") as dump_out:
                    shutil.copyfileobj(_open_member(archive, dump_name), dump_out, storage.CHUNK)
                with transaction.atomic():
                    call_command("loaddata", str(dump_path), verbosity=0)
        for done, sha in enumerate(files, start=len(files) + 2):
            written, _size = storage.write_blob(
                _open_member(archive, f"files/{sha[:2]}/{sha[2:4]}/{sha}")
            )
            if written != sha:  # pragma: no cover - checked above
                raise RestoreError(_("Ghi tệp %(sha)s thất bại.") % {"sha": sha})
            progress(min(done, total), total, _("Đang chép tệp vào kho…"))
    return {"objects": manifest["database"]["objects"], "files": len(files)}


def _insert_batch(batch: list[DeserializedObject], *, replace: bool) -> None:
    """Insert rows of one model as they were saved: every column's value as read, none
    made afresh (an `auto_now` timestamp keeps the backup's), no `save()` and no signals,
    as `loaddata`'s raw saves (every receiver of cchc skips raw rows).

    `replace`: the model already has rows in the fresh instance (a data migration's
    defaults, `IGNORED_WHEN_EMPTY`), which the backup's rows of the same keys replace:
    those few rows are saved one by one, as `loaddata` saves them (update, else insert)."""
    if replace:
        for item in batch:
            item.save()
        return
    model = type(batch[0].object)
    fields = model._meta.concrete_fields
    columns = [field.attname for field in fields]
    insert_rows(
        model,
        columns,
        [tuple(getattr(item.object, name) for name in columns) for item in batch],
    )
    for item in batch:
        if item.m2m_data:  # a user's groups and permissions
            for accessor, values in item.m2m_data.items():
                getattr(item.object, accessor).set(values)


def _load_lines(stream: IO[bytes], *, loaded: Callable[[int], None] = lambda count: None) -> int:
    """Load a JSON Lines dump from `stream` in one transaction, a line at a time.

    The dump lists each model's rows together, so rows are inserted a batch of one
    model at a time. Foreign keys are checked once at the end (PostgreSQL defers them to
    the commit, SQLite checks them when asked), as `loaddata` does, since a row may point
    at one that comes later. Returns the number of rows."""
    lines = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")
    count = 0
    models: set[type[Any]] = set()
    deferred: list[DeserializedObject] = []
    batch: list[DeserializedObject] = []
    filled = {model for model in apps.get_models() if model._default_manager.exists()}
    with transaction.atomic(), collector_paused():
        with connection.constraint_checks_disabled():
            try:
                objects = serializers.deserialize(
                    serializer.FORMAT_NAME, lines, handle_forward_references=True
                )
                for item in objects:
                    model = type(item.object)
                    full = len(batch) >= RESTORE_BATCH
                    if batch and (full or model is not type(batch[0].object)):
                        _insert_batch(batch, replace=type(batch[0].object) in filled)
                        batch = []
                    batch.append(item)
                    models.add(model)
                    if item.deferred_fields:
                        deferred.append(item)
                    count += 1
                    if count % 50_000 == 0:
                        loaded(count)
                if batch:
                    _insert_batch(batch, replace=type(batch[0].object) in filled)
                for item in deferred:
                    item.save_deferred_fields()
            except (DeserializationError, DatabaseError, ValueError, UnicodeDecodeError) as error:
                raise RestoreError(
                    _("Không nạp được dữ liệu của bản sao lưu (bản ghi thứ %(row)s): %(error)s")
                    % {"row": count + 1, "error": error}
                ) from None
        try:
            connection.check_constraints(table_names=[m._meta.db_table for m in models])
        except (DatabaseError, ValueError) as error:
            raise RestoreError(
                _("Dữ liệu của bản sao lưu không nhất quán: %(error)s") % {"error": error}
            ) from None
        statements = connection.ops.sequence_reset_sql(no_style(), list(models))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
    loaded(count)
    return count
