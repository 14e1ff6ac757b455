"""The PAR INDEX part of `cchc bench`: a campaign of N agencies (5,000 by default, the
national size of one group), with every leaf scored.

Measured: publication as the coordinator's button runs it (`campaign_publish`: every
agency's index, component indices, dense rank, class and change from the final scores,
written as results); the ranking page (`/par/dot/<id>/ket-qua/`: its first page of 50, the
classes and the charts, read from the stored results), whose query count must not grow with
the agencies; one agency's scorecard written as DOCX. Everything is created under the run's
tag (names "[cchc-bench-…]") and deleted by `par_cleanup`, before the rest of the bench
data because it refers to its agencies.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.par.models import (
    Campaign,
    CampaignResult,
    CriteriaSet,
    Criterion,
    Scorecard,
    ScoreItem,
)

AREAS = 8
LEAVES_PER_AREA = 3
YEAR = 2099  # far from any real campaign: (year, group) is unique and the group is ours


@dataclass
class ParBench:
    agencies: int
    compute_seconds: float
    compute_queries: int
    ranking_p50: float
    ranking_p95: float
    ranking_queries: int
    ranking_queries_small: int
    scorecard_seconds: float
    scorecard_queries: int


def _build(tag: str, count: int, rng: random.Random) -> Campaign:
    group = AgencyGroup.objects.create(code=f"{tag}-par", name=f"[{tag}] PAR INDEX")
    agencies = Agency.objects.bulk_create(
        Agency(name=f"[{tag}] Cơ quan {n:05d}", kind=Agency.Kind.DEPARTMENT) for n in range(count)
    )
    if connection.vendor != "postgresql" or any(a.pk is None for a in agencies):
        agencies = list(Agency.objects.filter(name__startswith=f"[{tag}] Cơ quan"))
    GroupMembership.objects.bulk_create(GroupMembership(group=group, agency=a) for a in agencies)
    criteria_set = CriteriaSet.objects.create(year=YEAR, group=group, title=f"[{tag}] Bộ tiêu chí")
    leaves: list[Criterion] = []
    for a in range(1, AREAS + 1):
        area = Criterion.objects.create(
            criteria_set=criteria_set,
            level=1,
            code=str(a),
            title=f"Lĩnh vực {a}",
            max_points=Decimal(LEAVES_PER_AREA * 2),
            position=a * 10,
        )
        for leaf in range(1, LEAVES_PER_AREA + 1):
            leaves.append(
                Criterion.objects.create(
                    criteria_set=criteria_set,
                    parent=area,
                    level=2,
                    code=f"{a}.{leaf}",
                    title=f"Tiêu chí {a}.{leaf}",
                    max_points=Decimal(2),
                    position=a * 10 + leaf,
                    method=Criterion.Method.SELF,
                )
            )
    campaign = Campaign.objects.create(
        year=YEAR,
        criteria_set=criteria_set,
        group=group,
        title=f"[{tag}] Đợt đánh giá",
        self_opens=date(YEAR, 1, 1),
        self_closes=date(YEAR, 1, 31),
        appraisal_opens=date(YEAR, 2, 1),
        appraisal_closes=date(YEAR, 3, 31),
        reply_opens=date(YEAR, 2, 15),
        reply_closes=date(YEAR, 2, 28),
    )
    Scorecard.objects.bulk_create(
        Scorecard(campaign=campaign, agency=a, status=Scorecard.Status.FINALISED) for a in agencies
    )
    cards = list(Scorecard.objects.filter(campaign=campaign).values_list("pk", flat=True))
    steps = [Decimal(n) / 4 for n in range(9)]  # 0 to 2 in steps of 0.25
    batch: list[ScoreItem] = []
    for card in cards:
        for leaf_node in leaves:
            score = rng.choice(steps)
            batch.append(
                ScoreItem(
                    scorecard_id=card,
                    criterion=leaf_node,
                    self_score=score,
                    appraised_score=score,
                    final_score=score,
                    locked=True,
                )
            )
        if len(batch) >= 20_000:
            ScoreItem.objects.bulk_create(batch)
            batch = []
    ScoreItem.objects.bulk_create(batch)
    return campaign


def _ranking_queries(client: Client, campaign: Campaign) -> tuple[int, list[float]]:
    url = reverse("par_results", args=[campaign.pk])
    times = []
    queries = 0
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    return queries, times


def par_measure(*, tag: str, agencies: int, seed: int) -> ParBench:
    from cchc.par.outputs import scorecard_docx
    from cchc.par.scoring import campaign_publish

    rng = random.Random(seed)  # noqa: S311 - synthetic data
    small = _build(f"{tag}s", 10, rng)
    campaign = _build(tag, agencies, rng)
    leader = User.objects.create(username=f"{tag}-par-leader", role=Role.LEADER)
    leader.set_unusable_password()
    leader.save()
    coordinator = User.objects.create(username=f"{tag}-par-coordinator", role=Role.COORDINATOR)
    coordinator.set_unusable_password()
    coordinator.save()
    # The coordinator's «Tính và công bố kết quả»: what publication runs in production
    # (index, component indices, dense ranks, classes, year-on-year change, audit).
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        campaign_publish(campaign, actor=coordinator, source="cli")
        compute_seconds = time.perf_counter() - started
    campaign_publish(small, actor=coordinator, source="cli")
    client = Client()
    client.force_login(leader)
    # As in cchc.ops.bench.measure: the test client calls itself "testserver", and a
    # working copy has no collectstatic manifest; the bench times the page, not the files.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES=storages
    ):
        small_queries, _times = _ranking_queries(client, small)
        queries, times = _ranking_queries(client, campaign)
    card = Scorecard.objects.select_related("campaign", "agency").filter(campaign=campaign).first()
    assert card is not None
    with CaptureQueriesContext(connection) as card_queries:
        started = time.perf_counter()
        scorecard_docx(card, issuer="Sở Nội vụ")
        card_seconds = time.perf_counter() - started
    ordered = sorted(times)
    return ParBench(
        agencies=agencies,
        compute_seconds=compute_seconds,
        compute_queries=len(captured),
        ranking_p50=statistics.median(ordered),
        ranking_p95=ordered[-1],
        ranking_queries=queries,
        ranking_queries_small=small_queries,
        scorecard_seconds=card_seconds,
        scorecard_queries=len(card_queries),
    )


def par_cleanup(tag: str) -> int:
    """Delete the PAR bench data of run `tag` (a prefix: every run when it is the mark)."""
    campaigns = Campaign.objects.filter(title__startswith=f"[{tag}")
    total = 0
    with transaction.atomic():
        for queryset in (
            CampaignResult.objects.filter(campaign__in=campaigns),
            ScoreItem.objects.filter(scorecard__campaign__in=campaigns),
            Scorecard.objects.filter(campaign__in=campaigns),
            campaigns,
            Criterion.objects.filter(criteria_set__title__startswith=f"[{tag}", level=2),
            Criterion.objects.filter(criteria_set__title__startswith=f"[{tag}"),
            CriteriaSet.objects.filter(title__startswith=f"[{tag}"),
            User.objects.filter(username__startswith=f"{tag}").filter(
                Q(username__endswith="-par-leader") | Q(username__endswith="-par-coordinator")
            ),
            GroupMembership.objects.filter(
                group__code__startswith=tag, group__code__endswith="-par"
            ),
            AgencyGroup.objects.filter(code__startswith=tag, code__endswith="-par"),
            Agency.objects.filter(name__startswith=f"[{tag}", name__contains="] Cơ quan "),
        ):
            total += queryset.delete()[0]
    return total
