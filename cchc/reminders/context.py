"""Template context: `unread_notifications`, counted only if a template reads it.

Add "cchc.reminders.context.notifications" to TEMPLATES' context processors; then
`{% if unread_notifications %}<span class="badge">{{ unread_notifications }}</span>{% endif %}`
costs one query on pages that show it and none elsewhere.

The session's user is loaded with the count already in it (`with_unread_count`, asked by
the login backend `cchc.accounts.throttle.ThrottledModelBackend`), so on a page read
(GET or HEAD, which changes no notification) the header costs no query at all. A
request that may change notifications (a POST that marks them read, say, then renders)
counts afresh when the template asks.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest

# The attribute `with_unread_count` puts on each user it reads.
COUNTED = "unread_notifications_at_load"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def with_unread_count(users: QuerySet[Any]) -> QuerySet[Any]:
    """`users` each with their unread notifications counted in the same query (`COUNTED`):
    a subquery on the (user, read_at) index. Written out rather than composed with the
    ORM's Subquery, whose compiling cost as much as the query it saves."""
    from cchc.reminders.models import Notification

    meta = Notification._meta
    user_column = meta.get_field("user").column
    read_column = meta.get_field("read_at").column
    table = users.model._meta.db_table
    pk_column = users.model._meta.pk.column
    quote = connection.ops.quote_name
    notifications = quote(meta.db_table)
    # Names from the models only, nothing from a request.
    sql = (
        f"SELECT COUNT(*) FROM {notifications} WHERE "  # noqa: S608
        f"{notifications}.{quote(user_column)} = {quote(table)}.{quote(pk_column)} "
        f"AND {notifications}.{quote(read_column)} IS NULL"
    )
    count = RawSQL(sql, (), output_field=IntegerField())  # noqa: S611
    return users.annotate(**{COUNTED: count})


class UnreadCount:
    """An int that is counted the first time it is used."""

    def __init__(self, user: Any) -> None:
        self._user = user

    @cached_property
    def value(self) -> int:
        from cchc.reminders.services import notifications_unread_count

        return notifications_unread_count(self._user)

    def __int__(self) -> int:
        return self.value

    def __bool__(self) -> bool:
        return self.value > 0

    def __str__(self) -> str:
        return str(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == other

    def __gt__(self, other: int) -> bool:
        return self.value > other

    def __lt__(self, other: int) -> bool:
        return self.value < other

    def __hash__(self) -> int:
        return hash(self.value)


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    counted = getattr(user, COUNTED, None)
    if counted is not None and request.method in SAFE_METHODS:
        return {"unread_notifications": counted}
    return {"unread_notifications": UnreadCount(user)}
