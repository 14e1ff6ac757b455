"""The access policy (cchc/accounts/policy.py): what it answers, and what it can express.

The first part proves that the next issues' rules fit the policy's shape as it is, with
small rules on plain objects and a policy of the test's own (the site's is not changed):
an appraisal team per campaign and area, a window of dates, a citizen who is not logged
in. The second part is the district over its communes, which the site enables now for
reading (see the module's docstring).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template import Context, Template
from django.test import Client, RequestFactory
from ninja.errors import HttpError

from cchc.accounts import policy
from cchc.accounts.models import Role, User
from cchc.accounts.policy import (
    ANONYMOUS,
    EVERYONE,
    PUBLIC,
    Policy,
    attr_in,
    has_role,
    member_of,
    within,
)
from cchc.agencies.models import Agency
from cchc.api.auth import UNDECLARED, _permitted, api_auth
from cchc.monitoring.evidence import evidence_add
from cchc.monitoring.models import Assignment, ReportingPeriod
from cchc.monitoring.services import report_get_or_create, report_save
from cchc.plans.models import Activity, Plan
from cchc.reminders.services import calendar_feed_regenerate
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


# ---------------------------------------------------------------------------
# What the next issues need, expressed now


@dataclass
class Score:
    """What a PAR criterion's score will look like to the policy: a campaign and an area."""

    campaign: str
    area: str
    state: str = "open"


@dataclass
class Teams:
    """Stands in for the PAR issue's team model: membership by (campaign, area)."""

    members: dict[tuple[str, str], set[int]] = field(default_factory=dict)

    def of(self, score: Score) -> set[int]:
        return self.members.get((score.campaign, score.area), set())


def test_an_appraisal_team_rule_takes_its_members_from_a_relation(
    personas: dict[str, User],
) -> None:
    appraiser, coordinator = personas["appraiser"], personas["coordinator"]
    other = factories.make_user("appraiser2", Role.APPRAISER)
    teams = Teams({("2024", "I"): {appraiser.pk}, ("2024", "II"): {other.pk}})
    rules = Policy()
    rules.declare(
        "score.appraise",
        roles={Role.APPRAISER, Role.COORDINATOR},
        # The coordinator appraises every area; an appraiser only their team's.
        rule=has_role(Role.COORDINATOR) | member_of(teams.of),
        when=attr_in("state", {"open"}),
    )
    area_one, area_two = Score("2024", "I"), Score("2024", "II")
    assert rules.can(appraiser, "score.appraise", area_one)
    assert not rules.can(appraiser, "score.appraise", area_two)
    assert rules.can(other, "score.appraise", area_two)
    assert rules.can(coordinator, "score.appraise", area_two)
    # The role table still comes first: an officer is never on a team's say-so.
    teams.members[("2024", "I")].add(personas["officer_a"].pk)
    assert not rules.can(personas["officer_a"], "score.appraise", area_one)
    # A closed score: not now, though still theirs.
    closed = Score("2024", "I", state="closed")
    assert not rules.can(appraiser, "score.appraise", closed)
    assert rules.can(appraiser, "score.appraise", closed, when=False)
    assert not rules.can(AnonymousUser(), "score.appraise", area_one)


def test_a_relation_may_be_a_queryset_of_users(personas: dict[str, User]) -> None:
    rules = Policy()
    rules.declare(
        "agency.speak_for",
        roles=EVERYONE,
        rule=member_of(lambda agency: User.objects.filter(agency=agency, role=Role.HEAD)),
    )
    agency_a = personas["head_a"].agency
    assert rules.can(personas["head_a"], "agency.speak_for", agency_a)
    assert not rules.can(personas["officer_a"], "agency.speak_for", agency_a)
    assert not rules.can(personas["officer_b"], "agency.speak_for", agency_a)


