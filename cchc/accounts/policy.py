"""The access policy: the one place that says who may do what to which object.

Every question "may this user do this action to this object?" is answered here, for the
pages, the API, the templates, the reminders and the exports. No other module names a
role: they ask `can()`, `require()`, one of the `get_*_for_user` getters, or one of the
scoping functions, and they mark their views with `requires()` (pages) or
`cchc.api.auth.api_auth()` (API operations, built on the same `ACTIONS`).

An action is declared once, in `ACTIONS`, as three parts:

* `roles`: which roles may do it at all (the table of the old `RULES`). `ANONYMOUS` in
  the set lets a visitor who is not logged in (a citizen on the public pages) do it.
* `rule`: whether the object is theirs: the agency's own data, a notification of one's
  own, or (later) membership of an appraisal team through a relation (`member_of`).
  A getter turns a refused `rule` on something the user may not even see into a 404.
* `when`: whether it is allowed *now*: the object's state (a sent report is no longer
  edited) or a window of dates (`within`). Services ask `can(..., when=False)` first, so
  that "not yours" (403) and "not now" (their own message) stay apart.

Rules are small predicates `(user, obj, context) -> bool` combined with `&`, `|` and `~`.
A new app adds its actions with `declare()` from its own module (see docs/security.md):
the PAR scoring issue adds an `AppraisalTeam` model and declares, for example::

    policy.declare(
        "score.appraise",
        roles={Role.APPRAISER, Role.COORDINATOR},
        rule=member_of(lambda score: AppraisalTeam.members_for(score.campaign, score.area)),
        when=within(lambda score: (score.campaign.opens_on, score.campaign.closes_on)),
    )

Decision on the agency hierarchy (a district seeing its communes): enabled for reading.
The officers and the head of a UBND cấp huyện may read the internal data (reports,
evidence, the agency dashboard and its downloads, the status annex of one agency) of the
UBND cấp xã whose `parent` is their district, because a district follows its communes'
administrative reform and many communes report through their district at first. They may
not change it (a commune's report is saved and sent by the commune's own people), nor
touch its calendar feed, whose address is a secret of the commune. Lists that show "my
agency's work" (the worklist, drafts) stay the user's own agency. Nothing changes for a
department (Sở) or for the province-wide roles.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from cchc.accounts import tenancy
from cchc.accounts.models import Role, User
from cchc.lib import calendar

if TYPE_CHECKING:
    from cchc.plans.models import Plan

Actor = User | AnonymousUser

# A visitor who is not logged in: the citizen on the public progress page.
ANONYMOUS = None

EVERYONE = frozenset(Role)  # every logged-in user
PUBLIC = frozenset({ANONYMOUS, *Role})  # logged in or not
AGENCY_STAFF = frozenset({Role.OFFICER, Role.HEAD})  # work for one agency
PROVINCE_WIDE = frozenset({Role.COORDINATOR, Role.LEADER, Role.APPRAISER, Role.ADMIN})
STAFF = frozenset({Role.COORDINATOR, Role.ADMIN})  # run the plan: import, periods, review


def role_of(user: Actor | None) -> Role | None:
    """The user's role; None for an anonymous visitor or a deactivated account."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    assert isinstance(user, User)
    return Role(user.role)


# ---------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Context:
    """What a rule may look at besides the user and the object."""

    today: date


Predicate = Callable[[Actor, Any, Context], bool]


@dataclass(frozen=True)
class Rule:
    """A named predicate on (user, object, context); combine with `&`, `|`, `~`."""

    test: Predicate
    name: str

    def __call__(self, user: Actor, obj: Any, context: Context) -> bool:
        return self.test(user, obj, context)

    def __and__(self, other: Rule) -> Rule:
        return Rule(lambda u, o, c: self(u, o, c) and other(u, o, c), f"({self} & {other})")

    def __or__(self, other: Rule) -> Rule:
        return Rule(lambda u, o, c: self(u, o, c) or other(u, o, c), f"({self} | {other})")

    def __invert__(self) -> Rule:
        return Rule(lambda u, o, c: not self(u, o, c), f"~{self}")

    def __str__(self) -> str:
        return self.name


ALWAYS = Rule(lambda u, o, c: True, "always")


def has_role(*roles: Role) -> Rule:
    """The user holds one of `roles` (within an action whose `roles` admit more)."""
    wanted = frozenset(roles)
    return Rule(lambda u, o, c: role_of(u) in wanted, f"role in {sorted(wanted)}")


