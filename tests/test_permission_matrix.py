"""Who gets what: every URL and every API operation, tried as every persona.

The table below is the one place that says what each persona gets from each endpoint.
Endpoints are discovered from the URL resolver and from the OpenAPI schema, so a new page
or API operation fails `test_every_endpoint_is_in_the_table` until a row is added for it.

Outcomes:
    ok     2xx, a redirect that is not to a login page, or (for writes) 400/409/422: the
           request reached a view that was allowed to look at it
    login  a redirect to a login page, or 401 from the API
    403    refused by the access policy (cchc/accounts/policy.py)
    404    hidden (another agency's data), or not there

A second province's personas (coordinator, leader, officer, head of "Bắc Sơn") walk this
table's URLs in tests/test_tenants.py: every list without province A's names, every one
of province A's objects 403/404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.api.views import api
from cchc.jobs.services import job_start
from cchc.monitoring.evidence import evidence_add
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.monitoring.services import report_get_or_create, report_submit
from cchc.plans.cascade import plan_derive
from cchc.plans.models import Activity, Plan
from cchc.reminders.models import Notification
from cchc.reminders.services import calendar_feed_regenerate

PERSONAS = (
    "anonymous",
    "officer_a",
    "head_a",
    "officer_b",
    "coordinator",
    "leader",
    "appraiser",
    "admin",
)
OK, LOGIN = "ok", "login"


@dataclass(frozen=True)
class Row:
    anonymous: str | int
    officer_a: str | int
    head_a: str | int
    officer_b: str | int
    coordinator: str | int
    leader: str | int
    appraiser: str | int
    admin: str | int

    def expected(self, persona: str) -> str | int:
        return getattr(self, persona)  # type: ignore[no-any-return]


def everyone(anonymous: str | int = LOGIN) -> Row:
    return Row(anonymous, OK, OK, OK, OK, OK, OK, OK)


def staff(anonymous: str | int = LOGIN) -> Row:
    """The coordinator and the administrator (policy.STAFF)."""
    return Row(anonymous, 403, 403, 403, OK, 403, 403, OK)


# fmt: off
# "METHOD route": Row(anonymous, officer_a, head_a, officer_b,
#                     coordinator, leader, appraiser, admin)
# Routes are Django's (as written in urls.py) or the API's (as written in the OpenAPI schema).
EXPECTATIONS: dict[str, Row] = {
    # Accounts
    "GET login/":                                       everyone(anonymous=OK),
    "POST logout/":                                     Row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),  # noqa: E501
    "POST i18n/setlang/":                               everyone(anonymous=OK),
    # Plans and agencies: pages
    "GET ":                                             everyone(),
    "GET plans/":                                       everyone(),
    "GET plans/import/":                                staff(),
    "POST plans/import/":                               staff(),
    # Settling unknown names: staff only, and only on one's own failed import (the job
    # here is officer_a's status table, so the staff too find nothing: 404).
    "GET plans/import/<uuid:job_id>/names/":            Row(LOGIN, 403, 403, 403, 404, 403, 403, 404),  # noqa: E501
    "POST plans/import/<uuid:job_id>/names/":           Row(LOGIN, 403, 403, 403, 404, 403, 403, 404),  # noqa: E501
    "GET plans/<int:plan_id>/":                         everyone(),
    "GET plans/<int:plan_id>/areas/<int:area_id>/":     everyone(),
    "GET plans/<int:plan_id>/needs-date/":              everyone(),
    "POST plans/<int:plan_id>/needs-date/<int:activity_id>/fix/": staff(),
    "GET plans/<int:plan_id>/export/<str:fmt>/":        everyone(),
    "GET plans/<int:plan_id>/periods/":                 staff(),
    "POST plans/<int:plan_id>/periods/":                staff(),
    "GET needs-date/":                                  everyone(),
    # Agencies' own plans (docs/agency-plans.md). The table of who issued theirs: the
    # province, and the issuer of the plan (a district for its communes). An agency's plan
    # (here agency A's draft) is edited by its own staff and the province's staff, issued
    # by its head (or the administrator); deriving is for one's own agency (officer_b
    # derives B's, the coordinator its own agency's, the admin is asked to choose one).
    "GET plans/<int:plan_id>/agency-plans/":            Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "GET plans/<int:plan_id>/agency-plans.xlsx":        Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "POST plans/<int:plan_id>/agency-plans/due/":       staff(),
    "POST plans/<int:plan_id>/derive/":                 Row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    "GET plans/<int:agency_plan_id>/own/":              everyone(),
    "POST plans/<int:agency_plan_id>/own/activities/":  Row(LOGIN, OK, OK, 403, OK, 403, 403, OK),
    "POST plans/<int:agency_plan_id>/own/activities/<int:agency_activity_id>/lead/": Row(LOGIN, OK, OK, 403, OK, 403, 403, OK),  # noqa: E501
    "POST plans/<int:agency_plan_id>/own/issue/":       Row(LOGIN, 403, OK, 403, 403, 403, 403, OK),
    "GET agencies/":                                    everyone(),
    "GET agencies/<int:agency_id>/":                    everyone(),
    "GET agencies/<int:agency_id>/merge/":              staff(),
    "POST agencies/<int:agency_id>/merge/":             staff(),
    "GET search/":                                      everyone(),
    # Jobs: one's own list; a job (agency A's status table, asked by officer_a) is seen by
    # whoever may see agency A's data; a backup is the administrator's.
    "GET jobs/":                                        everyone(),
    "POST jobs/backup/":                                Row(LOGIN, 403, 403, 403, 403, 403, 403, OK),  # noqa: E501
    "GET jobs/<uuid:job_id>/":                          Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET jobs/<uuid:job_id>/file/":                     Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    # The admin, as one family: every admin URL behaves as its index does.
    "GET admin/":                                       Row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, OK),  # noqa: E501
    # API documents: public, they describe the API and hold no data.
    "GET api/openapi.json":                             everyone(anonymous=OK),
    "GET api/docs":                                     everyone(anonymous=OK),
    "GET api/":                                         Row(404, 404, 404, 404, 404, 404, 404, 404),
    # API operations
    "GET /api/plans":                                   everyone(),
    "GET /api/plans/{plan_id}":                         everyone(),
    "GET /api/plans/{plan_id}/areas":                   everyone(),
    "GET /api/plans/{plan_id}/tasks":                   everyone(),
    "GET /api/plans/{plan_id}/activities":              everyone(),
    "GET /api/plans/{plan_id}/export":                  everyone(),
    "POST /api/plans/import":                           staff(),
    "GET /api/jobs/{job_id}":                           Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET /api/jobs/{job_id}/file":                      Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    # Names of one's own failed import (the matrix's job is another's, or did not fail).
    "GET /api/jobs/{job_id}/names":                     Row(LOGIN, 403, 403, 403, 404, 403, 403, 404),  # noqa: E501
    # (The matrix posts no body: refused as malformed before any job is looked up.)
    "POST /api/jobs/{job_id}/names":                    Row(LOGIN, 403, 403, 403, OK, 403, 403, OK),
    "GET /api/agencies":                                everyone(),
    "GET /api/agencies/{agency_id}":                    everyone(),
    "GET /api/groups":                                  everyone(),
    "GET /api/plans/{plan_id}/agency-plans":            Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "POST /api/plans/{plan_id}/agency-plans":           Row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    "POST /api/agency-plans/{agency_plan_id}/activities": Row(LOGIN, OK, OK, 403, OK, 403, 403, OK),
    "PUT /api/agency-plans/{agency_plan_id}/activities/{agency_activity_id}/lead": Row(LOGIN, OK, OK, 403, OK, 403, 403, OK),  # noqa: E501
    "POST /api/agency-plans/{agency_plan_id}/issue":    Row(LOGIN, 403, OK, 403, 403, 403, 403, OK),
    # Monitoring: report pages. An officer or head sees only their own agency's reports and
    # evidence (officer_b gets 404 for agency A's); the province reads them all.
    "GET bao-cao/":                                     everyone(),
    "GET bao-cao/cho-gui/":                             Row(LOGIN, OK, OK, OK, 403, 403, 403, 403),
    "POST bao-cao/cho-gui/gui/":                        Row(LOGIN, OK, OK, OK, 403, 403, 403, 403),
    "GET bao-cao/cho-duyet/":                           Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "GET bao-cao/<int:assignment_id>/<int:period_id>/": Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "POST bao-cao/<int:assignment_id>/<int:period_id>/luu/":   Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),  # noqa: E501
    "POST bao-cao/<int:assignment_id>/<int:period_id>/gui/":   Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),  # noqa: E501
    "POST bao-cao/<int:assignment_id>/<int:period_id>/duyet/": staff(),
    "GET bao-cao/minh-chung/<int:evidence_id>/":        Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "POST bao-cao/minh-chung/<int:evidence_id>/go/":    Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    # Dashboards: the province's for the province only; an agency's for its own staff and
    # the province; the public page for everyone.
    "GET dashboard/":                                   Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "GET dashboard/csv/<slug:chart>/":                  Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "GET dashboard/agency/<int:agency_id>/":            Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET dashboard/agency/<int:agency_id>/csv/<slug:chart>/": Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),  # noqa: E501
    "GET dashboard/status-table.xlsx":                  Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    # Documents: an agency's own, and the province's to read.
    "GET van-ban/co-quan/<int:agency_id>/":             Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET cong-khai/":                                   everyone(anonymous=OK),
    "GET cong-khai/tien-do.csv":                        everyone(anonymous=OK),
    "GET cong-khai/tien-do.xlsx":                       everyone(anonymous=OK),
    # Reminders: one's own notifications; the agency's calendar feed (feed.view and
    # feed.regenerate in cchc/accounts/policy.py); the .ics feed itself needs only its token.
    "GET thong-bao/":                                   everyone(),
    "POST thong-bao/da-doc/":                           everyone(),
    "POST thong-bao/<int:notification_id>/da-doc/":     Row(LOGIN, OK, 404, 404, 404, 404, 404, 404),  # noqa: E501
    "GET lich/":                                        Row(LOGIN, OK, OK, OK, OK, 403, 403, 404),
    "GET lich/co-quan/<int:agency_id>/":                Row(LOGIN, OK, OK, 404, OK, 403, 403, OK),
    "POST lich/co-quan/<int:agency_id>/tao-moi/":       Row(LOGIN, OK, OK, 404, 403, 403, 403, OK),
    "GET ^lich/(?P<token>[A-Za-z0-9_-]{16,64})\\.ics$": everyone(anonymous=OK),
    # PAR INDEX criteria sets and campaigns: read by every role (an agency's staff: the
    # sets of their own groups, which the matrix's departments all belong to); managed by
    # the coordinator and the administrator.
    "GET par/":                                         everyone(),
    "GET par/nhap/":                                    staff(),
    "POST par/nhap/":                                   staff(),
    "GET par/<int:set_id>/":                            everyone(),
    "GET par/<int:set_id>/xlsx/":                       everyone(),
    "GET par/<int:set_id>/sao-chep/":                   staff(),
    "POST par/<int:set_id>/sao-chep/":                  staff(),
    "GET par/<int:set_id>/mo-dot/":                     staff(),
    "POST par/<int:set_id>/mo-dot/":                    staff(),
    "GET par/tieu-chi/<int:criterion_id>/sua/":         staff(),
    "POST par/tieu-chi/<int:criterion_id>/sua/":        staff(),
    "POST par/tieu-chi/<int:criterion_id>/xoa/":        staff(),
    "GET par/dot/<int:campaign_id>/":                   everyone(),
    "GET /api/par/sets":                                everyone(),
    "GET /api/par/sets/{set_id}":                       everyone(),
    # Setting up the year through the API: the coordinator (and administrator) only.
    "POST /api/par/sets/{set_id}/copy":                 staff(),
    "PATCH /api/par/criteria/{criterion_id}":           staff(),
    "POST /api/par/sets/{set_id}/campaigns":            staff(),
    "GET /api/par/campaigns":                           everyone(),
    # PAR INDEX scoring (docs/par.md). The scorecard is agency A's; the campaign's windows
    # are closed today, so whoever passes every check is told so (a message, or 409), and
    # the campaign is not published, so its results are not there for anyone (404). An
    # appraiser assigned to no area may not appraise; officer_b is told A's card is not there.
    "GET par/dot/<int:campaign_id>/phieu/":             everyone(),
    "GET par/dot/<int:campaign_id>/tham-dinh/":         staff(),
    "POST par/dot/<int:campaign_id>/tham-dinh/":        staff(),
    "POST par/dot/<int:campaign_id>/cong-bo/":          staff(),
    "GET par/dot/<int:campaign_id>/ket-qua/":           Row(LOGIN, 404, 404, 404, 404, 404, 404, 404),  # noqa: E501
    "GET par/phieu/<int:scorecard_id>/":                Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "POST par/phieu/<int:scorecard_id>/nop/":           Row(LOGIN, 403, OK, 403, 403, 403, 403, 403),  # noqa: E501
    "POST par/phieu/<int:scorecard_id>/tinh-lai/":      Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    "POST par/phieu/<int:scorecard_id>/chot/":          Row(LOGIN, 403, 403, 403, OK, 403, 403, 403),  # noqa: E501
    "POST par/muc/<int:item_id>/tu-cham/":              Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    "POST par/muc/<int:item_id>/tham-dinh/":            Row(LOGIN, 403, 403, 403, OK, 403, 403, 403),  # noqa: E501
    "POST par/muc/<int:item_id>/giai-trinh/":           Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    "GET /api/par/campaigns/{campaign_id}/scorecards":  everyone(),
    "GET /api/par/scorecards/{scorecard_id}":           Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET /api/par/campaigns/{campaign_id}/results":     Row(LOGIN, 404, 404, 404, 404, 404, 404, 404),  # noqa: E501
    # Survey criteria, late members and an agency's own page (docs/par.md): the survey
    # scores and the late members' scorecards are the coordinator's (the matrix's day is
    # outside the campaign's windows: a POST is answered with the window's message); each
    # agency's staff read their own results.
    "GET par/dot/<int:campaign_id>/dieu-tra/":          staff(),
    "POST par/dot/<int:campaign_id>/dieu-tra/":         staff(),
    "GET par/dot/<int:campaign_id>/dieu-tra/mau.xlsx":  staff(),
    "POST par/dot/<int:campaign_id>/them-phieu/":       staff(),
    "GET par/co-quan-toi/":                             Row(LOGIN, OK, OK, OK, 403, 403, 403, 403),
    "GET /api/par/campaigns/{campaign_id}/survey":      staff(),
    "POST /api/par/campaigns/{campaign_id}/survey":     staff(),
    "GET /api/par/campaigns/{campaign_id}/missing-scorecards": staff(),
    "POST /api/par/campaigns/{campaign_id}/missing-scorecards": staff(),
    "GET /api/par/own":                                 Row(LOGIN, OK, OK, OK, 403, 403, 403, 403),
    # multipart: the matrix sends no file, so the form is refused (422) before the item is
    # looked up, for every item alike; with a file officer_b gets 404 (test_par_survey.py).
    "POST /api/par/items/{item_id}/self-with-file":     Row(LOGIN, OK, OK, OK, 403, 403, 403, 403),
    "POST /api/par/campaigns/{campaign_id}/appraisers": staff(),
    "POST /api/par/campaigns/{campaign_id}/publish":    staff(),
    "POST /api/par/items/{item_id}/self":               Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    "POST /api/par/items/{item_id}/appraise":           Row(LOGIN, 403, 403, 403, OK, 403, 403, 403),  # noqa: E501
    "POST /api/par/items/{item_id}/reply":              Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    "POST /api/par/scorecards/{scorecard_id}/submit":   Row(LOGIN, 403, OK, 403, 403, 403, 403, 403),  # noqa: E501
    "POST /api/par/scorecards/{scorecard_id}/withdraw": Row(LOGIN, 403, OK, 403, 403, 403, 403, 403),  # noqa: E501
    "POST /api/par/scorecards/{scorecard_id}/finalise": Row(LOGIN, 403, 403, 403, OK, 403, 403, 403),  # noqa: E501
    # Ratings, inspection plans (the province's) and the downloads: the campaign here is
    # not published, so its ranking is nobody's yet; a scorecard is its agency's and the
    # province's (the format asked is not one, hence 404/422 past the permission).
    "GET par/muc-do-hoan-thanh/":                       Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "POST par/muc-do-hoan-thanh/":                      staff(),
    "GET par/kiem-tra/":                                Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "POST par/kiem-tra/":                               staff(),
    "GET par/kiem-tra/<int:inspection_id>/":            Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "POST par/kiem-tra/co-quan/<int:selection_id>/phat-hien/": staff(),
    "GET par/dot/<int:campaign_id>/xep-hang/":          Row(LOGIN, 403, 403, 403, 403, 403, 403, 403),  # noqa: E501
    "POST par/dot/<int:campaign_id>/xep-hang/<str:fmt>/": Row(LOGIN, 403, 403, 403, 403, 403, 403, 403),  # noqa: E501
    "POST par/phieu/<int:scorecard_id>/tai/<str:fmt>/": Row(LOGIN, 404, 404, 404, 404, 404, 404, 404),  # noqa: E501
    "GET /api/par/ratings":                             Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "POST /api/par/ratings/compute":                    staff(),
    "GET /api/par/inspections":                         Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "POST /api/par/inspections":                        staff(),
    "GET /api/par/inspections/{inspection_id}":         Row(LOGIN, 403, 403, 403, OK, OK, OK, OK),
    "POST /api/par/inspections/selections/{selection_id}/findings": staff(),
    "GET /api/par/campaigns/{campaign_id}/ranking":     Row(LOGIN, 403, 403, 403, 403, 403, 403, 403),  # noqa: E501
    "POST /api/par/campaigns/{campaign_id}/ranking/{format}": Row(LOGIN, 403, 403, 403, 403, 403, 403, 403),  # noqa: E501
    "POST /api/par/scorecards/{scorecard_id}/export/{format}": Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),  # noqa: E501
    # Satisfaction surveys (cchc.citizens): the form a QR code opens is for anyone (an empty
    # POST is answered with the form's errors); results, export and QR codes for the
    # province and each agency's own people; N is entered by those who run the plan.
    "GET khao-sat/<int:agency_id>/":                    everyone(anonymous=OK),
    "POST khao-sat/<int:agency_id>/":                   everyone(anonymous=OK),
    "GET khao-sat/quay/<int:counter_id>/":              everyone(anonymous=OK),
    "POST khao-sat/quay/<int:counter_id>/":             everyone(anonymous=OK),
    "GET khao-sat/cam-on/":                             everyone(anonymous=OK),
    "GET khao-sat/ket-qua/":                            everyone(),
    "POST khao-sat/ket-qua/so-ho-so/":                  staff(),
    "GET khao-sat/ket-qua/xlsx/":                       everyone(),
    "GET khao-sat/ma-qr/":                              everyone(),
    "POST khao-sat/ma-qr/them-quay/":                   staff(),
    "GET khao-sat/ma-qr/<int:agency_id>.png":           Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET khao-sat/ma-qr/quay/<int:counter_id>.png":     Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET khao-sat/ma-qr/<int:agency_id>/in/":           Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET khao-sat/ma-qr/quay/<int:counter_id>/in/":     Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    # Feedback on regulations: the public form and the lookup for anyone; the item (routed
    # to agency A) for the province and A's people, hidden from B (an empty POST is
    # answered 400: no action named); its attachment likewise.
    "GET phan-anh/":                                    everyone(anonymous=OK),
    "POST phan-anh/":                                   everyone(anonymous=OK),
    "GET phan-anh/tra-cuu/":                            everyone(anonymous=OK),
    "GET phan-anh/xu-ly/":                              everyone(),
    "GET phan-anh/xu-ly/<int:feedback_id>/":            Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "POST phan-anh/xu-ly/<int:feedback_id>/":           Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET phan-anh/tep/<int:attachment_id>/":            Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    # Indicators: read by everyone logged in; values entered by the staff and by the
    # responsible agency's people (agency A here); definitions imported by the staff.
    "GET chi-tieu/":                                    everyone(),
    "GET chi-tieu/nhap/":                               staff(),
    "POST chi-tieu/nhap/":                              staff(),
    "GET chi-tieu/xlsx/":                               everyone(),
    "GET chi-tieu/<int:indicator_id>/":                 everyone(),
    "POST chi-tieu/<int:indicator_id>/":                Row(LOGIN, OK, OK, 403, OK, 403, 403, OK),
    # Defined and changed on a page by the staff (an empty POST is answered 400); a
    # measurement's evidence file read by everyone logged in, as the indicator is.
    "GET chi-tieu/them/":                               staff(),
    "POST chi-tieu/them/":                              staff(),
    "GET chi-tieu/<int:indicator_id>/sua/":             staff(),
    "POST chi-tieu/<int:indicator_id>/sua/":            staff(),
    "GET chi-tieu/so-lieu/<int:measurement_id>/minh-chung/": everyone(),
    "GET /api/indicators":                              everyone(),
    "POST /api/indicators":                             staff(),
    "PUT /api/indicators/{indicator_id}":               staff(),
    "GET /api/indicators/{indicator_id}":               everyone(),
    "POST /api/indicators/{indicator_id}/measurements": Row(LOGIN, OK, OK, 403, OK, 403, 403, OK),
    "POST /api/indicators/{indicator_id}/measurements-with-file": Row(
        LOGIN, OK, OK, 403, OK, 403, 403, OK
    ),
    "GET /api/indicators/measurements/{measurement_id}/evidence": everyone(),
    # Official reports (cchc.official): agency A's quý I report, sent to the province.
    # Its own people read it and ask for its files; it is no longer written (a message,
    # not a change); the coordinator and the administrator receive it; the province's
    # consolidation is refused on an agency's report.
    "GET bao-cao-dinh-ky/":                             everyone(),
    "POST bao-cao-dinh-ky/tao/":                        Row(LOGIN, OK, OK, OK, OK, 403, 403, OK),
    "GET bao-cao-dinh-ky/<int:official_id>/":           Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "POST bao-cao-dinh-ky/<int:official_id>/luu/":      Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    "POST bao-cao-dinh-ky/<int:official_id>/chuyen/<slug:step>/": Row(LOGIN, 403, 403, 404, OK, 403, 403, OK),  # noqa: E501
    "POST bao-cao-dinh-ky/<int:official_id>/tong-hop/": Row(LOGIN, 403, 403, 403, 403, 403, 403, 403),  # noqa: E501
    "POST bao-cao-dinh-ky/<int:official_id>/tai/<slug:file_format>/": Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),  # noqa: E501
    "GET bao-cao-dinh-ky/<int:official_id>/phien-ban/<int:official_version>/": Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),  # noqa: E501
    "GET /api/official-reports":                        everyone(),
    "GET /api/official-reports/{official_id}":          Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "GET /api/official-reports/{official_id}/download": Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "POST /api/official-reports/{official_id}/generate": Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    # Monitoring API
    "GET /api/plans/{plan_id}/periods":                 everyone(),
    "GET /api/plans/{plan_id}/assignments":             everyone(),
    "GET /api/plans/{plan_id}/progress":                everyone(),
    "GET /api/reports/{report_id}":                     Row(LOGIN, OK, OK, 404, OK, OK, OK, OK),
    "POST /api/assignments/{assignment_id}/reports/{period_id}": Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),  # noqa: E501
    # Writes to a report: the agency's own people reach the service (which refuses a sent
    # report, or a stale version); officer_b is told the report is not there; other roles
    # are refused by the table before their body is read.
    "PUT /api/reports/{report_id}":                     Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    "POST /api/reports/{report_id}/submit":             Row(LOGIN, OK, OK, 404, 403, 403, 403, 403),
    "POST /api/reports/{report_id}/review":             staff(),
}
# fmt: on


# ---------------------------------------------------------------------------
# Discovery


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _is_api_operation(callback: Any) -> bool:
    # ninja's operation views; they are covered, method by method, by the OpenAPI schema.
    return getattr(callback, "__module__", "") == "ninja.operation"


def discovered_routes() -> set[str]:
    """Every route of the URL map (admin as one family) and every API operation."""
    routes = set()
    for route, callback in _walk(get_resolver().url_patterns):
        if _is_api_operation(callback):
            continue
        routes.add("admin/" if route.startswith("admin/") else route)
    for path, item in api.get_openapi_schema()["paths"].items():
        for method in item:
            routes.add(f"{method.upper()} {path}")
    return routes


def _route_of(key: str) -> str:
    _method, _, route = key.partition(" ")
    return key if route.startswith("/") else route


def test_every_endpoint_is_in_the_table() -> None:
    listed = {_route_of(key) for key in EXPECTATIONS}
    missing = sorted(discovered_routes() - listed)
    assert not missing, (
        "These endpoints have no row in EXPECTATIONS of tests/test_permission_matrix.py; "
        "add one per method, saying what each persona gets:\n  " + "\n  ".join(missing)
    )


def test_the_table_names_no_endpoint_that_is_gone() -> None:
    stale = sorted({_route_of(k) for k in EXPECTATIONS} - discovered_routes())
    assert not stale, f"Rows for endpoints that no longer exist: {stale}"
    assert set(API_BODIES) <= set(EXPECTATIONS), "API_BODIES names an unknown operation"


# ---------------------------------------------------------------------------
# Filling in and asking


def objects_for_paths(plan: Plan, agencies: dict[str, Agency]) -> dict[str, Any]:
    """Real values for path parameters; agency-owned data is agency A's."""
    activity = (
        Activity.objects.filter(plan=plan, needs_date=True, assignees__agency=agencies["a"])
        .order_by("pk")
        .first()
    )
    assert activity is not None, "the test plan needs an undated activity led by agency A"
    officer_a = User.objects.get(username="officer_a")
    head_a = User.objects.get(username="head_a")
    assignment = (
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"], role="lead")
        .order_by("pk")
        .first()
    )
    assert assignment is not None, "the test plan needs an activity led by agency A"
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    report = report_get_or_create(assignment=assignment, period=period)
    evidence = evidence_add(
        report=report,
        actor=officer_a,
        name="minh-chung.pdf",
        data=PDF,
        declared_type="application/pdf",
    )
    # Sent, so the report stays as it is however the personas poke at it (a file cannot be
    # removed, nothing can be saved over it) and every persona meets the same report.
    report.refresh_from_db()
    report_submit(report=report, actor=head_a, expected_version=report.version)
    notification = Notification.objects.create(
        user=officer_a,
        kind=Notification.Kind.DIGEST,
        agency=agencies["a"],
        sent_on=date(2022, 3, 25),
        title="Nhắc việc",
    )
    feed = calendar_feed_regenerate(agency=agencies["a"], actor=officer_a)
    job = job_start(
        kind="status_table",
        params={"plan": plan.pk, "period": "", "today": "2022-07-20", "agency": agencies["a"].pk},
        asked_by=officer_a,
    )
    assert job.status == "done", job.errors
    par = par_objects()
    agency_plan = plan_derive(parent=plan, agency=agencies["a"], actor=officer_a).plan
    from cchc.citizens.models import Counter

    counter = Counter.objects.create(agency=agencies["a"], name="Bộ phận một cửa Sở Tư pháp")
    feedback, attachment, indicator = citizens_objects(agencies)
    official = official_objects(plan, agencies)
    return {
        "feedback_id": feedback,
        "attachment_id": attachment,
        "indicator_id": indicator,
        "measurement_id": measurement_with_evidence(indicator),
        **official,
        "agency_plan_id": agency_plan.pk,
        "agency_activity_id": agency_plan.activities.order_by("pk").first().pk,
        "counter_id": counter.pk,
        "job_id": job.pk,
        "plan_id": plan.pk,
        "agency_id": agencies["a"].pk,
        "activity_id": activity.pk,
        "area_id": activity.task.area_id,
        "fmt": "json",
        "assignment_id": assignment.pk,
        "period_id": period.pk,
        "report_id": report.pk,
        "evidence_id": evidence.pk,
        "notification_id": notification.pk,
        "chart": "overdue",
        "token": feed.token,
        **par,
    }


