"""Every page and every API operation asks the policy; no role is named outside it.

These tests fail when someone adds a URL without `policy.requires(...)`, an API operation
without `auth=api_auth(...)`, or a check on a role somewhere else than
cchc/accounts/policy.py. The few URLs that may not ask (Django's login, the API's own
documentation) are listed with their reason in `policy.UNGUARDED_ROUTES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from cchc.accounts import policy
from cchc.api.auth import UNDECLARED
from cchc.api.views import api

ROOT = Path(__file__).resolve().parent.parent / "cchc"


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _is_api_operation(callback: Any) -> bool:
    return getattr(callback, "__module__", "") == "ninja.operation"


def _unguarded(route: str) -> str | None:
    for key in policy.UNGUARDED_ROUTES:
        if route == key or (key.endswith("/") and key != "api/" and route.startswith(key)):
            return key
    return None


def _page_routes() -> list[tuple[str, Any]]:
    return [(r, c) for r, c in _walk(get_resolver().url_patterns) if not _is_api_operation(c)]


def test_every_page_asks_the_policy_or_says_why_not() -> None:
    unmarked = []
    for route, callback in _page_routes():
        action = getattr(callback, "policy_action", None)
        if action is None:
            if _unguarded(route) is None:
                unmarked.append(route)
        elif action not in policy.ACTIONS:
            unmarked.append(f"{route} (undeclared action {action!r})")
    assert not unmarked, (
        "These URLs do not ask the access policy: decorate the view with "
        '@requires("thing.verb") from cchc.accounts.policy, or (for a page that must be '
        "open) add the route to policy.UNGUARDED_ROUTES with the reason:\n  "
        + "\n  ".join(sorted(unmarked))
    )


def test_the_list_of_unguarded_routes_names_only_routes_that_exist() -> None:
    used = {_unguarded(route) for route, _callback in _page_routes()}
    assert set(policy.UNGUARDED_ROUTES) <= used, set(policy.UNGUARDED_ROUTES) - used
    assert all(reason.strip() for reason in policy.UNGUARDED_ROUTES.values())


def _operations() -> Iterator[tuple[str, Any]]:
    api.urls  # noqa: B018  (binds the routers, as Django's URL map does)
    for router in api._get_bound_routers():
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield f"{method} {router.prefix}{path}", operation


def test_every_api_operation_declares_its_action() -> None:
    undeclared = []
    operations = list(_operations())
    # The discovery itself works: as many operations as the API describes.
    described = sum(len(item) for item in api.get_openapi_schema()["paths"].values())
    assert len(operations) == described > 0
    for name, operation in operations:
        actions = {getattr(cb, "policy_action", None) for cb in operation.auth_callbacks}
        if not operation.auth_callbacks or len(actions) != 1:
            undeclared.append(f"{name}: {actions or 'no authentication'}")
            continue
        (action,) = actions
        if action == UNDECLARED or action not in policy.ACTIONS:
            undeclared.append(f"{name}: {action!r}")
    assert not undeclared, (
        "These API operations do not declare their action: give each "
        'auth=api_auth("thing.verb") from cchc.api.auth:\n  ' + "\n  ".join(undeclared)
    )


# Checks on a user's role: a member of the users' `Role` (an assignment's roles are LEAD
# and COOPERATING), `role_of` imported to compare (`policy.role_of` only shows the role),
# a filter on `role__in`, `user.role`.
ROLE_CHECK = re.compile(
    r"\bRole\.(OFFICER|HEAD|COORDINATOR|APPRAISER|LEADER|ADMIN)\b"
    r"|(?<![.\w])role_of\(|\brole__in\b|\buser\.role\b"
)
TEMPLATE_ROLE = re.compile(r"\buser\.role\b|\brole_of\b")
# Modules that name roles to *make* users (demo accounts, the load test), not to decide
# what a user may do; and where roles are defined. Reviewed list.
MAY_NAME_ROLES = {
    "accounts/policy.py": "the policy itself",
    "accounts/models.py": "defines Role and the database rule that agency roles have an agency",
    "accounts/services.py": "creates the demo accounts with their roles",
    "monitoring/demo.py": "creates demo users and picks one of each role to write reports",
    "plans/demo_agency_plans.py": "creates the demo phòng's officer and picks the agency's "
    "officer, head and the coordinator to act in the demo of agencies' plans",
    "ops/bench.py": "creates the load test's users",
    "ops/bench_par.py": "creates the PAR bench's leader, who reads the ranking page, and its "
    "coordinator, who publishes",
    "ops/bench_export.py": "creates the coordinator whose API list the export bench reads",
}


def test_no_module_but_the_policy_decides_by_role() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        # An app's own `policy.py` declares its actions and may name roles there.
        if "/migrations/" in relative or relative in MAY_NAME_ROLES or path.name == "policy.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if ROLE_CHECK.search(code):
                offenders.append(f"cchc/{relative}:{number}: {line.strip()}")
    for path in sorted(ROOT.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_ROLE.search(line):
                offenders.append(f"cchc/{path.relative_to(ROOT).as_posix()}:{number}")
    assert not offenders, (
        "Only cchc/accounts/policy.py decides by role; ask policy.can(user, action, obj) "
        "instead:\n  " + "\n  ".join(offenders)
    )
