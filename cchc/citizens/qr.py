"""Survey links and their QR codes (segno): the public address of a place's survey."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import reverse

from cchc.citizens.models import Counter


def survey_path(*, agency_id: int, counter: Counter | None = None) -> str:
    if counter is not None:
        return reverse("survey_counter", args=[counter.pk])
    return reverse("survey_agency", args=[agency_id])


def survey_url(*, agency_id: int, counter: Counter | None = None) -> str:
    """The address printed under the code: the site's public address (SITE_URL), never the
    Host header of whoever asked for the sheet."""
    return settings.SITE_URL.rstrip("/") + survey_path(agency_id=agency_id, counter=counter)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    # Level M survives a smudged or creased print; a border of 4 modules is the standard's.
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
