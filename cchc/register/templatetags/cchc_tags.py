"""Small template helpers for the pages: permissions, labels, dates."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from cchc.accounts import policy
from cchc.lib import calendar
from cchc.lib.text import fold as fold_text
from cchc.register.queries import Membership

register = template.Library()

CADENCES = {
    "monthly": _("Hằng tháng"),
    "quarterly": _("Hằng quý"),
    "semiannual": _("6 tháng một lần"),
    "annual": _("Hằng năm"),
}


@register.filter
def can(user: Any, action: str) -> bool:
    """`{% if user|can:"plan.import" %}`: may the user do this at all (the role part of
    the policy the views use)."""
    return policy.can(user, action)


@register.simple_tag(takes_context=True)
def may(context: template.Context, action: str, obj: Any = None) -> bool:
    """`{% may "report.edit" report as editable %}`: the policy's whole answer for the
    logged-in user and this object, state and dates included."""
    return policy.can(context.get("user"), action, obj)


@register.filter
def is_admin(user: Any) -> bool:
    return policy.can(user, "admin.site")


@register.filter
def role_label(user: Any) -> str:
    role = policy.role_of(user)
    return str(role.label) if role is not None else ""


@register.filter
def cadence(code: str) -> str:
    return str(CADENCES.get(code, code))


@register.filter
def member_count(membership: Membership, group_id: int) -> int:
    return membership.member_count(group_id)


@register.simple_tag
def demo_today() -> date | None:
    """`{% demo_today as day %}`: the date CCHC_TODAY fixes, None outside demo mode."""
    return calendar.demo_today()


@register.filter
def is_past(day: date | None) -> bool:
    return day is not None and day < calendar.today()


@register.inclusion_tag("register/_assignee.html")
def assignee(item: Any, membership: Membership | None = None) -> dict[str, Any]:
    """One lead or cooperating agency: a link to the agency, or a group badge."""
    count = None
    if item.group_id is not None:
        count = membership.member_count(item.group_id) if membership is not None else None
    return {"assignee": item, "member_count": count}


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (empty removes them)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in ("", None):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


COMPARATORS = {">=": "≥", "<=": "≤", "=": "="}


@register.filter(is_safe=True)
def clip(value: object, length: int) -> str:
    """`truncatechars` for long lists of plain (NFC) text: at most `length` characters,
    the last one "…" when cut. Django's `Truncator` weighs every character for combining
    marks, which was a tenth of a 50-row list's time; NFC Vietnamese has none."""
    text = str(value)
    size = int(length)
    return text if len(text) <= size else text[: size - 1] + "…"


@register.filter
def comparator_symbol(code: str) -> str:
    return COMPARATORS.get(code, code)


@register.filter
def is_list(value: object) -> bool:
    return isinstance(value, list | tuple)


@register.filter
def same_words(first: object, second: object) -> bool:
    """True when two texts read the same once case and diacritics are ignored."""
    return fold_text(str(first or "")) == fold_text(str(second or ""))


# The header's menu as built, per process: (role, agency, page, unread count, language,
# URL prefix and map) -> HTML. Those are all it reads (`policy.can` without an object asks
# the role only), so an entry is never stale; a few hundred of them cover a province.
_NAV: dict[tuple[Any, ...], SafeString] = {}
_NAV_LOCK = threading.Lock()
NAV_ENTRIES = 1024


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> SafeString:
    """`{% main_nav %}`: the header's menu (`_main_nav.html`), built once per process for
    each role, agency, page, unread count and language instead of on every request (some
    twenty URL reversals and a dozen policy questions). Not kept with DEBUG, whose
    templates change under a running server."""
    user = context.get("user")
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None else None
    unread = int(context.get("unread_notifications") or 0)
    key = (
        policy.role_of(user),
        getattr(user, "agency_id", None),
        current,
        unread,
        translation.get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    found = _NAV.get(key)
    if found is not None:
        return found
    # Our own template's output, escaped as it was rendered.
    html = mark_safe(
        render_to_string(
            "_main_nav.html",
            {"user": user, "current": current, "unread_notifications": unread},
        )
    )
    if not settings.DEBUG:
        with _NAV_LOCK:
            if len(_NAV) >= NAV_ENTRIES:
                _NAV.clear()
            _NAV[key] = html
    return html
