"""Content-addressed file storage: bytes kept once, under their SHA-256.

A file lives at `<root>/ab/cd/abcd…` where `abcd…` is the hex SHA-256 of its bytes, so
the same evidence attached twice is stored once, and a file's name proves its content.
A write goes to a temporary file beside the store, is flushed to disk, and only then
renamed into place with `os.replace`, which is atomic: a crash mid-write leaves at worst
an orphan in `.tmp/`, never a half-written file under a hash name.

Files are served only as downloads (`file_response`): never inline, never as HTML.

With an object store configured (`CCHC_S3_BUCKET`, settings.py), the same two areas,
evidence (`files/`) and job files (`jobs/`), live in an S3-compatible bucket under the
same `ab/cd/abcd…` keys, through django-storages, so that every app server and every
worker on any machine reads what another wrote. An object appears whole or not at all,
as the rename does on disk. Any other root (a test's, a restore's scratch) stays on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.http import FileResponse
from unidecode import unidecode

from cchc.files.models import StoredFile
from cchc.lib.files import fsync_dir

CHUNK = 256 * 1024
TMP_DIR = ".tmp"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Types a browser would render or run; such bytes are served as opaque downloads.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "text/css",
    }
)


def storage_root() -> Path:
    return Path(settings.MEDIA_ROOT)


# The object store's areas, as STORAGES names them (settings.py).
AREAS = {"files": "cchc_files", "jobs": "cchc_jobs"}


def _area(root: Path | None) -> str | None:
    """The object store's area for a root, or None to stay on disk."""
    if not getattr(settings, "CCHC_OBJECT_STORE", False):
        return None
    if root is None or Path(root) == storage_root():
        return "files"
    if Path(root) == Path(settings.CCHC_JOB_FILES_DIR):
        return "jobs"
    return None


def _objects(area: str) -> Storage:
    return storages[AREAS[area]]


def _key(sha256: str) -> str:
    if not SHA256_RE.match(sha256):
        raise ValueError(f"Not a SHA-256: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def blob_exists(sha256: str, root: Path | None = None) -> bool:
    area = _area(root)
    if area is not None:
        return bool(_objects(area).exists(_key(sha256)))
    return path_for(sha256, root).is_file()


def open_blob(sha256: str, root: Path | None = None) -> IO[bytes]:
    """The bytes under `sha256`, for reading in chunks (the object store streams them)."""
    area = _area(root)
    if area is not None:
        return _objects(area).open(_key(sha256), "rb")
    return path_for(sha256, root).open("rb")


def blob_size(sha256: str, root: Path | None = None) -> int:
    area = _area(root)
    if area is not None:
        return int(_objects(area).size(_key(sha256)))
    return path_for(sha256, root).stat().st_size


def delete_blob(sha256: str, root: Path | None = None) -> bool:
    """Remove the bytes under `sha256`; whether there were any."""
    area = _area(root)
    if area is not None:
        objects = _objects(area)
        if not objects.exists(_key(sha256)):
            return False
        objects.delete(_key(sha256))
        return True
    path = path_for(sha256, root)
    if not path.exists():
        return False
    path.unlink()
    return True


def local_copy(sha256: str, root: Path) -> Path:
    """A path on this machine with the bytes under `sha256`, for readers that need a file
    (an import, a restore). On disk it is the stored file itself; from the object store it
    is fetched once into the root's temporary folder, written atomically."""
    area = _area(root)
    if area is None:
        return path_for(sha256, root)
    cache = Path(root) / TMP_DIR / f"copy-{sha256}"
    if not cache.is_file():
        if not blob_exists(sha256, root):
            return path_for(sha256, root)  # a path that is not there, as on disk
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=cache.parent, prefix="fetch-")
        try:
            with os.fdopen(fd, "wb") as out, open_blob(sha256, root) as source:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
            os.replace(tmp_name, cache)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
    return cache


def path_for(sha256: str, root: Path | None = None) -> Path:
    if not SHA256_RE.match(sha256):
        raise ValueError(f"Not a SHA-256: {sha256!r}")
    return (root or storage_root()) / sha256[:2] / sha256[2:4] / sha256


def _chunks(data: bytes | IO[bytes] | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start : start + CHUNK])
        return
    read = getattr(data, "read", None)
    if read is not None:
        if hasattr(data, "seek"):
            data.seek(0)
        while chunk := read(CHUNK):
            yield chunk
        return
    yield from data


