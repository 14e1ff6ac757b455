"""Every page, as every persona reaches it, checked by axe-core in Debian's Chromium.

axe-core comes inside the `axe-playwright-python` package (no download at run time). A
page passes when axe finds no violation of impact "serious" or "critical": missing
labels and names, contrast, landmarks, the document language and the like. On failure
every violation is printed with the page, the persona, the rule, its help page and the
elements concerned, so that the fix can start from the report.

The pages come from the URL configuration: a test below fails when a page route is
neither visited here nor listed with the reason it has no page of its own, so a new page
is checked from the day it is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.monitoring.services import (
    report_get_or_create,
    report_review,
    report_save,
    report_submit,
)
from cchc.plans.models import Plan
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = ("serious", "critical")
# axe is loaded once per context (an init script, before each page's own scripts; the
# page's content security policy does not apply to it), then run on each page.
MISSING = "/plans/999999/"
AXE_RUN = "axe.run(document, {resultTypes: ['violations']})"

# Routes with no page of their own to check: each answers a POST, a file or a redirect to
# a page that is checked.
NOT_PAGES = {
    "logout": "POST, then the login page",
    "home": "redirects to the user's landing page",
    "needs_date_latest": "redirects to the plan's needs-date page",
    "fix_date": "POST",
    "plan_export": "starts a job and redirects to the job's page (visited)",
    "plan_area": "a fragment of the plan page for htmx; as a page, the plan filtered to it",
    "report_drafts_submit": "POST",
    "report_save": "POST",
    "report_submit": "POST",
    "report_review": "POST",
    "evidence_download": "a file",
    "evidence_remove": "POST",
    "notifications_read_all": "POST",
    "notification_read": "POST",
    "feed_mine": "redirects to the agency's calendar page",
    "feed_regenerate": "POST",
    "feed_ics": "an iCalendar file",
    "dashboard_province_csv": "a CSV file",
    "dashboard_agency_csv": "a CSV file",
    "status_table_export": "an XLSX file",
    "public_progress_csv": "a job for a CSV file",
    "public_progress_xlsx": "a job for an XLSX file",
    "backup_start": "POST",
    "job_file": "a file",
    "set_language": "POST",
    "par_set_export": "an XLSX file",
    "par_criterion_delete": "POST",
    "plan_derive": "POST, then the agency's plan (visited)",
    "own_plan_add_activity": "POST",
    "own_plan_set_lead": "POST",
    "own_plan_issue": "POST",
    "agency_plans_due": "POST",
    "agency_plans_xlsx": "an XLSX file",
    "survey_population": "POST",
    "survey_counter_add": "POST",
    "survey_export": "starts a job and redirects to the job's page (visited)",
    "survey_qr_agency_png": "a PNG image (shown on the printable sheet, visited)",
    "survey_qr_counter_png": "a PNG image (shown on the printable sheet, visited)",
    "feedback_attachment": "a file",
    "indicator_export": "starts a job and redirects to the job's page (visited)",
    "measurement_evidence": "a file",
    "official_create": "POST, then the report (visited)",
    "official_save": "POST",
    "official_move": "POST",
    "official_consolidate": "POST",
    "official_generate": "POST, then the job's page (visited)",
    "par_scorecard_submit": "POST",
    "par_scorecard_recompute": "POST",
    "par_scorecard_finalise": "POST",
    "par_item_self": "POST",
    "par_item_appraise": "POST",
    "par_item_reply": "POST",
    "par_publish": "POST",
    "par_scorecards_add": "POST",
    "par_ranking": "a permanent redirect to the results page",
    "par_survey_template": "an XLSX file",
    "par_finding_add": "POST",
    "par_ranking_download": "POST, then the job's page",
    "par_scorecard_download": "POST, then the job's page",
}


def page_routes() -> set[str]:
    """The named routes of the pages, without the admin and the API (checked apart)."""
    names: set[str] = set()

    def walk(patterns: list[Any]) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in ("admin",) or str(entry.pattern).startswith("api/"):
                    continue
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(entry.name)

    walk(get_resolver().url_patterns)
    return names


@dataclass
class World:
    plan: Plan
    agencies: dict[str, Agency]
    draft: str  # the officer's draft, being written
    sent: str  # sent by the head, waiting for review
    returned: str  # returned to the agency
    approved: str
    # The coordinator's failed import: its page that settles the names it did not know.
    settle: str = "/plans/import/00000000-0000-0000-0000-000000000000/names/"
    # PAR INDEX: the departments' set (in use, with its campaign) and a draft set.
    par_set: int = 1
    par_draft: int = 1
    par_criterion: int = 1
    par_campaign: int = 1
    # Agency A's scorecard in that campaign (published here, with A's result) and a
    # drawn inspection plan.
    par_scorecard: int = 1
    par_inspection: int = 1
    # Agency A's own plan, a draft with a unit to hand activities to (docs/agency-plans.md).
    agency_plan: str = "/plans/1/own/"
    # A one-stop counter of agency A, whose survey and QR sheet are checked.
    counter: int = 1
    # A feedback item routed to agency A (its code for the public lookup) and an indicator.
    feedback: int = 1
    feedback_code: str = ""
    indicator: int = 1
    # Agency A's official report: approved once (version 2 kept), back in draft.
    official: str = "/bao-cao-dinh-ky/1/"


def _report_url(assignment: Assignment, period: ReportingPeriod) -> str:
    return f"/bao-cao/{assignment.pk}/{period.pk}/"


def _world(agencies: dict[str, Agency], personas: dict[str, User]) -> World:
    """A plan of this year with a report in each state, so that every page has content."""
    plan = factories.make_plan(14, year=timezone.localdate().year)
    period = ReportingPeriod.objects.filter(plan=plan).order_by("position").first()
    assert period is not None
    leads = list(
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"], role="lead").order_by(
            "pk"
        )
    )
    assert len(leads) >= 4
    officer, head, coordinator = personas["officer_a"], personas["head_a"], personas["coordinator"]
    reports = []
    for index, assignment in enumerate(leads[:4]):
        report = report_get_or_create(assignment=assignment, period=period)
        report = report_save(
            report=report,
            actor=officer,
            expected_version=report.version,
            status=ProgressReport.Status.IN_PROGRESS,
            percent=20 * (index + 1),
            narrative="Đã rà soát 12 thủ tục hành chính.",
        )
        reports.append(report)
    for report in reports[1:]:
        report_submit(report=report, actor=head, expected_version=report.version)
    report_review(
        report=ProgressReport.objects.get(pk=reports[2].pk),
        actor=coordinator,
        approve=False,
        comment="Bổ sung số liệu thủ tục đã công bố.",
        expected_version=reports[2].version + 1,
    )
    report_review(
        report=ProgressReport.objects.get(pk=reports[3].pk),
        actor=coordinator,
        approve=True,
        expected_version=reports[3].version + 1,
    )
    urls = [_report_url(r.assignment, period) for r in reports]
    from cchc.jobs.services import job_start
    from cchc.plans.formats import write_json
    from tests.test_settle import document_with_unknown_names

    failed = job_start(
        kind="plan_import",
        params={"year": None, "replace": False},
        asked_by=coordinator,
        upload=write_json(document_with_unknown_names()),
        input_name="ke-hoach.json",
    )
    assert failed.status == "failed"
    from cchc.par.models import CriteriaSet
    from tests.test_permission_matrix import par_objects

    par = par_objects()
    _publish(par["campaign_id"], agencies["a"])
    draft = CriteriaSet.objects.get(year=2022, group__code="ubnd-cap-huyen")
    from cchc.plans.cascade import plan_derive

    Agency.objects.create(name="Phòng Hành chính tư pháp", kind="unit", parent=agencies["a"])
    own = plan_derive(parent=plan, agency=agencies["a"], actor=officer).plan
    from cchc.citizens.models import Counter
    from cchc.citizens.services import Place, active_definition, new_device_token, response_submit

    counter = Counter.objects.create(agency=agencies["a"], name="Bộ phận một cửa Sở Tư pháp")
    questions = list(active_definition().elements.values_list("questions", flat=True))
    for n in range(3):
        response_submit(
            place=Place(agencies["a"], counter if n else None),
            definition=active_definition(),
            token=new_device_token(),
            answers={q: 1 + (q + n) % 5 for q in questions},
        )
    from cchc.citizens.models import Feedback
    from tests.test_permission_matrix import citizens_objects

    feedback, _attachment, indicator = citizens_objects(agencies)
    from cchc.official.services import official_report_create, official_report_move

    official = official_report_create(period=period, agency=agencies["a"], actor=officer)
    official_report_move(report=official, actor=head, move="approve", expected_version=None)
    official_report_move(report=official, actor=head, move="reopen", expected_version=None)
    return World(
        plan,
        agencies,
        *urls,
        feedback=feedback,
        feedback_code=Feedback.objects.get(pk=feedback).code,
        indicator=indicator,
        official=f"/bao-cao-dinh-ky/{official.pk}/",
        settle=f"/plans/import/{failed.pk}/names/",
        par_set=par["set_id"],
        par_draft=draft.pk,
        par_criterion=par["criterion_id"],
        par_campaign=par["campaign_id"],
        par_scorecard=par["scorecard_id"],
        par_inspection=par["inspection_id"],
        agency_plan=f"/plans/{own.pk}/own/",
        counter=counter.pk,
    )


def _publish(campaign_id: int, agency: Agency) -> None:
    """The campaign as published, with agency A's result, so that the results and the
    ranking pages are there to check."""
    from decimal import Decimal

    from django.utils import timezone

    from cchc.par.models import Campaign, CampaignResult

    now = timezone.now()
    Campaign.objects.filter(pk=campaign_id).update(published_at=now)
    CampaignResult.objects.create(
        campaign_id=campaign_id,
        agency=agency,
        total=Decimal("80"),
        maximum=Decimal("100"),
        index=Decimal("80"),
        components={"1": "80.00"},
        rank=1,
        classification="Tốt",
        published_at=now,
    )


def _pages(world: World) -> dict[str, list[str]]:
    """What each persona opens: everything the menu and the pages lead them to."""
    plan, a, home = world.plan.pk, world.agencies["a"].pk, world.agencies["home"].pk
    everyone = [
        "/plans/",
        f"/plans/{plan}/",
        f"/plans/{plan}/needs-date/",
        "/agencies/",
        f"/agencies/{a}/",
        "/search/?q=cai+cach",
        "/bao-cao/",
        "/thong-bao/",
        "/jobs/",
        "/cong-khai/",
    ]
    # The pages whose content depends on the role; the others look the same to all.
    by_role = [f"/plans/{plan}/", "/bao-cao/", "/thong-bao/", "/cong-khai/"]
    agency_staff = [
        f"/dashboard/agency/{a}/",
        f"/van-ban/co-quan/{a}/",
        "/lich/",
        "/bao-cao/cho-gui/",
    ]
    par = [
        "/par/",
        f"/par/{world.par_set}/",
        f"/par/dot/{world.par_campaign}/",
        f"/par/dot/{world.par_campaign}/phieu/",
        f"/par/phieu/{world.par_scorecard}/",
        f"/par/dot/{world.par_campaign}/ket-qua/",
    ]
    par_manage = [
        "/par/nhap/",
        f"/par/{world.par_draft}/?open=all",
        f"/par/{world.par_draft}/sao-chep/",
        f"/par/{world.par_draft}/mo-dot/",
        f"/par/tieu-chi/{world.par_criterion}/sua/",
        f"/par/dot/{world.par_campaign}/tham-dinh/",
        f"/par/dot/{world.par_campaign}/dieu-tra/",
        "/par/muc-do-hoan-thanh/",
        "/par/kiem-tra/",
        f"/par/kiem-tra/{world.par_inspection}/",
    ]
    survey = [f"/khao-sat/{a}/", f"/khao-sat/quay/{world.counter}/", "/khao-sat/cam-on/"]
    feedback = ["/phan-anh/", f"/phan-anh/tra-cuu/?ma={world.feedback_code}", "/phan-anh/tra-cuu/"]
    citizens_work = [
        "/phan-anh/xu-ly/",
        f"/phan-anh/xu-ly/{world.feedback}/",
        "/chi-tieu/",
        f"/chi-tieu/{world.indicator}/",
    ]
    return {
        "": ["/login/", "/cong-khai/", *survey, *feedback],
        "officer_a": [
            *everyone,
            *agency_staff,
            world.draft,
            world.returned,
            *par,
            "/par/co-quan-toi/",
            world.agency_plan,
            "/khao-sat/ket-qua/",
            *citizens_work,
            "/bao-cao-dinh-ky/",
            world.official,
        ],
        "head_a": [
            *by_role,
            *agency_staff,
            world.sent,
            world.agency_plan,
            world.official + "phien-ban/2/",
        ],
        "coordinator": [
            *everyone,
            "/dashboard/",
            f"/dashboard/agency/{a}/",
            "/bao-cao/cho-duyet/",
            world.sent,
            world.approved,
            f"/plans/{plan}/periods/",
            "/plans/import/",
            f"/agencies/{a}/merge/",
            "/lich/",
            f"/lich/co-quan/{a}/",
            f"/van-ban/co-quan/{home}/",
            f"/plans/{plan}/export/json/",  # lands on the job's page
            world.settle,
            f"/plans/{plan}/agency-plans/",
            world.agency_plan,
            "/khao-sat/ket-qua/",
            "/khao-sat/ma-qr/",
            f"/khao-sat/ma-qr/{a}/in/",
            f"/khao-sat/ma-qr/quay/{world.counter}/in/",
            *citizens_work,
            "/chi-tieu/nhap/",
            "/chi-tieu/them/",
            f"/chi-tieu/{world.indicator}/sua/",
            "/chi-tieu/xlsx/",  # lands on the job's page
            "/bao-cao-dinh-ky/",
            world.official,
            MISSING,  # the page of a thing not found
            *par,
            *par_manage,
        ],
        "leader": [*by_role, "/dashboard/", "/bao-cao/cho-duyet/", world.approved],
        "appraiser": ["/plans/", "/dashboard/", world.sent],
        "admin": ["/plans/", "/dashboard/", f"/plans/{plan}/periods/", "/jobs/"],
        "officer_b": [f"/plans/{plan}/periods/"],  # the page of an action refused
    }


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"  [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:6]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"      {target}\n        {node['html'][:200]}\n        {summary[:300]}")
        if len(violation["nodes"]) > 6:
            lines.append(f"      … and {len(violation['nodes']) - 6} more elements")
    return "\n".join(lines)


def _check(page: Any) -> list[dict[str, Any]]:
    results = page.evaluate(AXE_RUN)
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def _log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_page_routes_are_all_visited_or_explained(agencies, personas) -> None:
    report = "/bao-cao/1/1/"
    world = World(factories.make_plan(3), agencies, report, report, report, report)
    visited = set()
    for paths in _pages(world).values():
        for path in paths:
            match = resolve(urlsplit(path).path)
            visited.add(match.url_name)
    visited.add("job_detail")  # where plan_export lands
    missing = page_routes() - visited - set(NOT_PAGES)
    assert not missing, f"pages not checked by axe, nor explained in NOT_PAGES: {missing}"
    stale = set(NOT_PAGES) - page_routes()
    assert not stale, f"NOT_PAGES names routes that are gone: {stale}"


def test_no_page_has_a_serious_or_critical_accessibility_violation(
    live_server: Any, browser: Any, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    from axe_playwright_python.base import AXE_SCRIPT

    world = _world(agencies, personas)
    base = live_server.url
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.add_init_script(AXE_SCRIPT)
    page = context.new_page()
    found: list[str] = []
    checked = 0
    for persona, paths in _pages(world).items():
        context.clear_cookies()
        if persona:
            _log_in(page, base, persona)
        for path in paths:
            response = page.goto(f"{base}{path}")
            # Every page is the one meant: a mistyped address would check an error page.
            expected = 404 if path == MISSING else 403 if persona == "officer_b" else 200
            assert response is not None and response.status == expected, (persona, path)
            checked += 1
            violations = _check(page)
            if violations:
                where = urlsplit(page.url).path
                found.append(
                    f"{path} (at {where}) as {persona or 'anonymous'}:\n" + _describe(violations)
                )
    # The phone layout: the menu opened.
    context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    _log_in(page, base, "coordinator")
    page.goto(f"{base}/plans/")
    page.click("button.menu-toggle")
    violations = _check(page)
    if violations:
        found.append("/plans/ on a phone, menu open, as coordinator:\n" + _describe(violations))
    page.goto(f"{base}/cong-khai/")
    violations = _check(page)
    if violations:
        found.append("/cong-khai/ on a phone:\n" + _describe(violations))
    context.clear_cookies()
    page.goto(f"{base}/khao-sat/{world.agencies['a'].pk}/")
    violations = _check(page)
    if violations:
        found.append("the survey on a phone:\n" + _describe(violations))
    page.goto(f"{base}/phan-anh/")
    violations = _check(page)
    if violations:
        found.append("the feedback form on a phone:\n" + _describe(violations))
    assert checked > 40
    if found:
        pytest.fail(
            f"{len(found)} of {checked + 2} pages have serious or critical violations:\n\n"
            + "\n\n".join(found),
            pytrace=False,
        )
