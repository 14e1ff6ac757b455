"""Charts as SVG drawn on the server: horizontal bars, a heatmap and a line.

No chart library and no JavaScript: the page works offline, prints, and a screen reader
reads each chart's title, description and text labels. The geometry is computed here;
the markup lives in templates under `dashboards/charts/`, so every label is escaped by
the template engine. Every chart on a page also has its numbers in a table beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.template import Context
from django.template.base import render_value_in_context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# A single-hue blue scale reads for colour-blind users and in greyscale print.
# (upper bound exclusive, fill, text colour); the last bucket includes 100.
SCALE: list[tuple[float, str, str]] = [
    (20, "#e3ecf7", "#1d2430"),
    (40, "#b9d0ec", "#1d2430"),
    (60, "#7faadb", "#1d2430"),
    (80, "#3f7cc0", "#ffffff"),
    (101, "#123d6a", "#ffffff"),
]
NO_DATA = ("#f1f2f4", "#5b6575")
BAR_FILL = "#2a6fb5"
LABEL_CHARS = 36
# A bar's label has the chart's whole width: about 50 characters at 13 px.
WIDE_LABEL_CHARS = 50


def colour(percent: float | None) -> tuple[str, str]:
    """Fill and text colour of a heatmap cell."""
    if percent is None:
        return NO_DATA
    for upper, fill, text in SCALE:
        if percent < upper:
            return fill, text
    return SCALE[-1][1], SCALE[-1][2]


def legend() -> list[dict[str, str]]:
    """The colour scale as label/fill pairs, for the SVG legend and the HTML one."""
    items = [{"label": _("chưa có số liệu"), "fill": NO_DATA[0]}]
    lower = 0
    for upper, fill, _text in SCALE:
        top = min(upper, 100)
        items.append({"label": f"{lower}–{top:.0f}%", "fill": fill})
        lower = int(upper)
    return items


def _render(template: str, context: dict[str, object]) -> SafeString:
    # The template engine escaped every value; the result is markup.
    return mark_safe(render_to_string(template, context))


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


@dataclass
class Bar:
    label: str
    value: float | None
    note: str = ""  # shown after the value, e.g. "12 hoạt động"
    href: str = ""


@dataclass
class Cell:
    value: float | None
    title: str = ""


@dataclass
class HeatRow:
    label: str
    cells: list[Cell] = field(default_factory=list)
    href: str = ""


def bar_chart(*, chart_id: str, title: str, desc: str, bars: list[Bar]) -> SafeString:
    """Horizontal bars on a 0–100 % scale, one per row, each labelled with its value.

    Each label sits on its own line above its bar, so that the chart is narrow enough to
    be read whole on a phone (390 px) at a legible size, without sideways scrolling.
    """
    bar_x, bar_width, value_width = 4, 212, 144
    label_height, bar_height, gap = 18, 18, 12
    row_height = label_height + bar_height + gap
    width = bar_x + bar_width + value_width
    rows = []
    for index, bar in enumerate(bars):
        y = 8 + index * row_height
        value = max(0.0, min(100.0, bar.value or 0.0))
        length = bar_width * value / 100
        bar_y = y + label_height + 2
        rows.append(
            {
                "label": _short(bar.label, WIDE_LABEL_CHARS),
                "full": bar.label,
                "href": bar.href,
                "y": y,
                "label_y": y + label_height - 4,
                "bar_y": bar_y,
                "bar_h": bar_height,
                "bar_end": bar_y + bar_height,
                "length": f"{length:.1f}",
                "value_x": bar_x + bar_width + 6,  # beside the track, clear of the grid
                "text_y": bar_y + bar_height - 4,
                "value": _percent_text(bar.value),
                "note": bar.note,
            }
        )
    height = 8 + len(bars) * row_height + 20
    ticks = [{"x": bar_x + bar_width * t / 100, "label": f"{t}%"} for t in (0, 25, 50, 75, 100)]
    return _bars_markup(
        {
            "id": chart_id,
            "title": title,
            "desc": desc,
            # Links inside an image would be hidden from assistive technology.
            "role": "group" if any(bar.href for bar in bars) else "img",
            "width": width,
            "height": height,
            "rows": rows,
            "ticks": ticks,
            "bar_x": bar_x,
            "bar_width": bar_width,
            "axis_y": height - 4,
            "fill": BAR_FILL,
        },
    )


BARS_TEMPLATE = "dashboards/charts/bars.svg"


def _svg_values() -> Callable[[object], str]:
    """A value as the chart templates write it (`render_value_in_context`: escaped, not
    localized); each distinct value rendered once, since coordinates, titles and percents
    repeat by row and column."""
    context = Context(autoescape=True, use_l10n=False)
    memo: dict[tuple[type, object], str] = {}

    def v(value: object) -> str:
        key = (type(value), value)
        found = memo.get(key)
        if found is None:
            found = memo[key] = render_value_in_context(value, context)
        return found

    return v


def _svg_opening(v: Callable[[Any], str], c: dict[str, Any], kind: str) -> str:
    """The `<svg>` element's opening, title and description, as both chart templates
    write them; `kind` is the chart's own class."""
    cid = v(c["id"])
    return (
        f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {v(c["width"])} {v(c["height"])}" width="{v(c["width"])}" '
        f'height="{v(c["height"])}" role="{v(c["role"])}" '
        f'aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="xMinYMin meet">\n'
        f'  <title id="{cid}-title">{v(c["title"])}</title>\n'
        f'  <desc id="{cid}-desc">{v(c["desc"])}</desc>\n  '
    )


