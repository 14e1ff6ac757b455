"""The demo's first half-year: believable, varied, reproducible, and written only once."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from cchc.accounts.models import User
from cchc.documents.models import Document
from cchc.monitoring.demo import RETURN_COMMENTS, _abbreviation, demo_progress_fill
from cchc.monitoring.models import ProgressReport, ReportVersion
from cchc.monitoring.progress import Timeliness, plan_progress
from cchc.plans.models import Plan
from tests.factories import make_plan


def _story(plan: Plan) -> list[tuple]:
    """What the demo wrote, without database ids, to compare two runs."""
    return [
        (
            r.assignment.agency.name,
            r.assignment.activity.title,
            r.period.code,
            r.state,
            r.status,
            r.percent,
            r.narrative,
            r.reason,
            r.review_comment,
            r.completed_on,
            r.submitted_at,
            r.reviewed_at,
            tuple(d.number for d in r.documents),
        )
        for r in ProgressReport.objects.filter(assignment__activity__plan=plan)
        .select_related("assignment__agency", "assignment__activity", "period")
        .order_by(
            "assignment__agency__name",
            "assignment__activity__task__area__position",
            "assignment__activity__task__position",
            "assignment__activity__position",
            "period__position",
        )
    ]


@pytest.fixture
def filled(plan, personas):
    states = demo_progress_fill(plan)
    return plan, states


def test_it_tells_a_half_year_with_every_state_of_the_review_loop(filled):
    _plan, states = filled
    assert set(states) == {"approved", "submitted", "returned", "draft"}
    assert sum(states.values()) == ProgressReport.objects.count()
    assert set(ProgressReport.objects.values_list("period__code", flat=True)) == {"q1", "6-thang"}

    returned = ProgressReport.objects.filter(state="returned")
    assert returned.exists()
    assert {r.review_comment for r in returned} <= set(RETURN_COMMENTS)
    assert all(r.reviewed_by.role == "coordinator" for r in returned)
    # The history is the real review loop, written by the agency's own head.
    report = returned.first()
    actions = list(report.versions.values_list("action", flat=True))
    assert actions[0] == "saved"
    assert actions[-2:] == ["submitted", "returned"]
    submitter = report.versions.get(action="submitted").actor
    assert (submitter.role, submitter.agency_id) == ("head", report.assignment.agency_id)

    for not_done in ProgressReport.objects.filter(status="not_done"):
        assert not_done.reason
    done = ProgressReport.objects.filter(status="done")
    assert done.exists()
    assert not done.filter(document_links__isnull=True).exists()
    assert "/" in Document.objects.first().number  # "12/KH-STP"
    assert any(" số " in r.narrative and " ngày " in r.narrative for r in done)


def test_everything_happened_by_10_july_and_some_of_it_late(filled):
    plan, _states = filled
    limit = date(plan.year, 7, 10)
    for report in ProgressReport.objects.exclude(state="draft"):
        assert report.submitted_at is not None
        assert report.submitted_at.date() <= limit
        if report.reviewed_at:
            assert report.submitted_at <= report.reviewed_at
            assert report.reviewed_at.date() <= limit
        if report.completed_on:
            assert report.completed_on.year == plan.year
            assert report.completed_on <= report.submitted_at.date()
    assert {v.at.year for v in ReportVersion.objects.all()} == {plan.year}

    progress = plan_progress(plan, period=None, today=limit)
    seen = {item.timeliness for item in progress.items}
    assert Timeliness.DONE_ON_TIME in seen
    assert Timeliness.DONE_LATE in seen or Timeliness.OVERDUE in seen
    assert progress.plan.percent is not None and 0 < progress.plan.percent < 100


def test_agencies_without_a_head_get_a_system_account_that_cannot_log_in(filled, agencies):
    head = User.objects.get(username=f"demo-{agencies['b'].pk}")
    assert head.role == "head"
    assert head.agency == agencies["b"]
    assert not head.has_usable_password()
    # Agency A has a real head: the demo uses the people who can log in.
    assert not User.objects.filter(username=f"demo-{agencies['a'].pk}").exists()
    assert ProgressReport.objects.filter(submitted_by__username="head_a").exists()


def test_it_does_nothing_when_the_plan_has_reports(filled):
    plan, _states = filled
    before = ProgressReport.objects.count(), ReportVersion.objects.count()
    assert demo_progress_fill(plan) == {}
    assert (ProgressReport.objects.count(), ReportVersion.objects.count()) == before


def test_the_same_seed_tells_the_same_story(agencies, personas):
    first = make_plan(14, number="1/KH-UBND")
    second = make_plan(14, number="2/KH-UBND")
    demo_progress_fill(first)
    # The second plan's agencies already have their demo heads; the story must not change.
    demo_progress_fill(second)
    assert _story(first) == _story(second)
    third = make_plan(14, number="3/KH-UBND")
    demo_progress_fill(third, seed=7)
    assert _story(third) != _story(first)


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        ("Sở Tư pháp", "STP"),
        ("Sở Lao động - Thương binh và Xã hội", "SLĐTBXH"),
        ("Sở Kế hoạch và Đầu tư", "SKHĐT"),
        ("Văn phòng UBND tỉnh", "VPUBND"),
    ],
)
def test_document_symbols_follow_the_agencys_initials(name, symbol):
    from cchc.agencies.models import Agency

    assert _abbreviation(Agency(name=name, kind=Agency.Kind.DEPARTMENT)) == symbol


def test_load_demo_fills_the_half_year_once_and_tells_each_step(db):
    # One full load_demo (about 20 s) serves both what it fills and what it tells.
    out = io.StringIO()
    call_command("load_demo", "--quiet-accounts", stdout=out)
    assert "Báo cáo tiến độ mẫu 6 tháng đầu năm" in out.getvalue()
    plan = Plan.objects.get(parent=None)
    count = ProgressReport.objects.filter(assignment__activity__plan=plan).count()
    assert count > 500
    # The demo logins see something of every kind on their agency.
    mine = ProgressReport.objects.filter(assignment__agency__name="Sở Tư pháp")
    assert {"approved", "returned", "draft"} <= set(mine.values_list("state", flat=True))
    # Sở Tư pháp's own plan, issued, with its phòng; a district's draft; the deadline.
    own = Plan.objects.get(parent=plan, issuer="Sở Tư pháp")
    assert (own.status, own.number, own.signer) == ("issued", "15/KH-STP", "Hoàng Đức Anh")
    assert own.activities.filter(source=None).count() == 2
    assert own.periods.count() == plan.periods.count()
    assert ProgressReport.objects.filter(
        assignment__activity__plan=own, assignment__agency__name="Phòng Hành chính tư pháp"
    ).exists()
    assert Plan.objects.filter(parent=plan, status="draft", issuer__startswith="UBND").exists()
    assert plan.agency_plans_due is not None

    lines = out.getvalue().splitlines()
    steps = [line for line in lines if line.startswith("Bước ")]
    assert [line.split(":")[0] for line in steps] == [f"Bước {n}/4" for n in range(1, 5)]
    assert "tạo báo cáo tiến độ mẫu" in steps[-1]
    # The year's satisfaction surveys are filled within the same step (cchc.citizens.demo).
    surveys = next(line for line in lines if line.startswith("Phiếu khảo sát hài lòng mẫu"))
    assert "năm 2022: 400 phiếu" in surveys and "chưa đủ mẫu để công bố" in surveys
    # Feedback in every state and every indicator of the built-in plan, with values.
    citizens = next(line for line in lines if line.startswith("Phản ánh, kiến nghị mẫu"))
    assert "mẫu: 15;" in citizens and "chỉ tiêu của kế hoạch: 6, với 12 số liệu đo" in citizens
    # Progress through the agencies, ending at 100 %, before the summary.
    progress = [line for line in lines if line.strip().startswith("… ") and "cơ quan" in line]
    assert 3 <= len(progress) <= 12
    assert progress[-1].endswith("(100%)")
    assert lines.index(progress[-1]) < next(
        i for i, line in enumerate(lines) if line.startswith("Báo cáo tiến độ mẫu")
    )

    # A second run has nothing to fill: the steps, but no reports and no progress.
    total = ProgressReport.objects.count()
    again = io.StringIO()
    call_command("load_demo", "--quiet-accounts", stdout=again)
    assert "Báo cáo tiến độ mẫu" not in again.getvalue()
    assert not [line for line in again.getvalue().splitlines() if line.strip().startswith("… ")]
    assert ProgressReport.objects.count() == total
    assert Plan.objects.count() == 3
    without = io.StringIO()
    call_command("load_demo", "--quiet-accounts", "--without-reports", stdout=without)
    assert [line.split(":")[0] for line in without.getvalue().splitlines() if "Bước" in line] == [
        "Bước 1/3",
        "Bước 2/3",
        "Bước 3/3",
    ]
    quiet = io.StringIO()
    call_command("load_demo", "--quiet-accounts", verbosity=0, stdout=quiet)
    assert "Bước" not in quiet.getvalue()


def test_load_demo_knows_its_plan_however_the_issuer_was_spelt(db):
    call_command("load_demo", "--quiet-accounts", "--without-reports", stdout=io.StringIO())
    plan = Plan.objects.get()
    # An officer re-typed the issuer in full when correcting the plan.
    Plan.objects.filter(pk=plan.pk).update(issuer="Ủy ban nhân dân tỉnh Quảng Trị")
    out = io.StringIO()
    call_command("load_demo", "--quiet-accounts", "--without-reports", stdout=out)
    assert "đã có" in out.getvalue()
    assert Plan.objects.count() == 1