def citizens_objects(agencies: dict[str, Agency]) -> tuple[int, int, int]:
    """A feedback item routed to agency A with an attachment, and an indicator of A."""
    from decimal import Decimal

    from cchc.citizens.feedback import (
        Attachment,
        attachment_check,
        feedback_route,
        feedback_types_ensure,
    )
    from cchc.citizens.feedback import feedback_submit as submit
    from cchc.citizens.models import FeedbackType, Indicator

    feedback_types_ensure()  # a browser test's database is emptied after its migrations
    item = submit(
        feedback_type=FeedbackType.objects.get(code="phan-anh"),
        regulation="Thủ tục chứng thực",
        content="Nội dung",
        sender_name="Người gửi",
        sender_phone="0900000000",
        attachments=[
            Attachment(
                attachment_check(name="a.pdf", data=PDF, declared_type="application/pdf"), PDF
            )
        ],
    )
    feedback_route(item=item, agency=agencies["a"], actor=User.objects.get(username="coordinator"))
    indicator = Indicator.objects.create(
        code="truc-tuyen",
        name="Tỷ lệ hồ sơ trực tuyến",
        unit="%",
        baseline_year=2021,
        baseline_value=Decimal(20),
        target_value=Decimal(50),
        due_on=date(2022, 12, 31),
        agency=agencies["a"],
    )
    return item.pk, item.attachments.get().pk, indicator.pk


