from typing import Any

from django import template

from cchc.official.render import number_text

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    return number_text(value)


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def lookup_slot(history: dict[str, int], key: str) -> int:
    return history.get(key, 0) if history else 0
