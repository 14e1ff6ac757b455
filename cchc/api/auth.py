"""API authentication: a bearer token (for other systems) or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from cchc.accounts.models import ApiToken, User


class TokenAuth(HttpBearer):
    openapi_description = "Khóa API: «Authorization: Bearer cchc_…»"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


def session_or_token() -> list[Any]:
    return [TokenAuth(), django_auth]
