"""Pages of the API's long lists: bounded `limit`/`offset`, the body still a plain array.

A plan's assignments run to hundreds of thousands at national size; answering them whole
built every row in memory (2.8 GB for 609k). Every long list takes the same two query
parameters instead and answers one page, whose rows alone are read: the body stays the
JSON array it always was (so a client written before pages keeps working on lists that
fit one page), and the way on is in the headers, as GitHub's API does it:

- `X-Total-Count`: how many rows the whole list has;
- `Link: <…&offset=N>; rel="next"` while rows remain (and `rel="prev"` after the first
  page), absolute URLs with every other parameter kept.

A list endpoint narrows its queryset (by plan, agency, and any filter added later, such as
a province) and hands it to `page_of`; nothing else about paging lives in the views.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema

from cchc.api.pagination import MAX_LIMIT, MAX_OFFSET

T = TypeVar("T")

DEFAULT_LIMIT = MAX_LIMIT

# Merged into each paged operation's OpenAPI description by `CchcAPI` (see openapi.py).
PAGED = "x-cchc-paged"
OPENAPI_EXTRA: dict[str, Any] = {PAGED: True}
HEADERS: dict[str, Any] = {
    "X-Total-Count": {
        "description": "Tổng số dòng của cả danh sách (mọi trang).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Link": {
        "description": (
            'Trang sau (rel="next", khi còn dòng) và trang trước (rel="prev"), theo RFC 8288: '
            "URL đầy đủ, giữ nguyên các tham số lọc."
        ),
        "schema": {"type": "string"},
    },
}


class PageIn(Schema):
    """Which page: at most `MAX_LIMIT` rows from `offset` on."""

    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"Số dòng tối đa của trang (1–{MAX_LIMIT}).",
    )
    offset: int = Field(
        0, ge=0, le=MAX_OFFSET, description="Bỏ qua bấy nhiêu dòng đầu (0 là trang đầu)."
    )


def _url(request: HttpRequest, offset: int, limit: int) -> str:
    params = [
        (k, v) for k, values in request.GET.lists() if k not in ("offset", "limit") for v in values
    ]
    params += [("limit", str(limit)), ("offset", str(offset))]
    return request.build_absolute_uri(f"{request.path}?{urlencode(params)}")


def page_of(
    request: HttpRequest, response: HttpResponse, rows: QuerySet[Any, T], page: PageIn
) -> Sequence[T]:
    """The page's rows of `rows` (which must be ordered), with the headers set on
    `response`. Two queries whatever the size of the list: its count and the page."""
    assert rows.ordered, "a page of an unordered queryset is not a page"
    total = rows.count()
    found = list(rows[page.offset : page.offset + page.limit])
    link_headers(request, response, total=total, page=page)
    return found


def link_headers(request: HttpRequest, response: HttpResponse, *, total: int, page: PageIn) -> None:
    response["X-Total-Count"] = str(total)
    links = []
    if page.offset + page.limit < total:
        links.append(f'<{_url(request, page.offset + page.limit, page.limit)}>; rel="next"')
    if page.offset > 0:
        previous = max(0, min(page.offset, total) - page.limit)
        links.append(f'<{_url(request, previous, page.limit)}>; rel="prev"')
    if links:
        response["Link"] = ", ".join(links)
