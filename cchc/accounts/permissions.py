"""Who may do what: one table, used by every page and every API endpoint.

Actions are named `<thing>.<verb>`. A view declares the action it performs with
`permission_required`; the API checks the same table through `has_perm`. Data that
belongs to one agency is further limited by `can_see_agency_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from cchc.accounts.models import Role, User

EVERYONE = frozenset(Role)
STAFF = frozenset({Role.COORDINATOR, Role.ADMIN})

RULES: dict[str, frozenset[Role]] = {
    "plan.view": EVERYONE,
    "plan.export": EVERYONE,
    "plan.import": STAFF,
    "plan.fix_dates": STAFF,
    "period.manage": STAFF,
    "agency.view": EVERYONE,
    "notification.view": EVERYONE,
    "feed.view": frozenset({Role.OFFICER, Role.HEAD, Role.COORDINATOR, Role.ADMIN}),
    "feed.regenerate": frozenset({Role.OFFICER, Role.HEAD, Role.ADMIN}),
    "dashboard.province": frozenset({Role.COORDINATOR, Role.LEADER, Role.APPRAISER, Role.ADMIN}),
    "dashboard.agency": EVERYONE,
    "status_table.export": EVERYONE,
    "report.worklist": EVERYONE,  # officer/head: own agency; others choose an agency
    "report.drafts": frozenset({Role.OFFICER, Role.HEAD}),
    "report.queue": frozenset({Role.COORDINATOR, Role.LEADER, Role.APPRAISER, Role.ADMIN}),
    "evidence.download": EVERYONE,  # and then only where can_view_report
    "report.view": EVERYONE,  # and then only the agency's own (can_see_agency_data)
    "report.edit": frozenset({Role.OFFICER, Role.HEAD}),
    "report.submit": frozenset({Role.OFFICER, Role.HEAD}),
    "report.review": STAFF,
    "progress.view": EVERYONE,
    # One's own jobs; a job page itself asks `cchc.jobs.access.job_visible_to`.
    "job.view": EVERYONE,
    "backup.run": frozenset({Role.ADMIN}),
}


def role_of(user: User | AnonymousUser) -> Role | None:
    if not user.is_authenticated or not user.is_active:
        return None
    assert isinstance(user, User)
    return Role(user.role)


def has_perm(user: User | AnonymousUser, action: str) -> bool:
    role = role_of(user)
    return role is not None and role in RULES[action]


def sees_every_agency(user: User | AnonymousUser) -> bool:
    return role_of(user) in {Role.COORDINATOR, Role.LEADER, Role.APPRAISER, Role.ADMIN}


def can_see_agency_data(user: User | AnonymousUser, agency_id: int) -> bool:
    """Internal data of an agency (drafts, evidence) is its own, plus the province's."""
    if sees_every_agency(user):
        return True
    return role_of(user) is not None and getattr(user, "agency_id", None) == agency_id


View = TypeVar("View", bound=Callable[..., HttpResponse])


def permission_required(action: str) -> Callable[[View], View]:
    """Log in first, then 403 unless the user's role may perform `action`."""
    if action not in RULES:
        raise KeyError(action)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_perm(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
