"""Template helpers for the dashboard tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    """A table value for the page: percents with one decimal, dates as dd/mm/yyyy."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return floatformat(value, 1)
    if isinstance(value, date):
        return date_filter(value, "d/m/Y")
    return str(value)


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def percent(value: Any) -> str:
    return f"{value:.0f}%" if is_number(value) else "—"


@register.filter
def labelled(table: Any, limit: int = 0) -> list[list[tuple[str, Any]]]:
    """Rows as (column title, value) pairs, so that each cell can carry its label;
    at most `limit` rows when a limit is given."""
    rows = table.rows[:limit] if limit else table.rows
    return [list(zip(table.columns, row, strict=False)) for row in rows]