def measurement_with_evidence(indicator_id: int) -> int:
    """A value of the indicator with a PDF as its evidence file."""
    from decimal import Decimal

    from cchc.citizens.indicators import EvidenceFile, measurement_record
    from cchc.citizens.models import Indicator
    from cchc.lib.uploads import EVIDENCE_KINDS, check_upload

    checked = check_upload("bien-ban.pdf", PDF, allowed=EVIDENCE_KINDS, max_bytes=10**6)
    return measurement_record(
        indicator=Indicator.objects.get(pk=indicator_id),
        period="Quý I/2022",
        measured_on=date(2022, 3, 31),
        value=Decimal(30),
        source="Báo cáo quý I",
        evidence_file=EvidenceFile(checked, PDF),
        actor=None,
    ).pk


def official_objects(plan: Plan, agencies: dict[str, Agency]) -> dict[str, Any]:
    """Agency A's quý I official report, approved and sent (versions 2 and 3), with a
    DOCX made by its officer."""
    from cchc.official.services import official_report_create, official_report_move
    from cchc.official.views import job_params

    officer_a = User.objects.get(username="officer_a")
    head_a = User.objects.get(username="head_a")
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    report = official_report_create(period=period, agency=agencies["a"], actor=officer_a)
    if report.state == "draft":
        report = official_report_move(
            report=report, actor=head_a, move="approve", expected_version=None
        )
        report = official_report_move(
            report=report, actor=officer_a, move="submit", expected_version=None
        )
    job = job_start(
        kind="official_docx", params=job_params(report, None, date(2022, 7, 20)), asked_by=officer_a
    )
    assert job.status == "done", job.errors
    return {
        "official_id": report.pk,
        "official_version": 3,
        "step": "receive",
        "file_format": "docx",
    }


