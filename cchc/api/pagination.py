"""Limit/offset pagination with bounds the database can take.

ninja's own class leaves `offset` unbounded, and SQLite answers an offset past 2**63
with an error (a 500). Here both numbers have a ceiling, written into the schema, so a
client that asks for too much gets a 422 that says why.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 1000
MAX_OFFSET = 10**9


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
