"""Whatever saves or deletes a row the citizens' panel shows marks the panel as changed,
in the same transaction (`cchc.citizens.stamps`). Survey responses are marked by
`response_submit` itself (the hot path, as its last statement) and by `tally_rebuild`
after a bulk load; a response deleted is caught here."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from cchc.agencies.models import Agency
from cchc.citizens.models import (
    Feedback,
    Indicator,
    Measurement,
    SamplePopulation,
    SurveyDefinition,
    SurveyElement,
    SurveyResponse,
)
from cchc.citizens.stamps import citizens_changed, citizens_changed_everywhere
from cchc.reminders.models import CalendarDay


def _province_of_agency(instance: Model, agency_id: int | None) -> int | None:
    if agency_id is None:
        return None
    loaded = instance._state.fields_cache.get("agency")
    if isinstance(loaded, Agency) and "province_id" in loaded.__dict__:
        return loaded.province_id
    return Agency.objects.filter(pk=agency_id).values_list("province_id", flat=True).first()


def _feedback_changed(sender: type[Model], instance: Feedback, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # fixtures and restores load the stamps they were saved with
        return
    scopes = {instance.province_id}
    if instance.agency_id is not None:
        # Also its agency's province, when that is another, and the agencies of no
        # province (a ministry): an item is on its agency's panel, and a rerouted one
        # was on its earlier agency's, which routing keeps in the item's province or in
        # none (`feedback_route`).
        scopes |= {_province_of_agency(instance, instance.agency_id), None}
    citizens_changed(scopes)


def _response_deleted(sender: type[Model], instance: SurveyResponse, **kwargs: Any) -> None:
    citizens_changed({_province_of_agency(instance, instance.agency_id)})


def _changed_everywhere(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        citizens_changed_everywhere()


post_save.connect(_feedback_changed, sender=Feedback, dispatch_uid="citizens-save-Feedback")
post_delete.connect(_feedback_changed, sender=Feedback, dispatch_uid="citizens-delete-Feedback")
post_delete.connect(
    _response_deleted, sender=SurveyResponse, dispatch_uid="citizens-delete-SurveyResponse"
)
# Rare writes, some of which can move a row from one province to another (an indicator
# given to another agency, an agency moved): every province's panel at once.
for _model in (
    SamplePopulation,
    Indicator,
    Measurement,
    SurveyDefinition,
    SurveyElement,
    Agency,
    CalendarDay,
):
    post_save.connect(
        _changed_everywhere, sender=_model, dispatch_uid=f"citizens-save-{_model.__name__}"
    )
    post_delete.connect(
        _changed_everywhere, sender=_model, dispatch_uid=f"citizens-delete-{_model.__name__}"
    )
