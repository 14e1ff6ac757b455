"""Pausing Python's cyclic garbage collector while a big batch builds its objects.

An import of 10,000 activities makes a few hundred thousand small objects (cells, rows,
the document, the rows to insert) that all stay alive until it ends. Each time enough
have been made, the collector walks every object still alive looking for cycles, and it
finds none: about a seventh of the import's CPU time (`cchc bench`, docs/import-speed.md).
The same holds for a plan's figures (a few objects per assignment, alive until the
response is sent): at 11,598 assignments the collector was more than half of the CPU time
of the first dashboard read after a report change (280 → 130 ms, docs/dashboards.md).
Reference counting still frees everything that is not in a cycle, so memory grows only by
the cycles made meanwhile, which the next collection after the batch frees.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; leave it as it was found.

    The switch is the whole process's: a thread that runs meanwhile runs without it too,
    which costs memory for a while, never correctness.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