def par_objects() -> dict[str, int]:
    """The shipped criteria sets of 2022 and a campaign on the departments' set, which is
    then in use: a persona's delete or edit is refused and changes nothing."""
    from cchc.par.models import Campaign, CriteriaSet
    from cchc.par.services import Windows, campaign_create, default_sets_load

    default_sets_load(2022)
    criteria_set = CriteriaSet.objects.get(year=2022, group__code="so-ban-nganh")
    campaign = Campaign.objects.filter(criteria_set=criteria_set).first()
    if campaign is None:
        campaign = campaign_create(
            criteria_set,
            windows=Windows(
                date(2022, 12, 1),
                date(2022, 12, 15),
                date(2022, 12, 16),
                date(2023, 1, 20),
                date(2023, 1, 5),
                date(2023, 1, 12),
            ),
            actor=None,
        )
    criterion = criteria_set.criteria.get(code="1.1.1")
    # Agency A's card, whatever the agency is called (the hostile sweep plants a script).
    officer_a = User.objects.filter(username="officer_a").first()
    card = (
        campaign.scorecards.get(agency_id=officer_a.agency_id)
        if officer_a is not None
        else campaign.scorecards.get(agency__name="Sở Tư pháp")
    )
    item = card.items.get(criterion__code="2")
    from cchc.par.inspection import plan_draw
    from cchc.par.models import InspectionPlan

    inspection = InspectionPlan.objects.filter(year=2023, group=campaign.group).first()
    if inspection is None:
        inspection = plan_draw(year=2023, group=campaign.group, seed=1, actor=None)
    return {
        "set_id": criteria_set.pk,
        "criterion_id": criterion.pk,
        "campaign_id": campaign.pk,
        "scorecard_id": card.pk,
        "item_id": item.pk,
        "inspection_id": inspection.pk,
        "selection_id": inspection.selections.order_by("position").first().pk,  # type: ignore[union-attr]
        "format": "xlsx",  # type: ignore[dict-item]
    }


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    # Evidence files are written for real; keep them out of the data directory.
    settings.MEDIA_ROOT = tmp_path / "files"