def _bars_markup(c: dict[str, Any]) -> SafeString:
    """`BARS_TEMPLATE` rendered with `c`, character for character, in Python.

    The areas' and the groups' charts are drawn again after every report sent or
    reviewed; through the template engine that was about a tenth of that read. Each value
    goes through the engine's own `render_value_in_context` (not localized, escaped), and
    tests/test_dashboards.py checks the markup equals the template's.
    """
    v = _svg_values()

    out = [_svg_opening(v, c, "chart-bars")]
    ticks = c["ticks"]
    axis_y = v(c["axis_y"])
    for index, tick in enumerate(ticks):
        anchor = "start" if index == 0 else "end" if index == len(ticks) - 1 else "middle"
        out.append(
            f'<text x="{v(tick["x"])}" y="{axis_y}" text-anchor="{anchor}" font-size="11" '
            f'fill="#5b6575">{v(tick["label"])}</text>\n  '
        )
    out.append("\n  ")
    bar_x, bar_width, fill = v(c["bar_x"]), v(c["bar_width"]), v(c["fill"])
    for row in c["rows"]:
        value, note, href = v(row["value"]), v(row["note"]), row["href"]
        bar_y, bar_h = v(row["bar_y"]), v(row["bar_h"])
        out.append(f"<g>\n    <title>{v(row['full'])}: {value}")
        if row["note"]:
            out.append(f" ({note})")
        out.append("</title>\n    ")
        if href:
            out.append(f'<a href="{v(href)}">')
        out.append(
            f'<text x="{bar_x}" y="{v(row["label_y"])}" font-size="13" '
            f'fill="{"#0d5aa7" if href else "#1d2430"}">{v(row["label"])}</text>'
        )
        if href:
            out.append("</a>")
        out.append(
            f'\n    <rect x="{bar_x}" y="{bar_y}" width="{bar_width}" height="{bar_h}" '
            f'fill="#eef1f5"/>\n    '
        )
        bar_end = v(row["bar_end"])
        for tick in ticks:
            x = v(tick["x"])
            out.append(
                f'<line x1="{x}" x2="{x}" y1="{bar_y}" y2="{bar_end}" stroke="#c5cbd4" '
                f'stroke-width="1"/>'
            )
        out.append(
            f'\n    <rect x="{bar_x}" y="{bar_y}" width="{v(row["length"])}" '
            f'height="{bar_h}" fill="{fill}"/>\n    '
            f'<text x="{v(row["value_x"])}" y="{v(row["text_y"])}" font-size="13" '
            f'font-weight="600" fill="#1d2430">{value}'
        )
        if row["note"]:
            out.append(f'<tspan font-weight="400" fill="#5b6575"> · {note}</tspan>')
        out.append("</text>\n  </g>\n  ")
    out.append("\n</svg>\n")
    # Every value was escaped above; the rest is fixed markup.
    return mark_safe("".join(out))


