"""Provinces are tenants: the one place that says which province a user or an object is in.

One installation may hold several provinces. A province is a root `Agency` of kind
PROVINCE; every agency, plan, collective group and user carries a denormalised
`province` (docs/tenants.md). A user with a province sees only that province's rows; a
user without one is at the national level and sees every province. A row without a
province is national reference data (a ministry outside every province's tree, a plan of
the whole country) and is seen by everyone.

`cchc.accounts.policy` asks this module in two places: its queryset scopers (lists) and
its object gate in `Policy.can` (an object of another province is refused before any
other rule, so detail pages answer 404 through `get_for_user`). Nothing else decides it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet


def province_of(user: Any) -> int | None:
    """The province the user works in; None: the national level (or nobody)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "province_id", None)


def sole_province_id() -> int | None:
    """The only province of a single-province installation; None when there are several
    (or none): then nothing may be assumed and the caller must be told which."""
    from cchc.agencies.models import Agency

    ids = list(
        Agency.objects.filter(kind=Agency.Kind.PROVINCE, parent__isnull=True).values_list(
            "pk", flat=True
        )[:2]
    )
    return ids[0] if len(ids) == 1 else None


def provinces() -> list[Any]:
    """Every province of the installation (root agencies of kind PROVINCE), by name: what
    a public page offers to choose from when there are several."""
    from cchc.agencies.models import Agency

    return list(
        Agency.objects.filter(kind=Agency.Kind.PROVINCE, parent__isnull=True)
        .only("pk", "name")
        .order_by("sort_name", "pk")
    )


def province_named(wanted: str) -> Any:
    """The province root named by a command's `--province`: its id or its name (any case,
    with or without diacritics); None when there is none such."""
    from cchc.agencies.models import Agency
    from cchc.lib.text import fold

    roots = Agency.objects.filter(kind=Agency.Kind.PROVINCE, parent__isnull=True)
    text = wanted.strip()
    if text.isdigit() and len(text) < 12:
        return roots.filter(pk=int(text)).first()
    return roots.filter(search_name=fold(text)).first()


def in_province(province_id: int | None, path: str = "province") -> Q:
    """Rows of `province_id` or of no province (national), through `path` ("province",
    "agency__province", "plan__province" ...)."""
    return Q(**{f"{path}_id": province_id}) | Q(**{f"{path}__isnull": True})


def scope(qs: QuerySet[Any], user: Any, path: str = "province") -> QuerySet[Any]:
    """`qs` limited to the user's province (and national rows); unchanged for a national
    user. `path` leads from the queryset's model to a `province` foreign key."""
    province = province_of(user)
    return qs if province is None else qs.filter(in_province(province, path))


def province_agency_ids(user: Any) -> frozenset[int]:
    """The agencies of the user's province and the national ones, once per user object
    (a request asks several times; the answer does not change within it)."""
    cached: frozenset[int] | None = getattr(user, "_tenancy_agencies", None)
    if cached is not None:
        return cached
    from cchc.agencies.models import Agency

    ids = frozenset(
        Agency.objects.filter(in_province(province_of(user))).values_list("pk", flat=True)
    )
    user._tenancy_agencies = ids
    return ids


def share_province_agency_ids(users: list[Any]) -> None:
    """Give every user of one province the same answer of `province_agency_ids`, read
    once: a notice's audience checks each of dozens of users, who are fresh objects."""
    answers: dict[int | None, frozenset[int]] = {}
    for user in users:
        if getattr(user, "_tenancy_agencies", None) is not None:
            continue
        province = province_of(user)
        if province in answers:
            user._tenancy_agencies = answers[province]
        else:
            answers[province] = province_agency_ids(user)


# How an object leads to one that carries a province or an agency, tried in this order:
# a report's assignment, a PAR item's scorecard, a campaign's or inspection's group, a
# period's or activity's plan, a finding's selection, a measurement's indicator.
_RELATIONS = (
    "assignment",
    "report",
    "scorecard",
    "campaign",
    "criteria_set",
    "group",
    "plan",
    "period",
    "selection",
    "item",
    "indicator",
)


def _province_of_object(obj: Any, user: Any) -> bool | None:
    """Whether `obj` is in the user's province: True, False, or None when the object has
    no province to speak of (a dict, a job, a notification: their own rules decide)."""
    from cchc.agencies.models import Agency

    own = province_of(user)
    seen: set[int] = set()
    while obj is not None and id(obj) not in seen:
        seen.add(id(obj))
        if isinstance(obj, Agency):
            return obj.province_id in (None, own)
        if hasattr(obj, "province_id"):
            return obj.province_id in (None, own)
        agency_id = obj if isinstance(obj, int) else getattr(obj, "agency_id", None)
        if agency_id is not None:
            # The user's own agency is in the user's province (`User.save` keeps the
            # province its agency's): its objects need no list of the province's
            # agencies, which a report save would otherwise read on every request.
            if agency_id == getattr(user, "agency_id", None):
                return True
            return int(agency_id) in province_agency_ids(user)
        for relation in _RELATIONS:
            if hasattr(obj, f"{relation}_id") or (
                relation in ("assignment", "report") and hasattr(obj, relation)
            ):
                try:
                    obj = getattr(obj, relation)
                except Exception:
                    return None
                break
        else:
            return None
    return None


def allows(user: Any, obj: Any) -> bool:
    """The object gate: False when `obj` belongs to another province than the user's."""
    if obj is None or province_of(user) is None:
        return True
    return _province_of_object(obj, user) is not False
