"""Backfill of the denormalised `province` columns (docs/tenants.md), for the migrations
that add them and for tests. Each function takes the model classes it works on, so that a
migration passes its historical models; nothing here imports an app's models.

The rule: with exactly one province root in the database, every row gets it (a
single-province installation, the demo, keeps behaving as before). With several, each row
takes the province its tree, its issuer, its parent plan or its agencies lead to; a row
nothing leads to stays national (empty), seen by every province.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

PROVINCE = "province"


def _roots(agency_model: Any) -> list[int]:
    return list(
        agency_model.objects.filter(kind=PROVINCE, parent__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _province_by_agency(agency_model: Any) -> dict[int, int | None]:
    """Each agency's nearest ancestor-or-self of kind PROVINCE, walking the tree in memory
    (one query; a province has hundreds of agencies, a country a few thousand)."""
    rows = {
        pk: (parent_id, kind)
        for pk, parent_id, kind in agency_model.objects.values_list("pk", "parent_id", "kind")
    }
    found: dict[int, int | None] = {}

    def walk(pk: int) -> int | None:
        path: list[int] = []
        current: int | None = pk
        result: int | None = None
        while current is not None and current not in found:
            if current in path:  # a cycle in bad data: stop
                break
            path.append(current)
            parent_id, kind = rows[current]
            if kind == PROVINCE and parent_id is None:
                result = current
                break
            current = parent_id
        else:
            if current is not None:
                result = found[current]
        for step in path:
            found[step] = result
        return result

    for pk in rows:
        walk(pk)
    return found


def backfill_agencies(agency_model: Any, group_model: Any, membership_model: Any) -> None:
    by_agency = _province_by_agency(agency_model)
    roots = _roots(agency_model)
    sole = roots[0] if len(roots) == 1 else None
    per_province: dict[int | None, list[int]] = {}
    for pk, province in by_agency.items():
        per_province.setdefault(province, []).append(pk)
    for province, pks in per_province.items():
        if province is not None:
            agency_model.objects.filter(pk__in=pks).update(province_id=province)
        elif sole is not None:
            # One province: the agencies outside its tree are its too (every row gets it).
            agency_model.objects.filter(pk__in=pks).update(province_id=sole)
    for group in group_model.objects.all():
        if sole is not None:
            province = sole
        else:
            members = {
                by_agency.get(a)
                for a in membership_model.objects.filter(group_id=group.pk).values_list(
                    "agency_id", flat=True
                )
            }
            province = members.pop() if len(members) == 1 else None
        if province is not None:
            group_model.objects.filter(pk=group.pk).update(province_id=province)


def backfill_aliases(alias_model: Any, agency_model: Any, group_model: Any) -> None:
    """An alias takes its target's province (run after `backfill_agencies`). With one
    province every alias gets it, an ignored one too; with several an ignored name stays
    national (nothing says which province's documents wrote it)."""
    roots = _roots(agency_model)
    if len(roots) == 1:
        alias_model.objects.update(province_id=roots[0])
        return
    agencies = dict(agency_model.objects.values_list("pk", "province_id"))
    groups = dict(group_model.objects.values_list("pk", "province_id"))
    for pk, agency_id, group_id in alias_model.objects.values_list("pk", "agency_id", "group_id"):
        province = agencies.get(agency_id) if agency_id is not None else groups.get(group_id)
        if province is not None:
            alias_model.objects.filter(pk=pk).update(province_id=province)


def backfill_plans(plan_model: Any, agency_model: Any, assignee_model: Any) -> None:
    roots = _roots(agency_model)
    if len(roots) == 1:
        plan_model.objects.update(province_id=roots[0])
        return
    by_agency = dict(agency_model.objects.values_list("pk", "province_id"))
    chosen: dict[int, int | None] = {}
    plans = list(plan_model.objects.values_list("pk", "parent_id", "issuer_agency_id"))
    for pk, _parent, issuer in plans:
        province = by_agency.get(issuer) if issuer is not None else None
        if province is None:
            # The province most of its assigned agencies belong to.
            votes = Counter(
                by_agency.get(a)
                for a in assignee_model.objects.filter(
                    activity__plan_id=pk, agency__isnull=False
                ).values_list("agency_id", flat=True)
            )
            votes.pop(None, None)
            province = votes.most_common(1)[0][0] if votes else None
        chosen[pk] = province
    # An agency's own plan follows the plan it was derived from.
    for pk, parent, _issuer in plans:
        if parent is not None and chosen.get(parent) is not None:
            chosen[pk] = chosen[parent]
    for pk, province in chosen.items():
        if province is not None:
            plan_model.objects.filter(pk=pk).update(province_id=province)


def backfill_users(user_model: Any, agency_model: Any) -> None:
    roots = _roots(agency_model)
    if len(roots) == 1:
        user_model.objects.update(province_id=roots[0])
        return
    for pk, agency_id in user_model.objects.filter(agency__isnull=False).values_list(
        "pk", "agency_id"
    ):
        province = (
            agency_model.objects.filter(pk=agency_id).values_list("province_id", flat=True).first()
        )
        user_model.objects.filter(pk=pk).update(province_id=province)


def backfill_feedback(feedback_model: Any, agency_model: Any) -> None:
    """A feedback item routed to an agency takes the agency's province; one not yet routed
    the installation's only province; with several provinces it stays national (nothing
    says which province it was sent to) until a coordinator routes it."""
    roots = _roots(agency_model)
    by_agency = dict(agency_model.objects.values_list("pk", "province_id"))
    per_province: dict[int, list[int]] = {}
    for pk, agency_id in feedback_model.objects.values_list("pk", "agency_id"):
        province = by_agency.get(agency_id) if agency_id is not None else None
        if province is None and len(roots) == 1:
            province = roots[0]
        if province is not None:
            per_province.setdefault(province, []).append(pk)
    for province, pks in per_province.items():
        feedback_model.objects.filter(pk__in=pks).update(province_id=province)
