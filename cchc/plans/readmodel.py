"""How plans are read: the one place for "which plans, in which order, with what counts",
and for "the plan being looked at".

Pages, the API, dashboards, reminders and exports call these functions instead of
writing their own queries, so that they cannot drift apart:

- `plans_newest_first` / `plan_latest`: the order every list and default uses;
- `plans_with_counts`: areas, tasks, activities and activities needing a date per plan,
  in ONE query whatever the size of the plans (one subquery per count; joining the
  three relations and counting distinct rows multiplies them, which is what made
  `/api/plans` slow);
- `plans_visible_to`: the plans a user may look at: those of their province (provinces
  are tenants, `cchc.accounts.tenancy`) and national ones;
- `plan_viewed`: the plan a page shows. `?plan=<id>` (or `?year=<yyyy>`) in the URL
  chooses it and is remembered on the user (`User.viewing_plan`); without it the
  remembered choice, else the newest plan that is not an agency's own plan. A choice
  that does not exist or that the user may not see gets a Vietnamese message and falls
  back.

Progress (the latest sent report, the roll-up) is read in `cchc.monitoring.readmodel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cchc.accounts import policy, tenancy
from cchc.accounts.models import User
from cchc.plans.models import Activity, Area, Plan, Task

NEWEST_FIRST = ("-year", "-issued_on", "-pk")
# What a chooser and the pages need of a plan; the tree is loaded separately.
LISTED_FIELDS = (
    "pk",
    "number",
    "title",
    "year",
    "status",
    "rollup_method",
    "issuer",
    "issued_on",
    "parent_id",
    "issuer_agency_id",
    "province_id",
)


def plans_newest_first(user: object = None) -> QuerySet[Plan]:
    """Every plan newest first; with `user`, only their province's and national ones."""
    plans = Plan.objects.order_by(*NEWEST_FIRST)
    return tenancy.scope(plans, user) if user is not None else plans


def plan_latest(user: object = None) -> Plan | None:
    """The newest plan (of `user`'s province): what a page shows when nobody chose one.
    An agency's own plan (docs/agency-plans.md) is chosen, never the default."""
    # A remediation plan after inspections (cchc.par.inspection) is a plan of its own but
    # never the one a page opens on: its `document` carries the "remediation" key.
    everything = plans_newest_first(user)
    plans = everything.exclude(document__has_key="remediation")
    return plans.filter(parent=None).first() or plans.first() or everything.first()


def _count(model: type[Activity] | type[Task] | type[Area], **filters: object) -> Coalesce:
    rows = (
        model.objects.filter(plan=OuterRef("pk"), **filters)
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def with_counts(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """`plans` annotated with `area_count`, `task_count`, `activity_count`, `needs_date_count`."""
    return plans.annotate(
        area_count=_count(Area),
        task_count=_count(Task),
        activity_count=_count(Activity),
        needs_date_count=_count(Activity, needs_date=True),
    )


@dataclass(frozen=True)
class PlanCounts:
    areas: int
    tasks: int
    activities: int
    needs_date: int


def counts_of(plan: Plan) -> PlanCounts:
    """The counts of a plan read through `with_counts` (typed, for the API)."""
    return PlanCounts(
        areas=plan.area_count,  # type: ignore[attr-defined]
        tasks=plan.task_count,  # type: ignore[attr-defined]
        activities=plan.activity_count,  # type: ignore[attr-defined]
        needs_date=plan.needs_date_count,  # type: ignore[attr-defined]
    )


def plans_with_counts(user: object = None) -> list[Plan]:
    """All plans (of `user`'s province), newest first, each with its counts (see
    `with_counts`). One query."""
    return list(with_counts(plans_newest_first(user)))


# ---------------------------------------------------------------------------
# The plan being looked at


def plans_visible_to(
    user: User | AnonymousUser | None, *, public: bool = False, province: int | None = None
) -> QuerySet[Plan]:
    """The plans `user` may look at, newest first.

    Whoever may view plans sees every plan, drafts included; the public (and a user
    without that right) sees only issued and closed plans: a draft is not the
    province's word yet. `None` is a background job, whose asker was checked when it
    was started. A provincial user sees only their province's plans (and national ones).
    """
    plans = plans_newest_first(user).only(*LISTED_FIELDS)
    if public or (user is not None and not policy.can(user, "plan.view")):
        plans = plans.exclude(status=Plan.Status.DRAFT)
    if province is not None:
        # A province's public pages (`?tinh=`): that province's plans only.
        plans = plans.filter(province_id=province)
    return plans


@dataclass
class PlanChoice:
    """The plans a user may choose from, the one shown, and why it is not the one asked."""

    plans: list[Plan]
    plan: Plan | None
    problem: str = ""
    remembered: bool = field(default=False)


def _wanted(params: dict[str, str] | object) -> tuple[str, str]:
    get = getattr(params, "get", None)
    if get is None:
        return "", ""
    return (str(get("plan", "") or "").strip(), str(get("year", "") or "").strip())


def plan_viewed(
    user: User | AnonymousUser | None,
    params: object,
    *,
    public: bool = False,
    remember: bool = True,
    province: int | None = None,
) -> PlanChoice:
    """The plan a page shows to `user` (see the module docstring). One query, plus one
    UPDATE when the user chooses another plan than the one remembered.

    `params` is the request's GET (anything with `.get`). `public` pages offer only
    plans the public may see and remember nothing; `province` limits them to one
    province's (a public page's chooser, docs/tenants.md).
    """
    plans = list(plans_visible_to(user, public=public, province=province))
    choice = PlanChoice(plans=plans, plan=None)
    if not plans:
        return choice
    by_pk = {plan.pk: plan for plan in plans}
    wanted_plan, wanted_year = _wanted(params)
    chosen: Plan | None = None
    if wanted_plan:
        chosen = by_pk.get(int(wanted_plan)) if wanted_plan.isdigit() else None
        if chosen is None:
            choice.problem = _(
                "Không có kế hoạch «%(plan)s», hoặc bạn không được xem kế hoạch này."
            ) % {"plan": wanted_plan[:20]}
    elif wanted_year:
        if wanted_year.isdigit():
            chosen = next((p for p in plans if p.year == int(wanted_year)), None)
        if chosen is None:
            choice.problem = _("Không có kế hoạch nào của năm «%(year)s» mà bạn được xem.") % {
                "year": wanted_year[:20]
            }
    member = user if isinstance(user, User) and not public else None
    remembered = by_pk.get(member.viewing_plan_id or 0) if member is not None else None
    if chosen is not None:
        if member is not None and remember and member.viewing_plan_id != chosen.pk:
            # A preference, not a change of the user's account: no audit entry.
            User.objects.filter(pk=member.pk).update(viewing_plan=chosen)
            member.viewing_plan_id = chosen.pk
        choice.remembered = member is not None
    elif remembered is not None:
        chosen = remembered
        choice.remembered = True
    # Nobody's default is an agency's own plan: those are chosen.
    choice.plan = chosen or next((p for p in plans if p.parent_id is None), plans[0])
    if choice.problem:
        choice.problem += " " + _("Đang hiển thị kế hoạch %(plan)s.") % {
            "plan": plan_label(choice.plan)
        }
    return choice


def plan_label(plan: Plan) -> str:
    """How a chooser names a plan: "2022 – 21/KH-UBND"."""
    return f"{plan.year} – {plan.number or plan.title[:40]}"