_DJANGO_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_API_PARAM = re.compile(r"\{(?P<name>[^}]+)\}")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


def fill(route: str, values: dict[str, Any]) -> str:
    """The URL of a route with its parameters filled in from `values`."""

    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in values:
            raise AssertionError(
                f"No value for path parameter «{name}» of {route}: add it to "
                "objects_for_paths() in tests/test_permission_matrix.py"
            )
        return str(values[name])

    if route.startswith("/"):
        return _API_PARAM.sub(value, route)
    if route.startswith("^"):  # re_path: named groups, anchors and escapes
        filled = _REGEX_PARAM.sub(value, route)
        return "/" + filled.replace("^", "").rstrip("$").replace("\\", "")
    return "/" + _DJANGO_PARAM.sub(value, route)


LOGIN_PATHS = ("/login/", "/admin/login/")


def outcome(response: Any) -> str | int:
    status = response.status_code
    if status == 401:
        return LOGIN
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"]).path
        return LOGIN if target in LOGIN_PATHS else OK
    if status in (403, 404):
        return status
    if 200 <= status < 300 or status in (400, 409, 413, 422):
        return OK
    return status  # 405, 5xx …: never what a row expects


def client_for(persona: str, personas: dict[str, User]) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(personas[persona])
    return client


# Well-formed bodies for API writes, so that a row shows the permission and agency checks
# rather than the body's validation. The version is stale on purpose: whoever gets past
# every check is answered 409 and the shared report stays as it is for the next persona.
API_BODIES: dict[str, dict[str, Any]] = {
    "POST /api/official-reports/{official_id}/generate": {"format": "xlsx"},
    "PUT /api/reports/{report_id}": {"status": "in_progress", "percent": 10, "version": 999},
    "POST /api/reports/{report_id}/submit": {"version": 999},
    "POST /api/reports/{report_id}/review": {"approve": True, "version": 999},
    # Refused by the service (a lead that is not the agency's, a malformed number): 400.
    "POST /api/agency-plans/{agency_plan_id}/activities": {
        "title": "Hoạt động",
        "deadline": "Quý I",
        "lead_id": 999999,
        "area_code": "I",
        "task_title": "Nhiệm vụ",
    },
    "PUT /api/agency-plans/{agency_plan_id}/activities/{agency_activity_id}/lead": {
        "lead_id": 999999
    },
    # A value dated in the future: refused by the service (400) for those who may enter.
    "POST /api/indicators/{indicator_id}/measurements": {
        "period": "Quý IV/2099",
        "measured_on": "2099-12-31",
        "value": "10",
        "source": "Thử",
    },
    # The same as a multipart form with a small PDF (`ask` sends a body with a file so).
    "POST /api/indicators/{indicator_id}/measurements-with-file": {
        "period": "Quý IV/2099",
        "measured_on": "2099-12-31",
        "value": "10",
        "source": "Thử",
        "file": b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n",
    },
    "POST /api/par/items/{item_id}/self": {"score": "1", "explanation": "Chưa có văn bản"},
    "POST /api/par/items/{item_id}/appraise": {"score": "1", "comment": "Thiếu văn bản"},
    "POST /api/par/items/{item_id}/reply": {"reply": "Đã bổ sung"},
    "POST /api/agency-plans/{agency_plan_id}/issue": {
        "number": "không số",
        "issued_on": "2022-02-10",
        "signer": "A",
    },
}


