"""The dashboards' panel on citizens: the year's satisfaction index, feedback (open,
overdue, answered on time) and the indicators' statuses. A fixed number of queries,
computed once per change and read from the cache (`panel_cached`, cchc.citizens.stamps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count

from cchc.agencies.models import Agency
from cchc.citizens import index
from cchc.citizens.feedback import FeedbackStats, OverdueLine, feedback_stats, overdue_lines
from cchc.citizens.indicators import STATUS_LABELS, IndicatorValue, indicator_values
from cchc.citizens.models import SamplePopulation, SurveyResponse
from cchc.citizens.services import active_definition
from cchc.citizens.stamps import citizens_stamp, citizens_stamp_all
from cchc.monitoring.figures import cached


@dataclass
class CitizensPanel:
    year: int
    agency: Agency | None
    survey_responses: int
    sipas: float | None
    method: index.Method
    below_sample: int | None
    feedback: FeedbackStats
    overdue: list[OverdueLine] = field(default_factory=list)
    indicators: list[IndicatorValue] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        # Kept in the cache with its method's code: a method holds functions and labels,
        # found again by their code where the panel is read.
        state = self.__dict__.copy()
        state["method"] = self.method.code
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["method"] = index.method_for(state["method"])
        self.__dict__.update(state)

    @property
    def indicator_counts(self) -> list[tuple[str, str, int]]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for value in self.indicators:
            counts[value.status] += 1
        return [(key, str(STATUS_LABELS[key]), n) for key, n in counts.items() if n]

    @property
    def needs_attention(self) -> list[IndicatorValue]:
        return [v for v in self.indicators if v.status in ("at_risk", "missed")]


def citizens_panel(
    agency: Agency | None, today: date, *, province: int | None = None
) -> CitizensPanel:
    """The panel of one agency, or of a province (`agency` None): only `province`'s
    surveys, feedback and indicators (docs/tenants.md); the installation's with None."""
    year = today.year
    responses = SurveyResponse.objects.filter(year=year)
    own: list[int] = []
    if agency is not None:
        responses = responses.filter(agency=agency)
    elif province is not None:
        # The province's agencies by their ids, so that the survey tallies still serve
        # (a join would count from the answers, cchc.citizens.index._tally_scope).
        own = list(
            Agency.objects.filter(province_id=province).order_by("pk").values_list("pk", flat=True)
        )
        responses = responses.filter(agency_id__in=own)
    method = index.method_for(None)
    codes = list(active_definition().elements.order_by("position").values_list("code", flat=True))
    figure = index.overall_figure(responses, method, codes, index.element_codes())
    below: int | None = None
    populations = SamplePopulation.objects.filter(year=year, quarter=0)
    if agency is not None:
        populations = populations.filter(agency=agency)
    elif province is not None:
        populations = populations.filter(agency_id__in=own)
    wanted = {
        row.agency_id: index.required_sample(row.population, float(settings.CCHC_SURVEY_MARGIN))
        for row in populations
    }
    if wanted:
        got = dict(
            SurveyResponse.objects.filter(year=year, agency_id__in=sorted(wanted))
            .order_by()
            .values_list("agency_id")
            .annotate(n=Count("pk"))
        )
        below = sum(1 for pk, n in wanted.items() if got.get(pk, 0) < n)
    return CitizensPanel(
        year=year,
        agency=agency,
        survey_responses=figure.responses,
        sipas=figure.overall,
        method=method,
        below_sample=below,
        feedback=feedback_stats(agency, date(year, 1, 1), today, province=province),
        overdue=overdue_lines(
            today=today,
            agency_ids=None if agency is None else [agency.pk],
            province=province if agency is None else None,
        )[:10],
        indicators=indicator_values(agency, today, province=province if agency is None else None),
    )


# Bumped when `CitizensPanel` changes shape, so that a deployment never reads the panels
# an earlier version cached.
PANEL_VERSION = 1


def panel_cached(
    agency: Agency | None, today: date, *, province: int | None = None
) -> CitizensPanel:
    """`citizens_panel(agency, today, province=…)`, computed once per change.

    The key names the token of the province whose rows the panel counts (the agency's
    province for an agency's panel; every province's for the installation's), which every
    change it shows writes in its own transaction (cchc.citizens.stamps), and what else
    the panel depends on: the day (the year, overdue items, indicators' statuses), the
    survey's method and margin (settings). The language is not in it: the panel's
    labels are translated where it is drawn."""
    if agency is not None:
        scope: tuple[Any, ...] = ("agency", agency.pk)
        token = citizens_stamp(agency.province_id)
    elif province is not None:
        scope = ("province", province)
        token = citizens_stamp(province)
    else:
        scope = ("all",)
        token = citizens_stamp_all()
    parts = (
        PANEL_VERSION,
        *scope,
        today.isoformat(),
        index.method_for(None).code,
        settings.CCHC_SURVEY_MARGIN,
    )
    # The figures' cache (cchc.monitoring.figures): the same store, packing and fallback
    # when it cannot be reached. Its plan number is 0 here: the random token alone makes
    # the key the panel's.
    return cached(
        0, token, "citizens-panel", parts, lambda: citizens_panel(agency, today, province=province)
    )


def panel_context(
    agency: Agency | None, today: date, *, province: int | None = None
) -> dict[str, Any]:
    return {"citizens": panel_cached(agency, today, province=province)}