def attr_in(path: str, values: Collection[Any]) -> Rule:
    """The object's attribute (dotted path) is one of `values`: its state, its kind."""
    get = operator.attrgetter(path)
    return Rule(lambda u, o, c: get(o) in values, f"{path} in {sorted(map(str, values))}")


def flag(path: str) -> Rule:
    """The object's attribute or property (dotted path) is true, e.g. `is_editable`."""
    get = operator.attrgetter(path)
    return Rule(lambda u, o, c: bool(get(o)), path)


def within(dates: Callable[[Any], tuple[date | None, date | None]]) -> Rule:
    """Allowed only from the first date to the second, both included; None is open-ended.

    For windows such as a reporting period or a self-assessment campaign: `dates` reads
    them from the object, the day is the context's (the province's today by default).
    """

    def test(u: Actor, o: Any, c: Context) -> bool:
        opens, closes = dates(o)
        return (opens is None or opens <= c.today) and (closes is None or c.today <= closes)

    return Rule(test, "within")


def member_of(relation: Callable[[Any], QuerySet[User] | Iterable[int]]) -> Rule:
    """Membership taken from a relation: `relation(obj)` gives the users (a queryset of
    users, or their ids) who may act on `obj`, e.g. the appraisal team of a campaign and
    an area. The PAR issue adds the model that holds the team and declares a rule with it.
    """

    def test(u: Actor, o: Any, c: Context) -> bool:
        if role_of(u) is None:
            return False
        assert isinstance(u, User)
        members = relation(o)
        if isinstance(members, QuerySet):
            return bool(members.filter(pk=u.pk).exists())
        return u.pk in set(members)

    return Rule(test, "member_of")


def owned_by_user(path: str = "user_id") -> Rule:
    """The object is the user's own (a notification, a job they started)."""
    get = operator.attrgetter(path)
    return Rule(lambda u, o, c: role_of(u) is not None and get(o) == u.pk, "own")


# -- agencies


def agency_id_of(obj: Any) -> int:
    """The agency an object belongs to: an agency, an id, or anything that leads to one
    through `agency_id`, `.assignment` (a report) or `.report` (an evidence file)."""
    from cchc.agencies.models import Agency

    while True:
        if isinstance(obj, int):
            return obj
        if isinstance(obj, Agency):
            return obj.pk
        if hasattr(obj, "agency_id"):
            return int(obj.agency_id)
        if hasattr(obj, "assignment"):
            obj = obj.assignment
        elif hasattr(obj, "report"):
            obj = obj.report
        else:
            raise TypeError(f"{type(obj).__name__} does not belong to an agency")


def _sees_every_agency(user: Actor) -> bool:
    return role_of(user) in PROVINCE_WIDE


def _own_agency_id(user: Actor) -> int | None:
    return getattr(user, "agency_id", None) if role_of(user) is not None else None


def _communes_of(user: Actor) -> frozenset[int]:
    """The communes under the user's district (empty for anyone else), once per user
    object: a request asks several times and the answer does not change within it."""
    cached: frozenset[int] | None = getattr(user, "_policy_communes", None)
    if cached is not None:
        return cached
    from cchc.agencies.models import Agency

    ids: frozenset[int] = frozenset()
    own = _own_agency_id(user)
    if own is not None and role_of(user) in AGENCY_STAFF:
        ids = frozenset(
            Agency.objects.filter(
                parent_id=own, parent__kind=Agency.Kind.DISTRICT, kind=Agency.Kind.COMMUNE
            ).values_list("pk", flat=True)
        )
    user._policy_communes = ids  # type: ignore[union-attr]
    return ids


def _works_for(user: Actor, agency_id: int) -> bool:
    return role_of(user) in AGENCY_STAFF and _own_agency_id(user) == agency_id


def _reads_agency(user: Actor, agency_id: int) -> bool:
    if _sees_every_agency(user):
        return True
    own = _own_agency_id(user)
    if own is None:
        return False
    return own == agency_id or agency_id in _communes_of(user)


