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


@register.filter
def at(values: Any, index: int) -> Any:
    """values[index], or "" past its end: a cell's column title, for the phone's cards."""
    try:
        return values[index]
    except (IndexError, KeyError, TypeError):
        return ""
