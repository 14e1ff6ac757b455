"""`log_action`: the one way a change of state is written to the audit trail."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from cchc.audit.models import AuditRecord
from cchc.audit.types import SOURCES, Source


def _plain(value: Any) -> Any:
    # Round-trip through JSON now so that the record in memory equals the one read back
    # (dates become ISO strings, decimals strings), whatever the database.
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return str(actor.get_username())[:200]


def log_action(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    source: Source,
) -> AuditRecord:
    """Record that `actor` did `action` to `obj` through `source`, with the state around it.

    Call it inside the transaction of the change, so that a change and its record are
    committed, or rolled back, together.
    """
    if source not in SOURCES:
        raise ValueError(f"Unknown audit source {source!r}")
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    object_type = object_id = object_label = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = "" if obj.pk is None else str(obj.pk)
        object_label = str(obj)[:300]
    return AuditRecord.objects.create(
        actor=user,
        actor_label=_actor_label(user),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        before=_plain(before),
        after=_plain(after),
        source=source,
    )


def log_here(
    *,
    action: str,
    obj: models.Model | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditRecord:
    """`log_action` for a service that is not told who acts: the request or command in
    progress says (see `cchc.audit.context`)."""
    from cchc.audit.context import current

    acting = current()
    return log_action(
        actor=acting.current_actor(),
        action=action,
        obj=obj,
        before=before,
        after=after,
        source=acting.source,
    )
