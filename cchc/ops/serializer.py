"""The backup's serialization format: Django's JSON, with timestamps kept to the microsecond.

Django's JSON encoder follows ECMA-262 and cuts every datetime and time to milliseconds,
so a restored instance would hold different timestamps from the one backed up: the
audit trail's order within a millisecond, and any version check that compares a saved
timestamp, would change. Reading needs nothing special: Django's JSON deserializer
parses six fractional digits, so `loaddata` reads this dump as plain "json", and a dump
written before this format (milliseconds) still restores.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.serializers.json import Deserializer, DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.utils.timezone import is_aware

__all__ = ["FORMAT_NAME", "Deserializer", "PreciseJSONEncoder", "Serializer"]

# Registered under this name in settings.SERIALIZATION_MODULES.
FORMAT_NAME = "cchc-json"


class PreciseJSONEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time) and not is_aware(o):
            return o.isoformat()
        return super().default(o)


class Serializer(JSONSerializer):
    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]  # not in the stubs
        self.json_kwargs["cls"] = PreciseJSONEncoder
        self._natural_keys: dict[tuple[Any, ...], Any] = {}

    def end_object(self, obj: Any) -> None:
        # The same text as Django's, written once per row: `json.dump` into the stream
        # writes every token separately, each through dumpdata's output wrapper, which
        # made the writes alone about half of a backup's time.
        indent = self.options.get("indent")
        separator = "" if self.first else ("," if indent else ", ")
        newline = "\n" if indent else ""
        text = json.dumps(self.get_dump_object(obj), **self.json_kwargs)
        self.stream.write(separator + newline + text)
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