# The agency's own people: they report for it and keep its calendar feed.
WORKS_FOR_AGENCY = Rule(lambda u, o, c: _works_for(u, agency_id_of(o)), "works_for_agency")
# Internal data of an agency: its own people (any role with that agency), the province,
# and a district over its communes (read only).
READS_AGENCY = Rule(lambda u, o, c: _reads_agency(u, agency_id_of(o)), "reads_agency")
# The agency's own people or the province, without the district hierarchy: for secrets of
# the agency such as its calendar feed address.
OWN_OR_PROVINCE = Rule(
    lambda u, o, c: _sees_every_agency(u) or _own_agency_id(u) == agency_id_of(o),
    "own_agency_or_province",
)
# Who keeps an agency's feed address: the people of that agency (the coordinator too, for
# the agency it works in, which may have no officer of its own) and the administrator.
OWN_AGENCY_OR_ADMIN = Rule(
    lambda u, o, c: role_of(u) == Role.ADMIN or _own_agency_id(u) == agency_id_of(o),
    "own_agency_or_admin",
)


# -- agencies' own plans (docs/agency-plans.md)


def _derives_for(user: Actor, agency: Any) -> bool:
    """Who makes an agency's own plan from the plan above: its own people, and a
    district's people for its communes (the district cascades its plan to them)."""
    if _works_for(user, agency.pk):
        return True
    return bool(
        agency.kind == "commune" and agency.parent_id and _works_for(user, agency.parent_id)
    )


def _is_issuer_of(user: Actor, plan: Any) -> bool:
    return plan.issuer_agency_id is not None and _works_for(user, plan.issuer_agency_id)


def _plan_of_report(obj: Any) -> Any:
    assignment = obj.assignment if hasattr(obj, "assignment") else obj
    return assignment.activity.plan


# The province runs every plan; an agency its own.
DERIVES_FOR_AGENCY = Rule(
    lambda u, o, c: role_of(u) in STAFF or _derives_for(u, o), "staff_or_derives_for_agency"
)
ISSUER_OF_PLAN = Rule(
    lambda u, o, c: role_of(u) in STAFF or _is_issuer_of(u, o), "staff_or_issuer_of_plan"
)
# The head of the agency whose own plan the report is on reviews it; the province
# reviews every report.
REVIEWS_REPORT = Rule(
    lambda u, o, c: (
        role_of(u) in STAFF
        or (
            role_of(u) == Role.HEAD
            and _plan_of_report(o).parent_id is not None
            and _is_issuer_of(u, _plan_of_report(o))
        )
    ),
    "staff_or_head_of_plan_issuer",
)
# Who is told a report arrived: the coordinator for the province's plans; for an agency's
# own plan, that agency's head, who reviews it (the province's queue is not flooded).
REVIEWER_TOLD = Rule(
    lambda u, o, c: (
        (role_of(u) == Role.COORDINATOR and _plan_of_report(o).parent_id is None)
        or (
            role_of(u) == Role.HEAD
            and _plan_of_report(o).parent_id is not None
            and _is_issuer_of(u, _plan_of_report(o))
        )
    ),
    "reviewer_of_report",
)
DERIVED_DRAFT = Rule(
    lambda u, o, c: o.parent_id is not None and o.status == "draft", "derived_plan_in_draft"
)


# Feedback: the province reads every item; an agency's people those routed to it.
FEEDBACK_READER = Rule(
    lambda u, o, c: (
        _sees_every_agency(u) or (o.agency_id is not None and _reads_agency(u, o.agency_id))
    ),
    "province_or_routed_agency",
)
FEEDBACK_OF_OWN_AGENCY = Rule(
    lambda u, o, c: o.agency_id is not None and _works_for(u, o.agency_id),
    "routed_to_own_agency",
)


# ---------------------------------------------------------------------------
# Actions


@dataclass(frozen=True)
class Action:
    name: str
    roles: frozenset[Role | None]
    rule: Rule = ALWAYS
    when: Rule = ALWAYS
    doc: str = ""

    @property
    def anonymous(self) -> bool:
        return ANONYMOUS in self.roles


