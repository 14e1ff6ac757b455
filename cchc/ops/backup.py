"""One-file backups: a consistent database dump, every stored file, and a manifest.

The archive (tar.gz) holds `manifest.json`, `db.json` and `files/ab/cd/<sha256>`. The
dump is Django's own serialization of every model (auth included), taken inside one
transaction so that it is a single snapshot, with foreign keys to content types and
permissions written by natural key, since those rows are made afresh by `migrate`.
A restore goes only into an empty, migrated database, and checks every checksum first.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _

from cchc.lib import storage

FORMAT = 1
# Made by `migrate` itself; a restore finds them already there.
REBUILT_BY_MIGRATE = ("contenttypes.contenttype", "auth.permission")
# Rows that may exist in a freshly migrated database without making it "not empty".
IGNORED_WHEN_EMPTY = {*REBUILT_BY_MIGRATE, "sessions.session"}


class RestoreError(Exception):
    """A backup that cannot be restored here; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    objects: int
    files: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _dump() -> bytes:
    out = io.StringIO()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # One snapshot for every table, even while others write.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            exclude=list(REBUILT_BY_MIGRATE),
            natural_foreign=True,
            indent=None,
            stdout=out,
        )
    return out.getvalue().encode()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def backup(path: Path) -> BackupSummary:
    """Write the archive to `path` (via a temporary file, so `path` is never half-written)."""
    dump = _dump()
    files = dict(storage.iter_stored())
    objects = len(json.loads(dump))
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "database": {"name": "db.json", "sha256": _sha256(dump), "objects": objects},
        "files": {sha: p.stat().st_size for sha, p in files.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".backup-", delete=False) as tmp:
        tmp_path = Path(tmp.name)
        with tarfile.open(fileobj=tmp, mode="w:gz") as archive:
            _add(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
            _add(archive, "db.json", dump)
            for sha, file_path in files.items():
                archive.add(file_path, arcname=f"files/{sha[:2]}/{sha[2:4]}/{sha}")
    tmp_path.replace(path)
    return BackupSummary(path, objects, len(files))


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
    member = archive.getmember(name)
    handle = archive.extractfile(member)
    if handle is None:
        raise RestoreError(_("Tệp sao lưu hỏng: thiếu «%(name)s».") % {"name": name})
    return handle.read()


def restore(path: Path) -> dict[str, Any]:
    """Bring a backup back into this (empty, migrated) instance; all or nothing."""
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
            dump = _read(archive, "db.json")
        except (KeyError, ValueError):
            raise RestoreError(_("Tệp sao lưu thiếu bản kê hoặc dữ liệu.")) from None
        if manifest.get("format") != FORMAT:
            raise RestoreError(_("Định dạng sao lưu không được hỗ trợ."))
        if _sha256(dump) != manifest["database"]["sha256"]:
            raise RestoreError(_("Dữ liệu trong tệp sao lưu không khớp mã kiểm tra."))
        blobs: dict[str, bytes] = {}
        for sha, size in manifest["files"].items():
            try:
                data = _read(archive, f"files/{sha[:2]}/{sha[2:4]}/{sha}")
            except KeyError:
                message = _("Thiếu tệp %(sha)s trong bản sao lưu.") % {"sha": sha}
                raise RestoreError(message) from None
            if _sha256(data) != sha or len(data) != size:
                raise RestoreError(
                    _("Tệp %(sha)s trong bản sao lưu không khớp mã kiểm tra.") % {"sha": sha}
                )
            blobs[sha] = data
    with tempfile.TemporaryDirectory() as tmp:
        dump_path = Path(tmp) / "db.json"
        dump_path.write_bytes(dump)
        with transaction.atomic():
            call_command("loaddata", str(dump_path), verbosity=0)
    for sha, data in blobs.items():
        written, _size = storage.write_blob(data)
        if written != sha:  # pragma: no cover - write_blob hashes what it writes
            raise RestoreError(_("Ghi tệp %(sha)s thất bại.") % {"sha": sha})
    return {"objects": manifest["database"]["objects"], "files": len(blobs)}
