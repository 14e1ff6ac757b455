"""PAR INDEX demonstration data for `cchc load_demo`: a finished, published 2021 campaign
and a 2022 campaign in its appraisal window (the demo's today is 15/7/2022) for the
sở/ban/ngành group, so that rankings and year-on-year changes show on first start.

The scores are made up for the demonstration, reproducibly (seeded by year and agency
name), and marked as such in the audit trail: every item gets one version whose actor is
empty. They are written directly, not through the scoring services, because most demo
agencies have no account to act with; the 2021 results are then published through
`campaign_publish`, the same computation the coordinator's button runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cchc.accounts.models import User
from cchc.lib import calendar
from cchc.par.models import (
    AppraiserAssignment,
    Campaign,
    CampaignResult,
    CriteriaSet,
    Criterion,
    Scorecard,
    ScoreItem,
    ScoreItemVersion,
)
from cchc.par.scoring import campaign_publish, scorecards_ensure
from cchc.par.services import Windows, campaign_create, set_copy

GROUP = "so-ban-nganh"
DEMO_NOTE = "Số liệu mẫu để trình diễn, không phải kết quả thật."


@dataclass
class Made:
    published: int
    in_appraisal: int


def _points(rng: random.Random, maximum: Decimal, step: Decimal, low: float) -> Decimal:
    share = Decimal(str(round(rng.uniform(low, 1.0), 3)))
    steps = (maximum * share / step).to_integral_value(rounding=ROUND_FLOOR)
    return (steps * step).quantize(Decimal("0.01"))


def _fill(campaign: Campaign, *, appraise: bool, finalise: bool, seed: str) -> None:
    """Self scores for every card; appraised and final scores when asked."""
    step = campaign.criteria_set.step
    now = timezone.now()
    cards = list(Scorecard.objects.filter(campaign=campaign).select_related("agency"))
    items = list(
        ScoreItem.objects.filter(scorecard__campaign=campaign).select_related(
            "criterion", "scorecard__agency"
        )
    )
    for item in items:
        # Reproducible demo numbers, not secrets.
        rng = random.Random(f"{seed}-{item.scorecard.agency.name}-{item.criterion.code}")  # noqa: S311
        maximum = item.criterion.max_points
        strength = random.Random(f"{seed}-{item.scorecard.agency.name}").uniform(0.45, 0.9)  # noqa: S311
        computed = (item.computed_inputs or {}).get("points")
        if item.criterion.method == Criterion.Method.SURVEY and computed is None:
            # The survey points, as the coordinator enters them on the survey page.
            item.self_score = _points(rng, maximum, step, strength)
        elif computed is not None:
            item.self_score = Decimal(computed)
        else:
            item.self_score = _points(rng, maximum, step, strength)
            item.explanation = DEMO_NOTE
        if appraise:
            base = (
                item.self_score
                if item.self_score is not None
                else _points(rng, maximum, step, strength)
            )
            cut = step if rng.random() < 0.3 and base >= step else Decimal(0)
            item.appraised_score = base - cut
            item.appraisal_comment = (
                "Tài liệu kiểm chứng chưa đủ cho mức điểm tự chấm." if cut else ""
            )
            item.appraised_at = now
        if finalise:
            item.final_score = item.appraised_score
            item.locked = True
    ScoreItem.objects.bulk_update(
        items,
        [
            "self_score",
            "explanation",
            "appraised_score",
            "appraisal_comment",
            "appraised_at",
            "final_score",
            "locked",
        ],
        batch_size=500,
    )
    phase = (
        ScoreItemVersion.Phase.FINAL
        if finalise
        else ScoreItemVersion.Phase.APPRAISAL
        if appraise
        else ScoreItemVersion.Phase.SELF
    )
    last = dict(
        ScoreItemVersion.objects.filter(item__scorecard__campaign=campaign)
        .values("item_id")
        .annotate(n=Max("number"))
        .values_list("item_id", "n")
    )
    ScoreItemVersion.objects.bulk_create(
        [
            ScoreItemVersion(
                item=item,
                number=last.get(item.pk, 0) + 1,
                phase=phase,
                state={
                    "demo": DEMO_NOTE,
                    "self_score": None if item.self_score is None else str(item.self_score),
                    "appraised_score": (
                        None if item.appraised_score is None else str(item.appraised_score)
                    ),
                    "final_score": None if item.final_score is None else str(item.final_score),
                },
            )
            for item in items
        ],
        batch_size=500,
    )
    for card in cards:
        card.status = Scorecard.Status.FINALISED if finalise else Scorecard.Status.SUBMITTED
        card.submitted_at = now
        card.finalised_at = now if finalise else None
    Scorecard.objects.bulk_update(cards, ["status", "submitted_at", "finalised_at"])


@transaction.atomic
def demo_par_fill(province: Any = None) -> Made | None:
    """The two demo campaigns of `province`'s (else the only province's) group, once;
    None when they exist or the group has no 2022 set. Group codes are unique per
    province (docs/tenants.md): the code alone does not say whose group."""
    from cchc.accounts.tenancy import sole_province_id
    from cchc.agencies.services import group_by_code

    group = group_by_code(GROUP, province.pk if province is not None else sole_province_id())
    if group is None:
        return None
    current = CriteriaSet.objects.filter(year=2022, group=group).first()
    if current is None or Campaign.objects.filter(group=group).exists():
        return None
    coordinator = User.objects.filter(username="thuongtruc").first()
    appraiser = User.objects.filter(username="thamdinh").first()
    previous = CriteriaSet.objects.filter(year=2021, group=group).first() or set_copy(
        current, year=2021, actor=None
    )
    with calendar.as_of(date(2022, 1, 5)):
        c2021 = campaign_create(
            previous,
            windows=Windows(
                self_opens=date(2022, 1, 3),
                self_closes=date(2022, 1, 20),
                appraisal_opens=date(2022, 1, 21),
                appraisal_closes=date(2022, 2, 28),
                reply_opens=date(2022, 2, 7),
                reply_closes=date(2022, 2, 18),
            ),
            actor=None,
            title="Đánh giá PAR INDEX năm 2021 – Các sở, ban, ngành (số liệu mẫu)",
        )
    scorecards_ensure(c2021)
    _fill(c2021, appraise=True, finalise=True, seed="2021")
    published = campaign_publish(c2021, actor=coordinator)
    # Published in the demo's past (March 2022), not on the day the demo was loaded.
    stamp = datetime(2022, 3, 15, 9, 0, tzinfo=timezone.get_current_timezone())
    Campaign.objects.filter(pk=c2021.pk).update(published_at=stamp)
    CampaignResult.objects.filter(campaign=c2021).update(published_at=stamp)
    c2022 = campaign_create(
        current,
        windows=Windows(
            self_opens=date(2022, 6, 1),
            self_closes=date(2022, 7, 5),
            appraisal_opens=date(2022, 7, 6),
            appraisal_closes=date(2022, 8, 31),
            reply_opens=date(2022, 7, 20),
            reply_closes=date(2022, 8, 10),
        ),
        actor=None,
        title="Đánh giá PAR INDEX năm 2022 – Các sở, ban, ngành (số liệu mẫu)",
    )
    _fill(c2022, appraise=False, finalise=False, seed="2022")
    if appraiser is not None:
        for area in Criterion.objects.filter(criteria_set=current, level=1, code__in="1234"):
            AppraiserAssignment.objects.get_or_create(
                campaign=c2022, area=area, user=appraiser, defaults={"assigned_by": coordinator}
            )
    return Made(published=published, in_appraisal=c2022.scorecards.count())