def heatmap(
    *,
    chart_id: str,
    title: str,
    desc: str,
    columns: list[str],
    column_titles: list[str],
    rows: list[HeatRow],
) -> SafeString:
    """Rows × columns of coloured cells, each printed with its percent, and a legend."""
    return heatmap_drawing(
        chart_id=chart_id,
        title=title,
        desc=desc,
        columns=columns,
        column_titles=column_titles,
        rows=rows,
    ).svg()


@dataclass
class HeatDrawing:
    """A heatmap's markup in parts: what comes before the rows, each row's, and what
    comes after them. A row's markup depends only on its place, its label, link and
    cells, so a page drawn again after a report change keeps the rows that did not move
    (`heatmap_drawing(kept=…)`) and draws only the others."""

    head: str
    rows: list[str]
    tail: str

    def svg(self) -> SafeString:
        # Every part was escaped when drawn; the rest is fixed markup.
        return mark_safe(self.head + "".join(self.rows) + self.tail)


def heatmap_drawing(
    *,
    chart_id: str,
    title: str,
    desc: str,
    columns: list[str],
    column_titles: list[str],
    rows: list[HeatRow],
    kept: list[str | None] | None = None,
) -> HeatDrawing:
    """`heatmap`'s markup in parts; `kept[r]`, when given and not None, is row `r`'s
    markup drawn before for the same place, label, link and cells, used as it is."""
    label_width, cell_w, cell_h, top = 300, 58, 26, 34
    width = max(label_width + cell_w * len(columns) + 10, 560)
    grid_bottom = top + cell_h * len(rows)
    head = [
        {"x": label_width + cell_w * i + cell_w / 2, "label": code, "title": column_titles[i]}
        for i, code in enumerate(columns)
    ]
    body: list[dict[str, Any] | str] = []
    for r, row in enumerate(rows):
        if kept is not None and kept[r] is not None:
            body.append(cast(str, kept[r]))
            continue
        y = top + r * cell_h
        cells = []
        for c, cell in enumerate(row.cells):
            fill, text = colour(cell.value)
            x = label_width + c * cell_w
            cells.append(
                {
                    "x": x + 1,
                    "y": y + 1,
                    "w": cell_w - 2,
                    "h": cell_h - 2,
                    "fill": fill,
                    "text": text,
                    "tx": x + cell_w / 2,
                    "ty": y + cell_h / 2 + 4,
                    "value": _percent_text(cell.value),
                    "title": cell.title,
                }
            )
        body.append(
            {
                "label": _short(row.label, 40),
                "full": row.label,
                "href": row.href,
                "ty": y + cell_h / 2 + 4,
                "cells": cells,
            }
        )
    keys = []
    x = 0
    legend_y = grid_bottom + 18
    for item in legend():
        keys.append({**item, "x": x, "tx": x + 18})
        x += 20 + 8 * len(item["label"]) + 14
    height = legend_y + 34
    return _heatmap_markup(
        {
            "id": chart_id,
            "title": title,
            "desc": desc,
            "width": max(width, x),
            "height": height,
            "head": head,
            "rows": body,
            "role": "group" if any(row.href for row in rows) else "img",
            "label_x": label_width - 8,
            "legend_y": legend_y,
            "legend_ty": legend_y + 11,
            "legend": keys,
        },
    )


HEATMAP_TEMPLATE = "dashboards/charts/heatmap.svg"


