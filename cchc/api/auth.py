"""API authentication: a bearer token (for other systems) or the browser session.

Every operation declares its action with `auth=api_auth("thing.verb")`: the policy
(`cchc.accounts.policy`) is asked while authenticating, that is before ninja reads the
request body, so a user who may not import gets 403 for any upload, not a 422 that
describes the form a permitted user would have to send. The operation then asks the
policy about the object (a getter). An operation that declares nothing is refused
(`UNDECLARED`), and tests/test_policy_coverage.py names it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from cchc.accounts import policy
from cchc.accounts.models import ApiToken, User

# The API's default: an operation that forgot to declare its action is refused to all.
UNDECLARED = "undeclared"


def _permitted(user: Any, action: str) -> Any:
    if user and (action == UNDECLARED or not policy.can(user, action)):
        raise HttpError(403, _("Bạn không có quyền thực hiện thao tác này."))
    return user


class TokenAuth(HttpBearer):
    openapi_description = "Khóa API: «Authorization: Bearer cchc_…»"

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action

    @property
    def policy_action(self) -> str:
        return self.action

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return _permitted(user, self.action)


class PermittedSessionAuth(SessionAuth):
    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action

    @property
    def policy_action(self) -> str:
        return self.action

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _permitted(super().authenticate(request, key), self.action)


def api_auth(action: str) -> list[Any]:
    """Token or session, and the policy must allow the user `action` (else 403).

    The API operations' counterpart of `policy.requires`; each authenticator carries
    `policy_action` for the coverage test."""
    if action != UNDECLARED:
        policy.POLICY[action]  # an unknown action is a programming error, found at import
    return [TokenAuth(action), PermittedSessionAuth(action)]


def session_or_token(action: str | None = None) -> list[Any]:
    """The API's default authentication (no action): refuses every operation that did not
    declare its action with `api_auth`."""
    return api_auth(action or UNDECLARED)
