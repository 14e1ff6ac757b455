"""The backup's serialization format: JSON Lines, one row per line, timestamps to the
microsecond.

- **One row per line**, so that a restore reads the dump a line at a time: Django's
  `json` format is a single array, which its deserializer parses whole (a national
  installation's two million rows needed gigabytes to restore). JSON escapes every line
  break inside a string, so a line is always one row.
- **Microseconds.** Django's JSON encoder follows ECMA-262 and cuts every datetime and
  time to milliseconds, so a restored instance would hold different timestamps from the
  one backed up: the audit trail's order within a millisecond, and any version check
  that compares a saved timestamp, would change. Django's deserializer parses the six
  fractional digits as they are.
- **Natural keys read once.** Rows point at users, content types and permissions by
  natural key (those rows are made afresh by `migrate`); each key is looked up once per
  dump and once per restore instead of once per row that points at it.

Backups written before this format (format 1, `db.json`) hold one JSON array; they still
restore, through Django's own `json` deserializer.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.serializers import base
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Deserializer as JSONLinesDeserializer
from django.core.serializers.jsonl import Serializer as JSONLinesSerializer
from django.utils.timezone import is_aware

__all__ = ["FORMAT_NAME", "Deserializer", "PreciseJSONEncoder", "Serializer"]

# Registered under this name in settings.SERIALIZATION_MODULES.
FORMAT_NAME = "cchc-jsonl"


class PreciseJSONEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time) and not is_aware(o):
            return o.isoformat()
        return super().default(o)


class Serializer(JSONLinesSerializer):
    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]  # not in the stubs
        self.json_kwargs["cls"] = PreciseJSONEncoder
        self._natural_keys: dict[tuple[Any, ...], Any] = {}

    def end_object(self, obj: Any) -> None:
        # The same text as Django's, written once per row: `json.dump` into the stream
        # writes every token separately, each through dumpdata's output wrapper, which
        # made the writes alone about half of a backup's time.
        text = json.dumps(self.get_dump_object(obj), **self.json_kwargs)
        self.stream.write(text + "\n")
        self._current = None

    def handle_fk_field(self, obj: Any, field: Any) -> None:
        # Django reads the related row again for every row that points at it, to write its
        # natural key: one query per audit entry or report for its user. The keys of the
        # few users, content types and permissions are remembered instead.
        model = field.remote_field.model
        if not (self.use_natural_foreign_keys and hasattr(model, "natural_key")):
            super().handle_fk_field(obj, field)
            return
        raw = getattr(obj, field.attname)
        value = None
        if raw is not None:
            key = (model, field.remote_field.field_name, raw)
            if key not in self._natural_keys:
                self._natural_keys[key] = getattr(obj, field.name).natural_key()
            value = self._natural_keys[key]
        current: dict[str, Any] = self._current  # type: ignore[assignment]  # set per object
        current[field.name] = value


class Deserializer(JSONLinesDeserializer):
    """Django's JSON Lines reader (lazy: a line at a time from a stream), with each
    natural foreign key looked up once per restore instead of once per row."""

    def __init__(self, stream_or_string: Any, **options: Any) -> None:
        super().__init__(stream_or_string, **options)
        self._natural_keys: dict[tuple[Any, ...], Any] = {}

    def _handle_fk_field_node(self, field: Any, field_value: Any) -> Any:
        if not isinstance(field_value, list):
            return super()._handle_fk_field_node(field, field_value)  # type: ignore[misc]
        key = (field.remote_field.model, field.remote_field.field_name, *field_value)
        if key in self._natural_keys:
            return self._natural_keys[key]
        value = super()._handle_fk_field_node(field, field_value)  # type: ignore[misc]
        # A row not loaded yet is deferred and looked up again at the end; only a key
        # that was found is remembered (a row's key does not change during a restore).
        if value is not base.DEFER_FIELD:
            self._natural_keys[key] = value
        return value