@dataclass
class Policy:
    """The declared actions. One instance, `POLICY`, serves the site; tests make their own
    to prove a rule can be expressed without changing the site's."""

    actions: dict[str, Action] = field(default_factory=dict)

    def declare(
        self,
        name: str,
        *,
        roles: Iterable[Role | None],
        rule: Rule = ALWAYS,
        when: Rule = ALWAYS,
        doc: str = "",
    ) -> Action:
        if name in self.actions:
            raise ValueError(f"action {name!r} is declared twice")
        action = Action(name, frozenset(roles), rule, when, doc)
        self.actions[name] = action
        return action

    def __getitem__(self, name: str) -> Action:
        try:
            return self.actions[name]
        except KeyError:
            raise KeyError(
                f"undeclared action {name!r}: declare it in cchc.accounts.policy"
            ) from None

    def can(
        self,
        user: Actor | None,
        action: str,
        obj: Any = None,
        *,
        when: bool = True,
        today: date | None = None,
    ) -> bool:
        """May `user` do `action` (to `obj`)? Without `obj`, only the role is asked:
        "may they do this to some object", what a menu or a view's gate needs."""
        declared = self[action]
        if role_of(user) not in declared.roles:
            return False
        if obj is None:
            return True
        actor = user if user is not None else AnonymousUser()
        # Provinces are tenants (cchc.accounts.tenancy): another province's object is
        # refused before any rule, whatever the role; a getter turns that into a 404.
        if not tenancy.allows(actor, obj):
            return False
        context = Context(today=today or calendar.today())
        if not declared.rule(actor, obj, context):
            return False
        return not when or declared.when(actor, obj, context)

    def require(
        self, user: Actor | None, action: str, obj: Any = None, *, when: bool = True
    ) -> None:
        """`can()` or PermissionDenied."""
        if not self.can(user, action, obj, when=when):
            raise PermissionDenied

    def roles_for(self, action: str) -> frozenset[Role]:
        """The roles (not the anonymous visitor) that may do `action`."""
        return frozenset(r for r in self[action].roles if r is not None)

    def audience(self, action: str) -> Q:
        """The users an action concerns, as a filter on User: whom the reminders write to."""
        return Q(is_active=True, role__in=sorted(self.roles_for(action)))

    def allows_role(self, role: str, action: str) -> bool:
        """For rows read with `.values()`: does their role admit `action`?"""
        return role in self.roles_for(action)


POLICY = Policy()
declare = POLICY.declare

SUBMITTED = "submitted"
RETURNED = "returned"

# fmt: off
# Plans and agencies: public reference data for every logged-in user.
declare("plan.view",          roles=EVERYONE)
declare("plan.export",        roles=EVERYONE)
declare("plan.import",        roles=STAFF)
declare("plan.fix_dates",     roles=STAFF)
# The transcriber's doubts about a plan's source: for those who run the plan, on request.
declare("plan.transcription_notes", roles=STAFF)
declare("period.manage",      roles=STAFF)
# Agencies' own plans, derived from the plan above (docs/agency-plans.md). The object of
# `plan.derive` is the agency whose plan is made; of the others, the plan.
declare("plan.derive",        roles=AGENCY_STAFF | STAFF, rule=DERIVES_FOR_AGENCY)
declare("plan.edit_own",      roles=AGENCY_STAFF | STAFF, rule=ISSUER_OF_PLAN,
        when=DERIVED_DRAFT)
declare("plan.issue_own",     roles={Role.HEAD, Role.ADMIN}, rule=ISSUER_OF_PLAN,
        when=DERIVED_DRAFT)
# Which agencies have issued their plan from this one, and the deadline for it: the
# province for its plans, a district for its own (its communes).
declare("plan.agency_plans",  roles=PROVINCE_WIDE | AGENCY_STAFF,
        rule=Rule(lambda u, o, c: role_of(u) in PROVINCE_WIDE or _is_issuer_of(u, o),
                  "province_or_issuer_of_plan"))
