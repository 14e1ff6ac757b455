"""Template context: `unread_notifications`, counted only if a template reads it.

Add "cchc.reminders.context.notifications" to TEMPLATES' context processors; then
`{% if unread_notifications %}<span class="badge">{{ unread_notifications }}</span>{% endif %}`
costs one query on pages that show it and none elsewhere.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest


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
    return {"unread_notifications": UnreadCount(user)}
