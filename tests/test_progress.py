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


def _figures(figures):
    return {
        key: (
            f.counted,
            f.done,
            f.not_done,
            f.overdue,
            None if f.percent is None else round(f.percent, 9),
        )
        for key, f in figures.items()
    }


@pytest.mark.parametrize("method", ["equal", "weighted", "status"])
def test_the_rollup_without_items_gives_the_same_figures(plan, personas, agencies, method):
    """`plan_rollup` (the exports' way: a slice of activities at a time, no items kept)
    and `plan_progress` agree on every figure, transfers and states included."""
    from cchc.agencies.models import Agency
    from cchc.plans.models import Activity

    q1 = ReportingPeriod.objects.get(plan=plan, code="q1")
    half = ReportingPeriod.objects.filter(plan=plan).order_by("position")[1]
    Activity.objects.filter(plan=plan, position=0).update(weight=3)
    statuses = [
        (ProgressReport.Status.DONE, 100, D(2022, 2, 1)),
        (ProgressReport.Status.IN_PROGRESS, 40, None),
        (ProgressReport.Status.NOT_DONE, 0, None),
        (ProgressReport.Status.IN_PROGRESS, 75, None),
    ]
    states = [
        ProgressReport.State.SUBMITTED,
        ProgressReport.State.APPROVED,
        ProgressReport.State.DRAFT,
    ]
    assignments = list(Assignment.objects.filter(activity__plan=plan).order_by("pk"))
    for n, assignment in enumerate(assignments):
        if n % 5 == 4:
            continue
        status, percent, done_on = statuses[n % len(statuses)]
        ProgressReport.objects.create(
            assignment=assignment,
            period=q1 if n % 2 else half,
            status=status,
            percent=percent,
            completed_on=done_on,
            reason="Không còn phù hợp" if status == ProgressReport.Status.NOT_DONE else "",
            state=states[n % len(states)],
        )
    # One assignment handed to another agency, which has sent nothing yet: the old
    # agency's report stands for the new one's item.
    old = next(a for a in assignments if ProgressReport.objects.filter(assignment=a).exists())
    taken = set(
        Assignment.objects.filter(activity=old.activity).values_list("agency_id", flat=True)
    )
    successor_agency = Agency.objects.exclude(pk__in=taken).first()
    successor = Assignment.objects.create(
        activity=old.activity, agency=successor_agency, role=old.role
    )
    old.transferred_to, old.closed_on = successor, D(2022, 2, 15)
    old.save()

    from cchc.monitoring.progress import plan_rollup

    for states_counted in (("submitted", "approved"), ("approved",)):
        for period in (q1, half, None):
            whole = plan_progress(
                plan, period=period, today=D(2022, 5, 1), method=method, states=states_counted
            )
            for chunk in (1, 7, 1000):
                lean = plan_rollup(
                    plan,
                    period=period,
                    today=D(2022, 5, 1),
                    method=method,
                    states=states_counted,
                    chunk=chunk,
                )
                assert lean.items == []
                for name in ("activities", "tasks", "areas", "agencies", "agency_areas"):
                    assert _figures(getattr(lean, name)) == _figures(getattr(whole, name)), name
                assert _figures({0: lean.plan}) == _figures({0: whole.plan})
                leads = {
                    a: [i.report_id for i in whole.items if i.activity_id == a and i.role == "lead"]
                    or [i.report_id for i in whole.items if i.activity_id == a]
                    for a in whole.activities
                }
                assert lean.activity_reports == {
                    a: [r for r in reports if r is not None] for a, reports in leads.items()
                }
    every_state = tuple(ProgressReport.State.values)
    whole = plan_progress(plan, period=None, today=D(2022, 5, 1), states=every_state)
    item = next(i for i in whole.items if i.assignment_id == successor.pk)
    assert item.report_id == ProgressReport.objects.get(assignment=old).pk
    assert old.pk not in {i.assignment_id for i in whole.items}


def test_the_rollup_reads_a_slice_of_activities_at_a_time(plan, django_assert_num_queries):
    from cchc.monitoring.progress import plan_rollup
    from cchc.plans.models import Activity

    activities = Activity.objects.filter(plan=plan, assignments__isnull=False).distinct().count()
    # Transfers and the activities' sizes, then per slice: assignments, due dates, reports.
    # A slice holds whole activities: one each when the budget is one assignment.
    with django_assert_num_queries(2 + 3 * activities):
        plan_rollup(plan, period=None, today=D(2022, 6, 1), chunk=1)
    with django_assert_num_queries(2 + 3):
        plan_rollup(plan, period=None, today=D(2022, 6, 1))
