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

import json
from collections.abc import Iterable
from typing import Any

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
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
    # The connection itself, not the `connection` proxy: a proxy look-up per value was a
    # third of the time at the national size.
    db = connections[DEFAULT_DB_ALIAS]
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(db.ops.quote_name(f.column) for f in fields)
    table = db.ops.quote_name(model._meta.db_table)
    now = timezone.now()
    attnames = [f.attname for f in fields]
    automatic = [getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False) for f in fields]
    postgres = db.vendor == "postgresql"
    # PostgreSQL's COPY takes Python values as psycopg adapts them; JSON goes as its text.
    # SQLite gets what each field prepares, as bulk_create would give it.
    prepare = [
        (lambda v: None if v is None else json.dumps(v, ensure_ascii=False))
        if isinstance(f, models.JSONField)
        else None
        for f in fields
    ]

    def values(obj: models.Model) -> list[Any]:
        row = []
        for f, attname, auto, prep in zip(fields, attnames, automatic, prepare, strict=True):
            value = getattr(obj, attname)
            if value is None and auto:
                value = now
            if not postgres:
                value = f.get_db_prep_save(value, db)
            elif prep is not None:
                value = prep(value)
            row.append(value)
        return row

    count = 0
    with db.cursor() as cursor:
        if postgres:
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
