"""What a report save costs in SQL: the lock, the version check, one history row and one
audit row, and little else, through the API and through the page. Counted on the second
save of a draft, as an officer's day is: the heads already know the draft is there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cchc.audit.models import AuditRecord
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from tests.test_report_form import form_data

pytestmark = pytest.mark.django_db

# Session, user, the lock (which also reads the version, and on whose row the visibility
# check is asked: the report is not read before it), the links of the snapshot, the
# UPDATE, the audit row, the history row, the heads not yet told, the agency's worklist
# token (its officers' list shows the draft at once: cchc.monitoring.worklist), then the
# answer's history; SAVEPOINT and RELEASE stand for BEGIN and COMMIT. With a token
# instead of a session: the token (with its user) instead of session and user. Not read:
# the agencies of the user's province (the tenancy gate knows the user's own agency is
# in it) and the links again for the answer (the save passes on those it read, when it
# did not change them).
API_SAVE = 12
# The page reads the assignment, the period and the report to draw or refuse the form, and
# checks that this very form (its submission token) was not saved already; it redirects,
# so it reads neither links nor history after the save. It writes the worklist token too.
FORM_SAVE = 17


def _counted(call):
    with CaptureQueriesContext(connection) as context:
        response = call()
    writes = [
        q["sql"]
        for q in context.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    return response, len(context), writes


def test_an_api_save_writes_one_report_one_history_row_and_one_audit_row(login, plan, agencies):
    assignment = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    officer = login("officer_a")
    opened = officer.post(f"/api/assignments/{assignment.pk}/reports/{period.pk}")
    url = f"/api/reports/{opened.json()['id']}"
    body = {"status": "in_progress", "percent": 30, "narrative": "Đang rà soát."}
    first = officer.put(url, {**body, "version": 1}, content_type="application/json")
    assert first.status_code == 200
    audits = AuditRecord.objects.count()

    second, count, writes = _counted(
        lambda: officer.put(
            url, {**body, "percent": 60, "version": 2}, content_type="application/json"
        )
    )

    assert second.status_code == 200
    assert second.json()["percent"] == 60
    assert [v["version"] for v in second.json()["history"]] == [2, 3]
    assert count == API_SAVE
    assert [w.split('"')[1] for w in writes] == [
        "monitoring_progressreport",
        "audit_auditrecord",
        "monitoring_reportversion",
        "monitoring_workstamp",
    ]
    assert AuditRecord.objects.count() == audits + 1


def test_an_api_save_with_a_token_reads_the_token_instead_of_session_and_user(
    login, plan, agencies, personas
):
    from django.test import Client

    from cchc.accounts.models import ApiToken

    assignment = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    key = ApiToken.issue(user=personas["officer_a"], name="test")[1]
    system = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    opened = system.post(f"/api/assignments/{assignment.pk}/reports/{period.pk}")
    url = f"/api/reports/{opened.json()['id']}"
    body = {"status": "in_progress", "percent": 30}
    first = system.put(url, {**body, "version": 1}, content_type="application/json")
    assert first.status_code == 200

    second, count, writes = _counted(
        lambda: system.put(
            url, {**body, "percent": 60, "version": 2}, content_type="application/json"
        )
    )

    assert second.status_code == 200 and second.json()["version"] == 3
    assert count == API_SAVE - 1
    assert len(writes) == 4


def test_a_stale_api_save_stops_at_the_version_check(login, plan, agencies):
    assignment = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    officer = login("officer_a")
    opened = officer.post(f"/api/assignments/{assignment.pk}/reports/{period.pk}")
    url = f"/api/reports/{opened.json()['id']}"
    officer.put(
        url, {"status": "in_progress", "percent": 30, "version": 1}, content_type="application/json"
    )

    late, _count, writes = _counted(
        lambda: officer.put(
            url,
            {"status": "in_progress", "percent": 90, "version": 1},
            content_type="application/json",
        )
    )

    assert late.status_code == 409
    assert writes == []
    assert ProgressReport.objects.get(pk=opened.json()["id"]).percent == 30


def test_a_form_save_costs_a_fixed_few_statements(login, plan, agencies):
    assignment = Assignment.objects.filter(
        activity__plan=plan, agency=agencies["a"], role="lead"
    ).order_by("pk")[0]
    period = ReportingPeriod.objects.get(plan=plan, code="6-thang")
    officer = login("officer_a")
    url = reverse("report_save", args=[assignment.pk, period.pk])
    assert officer.post(url, form_data(1, submission="a" * 32)).status_code == 302

    response, count, writes = _counted(
        lambda: officer.post(url, form_data(2, submission="b" * 32, percent=70))
    )

    assert response.status_code == 302
    report = ProgressReport.objects.get(assignment=assignment, period=period)
    assert (report.percent, report.version) == (70, 3)
    assert ReportVersion.objects.filter(report=report).count() == 2
    assert count == FORM_SAVE
    assert [w.split('"')[1] for w in writes] == [
        "monitoring_progressreport",
        "audit_auditrecord",
        "monitoring_reportversion",
        "monitoring_workstamp",
    ]


def test_a_save_of_a_report_with_output_documents_reads_no_files(login, plan, agencies):
    """An output document's files are shown nowhere in the save's snapshot or answer: only
    the evidence's files are read (none here), so a save that leaves the report's
    documents as they are costs no more than the save of a report without any."""
    assignment = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    officer = login("officer_a")
    opened = officer.post(f"/api/assignments/{assignment.pk}/reports/{period.pk}")
    url = f"/api/reports/{opened.json()['id']}"
    documents = [{"number": "12/KH-STP", "issued_on": "2022-02-01", "summary": "Kế hoạch"}]
    body = {"status": "in_progress", "percent": 30, "documents": documents}
    first = officer.put(url, {**body, "version": 1}, content_type="application/json")
    assert first.status_code == 200 and len(first.json()["documents"]) == 1

    with CaptureQueriesContext(connection) as context:
        second = officer.put(
            url,
            {"status": "in_progress", "percent": 60, "version": 2},
            content_type="application/json",
        )

    assert second.status_code == 200
    assert len(context) == API_SAVE
    assert second.json()["documents"] == first.json()["documents"]
    assert not [q for q in context.captured_queries if "documentfile" in q["sql"]]
