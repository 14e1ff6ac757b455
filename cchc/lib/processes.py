"""Whether a process still runs, for the places that clean up after a dead one (a job's
worker, a PDF conversion's folder, a bench's database)."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True while process `pid` exists, ours or someone else's. A pid reused since is a
    rare false "yes", which only delays a clean-up."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True
