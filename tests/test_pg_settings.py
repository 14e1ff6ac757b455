"""PostgreSQL sessions price random reads as on SSD storage, unless told otherwise.

With PostgreSQL's default `random_page_cost` (4) the review queue of one province in a
national installation hashed every province's submitted reports: 1.8× the time of the
same province alone (docs/deploy.md). cchc's own sessions use 1.1 unless
`CCHC_PG_RANDOM_PAGE_COST` says otherwise (empty: the database's own setting).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parent.parent
SHOW = (
    "from django.db import connection as c; cur = c.cursor(); "
    "cur.execute('SHOW random_page_cost'); print(cur.fetchone()[0])"
)


def _show(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CCHC_PG_RANDOM_PAGE_COST"}
    if value is not None:
        env["CCHC_PG_RANDOM_PAGE_COST"] = value
    return subprocess.run(
        [sys.executable, "-m", "cchc", "shell", "--no-imports", "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cchcs_sessions_price_random_reads_as_on_ssd() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
    assert _show("2").stdout.split()[-1] == "2"


def test_an_empty_value_leaves_the_databases_own_setting() -> None:
    import psycopg

    params = {k: v for k, v in connection.get_connection_params().items() if k != "options"}
    with psycopg.connect(**params) as plain:
        own = plain.execute("SHOW random_page_cost").fetchone()[0]  # type: ignore[index]
    assert _show("").stdout.split()[-1] == own


@pytest.mark.parametrize("value", ["nhanh", "0", "-1"])
def test_a_value_that_is_not_a_positive_number_stops_the_start(value: str) -> None:
    done = _show(value)
    assert done.returncode != 0
    assert "CCHC_PG_RANDOM_PAGE_COST must be a positive number" in done.stderr
