"""Fast bulk writing for the bench's data: millions of reports and their history.

`bulk_create` builds one INSERT per batch and reads the new ids back; at the national
size (3 million reports, 15 million history rows) that alone takes longer than every
measurement. The bench runs in a database of its own (`cchc.ops.bench_db`) that nobody
else writes, so it hands out the ids itself and streams the rows: PostgreSQL's COPY,
SQLite's executemany. Values are prepared by each field as `bulk_create` would, so
defaults, JSON and time zones come out the same; `auto_now(_add)` fields keep a value
set on the instance (the history is dated as it happened) and get "now" otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone


class Ids:
    """The next free primary key of each model: the bench's database is its own."""

    def __init__(self) -> None:
        self._next: dict[type[models.Model], int] = {}

    def take(self, model: type[models.Model], count: int) -> range:
        start = self._next.get(model)
        if start is None:
            start = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self._next[model] = start + count
        return range(start, start + count)


def write(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """Write `objects` (their pk set) in one stream; returns the row count."""
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    now = timezone.now()

    def values(obj: models.Model) -> list[Any]:
        row = []
        for f in fields:
            value = getattr(obj, f.attname)
            automatic = getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
            if value is None and automatic:
                value = now
            row.append(f.get_db_prep_save(value, connection))
        return row

    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({columns}) FROM STDIN"  # names from the model
            with cursor.cursor.copy(sql) as copy:
                for obj in objects:
                    copy.write_row(values(obj))
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
            batch: list[list[Any]] = []
            for obj in objects:
                batch.append(values(obj))
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def reset_sequences(*model_list: type[models.Model]) -> None:
    """After writing ids by hand, the next `save()` must get a free one (PostgreSQL; SQLite's
    AUTOINCREMENT follows the largest id by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
