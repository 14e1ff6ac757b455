"""Who is acting, and through what, for changes that do not say so themselves.

Services take `actor` and `source` explicitly. Changes recorded by model signals (an
account edited in the admin, a token issued from the shell) cannot, so the request or the
command in progress is kept here: `AuditContextMiddleware` sets it for every request and
`audit_context` for a command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

from cchc.audit.types import Source


@dataclass(frozen=True)
class Acting:
    source: Source
    actor: Any = None
    request: HttpRequest | None = None

    def current_actor(self) -> Any:
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                return user
            return None
        return self.actor


_current: ContextVar[Acting | None] = ContextVar("cchc_audit_acting", default=None)


def current() -> Acting:
    return _current.get() or Acting(source="system")


@contextmanager
def audit_context(*, source: Source, actor: Any = None) -> Iterator[None]:
    token = _current.set(Acting(source=source, actor=actor))
    try:
        yield
    finally:
        _current.reset(token)


def _source_of(request: HttpRequest) -> Source:
    return "api" if request.path.startswith("/api/") else "web"


class AuditContextMiddleware:
    """Remember the request so that signal-recorded changes know their actor and source."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(Acting(source=_source_of(request), request=request))
        try:
            response: HttpResponse = self.get_response(request)
        finally:
            _current.reset(token)
        return response
