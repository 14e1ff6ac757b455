"""Published PAR INDEX results: what other parts of cchc read about an agency's index.

A result exists only once the coordinator has published the campaign
(`cchc.par.scoring.campaign_publish`); before that, nothing here reveals a score.
"""

from __future__ import annotations

from decimal import Decimal

from cchc.par.models import Campaign, CampaignResult


def published_result(campaign: Campaign | int, agency: object) -> CampaignResult | None:
    """The agency's published result in the campaign, or None (not published, not scored).

    `agency` is an Agency or its id.
    """
    campaign_id = campaign if isinstance(campaign, int) else campaign.pk
    agency_id = agency if isinstance(agency, int) else agency.pk  # type: ignore[attr-defined]
    return (
        CampaignResult.objects.filter(
            campaign_id=campaign_id,
            agency_id=agency_id,
            campaign__published_at__isnull=False,
        )
        .select_related("campaign", "agency")
        .first()
    )


def published_index(campaign: Campaign | int, agency: object) -> Decimal | None:
    """The agency's published index (%, 2 decimals) in the campaign, or None."""
    result = published_result(campaign, agency)
    return None if result is None else result.index


def published_results(campaign: Campaign | int) -> list[CampaignResult]:
    """Every published result of the campaign, by rank then name; [] before publication."""
    campaign_id = campaign if isinstance(campaign, int) else campaign.pk
    return list(
        CampaignResult.objects.filter(campaign_id=campaign_id, campaign__published_at__isnull=False)
        .select_related("agency")
        .order_by("rank", "agency__name")
    )