declare("plan.agency_plans_due", roles=STAFF | AGENCY_STAFF, rule=ISSUER_OF_PLAN)
declare("agency.view",        roles=EVERYONE)
# Merge into a successor or close, moving open assignments.
declare("agency.merge",       roles=STAFF)
# Settle the names an import did not know (an alias, a new agency, "ignore"), for good.
declare("agency.alias",       roles=STAFF)
# Internal data of an agency (reports, evidence, its dashboard): see READS_AGENCY.
declare("agency.data",        roles=EVERYONE, rule=READS_AGENCY)
# Every agency's internal data at once: lists over the whole province, the annex.
declare("agency.every",       roles=PROVINCE_WIDE)
# Notifications and calendar feeds.
declare("notification.view",  roles=EVERYONE, rule=owned_by_user())
declare("feed.view",          roles=AGENCY_STAFF | STAFF, rule=OWN_OR_PROVINCE)
declare("feed.regenerate",    roles=AGENCY_STAFF | STAFF, rule=OWN_AGENCY_OR_ADMIN)
# Whoever holds a feed's secret address reads it, logged in or not.
declare("feed.read",          roles=PUBLIC)
# Dashboards.
declare("dashboard.province", roles=PROVINCE_WIDE)
declare("dashboard.agency",   roles=EVERYONE, rule=READS_AGENCY)
declare("status_table.export", roles=EVERYONE, rule=READS_AGENCY)
# The public progress page and its downloads: citizens, no login, approved figures only.
declare("progress.public",    roles=PUBLIC)
declare("progress.view",      roles=EVERYONE)
# Progress reports.
declare("report.worklist",    roles=EVERYONE)  # agency staff: own agency; others choose
declare("report.drafts",      roles=AGENCY_STAFF)
declare("report.queue",       roles=PROVINCE_WIDE)
declare("report.view",        roles=EVERYONE, rule=READS_AGENCY)
declare("evidence.download",  roles=EVERYONE, rule=READS_AGENCY)
# An agency's documents (`cchc.documents`): its own staff's, and the province's to read.
declare("document.view",      roles=EVERYONE, rule=READS_AGENCY)
declare("report.edit",        roles=AGENCY_STAFF, rule=WORKS_FOR_AGENCY,
        when=flag("is_editable"))
# The head sends; an officer may send again what was returned to the agency.
declare("report.submit",      roles=AGENCY_STAFF, rule=WORKS_FOR_AGENCY,
        when=flag("is_editable") & (has_role(Role.HEAD) | attr_in("state", {RETURNED})))
declare("report.review",      roles=STAFF | {Role.HEAD}, rule=REVIEWS_REPORT,
        when=attr_in("state", {SUBMITTED}))
# Reminders: who is written to. Officers get their agency's digest, heads are copied
# when work is long overdue, the coordinator gets the province's escalation.
declare("reminder.digest",    roles={Role.OFFICER})
declare("reminder.head",      roles={Role.HEAD})
declare("reminder.escalation", roles={Role.COORDINATOR})
# Report events (cchc.reminders.events): who is told, in the app and the next day's mail.
# The head of the agency, when a draft waits for them to send it; the coordinator, when a
# report arrives for review; the agency's own writers of a report, when it is reviewed.
declare("notify.report_ready",    roles={Role.HEAD}, rule=WORKS_FOR_AGENCY)
declare("notify.report_sent",     roles={Role.COORDINATOR, Role.HEAD}, rule=REVIEWER_TOLD)
declare("notify.report_reviewed", roles=AGENCY_STAFF, rule=WORKS_FOR_AGENCY)
# Background jobs: one's own list; a job's page and file are open to whoever may see the
# job's subject (cchc.jobs.access.job_visible_to), a public table's to anyone.
declare("job.view",           roles=EVERYONE)
declare("job.open",           roles=PUBLIC)
declare("backup.run",         roles={Role.ADMIN})
# The Django admin (User.save keeps `is_staff` in step with this).
declare("admin.site",         roles={Role.ADMIN})
# Satisfaction surveys (cchc.citizens): anyone answers, without an account; the results,
# their export and the QR codes of an agency are read by the province and by the agency's
# own people (READS_AGENCY); the number of dossiers (N) and the counters are set by those
# who run the plan.
declare("survey.answer",      roles=PUBLIC)
declare("survey.results",     roles=EVERYONE, rule=READS_AGENCY)
declare("survey.links",       roles=EVERYONE, rule=READS_AGENCY)
declare("survey.population",  roles=STAFF)
declare("survey.counters",    roles=STAFF)
# Feedback on regulations (phản ánh, kiến nghị): anyone sends one and looks its code up;
# the province reads every item and routes, rejects and publishes; an agency's staff read
# and answer only the items routed to their agency, while they are open.
declare("feedback.submit",    roles=PUBLIC)
declare("feedback.lookup",    roles=PUBLIC)
declare("feedback.view",      roles=EVERYONE, rule=FEEDBACK_READER)
declare("feedback.manage",    roles=STAFF)
declare("feedback.answer",    roles=AGENCY_STAFF, rule=FEEDBACK_OF_OWN_AGENCY,
        when=attr_in("status", {"routed", "handling"}))
