"""Template helpers for the survey results."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def index_value(value: Any) -> str:
    """An index with two decimals, as the national reports print them; "—" without data."""
    if value is None:
        return "—"
    # number_format cuts digits off; 2/3 is 66,67, not 66,66.
    return number_format(round(float(value), 2), 2)


@register.filter
def lookup(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def tally_valid(tallies: dict[str, Any], code: str) -> int:
    tally = tallies.get(code)
    return tally.valid if tally is not None else 0


@register.filter
def element_rows(results: Any) -> list[tuple[str, str]]:
    return list(zip(results.codes, results.titles, strict=True))


@register.filter
def element_values(figure: Any, codes: list[str]) -> list[float | None]:
    return [figure.elements.get(code) for code in codes]


@register.filter
def margin_percent(value: float) -> str:
    return number_format(value * 100, 0) + " %"


@register.filter
def feedback_code(code: str) -> str:
    from cchc.citizens.feedback import format_code

    return format_code(code)


@register.filter
def scrub_contacts(text: str) -> str:
    """Text for a public page, without telephone numbers or e-mail addresses in it."""
    from cchc.citizens.exports import scrub

    return scrub(text or "")
