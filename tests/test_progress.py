"""Timeliness of items and the roll-up of progress."""

from datetime import date

import pytest

from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.monitoring.progress import Timeliness, group_figure, plan_progress, timeliness
from cchc.monitoring.services import report_get_or_create, report_save, report_submit

D = date


@pytest.mark.parametrize(
    ("due", "done", "today", "expected"),
    [
        ([D(2022, 3, 31)], None, D(2022, 3, 1), Timeliness.ON_TRACK),
        ([D(2022, 3, 31)], None, D(2022, 3, 24), Timeliness.DUE_SOON),
        ([D(2022, 3, 31)], None, D(2022, 3, 31), Timeliness.DUE_SOON),
        ([D(2022, 3, 31)], None, D(2022, 4, 1), Timeliness.OVERDUE),
        ([D(2022, 3, 31)], D(2022, 3, 31), D(2022, 5, 1), Timeliness.DONE_ON_TIME),
        ([D(2022, 3, 31)], D(2022, 4, 2), D(2022, 5, 1), Timeliness.DONE_LATE),
        ([], None, D(2022, 12, 31), Timeliness.ON_TRACK),
        ([], D(2022, 6, 1), D(2022, 12, 31), Timeliness.DONE_ON_TIME),
        ([D(2022, 6, 30), D(2022, 9, 30)], None, D(2022, 7, 15), Timeliness.ON_TRACK),
        ([D(2022, 6, 30), D(2022, 9, 30)], None, D(2022, 9, 25), Timeliness.DUE_SOON),
        ([D(2022, 6, 30), D(2022, 9, 30)], None, D(2022, 10, 1), Timeliness.OVERDUE),
    ],
)
def test_it_places_each_item_on_the_timeline(due, done, today, expected):
    assert timeliness(due, done, today) == expected


def _send(assignment, period, head, **fields):
    report = report_get_or_create(assignment=assignment, period=period)
    report = report_save(report=report, actor=head, expected_version=report.version, **fields)
    return report_submit(report=report, actor=head, expected_version=report.version)


def test_only_sent_reports_count_and_not_done_is_left_out(plan, personas, agencies):
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    head = personas["head_a"]
    mine = list(Assignment.objects.filter(agency=agencies["a"], activity__plan=plan))
    assert len(mine) >= 3
    _send(mine[0], period, head, status=ProgressReport.Status.DONE, percent=100)
    _send(
        mine[1],
        period,
        head,
        status=ProgressReport.Status.NOT_DONE,
        percent=0,
        reason="Trung ương chưa ban hành hướng dẫn",
    )
    draft = report_get_or_create(assignment=mine[2], period=period)
    report_save(
        report=draft,
        actor=head,
        expected_version=draft.version,
        status=ProgressReport.Status.IN_PROGRESS,
        percent=80,
    )

    progress = plan_progress(plan, period=period, today=D(2022, 3, 20), method="equal")
    figure = progress.agencies[agencies["a"].pk]
    assert figure.not_done == 1
    assert figure.done == 1
    # The draft's 80 % does not count: only what the head sent.
    counted = figure.counted
    assert figure.percent == pytest.approx(100 / counted)
    assert "không thực hiện" in progress.method_label
    group = group_figure(progress, {agencies["a"].pk})
    assert group.percent == pytest.approx(figure.percent)


def test_the_status_method_counts_only_done_activities(plan, personas, agencies):
    period = ReportingPeriod.objects.get(plan=plan, code="q1")
    head = personas["head_a"]
    lead = Assignment.objects.filter(agency=agencies["a"], role="lead", activity__plan=plan).first()
    _send(lead, period, head, status=ProgressReport.Status.IN_PROGRESS, percent=90)
    equal = plan_progress(plan, period=period, today=D(2022, 3, 20), method="equal")
    status = plan_progress(plan, period=period, today=D(2022, 3, 20), method="status")
    assert equal.activities[lead.activity_id].percent == 90
    assert status.activities[lead.activity_id].percent == 0


def test_progress_costs_the_same_queries_for_any_plan_size(agencies, django_assert_num_queries):
    from tests.factories import make_plan

    small = make_plan(10, number="10/KH")
    big = make_plan(100, number="100/KH")
    with django_assert_num_queries(3):
        plan_progress(small, period=None, today=D(2022, 6, 1))
    with django_assert_num_queries(3):
        plan_progress(big, period=None, today=D(2022, 6, 1))
