"""API authentication: a bearer token (for other systems) or the browser session.

`session_or_token(action)` also checks the permission table while authenticating, that
is before ninja reads the request body: a user who may not import gets 403 for any
upload, not a 422 that describes the form a permitted user would have to send.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from cchc.accounts.models import ApiToken, User
from cchc.accounts.permissions import RULES, has_perm


def _permitted(user: Any, action: str | None) -> Any:
    if user and action is not None and not has_perm(user, action):
        raise HttpError(403, _("Bạn không có quyền thực hiện thao tác này."))
    return user


class TokenAuth(HttpBearer):
    openapi_description = "Khóa API: «Authorization: Bearer cchc_…»"

    def __init__(self, action: str | None = None) -> None:
        super().__init__()
        self.action = action

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return _permitted(user, self.action)


class PermittedSessionAuth(SessionAuth):
    def __init__(self, action: str | None = None) -> None:
        super().__init__()
        self.action = action

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _permitted(super().authenticate(request, key), self.action)


def session_or_token(action: str | None = None) -> list[Any]:
    """Token or session; with `action`, the user must also be allowed it (else 403)."""
    if action is not None and action not in RULES:
        raise KeyError(action)
    return [TokenAuth(action), PermittedSessionAuth(action)]
