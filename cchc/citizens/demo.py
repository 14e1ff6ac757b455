"""Demo responses for the built-in 2022 plan: about 400 over the year's quarters.

`cchc load_demo` calls `demo_surveys_fill` within its report step. The responses go to the
districts (through a one-stop counter each, "Bộ phận một cửa UBND huyện …") and to a few
departments, with N (dossiers handled in the year) entered for each: some agencies reach
the sample the method asks for, others do not, so the results page shows its warning.
Everything is synthetic and says so: no comment names a person. The same seed gives the
same data; a second run adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cchc.agencies.models import Agency
from cchc.citizens import index
from cchc.citizens.models import (
    Counter,
    SamplePopulation,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from cchc.citizens.services import active_definition, device_hash
from cchc.lib.text import sort_key

TOTAL = 400
DEPARTMENTS = 3
COMMENTS = [
    "Cán bộ hướng dẫn tận tình.",
    "Phải chờ lâu vì đông người.",
    "Nên có thêm ghế ngồi chờ.",
    "Kết quả trả đúng hẹn.",
    "",
    "",
    "",
]


@dataclass(frozen=True)
class Filled:
    responses: int
    agencies: int
    below: int


def _agencies() -> list[Agency]:
    """The districts and a few departments of the plan's era (not closed)."""
    open_ = Agency.objects.filter(closed_on__isnull=True)
    districts = sorted(open_.filter(kind=Agency.Kind.DISTRICT), key=lambda a: sort_key(a.name))
    departments = sorted(open_.filter(kind=Agency.Kind.DEPARTMENT), key=lambda a: sort_key(a.name))[
        :DEPARTMENTS
    ]
    return districts + departments


def demo_surveys_fill(year: int, *, seed: int = 2022) -> Filled | None:
    """Fill the demo responses of `year`; None when there is nothing to do."""
    if SurveyResponse.objects.filter(year=year).exists():
        return None
    agencies = _agencies()
    if not agencies:
        return None
    rng = random.Random(seed)  # noqa: S311 - demo data
    definition = active_definition()
    questions = list(
        SurveyQuestion.objects.filter(element__definition=definition).select_related("element")
    )
    # Uneven on purpose: a few agencies collect many responses, most collect few.
    weights = [rng.choice([1, 1, 2, 3, 6]) for _ in agencies]
    shares = [max(5, round(TOTAL * w / sum(weights))) for w in weights]
    shares[0] += TOTAL - sum(shares)
    tz = timezone.get_default_timezone()
    made = 0
    below = 0
    with transaction.atomic():
        for number, (agency, count) in enumerate(zip(agencies, shares, strict=True)):
            counter = None
            if agency.kind == Agency.Kind.DISTRICT:
                counter, _created = Counter.objects.get_or_create(
                    agency=agency, name=f"Bộ phận một cửa {agency.name}"
                )
            mood = rng.uniform(0.55, 0.92)  # how well this agency serves
            responses = []
            for i in range(count):
                quarter = 1 + i % 4
                day = datetime(year, 3 * quarter - 2, 1, tzinfo=tz) + timedelta(
                    days=rng.randint(0, 88), hours=rng.randint(7, 16)
                )
                responses.append(
                    SurveyResponse(
                        definition=definition,
                        agency=agency,
                        counter=counter,
                        year=year,
                        quarter=quarter,
                        submitted_at=day,
                        comment=rng.choice(COMMENTS),
                        device_hash=device_hash(f"demo-{year}-{agency.pk}-{i}"),
                    )
                )
            saved = SurveyResponse.objects.bulk_create(responses)
            answers = []
            for response in saved:
                for question in questions:
                    # Most people never sent feedback: that element is often skipped.
                    if question.element.code == "gop-y" and rng.random() < 0.6:
                        continue
                    roll = rng.random()
                    value = rng.choice([4, 5, 5]) if roll < mood else rng.choice([1, 2, 3, 3])
                    answers.append(
                        SurveyAnswer(
                            response=response,
                            question=question,
                            element_id=question.element_id,
                            value=value,
                        )
                    )
            SurveyAnswer.objects.bulk_create(answers, batch_size=2000)
            made += len(saved)
            # N for the year: every other agency handled too many dossiers for its sample.
            population = count + rng.randint(0, 3) if number % 2 == 0 else 30 * count + 500
            if index.required_sample(population, 0.05) > count:
                below += 1
            SamplePopulation.objects.update_or_create(
                agency=agency, year=year, quarter=0, defaults={"population": population}
            )
        # Written in bulk past `response_submit`: the results' tallies are counted here.
        index.tally_rebuild([agency.pk for agency in agencies])
    return Filled(made, len(agencies), below)
