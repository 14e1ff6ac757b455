"""The range of dates a person may type: one bound for every form, service and API schema.

A date such as 01/01/0001 or 31/12/9999 is a typing slip, never a plan's date; stored, it
would sort first or last on every list and break the roll-ups by year. The province's
plans start in the 2000s, and nothing is planned past this century.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)

OUT_OF_RANGE = _("Ngày phải trong khoảng từ 01/01/2000 đến 31/12/2100.")


def is_plausible(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def validate_plausible(day: date | None) -> None:
    """A Django validator: refuses a date outside [EARLIEST, LATEST] in Vietnamese."""
    if day is not None and not is_plausible(day):
        raise ValidationError(OUT_OF_RANGE, code="date_out_of_range")
