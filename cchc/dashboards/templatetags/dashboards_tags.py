"""Template helpers for the dashboard tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import template
from django.template import Context
from django.template.base import (
    render_value_in_context,
)
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString, mark_safe

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


TABLE_TEMPLATE = "dashboards/_table.html"
NUMBER = ' class="num"'


@dataclass
class TableMarkup:
    """A table's markup (`table_markup`), written before the page for the way the page
    writes it (`autoescape`, `use_l10n`, `limit`; the language is the page's, which the
    dashboard's key names): its rows one string each, by their values (`row_key`), so that
    a dashboard carried over a report change writes again only the rows that moved."""

    autoescape: bool
    use_l10n: bool | None
    limit: int
    titles: list[str]
    keys: list[str]
    rows: list[str]

    def text(self) -> SafeString:
        # Every value was escaped when written; the rest is fixed markup.
        return mark_safe(
            '<div class="table-wrap">\n<table class="data zebra compact dash-table">\n'
            "  <thead><tr>"
            + "".join(f'<th scope="col">{title}</th>' for title in self.titles)
            + "</tr></thead>\n  <tbody>\n    "
            + "".join(self.rows)
            + "\n  </tbody>\n</table>\n</div>\n"
        )


def row_key(row: list[Any]) -> str:
    """A row's values by type and text: rows of equal keys are written alike (1, 1.0 and
    True apart, as are 0.0 and -0.0, and a safe string and a plain one)."""
    return "\x1f".join(f"{type(value).__qualname__}:{value!r}" for value in row)


def table_markup(
    table: Any,
    limit: int = 0,
    *,
    autoescape: bool = True,
    use_l10n: bool | None = None,
    kept: TableMarkup | None = None,
) -> TableMarkup:
    """`TABLE_TEMPLATE`'s markup for `table`, character for character, in Python; the
    rows of `kept` (written before in the same way) whose values are the same are taken
    as they are.

    A chart's table has a cell per agency and area (the heatmap's, over a thousand for a
    province), and it is written again after every report sent or reviewed: through the
    template engine that took about half of that read. Each value goes through the
    engine's own filters and `render_value_in_context` (localized, escaped), and
    tests/test_dashboards.py checks the markup equals the template's.
    """
    flat = Context(autoescape=autoescape, use_l10n=use_l10n)
    # Column titles and values repeat (percents, counts, "—"): each is rendered once.
    memo: dict[tuple[type, object], tuple[str, bool]] = {}

    def value_cell(value: Any) -> tuple[str, bool]:
        # By type and text: 1, 1.0 and True are rendered apart, as are 0.0 and -0.0.
        key = (type(value), repr(value))
        found = memo.get(key)
        if found is None:
            found = memo[key] = (render_value_in_context(cell(value), flat), is_number(value))
        return found

    titles = [render_value_in_context(column, flat) for column in table.columns]
    before: dict[str, str] = {}
    if (
        kept is not None
        and kept.titles == titles
        and (kept.autoescape, kept.use_l10n) == (autoescape, use_l10n)
    ):
        before = dict(zip(kept.keys, kept.rows, strict=True))
    rows = table.rows[:limit] if limit else table.rows
    keys: list[str] = []
    written: list[str] = []
    for row in rows:
        key = row_key(row)
        keys.append(key)
        found = before.get(key)
        if found is None:
            out = ["<tr>"]
            for title, value in zip(titles, row, strict=False):
                text, number = value_cell(value)
                out.append(f'<td data-label="{title}"{NUMBER if number else ""}>{text}</td>')
            out.append("</tr>\n    ")
            found = "".join(out)
        written.append(found)
    return TableMarkup(autoescape, use_l10n, limit, titles, keys, written)


@register.simple_tag(takes_context=True)
def data_table(context: Any, table: Any, limit: int = 0) -> SafeString:
    """`TABLE_TEMPLATE` rendered for `table` (`table_markup`); the markup the table holds
    already (`table.markup`, written for the same context and limit) when it has it."""
    drawn = getattr(table, "markup", None)
    if (
        isinstance(drawn, TableMarkup)
        and drawn.limit == (limit or 0)
        and (drawn.autoescape, drawn.use_l10n) == (context.autoescape, context.use_l10n)
    ):
        return drawn.text()
    return table_markup(
        table, limit, autoescape=context.autoescape, use_l10n=context.use_l10n
    ).text()
