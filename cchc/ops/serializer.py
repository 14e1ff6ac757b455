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