def _heatmap_markup(c: dict[str, Any]) -> HeatDrawing:
    """`HEATMAP_TEMPLATE` rendered with `c`, character for character, in Python; a row
    given as a string is markup drawn before (`heatmap_drawing(kept=…)`).

    A plan's heatmap has a cell per agency and area (over a thousand for a province), and
    it is drawn again after every report sent or reviewed: through the template engine
    that took about a third of a second, here it takes a few milliseconds. Each value goes
    through the engine's own `render_value_in_context` (not localized, escaped), and
    tests/test_dashboards.py checks the markup equals the template's.
    """
    v = _svg_values()

    out = [_svg_opening(v, c, "chart-heatmap")]
    for column in c["head"]:
        out.append(
            f'<text x="{v(column["x"])}" y="22" text-anchor="middle" font-size="13" '
            f'font-weight="700" fill="#123d6a"><title>{v(column["title"])}</title>'
            f"{v(column['label'])}</text>\n  "
        )
    out.append("\n  ")
    head = "".join(out)
    label_x = v(c["label_x"])
    rows: list[str] = []
    for row in c["rows"]:
        if isinstance(row, str):
            rows.append(row)
            continue
        full = v(row["full"])
        out = ["<g>\n    "]
        if row["href"]:
            out.append(f'<a href="{v(row["href"])}">')
        fill = "#0d5aa7" if row["href"] else "#1d2430"
        out.append(
            f'<text x="{label_x}" y="{v(row["ty"])}" text-anchor="end" font-size="12.5" '
            f'fill="{fill}"><title>{full}</title>{v(row["label"])}</text>'
        )
        if row["href"]:
            out.append("</a>")
        out.append("\n    ")
        for cell in row["cells"]:
            value = v(cell["value"])
            out.append(
                f"<g><title>{full} – {v(cell['title'])}: {value}</title>"
                f'<rect x="{v(cell["x"])}" y="{v(cell["y"])}" width="{v(cell["w"])}" '
                f'height="{v(cell["h"])}" rx="2" fill="{v(cell["fill"])}"/>'
                f'<text x="{v(cell["tx"])}" y="{v(cell["ty"])}" text-anchor="middle" '
                f'font-size="11.5" fill="{v(cell["text"])}">{value}</text></g>'
            )
        out.append("\n  </g>\n  ")
        rows.append("".join(out))
    out = ['\n  <g class="legend">\n    ']
    legend_y, legend_ty = v(c["legend_y"]), v(c["legend_ty"])
    for key in c["legend"]:
        out.append(
            f'<rect x="{v(key["x"])}" y="{legend_y}" width="14" height="14" rx="2" '
            f'fill="{v(key["fill"])}" stroke="#c5cbd4"/><text x="{v(key["tx"])}" '
            f'y="{legend_ty}" font-size="12" fill="#374151">{v(key["label"])}</text>\n    '
        )
    out.append("\n  </g>\n</svg>\n")
    return HeatDrawing(head, rows, "".join(out))


def line_chart(
    *, chart_id: str, title: str, desc: str, points: list[tuple[str, float | None]]
) -> SafeString:
    """A 0–100 % line over labelled steps (months); missing values break nothing."""
    left, right, top, plot_h = 48, 20, 16, 220
    step = 62
    width = left + right + step * max(len(points) - 1, 1) + 20
    height = top + plot_h + 44
    marks = []
    path: list[str] = []
    for index, (label, value) in enumerate(points):
        x = left + 10 + step * index
        y = top + plot_h * (1 - (value or 0) / 100)
        marks.append(
            {
                "x": x,
                "y": f"{y:.1f}",
                "label": label,
                "value": _percent_text(value),
                "value_y": f"{y - 8:.1f}",
                "has_value": value is not None,
            }
        )
        if value is not None:
            path.append(f"{'M' if not path else 'L'}{x},{y:.1f}")
    grid = [
        {
            "y": top + plot_h * (1 - t / 100),
            "ty": top + plot_h * (1 - t / 100) + 4,
            "label": f"{t}%",
        }
        for t in (0, 25, 50, 75, 100)
    ]
    return _render(
        "dashboards/charts/line.svg",
        {
            "id": chart_id,
            "title": title,
            "desc": desc,
            "width": width,
            "height": height,
            "left": left,
            "right_x": width - right,
            "grid": grid,
            "marks": marks,
            "path": " ".join(path),
            "axis_label_y": top + plot_h + 20,
        },
    )