def test_a_window_of_dates_allows_an_action_only_between_its_ends(
    personas: dict[str, User],
) -> None:
    rules = Policy()
    rules.declare(
        "report.send_in_period",
        roles=EVERYONE,
        when=within(lambda period: (period.starts_on, period.due_on)),
    )
    period = ReportingPeriod(
        code="q1", starts_on=date(2022, 1, 1), ends_on=date(2022, 3, 14), due_on=date(2022, 3, 20)
    )
    officer = personas["officer_a"]

    def on(day: date) -> bool:
        return rules.can(officer, "report.send_in_period", period, today=day)

    assert not on(date(2021, 12, 31))
    assert on(date(2022, 1, 1)) and on(date(2022, 3, 20))
    assert not on(date(2022, 3, 21))
    # An open end is open: a self-assessment window that has not been closed yet.
    period.due_on = None  # type: ignore[assignment]
    assert on(date(2030, 1, 1))


def test_an_anonymous_citizen_is_allowed_only_what_admits_anonymous_visitors(
    personas: dict[str, User],
) -> None:
    rules = Policy()
    rules.declare(
        "survey.answer",
        roles={ANONYMOUS},  # the citizens' survey: not the officials answering for them
        when=within(lambda survey: (survey["opens"], survey["closes"])),
    )
    survey = {"opens": date(2025, 6, 1), "closes": date(2025, 6, 30)}
    citizen = AnonymousUser()
    assert rules.can(citizen, "survey.answer", survey, today=date(2025, 6, 15))
    assert not rules.can(citizen, "survey.answer", survey, today=date(2025, 7, 1))
    assert not rules.can(personas["officer_a"], "survey.answer", survey, today=date(2025, 6, 15))
    # The site's own public page admits citizens; nothing else does.
    assert policy.can(citizen, "progress.public")
    public = {name for name, a in policy.ACTIONS.items() if a.anonymous}
    # The public page, a feed by its secret address, and the job that builds a public
    # download (the job page then shows a citizen only jobs whose subject is public).
    # The citizens' survey and feedback form, and the lookup of a feedback code.
    assert public == {
        "progress.public",
        "feed.read",
        "job.open",
        "survey.answer",
        "feedback.submit",
        "feedback.lookup",
    }


def test_a_deactivated_account_counts_as_nobody(personas: dict[str, User]) -> None:
    officer = personas["officer_a"]
    officer.is_active = False
    assert not policy.can(officer, "plan.view")
    assert policy.can(officer, "progress.public")  # as any citizen


def test_an_action_is_declared_once_and_must_be_declared_to_be_asked() -> None:
    rules = Policy()
    rules.declare("thing.do", roles=PUBLIC)
    with pytest.raises(ValueError, match="declared twice"):
        rules.declare("thing.do", roles=PUBLIC)
    with pytest.raises(KeyError, match="undeclared"):
        rules.can(AnonymousUser(), "thing.undo")
    with pytest.raises(KeyError):
        policy.requires("report.dance")
    with pytest.raises(KeyError):
        api_auth("report.dance")


def test_an_api_operation_that_declares_no_action_is_refused_to_everyone(
    personas: dict[str, User],
) -> None:
    with pytest.raises(HttpError) as refused:
        _permitted(personas["admin"], UNDECLARED)
    assert refused.value.status_code == 403
    assert _permitted(None, UNDECLARED) is None  # not logged in: 401, as for any operation


# ---------------------------------------------------------------------------
# The getters and the template tag


@pytest.fixture
def world(personas: dict[str, User], agencies: dict[str, Agency], plan: Plan) -> dict[str, Any]:
    assignment = (
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).order_by("pk").first()
    )
    assert assignment is not None
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    report = report_get_or_create(assignment=assignment, period=period)
    return {"assignment": assignment, "period": period, "report": report}


