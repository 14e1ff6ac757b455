"""Inspection planning: which agencies of a group the province inspects in a year, and
what an inspection found.

The draw is reproducible: for a year, a group and a seed it reads the same data and
returns the same agencies in the same order. At least `share` % of the group (rounded
up) is chosen. The order of preference is fixed and written into each choice's reason:

1. agencies not inspected in the year before come first;
2. then the lowest published PAR INDEX of the latest published campaign of the group
   before the year (no index: after those with one);
3. agencies equal on both are put in an order drawn from the seed.

A finding is recorded against an inspected agency. Its remediation becomes an activity
of the year's remediation plan ("Kế hoạch khắc phục sau kiểm tra CCHC"), a plan of its
own issued by the coordinator's agency (Sở Nội vụ), with the inspected agency as lead and
the finding's due date. The plan has reporting periods and assignments like any other, so
the agency reports on it, is reminded of it and appears on the dashboards.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, AgencyGroup
from cchc.audit.log import log_action
from cchc.audit.types import Source
from cchc.par.models import (
    Campaign,
    CampaignResult,
    InspectionFinding,
    InspectionPlan,
    InspectionSelection,
)
from cchc.par.ratings import group_agencies

SEED_MAX = 2**31 - 1
TEXT_MAX = 4000


class InspectionError(Exception):
    """A draw or a finding that is not allowed; the message is for the user."""


def parse_seed(raw: object) -> int:
    """A seed typed by a person: a whole number from 0 to 2³¹−1."""
    text = str(raw if raw is not None else "").strip()
    if "\x00" in text or not text.isdigit() or len(text) > 10:
        raise InspectionError(
            _("Số khởi tạo phải là số nguyên từ 0 đến %(max)s.") % {"max": SEED_MAX}
        )
    value = int(text)
    if value > SEED_MAX:
        raise InspectionError(
            _("Số khởi tạo phải là số nguyên từ 0 đến %(max)s.") % {"max": SEED_MAX}
        )
    return value


@dataclass(frozen=True)
class Candidate:
    agency_id: int
    name: str
    inspected_last_year: bool
    index: Decimal | None


@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    reason: str


def basis_campaign(year: int, group: AgencyGroup) -> Campaign | None:
    """The latest published campaign of the group before the year."""
    return (
        Campaign.objects.filter(group=group, year__lt=year, published_at__isnull=False)
        .order_by("-year")
        .first()
    )


def candidates(year: int, group: AgencyGroup) -> tuple[Campaign | None, list[Candidate]]:
    agencies = group_agencies(group, year)
    campaign = basis_campaign(year, group)
    indices: dict[int, Decimal] = {}
    if campaign is not None:
        indices = dict(
            CampaignResult.objects.filter(campaign=campaign).values_list("agency_id", "index")
        )
    last_year = set(
        InspectionSelection.objects.filter(plan__year=year - 1).values_list("agency_id", flat=True)
    )
    return campaign, [
        Candidate(a.pk, a.name, a.pk in last_year, indices.get(a.pk)) for a in agencies
    ]


def how_many(total: int, share: int) -> int:
    """At least `share` % of `total`, rounded up (never more than there are)."""
    return min(total, math.ceil(total * share / 100))


def draw(pool: list[Candidate], *, seed: int, share: int = 30) -> list[Choice]:
    """Choose from `pool`, reproducibly: the same pool (in any order) and seed give the
    same choices in the same order."""
    ordered = sorted(pool, key=lambda c: c.agency_id)
    # Not for secrecy: a reproducible tie-break is the point of the seed.
    rng = random.Random(seed)  # noqa: S311
    tie_break = {c.agency_id: rng.random() for c in ordered}
    ranked = sorted(
        ordered,
        key=lambda c: (
            c.inspected_last_year,
            c.index is None,
            c.index if c.index is not None else Decimal(0),
            tie_break[c.agency_id],
        ),
    )
    chosen = ranked[: how_many(len(ranked), share)]
    with_index = sorted(c.index for c in pool if c.index is not None)
    choices = []
    for c in chosen:
        parts = [
            _("Đã được kiểm tra năm trước (không đủ cơ quan chưa được kiểm tra)")
            if c.inspected_last_year
            else _("Chưa được kiểm tra năm trước")
        ]
        if c.index is None:
            parts.append(_("chưa có chỉ số CCHC đã công bố"))
        else:
            parts.append(
                _("chỉ số %(index)s%% (thấp thứ %(rank)s/%(count)s trong nhóm)")
                % {
                    "index": f"{c.index:.2f}".replace(".", ","),
                    "rank": with_index.index(c.index) + 1,
                    "count": len(with_index),
                }
            )
        choices.append(Choice(c, "; ".join(parts) + "."))
    return choices


@transaction.atomic
def plan_draw(
    *,
    year: int,
    group: AgencyGroup,
    seed: int,
    actor: Any,
    share: int = 30,
    source: Source = "web",
) -> InspectionPlan:
    """Draw and store the year's plan for the group. A plan that has findings is not
    drawn again (the inspections have happened); otherwise a new draw replaces it."""
    if not 2000 <= year <= 2200:
        raise InspectionError(_("Năm kiểm tra không hợp lệ."))
    if not 0 <= seed <= SEED_MAX:
        raise InspectionError(
            _("Số khởi tạo phải là số nguyên từ 0 đến %(max)s.") % {"max": SEED_MAX}
        )
    if not 1 <= share <= 100:
        raise InspectionError(_("Tỷ lệ phải từ 1 đến 100%."))
    existing = InspectionPlan.objects.select_for_update().filter(year=year, group=group).first()
    if existing is not None:
        if InspectionFinding.objects.filter(selection__plan=existing).exists():
            raise InspectionError(
                _("Kế hoạch kiểm tra năm %(year)s đã có kết quả kiểm tra, không bốc chọn lại được.")
                % {"year": year}
            )
        existing.delete()
    campaign, pool = candidates(year, group)
    if not pool:
        raise InspectionError(
            _("Nhóm này không có cơ quan nào trong năm %(year)s.") % {"year": year}
        )
    choices = draw(pool, seed=seed, share=share)
    plan = InspectionPlan.objects.create(
        year=year,
        group=group,
        seed=seed,
        share=share,
        basis_campaign=campaign,
        drawn_at=timezone.now(),
        drawn_by=actor if getattr(actor, "pk", None) else None,
    )
    InspectionSelection.objects.bulk_create(
        InspectionSelection(
            plan=plan,
            agency_id=choice.candidate.agency_id,
            position=n,
            reason=choice.reason,
            inspected_last_year=choice.candidate.inspected_last_year,
            index=choice.candidate.index,
        )
        for n, choice in enumerate(choices, start=1)
    )
    log_action(
        actor=actor,
        action="par.inspection_draw",
        obj=plan,
        before=None,
        after={
            "year": year,
            "group": group.pk,
            "seed": seed,
            "share": share,
            "agencies": [c.candidate.agency_id for c in choices],
        },
        source=source,
    )
    return plan


def _clean_text(value: str, label: str) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise InspectionError(_("«%(label)s» chứa ký tự không hợp lệ.") % {"label": label})
    if not text:
        raise InspectionError(_("Hãy nhập «%(label)s».") % {"label": label})
    if len(text) > TEXT_MAX:
        raise InspectionError(
            _("«%(label)s» dài quá %(limit)s ký tự.") % {"label": label, "limit": TEXT_MAX}
        )
    return text


def remediation_plan(plan: InspectionPlan, actor: Any) -> Any:
    """The year's remediation plan, made on the first finding of any group's inspection."""
    from cchc.monitoring.services import periods_create_default
    from cchc.plans.models import Area, Plan

    # One remediation plan a year per province (docs/tenants.md): the inspected group's.
    province_id = plan.group.province_id
    existing = (
        InspectionPlan.objects.filter(
            year=plan.year, remediation_plan__isnull=False, group__province_id=province_id
        )
        .values_list("remediation_plan_id", flat=True)
        .first()
    )
    if existing is not None:
        found = Plan.objects.get(pk=existing)
    else:
        issuer_agency = getattr(actor, "agency", None)
        found = Plan.objects.create(
            province_id=province_id,
            issuer=issuer_agency.name if issuer_agency is not None else _("Sở Nội vụ"),
            issuer_agency=issuer_agency,
            year=plan.year,
            title=_("Kế hoạch khắc phục sau kiểm tra công tác cải cách hành chính năm %(year)s")
            % {"year": plan.year},
            status=Plan.Status.ISSUED,
            issued_on=timezone.localdate(),
            # Marks it for cchc.plans.readmodel.plan_latest: never the default plan.
            document={"remediation": {"inspection_year": plan.year}},
        )
        Area.objects.create(
            plan=found, code="KT", title=_("Khắc phục sau kiểm tra CCHC"), position=1
        )
        periods_create_default(found)
    if plan.remediation_plan_id != found.pk:
        plan.remediation_plan = found
        plan.save(update_fields=["remediation_plan"])
    return found


@transaction.atomic
def finding_record(
    selection: InspectionSelection,
    *,
    text: str,
    remedy: str,
    due_on: date | None,
    actor: Any,
    source: Source = "web",
) -> InspectionFinding:
    """Record a finding and create its remediation activity, tracked like a plan task."""
    from cchc.monitoring.services import assignments_sync
    from cchc.plans.models import Activity, Assignee, DueDate, Task

    text = _clean_text(text, _("Nội dung phát hiện"))
    remedy = _clean_text(remedy, _("Yêu cầu khắc phục"))
    if due_on is None:
        raise InspectionError(_("Hãy nhập hạn khắc phục."))
    plan = InspectionPlan.objects.select_for_update().get(pk=selection.plan_id)
    if due_on.year != plan.year:
        raise InspectionError(
            _("Hạn khắc phục phải trong năm %(year)s của kế hoạch kiểm tra.") % {"year": plan.year}
        )
    remediation = remediation_plan(plan, actor)
    agency: Agency = selection.agency
    area = remediation.areas.get(code="KT")
    earlier = (
        InspectionFinding.objects.filter(
            selection__agency=agency, activity__plan=remediation, activity__isnull=False
        )
        .select_related("activity__task")
        .first()
    )
    task = earlier.activity.task if earlier is not None and earlier.activity else None
    if task is None:
        number = (Task.objects.filter(plan=remediation).count()) + 1
        task = Task.objects.create(
            plan=remediation,
            area=area,
            number=str(number),
            title=_("Khắc phục kết quả kiểm tra CCHC tại %(agency)s") % {"agency": agency.name},
            position=number,
        )
    activity = Activity.objects.create(
        plan=remediation,
        task=task,
        position=(remediation.activities.aggregate(m=Max("position"))["m"] or 0) + 1,
        title=remedy,
        outputs=_("Báo cáo kết quả khắc phục: %(finding)s") % {"finding": text[:400]},
        deadline=due_on.strftime("%d/%m/%Y"),
        deadline_kind=Activity.DeadlineKind.DAY,
        first_due=due_on,
    )
    DueDate.objects.create(activity=activity, due_on=due_on)
    Assignee.objects.create(
        activity=activity, role=Assignee.Role.LEAD, written_name=agency.name, agency=agency
    )
    finding = InspectionFinding.objects.create(
        selection=selection,
        text=text,
        remedy=remedy,
        due_on=due_on,
        activity=activity,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    assignments_sync(remediation)
    log_action(
        actor=actor,
        action="par.inspection_finding",
        obj=finding,
        before=None,
        after={"agency": agency.pk, "due_on": due_on.isoformat(), "activity": activity.pk},
        source=source,
    )
    return finding
