"""The services behind progress reports: periods, assignments, and a report's review loop."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cchc.accounts.models import User
from cchc.accounts.policy import can
from cchc.agencies.models import Agency
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from cchc.monitoring.services import (
    DocumentInput,
    ReportConflict,
    ReportError,
    ReportForbidden,
    assignments_sync,
    period_current,
    periods_create_default,
    report_get_or_create,
    report_review,
    report_save,
    report_submit,
)
from cchc.plans.models import Plan
from tests import factories

pytestmark = pytest.mark.django_db

S = ProgressReport.Status
STATE = ProgressReport.State


@pytest.fixture
def report(plan: Plan, agencies: dict[str, Agency]) -> ProgressReport:
    """A fresh draft of agency A (Sở Tư pháp) for the first quarter."""
    assignment = (
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).order_by("pk").first()
    )
    assert assignment is not None
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    return report_get_or_create(assignment=assignment, period=period)


def save(report: ProgressReport, actor: User, **fields: object) -> ProgressReport:
    fields.setdefault("status", S.IN_PROGRESS)
    fields.setdefault("percent", 40)
    return report_save(
        report=report,
        actor=actor,
        expected_version=report.version,
        **fields,  # type: ignore[arg-type]
    )


def submitted(report: ProgressReport, personas: dict[str, User]) -> ProgressReport:
    report = save(report, personas["officer_a"])
    return report_submit(report=report, actor=personas["head_a"], expected_version=report.version)


# ---------------------------------------------------------------------------- periods


def test_a_new_plan_gets_the_four_default_periods_with_their_cut_offs(plan: Plan) -> None:
    periods = list(plan.periods.order_by("position"))
    assert [p.name for p in periods] == ["Quý I", "6 tháng", "9 tháng", "Năm"]
    assert [p.ends_on for p in periods] == [
        date(2022, 3, 14),
        date(2022, 6, 14),
        date(2022, 9, 14),
        date(2022, 12, 14),
    ]
    assert all(p.starts_on == date(2021, 12, 15) for p in periods)
    assert [p.due_on for p in periods] == [p.ends_on + timedelta(days=1) for p in periods]


def test_creating_default_periods_twice_adds_nothing(plan: Plan) -> None:
    periods_create_default(plan)
    periods_create_default(plan, due_after_days=5)
    assert plan.periods.count() == 4
    assert plan.periods.get(code="q1").due_on == date(2022, 3, 15)


def test_the_current_period_is_the_first_whose_report_is_not_yet_due(plan: Plan) -> None:
    assert period_current(plan, date(2022, 1, 10)).code == "q1"  # type: ignore[union-attr]
    assert period_current(plan, date(2022, 3, 15)).code == "q1"  # type: ignore[union-attr]
    assert period_current(plan, date(2022, 3, 16)).code == "6-thang"  # type: ignore[union-attr]
    assert period_current(plan, date(2022, 12, 31)).code == "nam"  # type: ignore[union-attr]


def test_a_plan_without_periods_has_no_current_period(plan: Plan) -> None:
    plan.periods.all().delete()
    assert period_current(plan, date(2022, 5, 1)) is None


# ---------------------------------------------------------------------------- assignments


def test_a_collective_lead_is_expanded_to_every_member(
    plan: Plan, agencies: dict[str, Agency]
) -> None:
    activity = plan.activities.filter(assignees__written_name="Các sở, ban, ngành").first()
    assert activity is not None
    agencies_assigned = set(activity.assignments.values_list("agency__name", flat=True))
    assert agencies_assigned == {"Sở Tư pháp", "Sở Xây dựng", "Sở Nội vụ", "Văn phòng UBND tỉnh"}
    assert {a.via_group.code for a in activity.assignments.all()} == {"so-ban-nganh"}  # type: ignore[union-attr]


def test_an_agency_named_both_lead_and_cooperating_is_the_lead(
    plan: Plan, agencies: dict[str, Agency]
) -> None:
    # "Văn phòng UBND tỉnh" cooperates everywhere, and leads as a member of the departments.
    activity = plan.activities.filter(assignees__written_name="Các sở, ban, ngành").first()
    office = activity.assignments.get(agency=agencies["office"])  # type: ignore[union-attr]
    assert office.role == Assignment.Role.LEAD


def test_syncing_assignments_again_creates_nothing_and_keeps_reports(
    plan: Plan, report: ProgressReport
) -> None:
    assert assignments_sync(plan) == 0
    assert ProgressReport.objects.filter(pk=report.pk).exists()


def test_a_closed_agency_gets_no_new_assignment(agencies: dict[str, Agency]) -> None:
    agencies["d2"].closed_on = date(2021, 6, 30)
    agencies["d2"].save()
    plan = factories.make_plan(7)
    assert not Assignment.objects.filter(activity__plan=plan, agency=agencies["d2"]).exists()
    assert Assignment.objects.filter(activity__plan=plan, agency=agencies["d1"]).exists()


# ---------------------------------------------------------------------------- saving


def test_saving_a_draft_keeps_the_fields_and_a_history_entry(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    saved = save(report, personas["officer_a"], narrative="  Đã rà soát 12 thủ tục.  ")
    assert (saved.status, saved.percent) == (S.IN_PROGRESS, 40)
    assert saved.narrative == "Đã rà soát 12 thủ tục."
    assert saved.version == report.version + 1
    entry = saved.versions.get()
    assert entry.action == ReportVersion.Action.SAVED
    assert entry.actor == personas["officer_a"]
    assert entry.changes["percent"] == [0, 40]
    assert entry.changes["status"] == [S.NOT_STARTED, S.IN_PROGRESS]


def test_a_done_activity_is_at_100_percent_and_completed_today(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    saved = save(report, personas["officer_a"], status=S.DONE, percent=30)
    assert saved.percent == 100
    assert saved.completed_on == timezone.localdate()


def test_saving_a_done_report_again_keeps_its_completion_date(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    first = save(report, personas["officer_a"], status=S.DONE, completed_on=date(2022, 3, 1))
    again = save(first, personas["officer_a"], status=S.DONE, narrative="Bổ sung minh chứng")
    assert again.completed_on == date(2022, 3, 1)


def test_a_completion_date_in_the_future_is_refused(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ReportError, match="sau ngày hôm nay"):
        save(report, personas["officer_a"], status=S.DONE, completed_on=tomorrow)


def test_not_done_needs_a_reason(report: ProgressReport, personas: dict[str, User]) -> None:
    with pytest.raises(ReportError, match="lý do"):
        save(report, personas["officer_a"], status=S.NOT_DONE, reason="   ")
    saved = save(report, personas["officer_a"], status=S.NOT_DONE, reason="Chờ hướng dẫn của Bộ")
    assert saved.reason == "Chờ hướng dẫn của Bộ"


def test_a_reason_is_dropped_once_the_activity_is_no_longer_not_done(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    saved = save(report, personas["officer_a"], status=S.NOT_DONE, reason="Chờ hướng dẫn")
    saved = save(saved, personas["officer_a"], status=S.IN_PROGRESS, reason="Chờ hướng dẫn")
    assert saved.reason == ""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "finished"}, "Tình trạng không hợp lệ"),
        ({"percent": 101}, "từ 0 đến 100"),
        ({"percent": -1}, "từ 0 đến 100"),
        ({"status": S.NOT_STARTED, "percent": 10}, "phải là 0"),
    ],
)
def test_wrong_values_are_refused_with_a_message(
    report: ProgressReport, personas: dict[str, User], fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ReportError, match=message):
        save(report, personas["officer_a"], **fields)
    report.refresh_from_db()
    assert report.version == 1 and not report.versions.exists()


def test_output_documents_are_replaced_by_each_save(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    first = save(
        report,
        personas["officer_a"],
        documents=[
            DocumentInput("12/QĐ-STP", date(2022, 2, 10), "Quyết định công bố thủ tục"),
            DocumentInput("15/KH-STP", date(2022, 2, 20), "Kế hoạch rà soát"),
        ],
    )
    assert list(first.documents.values_list("number", flat=True)) == ["12/QĐ-STP", "15/KH-STP"]
    second = save(
        first,
        personas["officer_a"],
        documents=[
            DocumentInput("15/KH-STP", date(2022, 2, 20), "Kế hoạch rà soát"),
        ],
    )
    assert list(second.documents.values_list("number", flat=True)) == ["15/KH-STP"]
    assert second.versions.last().changes["documents"][0][0]["number"] == "12/QĐ-STP"  # type: ignore[union-attr]
    third = save(second, personas["officer_a"])  # documents not given: kept
    assert third.documents.count() == 1


def test_a_document_without_number_is_a_report_error_and_nothing_is_saved(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    with pytest.raises(ReportError):
        save(report, personas["officer_a"], documents=[DocumentInput(" ", date(2022, 2, 1), "x")])
    report.refresh_from_db()
    assert report.version == 1 and report.percent == 0 and not report.documents.exists()


def test_a_stale_save_is_a_conflict_and_overwrites_nothing(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    stale = report.version
    mine = save(report, personas["officer_a"], narrative="Bản của cán bộ")
    with pytest.raises(ReportConflict, match="người khác cập nhật"):
        report_save(
            report=report,
            actor=personas["head_a"],
            expected_version=stale,
            status=S.DONE,
            percent=100,
            narrative="Bản của lãnh đạo",
        )
    mine.refresh_from_db()
    assert mine.narrative == "Bản của cán bộ" and mine.status == S.IN_PROGRESS
    assert mine.versions.count() == 1


@pytest.mark.parametrize("who", ["officer_b", "coordinator", "leader", "appraiser", "admin"])
def test_only_the_agency_may_save_its_report(
    report: ProgressReport, personas: dict[str, User], who: str
) -> None:
    with pytest.raises(ReportForbidden):
        save(report, personas[who])
    assert not can(personas[who], "report.edit", report)


def test_an_outsider_with_a_stale_version_is_refused_not_told_of_a_conflict(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    save(report, personas["officer_a"])
    with pytest.raises(ReportForbidden):
        report_save(
            report=report,
            actor=personas["officer_b"],
            expected_version=1,
            status=S.DONE,
            percent=100,
        )


def test_a_sent_report_cannot_be_changed(report: ProgressReport, personas: dict[str, User]) -> None:
    sent = submitted(report, personas)
    with pytest.raises(ReportError, match="không sửa được"):
        save(sent, personas["officer_a"])
    with pytest.raises(ReportError, match="không sửa được"):
        save(sent, personas["head_a"])


# ---------------------------------------------------------------------------- submitting


def test_the_head_submits(report: ProgressReport, personas: dict[str, User]) -> None:
    sent = submitted(report, personas)
    assert sent.state == STATE.SUBMITTED
    assert sent.submitted_by == personas["head_a"] and sent.submitted_at is not None
    assert sent.versions.last().action == ReportVersion.Action.SUBMITTED  # type: ignore[union-attr]


def test_an_officer_cannot_submit_a_first_draft(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    draft = save(report, personas["officer_a"])
    assert not can(personas["officer_a"], "report.submit", draft)
    with pytest.raises(ReportForbidden, match="lãnh đạo cơ quan"):
        report_submit(report=draft, actor=personas["officer_a"], expected_version=draft.version)


@pytest.mark.parametrize("who", ["officer_b", "coordinator", "leader", "appraiser", "admin"])
def test_nobody_outside_the_agency_may_submit(
    report: ProgressReport, personas: dict[str, User], who: str
) -> None:
    draft = save(report, personas["officer_a"])
    with pytest.raises(ReportForbidden):
        report_submit(report=draft, actor=personas[who], expected_version=draft.version)


def test_an_outsider_submitting_a_sent_report_is_refused_as_an_outsider(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    sent = submitted(report, personas)
    with pytest.raises(ReportForbidden):
        report_submit(report=sent, actor=personas["officer_b"], expected_version=sent.version)


def test_submitting_twice_says_it_was_already_sent(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    sent = submitted(report, personas)
    with pytest.raises(ReportError, match="đã được gửi"):
        report_submit(report=sent, actor=personas["head_a"], expected_version=sent.version)


def test_a_stale_submit_is_a_conflict(report: ProgressReport, personas: dict[str, User]) -> None:
    draft = save(report, personas["officer_a"])
    with pytest.raises(ReportConflict):
        report_submit(report=draft, actor=personas["head_a"], expected_version=draft.version - 1)
    draft.refresh_from_db()
    assert draft.state == STATE.DRAFT


# ---------------------------------------------------------------------------- review


def test_the_coordinator_approves(report: ProgressReport, personas: dict[str, User]) -> None:
    sent = submitted(report, personas)
    approved = report_review(
        report=sent, actor=personas["coordinator"], approve=True, expected_version=sent.version
    )
    assert approved.state == STATE.APPROVED and approved.reviewed_by == personas["coordinator"]
    assert not approved.is_editable


def test_a_return_needs_a_comment_and_the_officer_may_then_resubmit(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    sent = submitted(report, personas)
    with pytest.raises(ReportError, match="ý kiến"):
        report_review(
            report=sent,
            actor=personas["coordinator"],
            approve=False,
            comment=" ",
            expected_version=sent.version,
        )
    returned = report_review(
        report=sent,
        actor=personas["coordinator"],
        approve=False,
        comment="Bổ sung số văn bản",
        expected_version=sent.version,
    )
    assert returned.state == STATE.RETURNED and returned.review_comment == "Bổ sung số văn bản"
    officer = personas["officer_a"]
    assert can(officer, "report.edit", returned) and can(officer, "report.submit", returned)
    fixed = save(returned, officer, percent=60)
    again = report_submit(report=fixed, actor=officer, expected_version=fixed.version)
    assert again.state == STATE.SUBMITTED
    actions = list(again.versions.values_list("action", "actor__username"))
    assert actions == [
        ("saved", "officer_a"),
        ("submitted", "head_a"),
        ("returned", "coordinator"),
        ("saved", "officer_a"),
        ("submitted", "officer_a"),
    ]


@pytest.mark.parametrize("who", ["officer_a", "head_a", "officer_b", "leader", "appraiser"])
def test_only_the_coordinator_reviews(
    report: ProgressReport, personas: dict[str, User], who: str
) -> None:
    sent = submitted(report, personas)
    assert not can(personas[who], "report.review", sent)
    with pytest.raises(ReportForbidden):
        report_review(report=sent, actor=personas[who], approve=True, expected_version=sent.version)


def test_an_officer_reviewing_a_draft_is_refused_as_an_officer(
    report: ProgressReport, personas: dict[str, User]
) -> None:
    draft = save(report, personas["officer_a"])
    with pytest.raises(ReportForbidden):
        report_review(
            report=draft, actor=personas["officer_a"], approve=True, expected_version=draft.version
        )


def test_a_draft_cannot_be_reviewed(report: ProgressReport, personas: dict[str, User]) -> None:
    draft = save(report, personas["officer_a"])
    with pytest.raises(ReportError, match="đã gửi"):
        report_review(
            report=draft,
            actor=personas["coordinator"],
            approve=True,
            expected_version=draft.version,
        )


def test_a_stale_review_is_a_conflict(report: ProgressReport, personas: dict[str, User]) -> None:
    sent = submitted(report, personas)
    with pytest.raises(ReportConflict):
        report_review(
            report=sent,
            actor=personas["coordinator"],
            approve=True,
            expected_version=sent.version - 1,
        )


# ---------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("officer_a", True),
        ("head_a", True),
        ("officer_b", False),
        ("coordinator", True),
        ("leader", True),
        ("appraiser", True),
        ("admin", True),
    ],
)
def test_who_may_read_a_report(
    report: ProgressReport, personas: dict[str, User], who: str, sees: bool
) -> None:
    assert can(personas[who], "report.view", report) is sees
