"""The demo's official reports: Sở Tư pháp's quý I report sent to Sở Nội vụ, and its
6-month report drafted from the demo's progress reports, waiting for its officer."""

from __future__ import annotations

from dataclasses import dataclass

from cchc.accounts.models import User
from cchc.monitoring.models import ReportingPeriod
from cchc.official.models import OfficialReport
from cchc.official.services import official_report_create, official_report_move
from cchc.plans.models import Plan

OFFICER = "canbo.tuphap"
HEAD = "lanhdao.tuphap"


@dataclass
class DemoReports:
    sent: OfficialReport | None
    draft: OfficialReport | None


def demo_official_reports(plan: Plan) -> DemoReports:
    officer = User.objects.filter(username=OFFICER).first()
    head = User.objects.filter(username=HEAD).first()
    if officer is None or head is None or officer.agency is None:
        return DemoReports(None, None)
    periods = {p.code: p for p in ReportingPeriod.objects.filter(plan=plan)}
    sent = draft = None
    if "q1" in periods:
        sent = official_report_create(period=periods["q1"], agency=officer.agency, actor=officer)
        if sent.state == OfficialReport.State.DRAFT:
            sent = official_report_move(
                report=sent, actor=head, move="approve", expected_version=None
            )
            sent = official_report_move(
                report=sent, actor=officer, move="submit", expected_version=None
            )
    if "6-thang" in periods:
        draft = official_report_create(
            period=periods["6-thang"], agency=officer.agency, actor=officer
        )
    return DemoReports(sent, draft)