# Indicators (the plan's targets): read by every logged-in user; defined and imported by
# those who run the plan; values entered by them or by the responsible agency's staff.
declare("indicator.view",     roles=EVERYONE)
declare("indicator.manage",   roles=STAFF)
declare("indicator.measure",  roles=STAFF | AGENCY_STAFF,
        rule=Rule(lambda u, o, c: role_of(u) in STAFF or _works_for(u, o.agency_id),
                  "staff_or_responsible_agency"))
# fmt: on

ACTIONS = POLICY.actions


def can(user: Actor | None, action: str, obj: Any = None, *, when: bool = True) -> bool:
    return POLICY.can(user, action, obj, when=when)


def require(user: Actor | None, action: str, obj: Any = None, *, when: bool = True) -> None:
    POLICY.require(user, action, obj, when=when)


def sees_every_agency(user: Actor | None) -> bool:
    return can(user, "agency.every")


# Where each role's work is: the page `/` and the login open on (a safe ?next= wins).
# Officers and heads report on their agency's items; the coordinator reviews what the
# agencies sent, with the province's figures on top; the leader and the appraisers read
# the province's figures. The admin sets plans up (import, periods, dates): the plan.
LANDING = {
    Role.OFFICER: "report_worklist",
    Role.HEAD: "report_worklist",
    Role.COORDINATOR: "report_queue",
    Role.LEADER: "dashboard_province",
    Role.APPRAISER: "dashboard_province",
}


def landing_page(user: Actor | None) -> str | None:
    """The URL name of the user's landing page; None: the plan being looked at."""
    role = role_of(user)
    return LANDING.get(role) if role is not None else None


# ---------------------------------------------------------------------------
# Scoping querysets


def agency_ids_visible_to(user: Actor | None) -> frozenset[int] | None:
    """The agencies whose internal data `user` reads; None means every agency OF THE
    USER'S PROVINCE (every agency for a national user): narrow a queryset with `_scope`,
    `visible_agencies` or `cchc.accounts.tenancy.scope`, never take None as "no filter"."""
    if user is None or role_of(user) is None:
        return frozenset()
    if _sees_every_agency(user):
        return None
    own = _own_agency_id(user)
    return frozenset() if own is None else frozenset({own}) | _communes_of(user)


def _province_path(path: str) -> str:
    """From a path to an agency's id ("pk", "agency_id", "assignment__agency_id") to its
    province ("province", "agency__province", "assignment__agency__province")."""
    if path == "pk":
        return "province"
    return f"{path.removesuffix('_id')}__province"


def _scope(qs: QuerySet[Any], user: Actor | None, path: str) -> QuerySet[Any]:
    ids = agency_ids_visible_to(user)
    if ids is None:
        # A province-wide role: every agency of its province (tenancy), one indexed join.
        return tenancy.scope(qs, user, _province_path(path))
    return qs.filter(**{f"{path}__in": sorted(ids)})


def scope_agencies(qs: QuerySet[Any], user: Actor | None, path: str = "pk") -> QuerySet[Any]:
    """Rows whose agency (reached through `path`) is one the user reads."""
    return _scope(qs, user, path)