def _request(user: User | AnonymousUser) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_report_getter_hides_another_agencys_report_and_refuses_a_reader_a_write(
    personas: dict[str, User], world: dict[str, Any]
) -> None:
    report = world["report"]
    assert policy.get_report_for_user(_request(personas["officer_a"]), report.pk) == report
    assert policy.get_report_for_user(_request(personas["head_a"]), report.pk, write=True) == report
    with pytest.raises(Http404):
        policy.get_report_for_user(_request(personas["officer_b"]), report.pk)
    with pytest.raises(Http404):
        policy.get_report_for_user(_request(AnonymousUser()), report.pk)
    # The leader reads every agency's report but writes none.
    assert policy.get_report_for_user(_request(personas["leader"]), report.pk) == report
    with pytest.raises(PermissionDenied):
        policy.get_report_for_user(_request(personas["leader"]), report.pk, write=True)
    with pytest.raises(Http404):
        policy.get_report_for_user(_request(personas["officer_a"]), report.pk + 1000)


def test_querysets_are_scoped_to_what_the_user_reads(
    personas: dict[str, User], agencies: dict[str, Agency], world: dict[str, Any]
) -> None:
    reports = world["report"].__class__.objects.all()
    assert list(policy.reports_visible_to(personas["officer_a"], reports)) == [world["report"]]
    assert list(policy.reports_visible_to(personas["officer_b"], reports)) == []
    assert list(policy.reports_visible_to(personas["appraiser"], reports)) == [world["report"]]
    assert list(policy.reports_visible_to(AnonymousUser(), reports)) == []
    assert set(policy.visible_agencies(personas["officer_b"])) == {agencies["b"]}
    assert policy.visible_agencies(personas["leader"]).count() == Agency.objects.count()


def test_the_template_tag_gives_the_whole_answer_for_an_object(
    personas: dict[str, User], world: dict[str, Any]
) -> None:
    page = Template(
        '{% load cchc_tags %}{% may "report.edit" report as editable %}'
        "{% if editable %}sửa{% else %}xem{% endif %}|"
        '{% if user|can:"report.review" %}duyệt{% endif %}'
    )
    report = world["report"]

    def render(who: str) -> str:
        return page.render(Context({"user": personas[who], "report": report}))

    assert render("officer_a") == "sửa|"
    assert render("officer_b") == "xem|"
    assert render("coordinator") == "xem|duyệt"
    report.state = report.State.SUBMITTED  # sent: nobody edits it any more
    assert render("officer_a") == "xem|"


# ---------------------------------------------------------------------------
# A district reads its communes' data (read only)


@pytest.fixture
def district(agencies: dict[str, Agency], plan: Plan, world: dict[str, Any]) -> dict[str, Any]:
    commune = Agency.objects.create(
        name="UBND xã Tà Rụt", kind=Agency.Kind.COMMUNE, parent=agencies["d1"]
    )
    elsewhere = Agency.objects.create(
        name="UBND xã Cam Thành", kind=Agency.Kind.COMMUNE, parent=agencies["d2"]
    )
    activities = list(Activity.objects.filter(plan=plan).order_by("pk")[:2])
    commune_officer = factories.make_user("canbo.tarut", Role.OFFICER, commune)
    reports = {}
    for agency, activity in ((commune, activities[0]), (elsewhere, activities[1])):
        assignment = Assignment.objects.create(activity=activity, agency=agency, role="lead")
        reports[agency.pk] = report_get_or_create(assignment=assignment, period=world["period"])
    officer = factories.make_user("canbo.dakrong", Role.OFFICER, agencies["d1"])
    own = report_save(
        report=reports[commune.pk],
        actor=commune_officer,
        expected_version=1,
        status="in_progress",
        percent=30,
    )
    evidence = evidence_add(
        report=own, actor=commune_officer, name="bien-ban.pdf", data=PDF, declared_type=None
    )
    feed = calendar_feed_regenerate(agency=commune, actor=commune_officer)
    return {
        "commune": commune,
        "elsewhere": elsewhere,
        "officer": officer,
        "commune_officer": commune_officer,
        "report": own,
        "other_report": reports[elsewhere.pk],
        "evidence": evidence,
        "feed": feed,
    }


