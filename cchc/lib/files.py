"""Writing a file that is either whole or not there.

`atomic_output(path)` gives a file beside `path` to write into; only when the block ends
without error is it flushed to disk and renamed over `path` with `os.replace`, which is
atomic. A crash or a kill mid-write leaves the previous file (or none) under the name,
and at worst a hidden `.<name>.*.part` beside it, which the next write to the same name
clears away.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# A `.part` file older than this belongs to a writer that died, not to one still writing.
STALE_AFTER_SECONDS = 3600


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable; not every platform can open a directory."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _clear_stale_parts(path: Path) -> None:
    cutoff = time.time() - STALE_AFTER_SECONDS
    for part in path.parent.glob(f".{path.name}.*.part"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < cutoff:
                part.unlink()


@contextlib.contextmanager
def atomic_output(path: Path | str, mode: int = 0o644) -> Iterator[IO[bytes]]:
    """Write `path` all at once: `with atomic_output(p) as out: out.write(…)`."""
    target = Path(path)
    _clear_stale_parts(target)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w+b") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    fsync_dir(target.parent)