def agencies_of_province(user: Actor | None, qs: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The agencies of the user's province (all for a national user): the reference data
    every dropdown, autocomplete and the agency list offer (`agency.view` is everyone's)."""
    from cchc.agencies.models import Agency

    return tenancy.scope(Agency.objects.all() if qs is None else qs, user)


def visible_agencies(user: Actor | None, qs: QuerySet[Any] | None = None) -> QuerySet[Any]:
    from cchc.agencies.models import Agency

    return _scope(Agency.objects.all() if qs is None else qs, user, "pk")


def assignments_visible_to(user: Actor | None, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope(qs, user, "agency_id")


def reports_visible_to(user: Actor | None, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope(qs, user, "assignment__agency_id")


def reports_of_own_agency(user: Actor | None, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The reports the user's agency makes (their drafts), whatever else they may read."""
    own = _own_agency_id(user) if user is not None and role_of(user) in AGENCY_STAFF else None
    return qs.filter(assignment__agency_id=own) if own is not None else qs.none()


# ---------------------------------------------------------------------------
# Getters for views: the object, or 404 if the user may not see it, or 403 if they see it
# but may not change it (healthchecks' `_get_check_for_user` habit).

M = TypeVar("M", bound=Model)


def _user_of(request: HttpRequest) -> Actor:
    return request.user


def get_for_user(
    request: HttpRequest,
    queryset: QuerySet[M],
    pk: int,
    *,
    view: str,
    write: str | None = None,
) -> M:
    """The object `pk` of `queryset` if the user may `view` it (else 404, as if it did not
    exist); with `write`, also 403 unless the user may do that to it (now or later)."""
    obj = get_object_or_404(queryset, pk=pk)
    user = _user_of(request)
    if not can(user, view, obj, when=False):
        raise Http404
    if write is not None and not can(user, write, obj, when=False):
        raise PermissionDenied
    return obj


def get_assignment_for_user(
    request: HttpRequest, assignment_id: int, *, write: bool = False, queryset: Any = None
) -> Any:
    from cchc.monitoring.models import Assignment

    qs = queryset if queryset is not None else Assignment.objects.all()
    return get_for_user(
        request, qs, assignment_id, view="report.view", write="report.edit" if write else None
    )


def get_report_for_user(
    request: HttpRequest, report_id: int, *, write: bool = False, queryset: Any = None
) -> Any:
    from cchc.monitoring.models import ProgressReport

    qs = queryset if queryset is not None else ProgressReport.objects.select_related("assignment")
    return get_for_user(
        request, qs, report_id, view="report.view", write="report.edit" if write else None
    )


def get_evidence_for_user(
    request: HttpRequest, evidence_id: int, *, write: bool = False, queryset: Any = None
) -> Any:
    """A report's evidence file: its link (`cchc.documents`) to the report, asked about as
    the report it is linked to. The link comes back with that report as its `target`."""
    from cchc.documents.models import DocumentLink
    from cchc.monitoring.models import ProgressReport

    qs = (
        queryset
        if queryset is not None
        else DocumentLink.objects.select_related("document").prefetch_related(
            "document__files__stored"
        )
    )
    link = get_object_or_404(
        qs, pk=evidence_id, role=DocumentLink.Role.EVIDENCE, progress_report__isnull=False
    )
    report = get_for_user(
        request,
        ProgressReport.objects.select_related("assignment", "period"),
        link.target_id,
        view="evidence.download",
        write="report.edit" if write else None,
    )
    link.target = report
    return link


def get_agency_for_user(
    request: HttpRequest, agency_id: int, *, action: str = "agency.data", queryset: Any = None
) -> Any:
    """An agency whose internal data (or feed, with `action="feed.view"`) the user reads."""
    from cchc.agencies.models import Agency

    qs = queryset if queryset is not None else Agency.objects.all()
    return get_for_user(request, qs, agency_id, view=action)


def get_plan_for_user(
    request: HttpRequest, plan_id: int, *, queryset: Any = None, view: str = "plan.view"
) -> Plan:
    """A plan the user may look at: 404 for another province's (tenancy), as if absent."""
    from cchc.plans.models import Plan

    qs: QuerySet[Plan] = queryset if queryset is not None else Plan.objects.all()
    return get_for_user(request, qs, plan_id, view=view)


def get_notification_for_user(request: HttpRequest, notification_id: int) -> Any:
    from cchc.reminders.models import Notification

    return get_for_user(
        request, Notification.objects.all(), notification_id, view="notification.view"
    )


# ---------------------------------------------------------------------------
# Marking views

View = TypeVar("View", bound=Callable[..., Any])


def requires(action: str) -> Callable[[View], View]:
    """A page view's gate: log in first unless the action admits anonymous visitors,
    then 403 unless the user's role may do `action`. The view then asks about the object
    (a getter above). Marks the view with `policy_action`, which
    tests/test_policy_coverage.py looks for on every URL."""
    declared = POLICY[action]

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not declared.anonymous and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.policy_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


# URLs that do not ask the policy, each with the reason it may not. Reviewed: adding a
# route here is a security decision. Keys are routes as Django writes them; a key ending
# in "/" that is a prefix covers every route under it.
UNGUARDED_ROUTES: dict[str, str] = {
    "login/": "Django's login page: it is where the policy sends anonymous visitors.",
    "logout/": "Django's logout: POST only, ends one's own session.",
    "i18n/setlang/": "Django's language switch: stores a preference in the session.",
    "admin/": "Django's admin: its own login and `is_staff`, which User.save sets from "
    "the policy's `admin.site` action.",
    "api/openapi.json": "The API's description: public, holds no data.",
    "api/docs": "The API's documentation page: public, holds no data.",
    "api/": "ninja's API root: always 404.",
}