def write_blob(
    data: bytes | IO[bytes] | Iterable[bytes], root: Path | None = None
) -> tuple[str, int]:
    """Write bytes into the store atomically; return their SHA-256 and size."""
    area = _area(root)
    if area is not None:
        return _write_object(data, area)
    root = root or storage_root()
    tmp_dir = root / TMP_DIR
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(data):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha256 = digest.hexdigest()
        final = path_for(sha256, root)
        if final.exists():
            os.unlink(tmp_name)  # already stored: the same bytes, by construction
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, final)
            fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return sha256, size


def _write_object(data: bytes | IO[bytes] | Iterable[bytes], area: str) -> tuple[str, int]:
    """Hash the bytes while spooling them to a local temporary file (the key is their hash,
    known only at the end), then upload them once unless the store has them already."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryFile() as spool:
        for chunk in _chunks(data):
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        sha256 = digest.hexdigest()
        objects = _objects(area)
        if not objects.exists(_key(sha256)):
            spool.seek(0)
            saved = objects.save(_key(sha256), File(spool))
            if saved != _key(sha256):  # pragma: no cover - the store renamed it
                raise OSError(f"The object store saved {sha256} as {saved}")
    return sha256, size


@transaction.atomic
def store(data: bytes | IO[bytes] | Iterable[bytes], *, content_type: str) -> StoredFile:
    """Store bytes (deduplicated) and return their index row.

    `content_type` should come from `cchc.lib.uploads.check_upload`, which read the bytes.
    """
    sha256, size = write_blob(data)
    stored, _created = StoredFile.objects.get_or_create(
        sha256=sha256, defaults={"size": size, "content_type": content_type}
    )
    return stored


def open_stored(stored: StoredFile) -> IO[bytes]:
    return open_blob(stored.sha256)


def verify(sha256: str, root: Path | None = None) -> bool:
    """Whether the file under `sha256` exists and still has that hash."""
    if not blob_exists(sha256, root):
        return False
    digest = hashlib.sha256()
    with open_blob(sha256, root) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def iter_stored(root: Path | None = None) -> Iterator[tuple[str, int]]:
    """Every complete file in the store, as (sha256, size); temporaries are not files."""
    area = _area(root)
    if area is not None:
        objects = _objects(area)
        for first in sorted(objects.listdir("")[0]):
            for second in sorted(objects.listdir(first)[0]):
                for name in sorted(objects.listdir(f"{first}/{second}")[1]):
                    if SHA256_RE.match(name) and name[:2] == first and name[2:4] == second:
                        yield name, int(objects.size(_key(name)))
        return
    root = root or storage_root()
    if not root.is_dir():
        return
    for path in sorted(root.glob("??/??/*")):
        in_place = path.parent.parent.name == path.name[:2]
        if path.is_file() and SHA256_RE.match(path.name) and in_place:
            yield path.name, path.stat().st_size


def remove_stale_temporaries(root: Path | None = None) -> int:
    """Delete leftovers of interrupted writes; run when no write is in progress."""
    tmp_dir = (root or storage_root()) / TMP_DIR
    removed = 0
    if tmp_dir.is_dir():
        for path in tmp_dir.iterdir():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def safe_content_type(content_type: str) -> str:
    base = content_type.split(";", 1)[0].strip().lower()
    if not base or base in ACTIVE_TYPES or base.startswith("text/html"):
        return "application/octet-stream"
    return base


def attachment_header(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real one per RFC 5987."""
    name = "".join(ch for ch in filename if ch.isprintable()).replace("/", "_").replace("\\", "_")
    fallback = unidecode(name).replace('"', "'").replace("\\", "_") or "tep"
    return f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(name, safe='')}"


def file_response(stored: StoredFile, filename: str) -> FileResponse:
    """Serve a stored file as a download. Callers check that the user may see it first."""
    return blob_response(
        stored.sha256, filename=filename, content_type=stored.content_type, size=stored.size
    )


def blob_response(
    sha256: str, *, filename: str, content_type: str, size: int, root: Path | None = None
) -> FileResponse:
    """Serve the bytes under `sha256` (in `root`, the store by default) as a download."""
    response = FileResponse(open_blob(sha256, root), content_type=safe_content_type(content_type))
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = attachment_header(filename)
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser ignored the attachment, nothing in the file may run.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
