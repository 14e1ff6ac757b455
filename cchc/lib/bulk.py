"""Inserting tens of thousands of plain rows in one statement.

`Model.objects.bulk_create` builds a model instance per row and prepares every value
through the field, one batch per 999 parameters on SQLite: for the 60,000 rows of a big
plan import that Python work costs more than the database's own. Here the caller gives
the rows as tuples; SQLite takes them through `executemany` (its C loop), PostgreSQL as
one array per column, unnested server-side. Either way it is a single statement, seen by
Django's execute wrappers like any other query.

Only for rows that need nothing from the model: no `save()`, no signals, no ids back
(read them afterwards by a natural key if needed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,  # and the positive, small and big kinds
    models.BooleanField,
    models.ForeignKey,
)


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How one column's Python values become the driver's; None: as they are. Only the
    kinds checked here are passed through; anything else goes through the field."""
    if isinstance(field, models.ForeignKey):
        if isinstance(field.target_field, models.IntegerField):  # the auto ids too
            return None
    elif isinstance(field, models.DateTimeField):
        pass  # needs the time zone handling of get_db_prep_save
    elif isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    elif isinstance(field, _AS_IS):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> int:
    """Insert `rows`, each a tuple of values for `columns` (attribute names, `plan_id` for
    a foreign key). Every other column gets its field's default ("" for a text that may be
    blank, NULL for a nullable one), which must not be a callable (one value for all rows
    would be wrong for, say, a fresh UUID). Returns the number of rows."""
    if not rows:
        return 0
    meta = model._meta
    fields = {field.attname: field for field in meta.concrete_fields}
    given = [fields[name] for name in columns]
    if meta.pk.attname not in columns and not isinstance(
        meta.pk, models.AutoField | models.BigAutoField
    ):
        raise ValueError(f"{meta.label}: the primary key needs a value")
    missing = [
        field for name, field in fields.items() if name not in columns and field is not meta.pk
    ]
    for field in missing:
        if field.has_default() and callable(field.default):
            raise ValueError(f"{meta.label}.{field.name}: a callable default needs a value")
        if not (field.has_default() or field.null or (field.blank and field.empty_strings_allowed)):
            raise ValueError(f"{meta.label}.{field.name} needs a value")
    defaults = tuple(field.get_default() for field in missing)
    all_fields = given + missing
    adapters = [_adapter(field) for field in all_fields]
    if defaults:
        rows = [row + defaults for row in rows]
    adapted = [(index, adapt) for index, adapt in enumerate(adapters) if adapt is not None]
    if adapted:
        # Column by column: a few columns need adapting (a date), and the rows are many;
        # turning each row into a generator of every value cost more than the insert.
        by_column = [list(values) for values in zip(*rows, strict=True)]
        for index, adapt in adapted:
            by_column[index] = [None if v is None else adapt(v) for v in by_column[index]]
        rows = list(zip(*by_column, strict=True))
    # Table and column names come from the model, never from input.
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in all_fields)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = [list(values) for values in zip(*rows, strict=True)]
            casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in all_fields)
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({casts})"  # noqa: S608
            cursor.execute(sql, arrays)
        else:
            marks = ", ".join(["%s"] * len(all_fields))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)
    return len(rows)