@pytest.fixture
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("_media_in_tmp")
def test_a_district_officer_reads_the_report_of_a_commune_under_it(
    district: dict[str, Any],
) -> None:
    client = _client(district["officer"])
    report = district["report"]
    page = client.get(f"/bao-cao/{report.assignment_id}/{report.period_id}/")
    assert page.status_code == 200
    assert "UBND xã Tà Rụt" in page.content.decode()
    assert b'name="status"' not in page.content  # no form: they read, they do not write
    assert client.get(f"/api/reports/{report.pk}").json()["percent"] == 30
    assert client.get(f"/bao-cao/minh-chung/{district['evidence'].pk}/").status_code == 200
    assert client.get(f"/dashboard/agency/{district['commune'].pk}/").status_code == 200


@pytest.mark.usefixtures("_media_in_tmp")
def test_a_district_officer_cannot_change_a_communes_report(district: dict[str, Any]) -> None:
    client = _client(district["officer"])
    report = district["report"]
    saved = client.post(
        f"/bao-cao/{report.assignment_id}/{report.period_id}/luu/",
        {"version": report.version, "status": "done", "percent": 100},
    )
    assert saved.status_code == 403
    put = client.put(
        f"/api/reports/{report.pk}",
        json.dumps({"status": "done", "percent": 100, "version": report.version}),
        content_type="application/json",
    )
    assert put.status_code == 403
    assert client.post(f"/bao-cao/minh-chung/{district['evidence'].pk}/go/").status_code == 403
    report.refresh_from_db()
    assert (report.status, report.percent, report.evidence.count()) == ("in_progress", 30, 1)


@pytest.mark.usefixtures("_media_in_tmp")
def test_a_district_sees_nothing_of_another_districts_commune_nor_a_communes_feed(
    district: dict[str, Any],
) -> None:
    client = _client(district["officer"])
    other = district["other_report"]
    assert client.get(f"/bao-cao/{other.assignment_id}/{other.period_id}/").status_code == 404
    assert client.get(f"/api/reports/{other.pk}").status_code == 404
    assert client.get(f"/dashboard/agency/{district['elsewhere'].pk}/").status_code == 404
    # The feed's address is the commune's secret, and its regeneration the commune's act.
    commune = district["commune"]
    assert client.get(f"/lich/co-quan/{commune.pk}/").status_code == 404
    assert client.post(f"/lich/co-quan/{commune.pk}/tao-moi/").status_code == 404
    district["feed"].refresh_from_db()
    assert district["feed"].revoked_at is None


@pytest.mark.usefixtures("_media_in_tmp")
def test_the_hierarchy_reads_downwards_only(
    district: dict[str, Any], agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    # The commune does not read its district's data, nor a department's.
    commune_officer = district["commune_officer"]
    assert not policy.can(commune_officer, "report.view", agencies["d1"].pk)
    assert policy.agency_ids_visible_to(commune_officer) == {district["commune"].pk}
    # A department's officer reads its own agency only, as before.
    assert policy.agency_ids_visible_to(personas["officer_a"]) == {agencies["a"].pk}
    # The district's own people read the district and its communes.
    assert policy.agency_ids_visible_to(district["officer"]) == {
        agencies["d1"].pk,
        district["commune"].pk,
    }


@pytest.mark.usefixtures("_media_in_tmp")
def test_the_assignments_api_gives_a_district_its_communes_work_on_request(
    district: dict[str, Any], plan: Plan, personas: dict[str, User]
) -> None:
    commune = district["commune"]
    url = f"/api/plans/{plan.pk}/assignments?agency={commune.pk}"
    rows = _client(district["officer"]).get(url).json()
    assert rows and {row["agency_id"] for row in rows} == {commune.pk}
    assert _client(personas["officer_a"]).get(url).status_code == 403
    elsewhere = f"/api/plans/{plan.pk}/assignments?agency={district['elsewhere'].pk}"
    assert _client(district["officer"]).get(elsewhere).status_code == 403
