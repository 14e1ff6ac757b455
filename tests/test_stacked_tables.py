"""On a phone a data table becomes one card per row (app.css, `table.data`); a cell
without `data-label` then shows a bare value nobody can name. Every body cell of the
citizens' tables carries the name of its column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from django.test import Client

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from tests.test_tenants import _feedback, _indicator


class Cells(HTMLParser):
    """The body cells of `table.data` tables: each one's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside a table.data
        self.in_body = False
        self.cells: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and "data" in (found.get("class") or "").split():
            self.depth += 1
        elif tag == "tbody" and self.depth:
            self.in_body = True
        elif tag == "td" and self.in_body:
            self.cells.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self.in_body = False
        elif tag == "table" and self.depth:
            self.depth -= 1


def unnamed_cells(html: str) -> list[dict[str, Any]]:
    parser = Cells()
    parser.feed(html)
    assert parser.cells, "no table.data body cells on the page"
    return [c for c in parser.cells if not c.get("data-label") and not c.get("colspan")]


def test_every_cell_of_the_citizens_tables_names_its_column(
    personas: dict[str, User], agencies: dict[str, Agency]
) -> None:
    from cchc.citizens.indicators import measurement_record

    indicator = _indicator("ty-le-truc-tuyen", agencies["a"])
    measurement_record(
        indicator=indicator,
        period="Quý I/2022",
        measured_on=date(2022, 3, 31),
        value=Decimal("33.5"),
        source="Báo cáo của Sở",
        actor=personas["coordinator"],
    )
    _feedback(agencies["province"], agencies["a"])
    client = Client()
    client.force_login(personas["coordinator"])
    for url in ("/chi-tieu/", f"/chi-tieu/{indicator.pk}/", "/phan-anh/xu-ly/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert unnamed_cells(response.content.decode()) == [], url