def ask(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "GET":
        return client.get(url)
    if body and isinstance(body.get("file"), bytes):
        # A multipart endpoint: a fresh file for each persona.
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("minh-chung.pdf", body["file"], "application/pdf")
        return client.post(url, {**body, "file": upload})
    if url.startswith("/api/"):
        # Without a body of its own, an empty JSON object: allowed users get a validation
        # error, others 401/403.
        return client.generic(method, url, json.dumps(body or {}), content_type="application/json")
    return client.generic(method, url, "", content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("key", sorted(EXPECTATIONS))
def test_each_persona_gets_what_the_table_says(
    key: str, personas: dict[str, User], agencies: dict[str, Agency], plan: Plan
) -> None:
    method, _, route = key.partition(" ")
    if route == "admin/":
        urls = ["/admin/"] + [
            reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
            for m in admin.site._registry
        ]
    else:
        urls = [fill(route, objects_for_paths(plan, agencies))]
    wrong = []
    for persona in PERSONAS:
        for url in urls:
            response = ask(client_for(persona, personas), method, url, API_BODIES.get(key))
            got, expected = outcome(response), EXPECTATIONS[key].expected(persona)
            if got != expected:
                wrong.append(
                    f"{persona}: {method} {url} gave {got} ({response.status_code}), "
                    f"the table says {expected}"
                )
    assert not wrong, "\n".join(wrong)


def test_a_forbidden_write_changes_nothing(
    personas: dict[str, User], agencies: dict[str, Agency], plan: Plan
) -> None:
    values = objects_for_paths(plan, agencies)
    activity = Activity.objects.get(pk=values["activity_id"])
    client = client_for("officer_a", personas)
    response = client.post(
        fill("plans/<int:plan_id>/needs-date/<int:activity_id>/fix/", values), {"text": "Quý II"}
    )
    assert response.status_code == 403
    activity.refresh_from_db()
    assert activity.needs_date
