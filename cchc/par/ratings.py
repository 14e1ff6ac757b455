"""Task-completion ratings (mức độ hoàn thành nhiệm vụ CCHC).

A rating combines two numbers the province already has for an agency and a year:

* the on-time rate of its lead activities in the province's plan of that year, read
  through the monitoring roll-up (`cchc.monitoring.progress.plan_progress`, the same
  timeliness the dashboards show): activities done on time ÷ activities that are done or
  whose last due date has passed, "không thực hiện" left out;
* its published PAR INDEX of that year (`cchc.par.results`), nothing before publication.

score = (w₁ × rate + w₂ × index) / 100, then the scheme's bands. Without one of the two
numbers there is no score: the rating says which number is missing rather than guess.

The default bands (Hoàn thành xuất sắc 90–100, Hoàn thành tốt 75–89, Hoàn thành 50–74,
Không hoàn thành < 50) are as in one province's rules for rating agencies' task
completion; that text was not available to us, so the scheme records them as a default to
check against the province's own regulation, not as the regulation itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.audit.types import Source
from cchc.par.models import Campaign, CampaignResult, RatingBand, RatingScheme, TaskRating

DEFAULT_SOURCE = gettext_lazy(
    "Mặc định theo quy định xếp loại mức độ hoàn thành nhiệm vụ CCHC của một tỉnh "
    "(Hoàn thành xuất sắc 90–100, Hoàn thành tốt 75–89, Hoàn thành 50–74, Không hoàn thành "
    "< 50); chưa đối chiếu văn bản của tỉnh — cần thay bằng quy định của tỉnh mình."
)
# (label, lower, upper): lower included, upper excluded.
DEFAULT_BANDS: tuple[tuple[Any, Decimal, Decimal | None], ...] = (
    (gettext_lazy("Hoàn thành xuất sắc"), Decimal(90), None),
    (gettext_lazy("Hoàn thành tốt"), Decimal(75), Decimal(90)),
    (gettext_lazy("Hoàn thành"), Decimal(50), Decimal(75)),
    (gettext_lazy("Không hoàn thành"), Decimal(0), Decimal(50)),
)
CENT = Decimal("0.01")


class RatingError(Exception):
    """A rating cannot be set up or computed; the message is for the user."""


def scheme_for(year: int, group: AgencyGroup, *, create: bool = True) -> RatingScheme | None:
    """The year's scheme for the group; created with the defaults when asked."""
    scheme = RatingScheme.objects.filter(year=year, group=group).first()
    if scheme is None and create:
        with transaction.atomic():
            scheme, made = RatingScheme.objects.get_or_create(
                year=year, group=group, defaults={"source_note": str(DEFAULT_SOURCE)}
            )
            if made:
                RatingBand.objects.bulk_create(
                    RatingBand(scheme=scheme, label=str(label), lower=lo, upper=hi, position=n)
                    for n, (label, lo, hi) in enumerate(DEFAULT_BANDS)
                )
    return scheme


def scheme_update(
    scheme: RatingScheme,
    *,
    weight_on_time: int,
    weight_index: int,
    bands: list[tuple[str, Decimal, Decimal | None]],
    source_note: str,
) -> RatingScheme:
    """Change the weights and bands; all or nothing."""
    problems = scheme_problems(weight_on_time, weight_index, bands)
    if problems:
        raise RatingError(" ".join(problems))
    with transaction.atomic():
        scheme.weight_on_time = weight_on_time
        scheme.weight_index = weight_index
        scheme.source_note = source_note.strip()
        scheme.save()
        scheme.bands.all().delete()
        RatingBand.objects.bulk_create(
            RatingBand(scheme=scheme, label=label.strip(), lower=lo, upper=hi, position=n)
            for n, (label, lo, hi) in enumerate(bands)
        )
    return scheme


def scheme_problems(
    weight_on_time: int, weight_index: int, bands: list[tuple[str, Decimal, Decimal | None]]
) -> list[str]:
    """What is wrong with weights and bands, in Vietnamese; [] when they are usable.

    The bands must cover 0 to 100 without gap or overlap, so every score gets one band.
    """
    problems = []
    if not (0 <= weight_on_time <= 100 and 0 <= weight_index <= 100):
        problems.append(_("Trọng số phải từ 0 đến 100."))
    elif weight_on_time + weight_index != 100:
        problems.append(_("Tổng hai trọng số phải bằng 100."))
    if not bands:
        problems.append(_("Cần ít nhất một mức."))
        return problems
    labels = [b[0].strip() for b in bands]
    if any(not label for label in labels):
        problems.append(_("Mỗi mức cần có tên."))
    if len(set(labels)) != len(labels):
        problems.append(_("Hai mức trùng tên."))
    ordered = sorted(bands, key=lambda b: b[1])
    if ordered[0][1] != 0:
        problems.append(_("Mức thấp nhất phải bắt đầu từ 0."))
    for below, above in pairwise(ordered):
        if below[2] is None or below[2] != above[1]:
            problems.append(
                _("Các mức phải nối tiếp nhau: «%(a)s» và «%(b)s» hở hoặc chồng lên nhau.")
                % {"a": below[0], "b": above[0]}
            )
    if ordered[-1][2] is not None and ordered[-1][2] <= 100:
        problems.append(_("Mức cao nhất phải không có giới hạn trên (bao gồm 100)."))
    for label, lo, hi in bands:
        if hi is not None and lo >= hi:
            problems.append(
                _("Mức «%(label)s»: cận dưới phải nhỏ hơn cận trên.") % {"label": label}
            )
    return problems


def band_of(score: Decimal, bands: list[RatingBand]) -> str:
    for band in bands:
        if score >= band.lower and (band.upper is None or score < band.upper):
            return band.label
    return ""


def rating_score(rate: Decimal, index: Decimal, weight_on_time: int, weight_index: int) -> Decimal:
    """The weighted score, rounded half up to 2 decimals; within [0, 100] when both are."""
    raw = (rate * weight_on_time + index * weight_index) / Decimal(100)
    return raw.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class OnTime:
    on_time: int = 0
    late: int = 0  # done late or overdue
    not_due: int = 0  # neither done nor past due: not counted yet

    @property
    def counted(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> Decimal | None:
        if not self.counted:
            return None
        return (Decimal(self.on_time * 100) / self.counted).quantize(CENT, ROUND_HALF_UP)


def province_plan(year: int) -> Any:
    """The province's plan of the year (not an agency's own plan), newest first."""
    from cchc.plans.readmodel import plans_newest_first

    return (
        plans_newest_first()
        .filter(year=year, parent=None)
        .exclude(document__has_key="remediation")
        .first()
    )


def on_time_by_agency(year: int, *, today: date) -> tuple[Any, dict[int, OnTime]]:
    """(the plan read, agency id → its lead activities' on-time counts), in a few queries
    whatever the number of agencies."""
    from cchc.monitoring.models import Assignment
    from cchc.monitoring.progress import Timeliness, plan_progress

    plan = province_plan(year)
    counts: dict[int, OnTime] = {}
    if plan is None:
        return None, counts
    # The year's standing: reports up to the last period, timeliness as of the end of the
    # year (or today, while the year runs).
    as_of = min(today, date(year, 12, 31))
    progress = plan_progress(plan, period=None, today=as_of)
    for item in progress.items:
        if item.role != Assignment.Role.LEAD or item.status == "not_done":
            continue
        tally = counts.setdefault(item.agency_id, OnTime())
        if item.timeliness == Timeliness.DONE_ON_TIME:
            tally.on_time += 1
        elif item.timeliness in (Timeliness.DONE_LATE, Timeliness.OVERDUE):
            tally.late += 1
        else:
            tally.not_due += 1
    return plan, counts


def group_agencies(group: AgencyGroup, year: int) -> list[Agency]:
    """The agencies in the group at some time of the year, by name."""
    memberships = (
        GroupMembership.objects.filter(group=group)
        .exclude(valid_from__gt=date(year, 12, 31))
        .exclude(valid_to__lte=date(year, 1, 1))
    )
    return list(
        Agency.objects.filter(pk__in=memberships.values("agency_id"))
        .exclude(closed_on__lte=date(year, 1, 1))
        .order_by("sort_name")
    )


def published_campaign(year: int, group: AgencyGroup) -> Campaign | None:
    return Campaign.objects.filter(year=year, group=group, published_at__isnull=False).first()


@transaction.atomic
def ratings_compute(
    scheme: RatingScheme, *, actor: Any, today: date | None = None, source: Source = "web"
) -> list[TaskRating]:
    """Compute (again) every agency's rating of the scheme's year and group."""
    from cchc.audit.log import log_action

    today = today or timezone.localdate()
    bands = list(scheme.bands.order_by("position"))
    plan, on_time = on_time_by_agency(scheme.year, today=today)
    campaign = published_campaign(scheme.year, scheme.group)
    indices: dict[int, CampaignResult] = {}
    if campaign is not None:
        indices = {r.agency_id: r for r in CampaignResult.objects.filter(campaign=campaign)}
    now = timezone.now()
    rows = []
    for agency in group_agencies(scheme.group, scheme.year):
        tally = on_time.get(agency.pk, OnTime())
        rate = tally.rate
        result = indices.get(agency.pk)
        index = result.index if result is not None else None
        missing = []
        if rate is None:
            missing.append(_("chưa có hoạt động chủ trì đã đến hạn hoặc đã hoàn thành"))
        if index is None:
            missing.append(_("chưa có chỉ số CCHC đã công bố của năm"))
        score = None
        band = ""
        if rate is not None and index is not None:
            score = rating_score(rate, index, scheme.weight_on_time, scheme.weight_index)
            band = band_of(score, bands)
        rows.append(
            TaskRating(
                scheme=scheme,
                agency=agency,
                on_time_rate=rate,
                index=index,
                score=score,
                band=band,
                computed_at=now,
                computed_by=actor if getattr(actor, "pk", None) else None,
                inputs={
                    "plan": plan.pk if plan is not None else None,
                    "plan_title": str(plan) if plan is not None else "",
                    "as_of": min(today, date(scheme.year, 12, 31)).isoformat(),
                    "on_time": tally.on_time,
                    "late": tally.late,
                    "not_due": tally.not_due,
                    "campaign": campaign.pk if campaign is not None else None,
                    "campaign_title": campaign.title if campaign is not None else "",
                    "weight_on_time": scheme.weight_on_time,
                    "weight_index": scheme.weight_index,
                    "missing": missing,
                },
            )
        )
    TaskRating.objects.filter(scheme=scheme).delete()
    TaskRating.objects.bulk_create(rows)
    log_action(
        actor=actor,
        action="par.ratings_compute",
        obj=scheme,
        before=None,
        after={"ratings": len(rows), "rated": sum(1 for r in rows if r.score is not None)},
        source=source,
    )
    return rows


def formula_text(scheme: RatingScheme) -> str:
    return _(
        "Điểm = (%(w1)s × tỷ lệ hoạt động chủ trì hoàn thành đúng hạn + %(w2)s × chỉ số CCHC) ÷ 100"
    ) % {"w1": scheme.weight_on_time, "w2": scheme.weight_index}
