"""Figures computed once per change (cchc.monitoring.figures, docs/dashboards.md).

After each kind of change (a report sent, returned, approved; a period edited; dates set;
the plan replaced; an agency renamed) the figures the pages read from the cache equal
the ones computed afresh from the database with an empty cache, and show the change.
The trend replays only what changed, and gives what a whole replay gives.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cchc.accounts.models import Role, User
from cchc.agencies.models import Agency
from cchc.agencies.services import agency_rename
from cchc.dashboards.queries import (
    Selection,
    agency_dashboard,
    plan_trend,
    province_dashboard,
    province_summary,
    public_page,
)
from cchc.dashboards.queries.trend import _month_end
from cchc.dashboards.summaries import summaries_rebuild
from cchc.lib import calendar
from cchc.monitoring.figures import FiguresStamp, figures_changed, figures_stamp
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from cchc.monitoring.progress import Progress, plan_progress
from cchc.monitoring.services import period_current, report_review
from cchc.plans.models import Activity, Plan
from cchc.plans.services import activity_set_schedule, plan_document, plan_import
from tests import factories
from tests.test_dashboards import send

Status = ProgressReport.Status


@pytest.fixture
def today() -> date:
    return calendar.today()


@pytest.fixture
def plan(agencies: dict[str, Agency], today: date) -> Plan:
    # Of this year, so that reports sent now fall in its trend's current month.
    return factories.make_plan(14, year=today.year)


def _selection(plan: Plan, today: date) -> Selection:
    periods = list(plan.periods.order_by("position"))
    period = period_current(plan, today, periods=periods)
    as_of = min(today, period.ends_on) if period is not None else today
    return Selection(plans=[plan], plan=plan, periods=periods, period=period, as_of=as_of)


def _read(plan: Plan, today: date, agency: Agency) -> dict[str, Any]:
    """Everything the pages and the other modules read of the plan's figures."""
    plan = Plan.objects.get(pk=plan.pk)
    selection = _selection(plan, today)
    board = province_dashboard(selection, today=today, agency_url=lambda pk: f"/a/{pk}")
    mine = agency_dashboard(selection, agency)
    public = public_page(selection, today=today)
    summary = province_summary(plan, today=today)
    return {
        "tables": {name: chart.table.rows for name, chart in board.charts().items()},
        "svg": {name: str(chart.svg) for name, chart in board.charts().items()},
        # The tables' markup, written with the dashboard (carried row by row).
        "markup": {
            name: chart.table.markup and str(chart.table.markup.text())
            for name, chart in board.charts().items()
        },
        "plan": board.progress.plan,
        "timeliness": board.timeliness,
        "items": sorted(
            (i.assignment_id, i.status, i.percent, i.timeliness, i.due_dates)
            for i in board.progress.items
        ),
        "agency": (mine.figure, {n: c.table.rows for n, c in mine.charts().items()}),
        "public": public.table().rows,
        "summary": (summary.plan, summary.timeliness),
    }


def _fresh(plan: Plan, today: date, agency: Agency) -> dict[str, Any]:
    cache.clear()
    return _read(plan, today, agency)


def _leads(plan: Plan, agency: Agency) -> list[Assignment]:
    return list(
        Assignment.objects.filter(agency=agency, activity__plan=plan, role="lead")
        .select_related("agency")
        .order_by("pk")
    )


def _current(plan: Plan, today: date) -> ReportingPeriod:
    period = period_current(plan, today)
    assert period is not None
    return period


def test_a_report_sent_shows_at_once_and_equals_the_fresh_figures(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    agency = agencies["a"]
    before = _read(plan, today, agency)
    assert _read(plan, today, agency) == before  # read back from the cache
    send(_leads(plan, agency)[0], _current(plan, today), status=Status.IN_PROGRESS, percent=70)
    after = _read(plan, today, agency)
    assert after["plan"] != before["plan"] and after["tables"]["trend"] != before["tables"]["trend"]
    assert after == _fresh(plan, today, agency)


def test_a_return_and_an_approval_show_at_once(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], today: date
) -> None:
    agency = agencies["a"]
    period = _current(plan, today)
    first, second = _leads(plan, agency)[:2]
    returned = send(first, period, status=Status.IN_PROGRESS, percent=80)
    approved = send(second, period, status=Status.DONE, completed_on=today)
    sent = _read(plan, today, agency)
    report_review(
        report=returned,
        actor=personas["coordinator"],
        approve=False,
        comment="Thiếu văn bản",
        expected_version=returned.version,
    )
    after_return = _read(plan, today, agency)
    assert after_return["plan"] != sent["plan"]
    assert after_return == _fresh(plan, today, agency)
    # The public page counts approved reports only: never older than the last approval.
    report_review(
        report=approved,
        actor=personas["coordinator"],
        approve=True,
        expected_version=approved.version,
    )
    after_approval = _read(plan, today, agency)
    assert after_approval["public"] != after_return["public"]
    assert after_approval == _fresh(plan, today, agency)


def test_a_period_edited_moves_the_report_that_stands(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    agency = agencies["a"]
    assignment = _leads(plan, agency)[0]
    periods = list(plan.periods.order_by("position"))
    send(assignment, periods[0], status=Status.DONE, completed_on=today)
    send(assignment, periods[1], status=Status.IN_PROGRESS, percent=10)
    before = _read(plan, today, agency)
    # The first period put last (as the admin would): its "done" now stands.
    periods[0].position = 99
    periods[0].save(update_fields=["position"])
    after = _read(plan, today, agency)
    assert after["tables"]["trend"] != before["tables"]["trend"]
    assert after == _fresh(plan, today, agency)


def test_dates_set_move_timeliness(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], today: date
) -> None:
    agency = agencies["a"]
    before = _read(plan, today, agency)
    activity = Activity.objects.get(pk=_leads(plan, agency)[0].activity_id)
    past = today - timedelta(days=40)
    activity_set_schedule(
        activity=activity,
        phrase=past.strftime("%d/%m/%Y"),
        actor=personas["coordinator"],
        source="web",
    )
    after = _read(plan, today, agency)
    assert after["items"] != before["items"]
    assert after == _fresh(plan, today, agency)


def test_a_replaced_plan_shows_its_new_contents(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    agency = agencies["a"]
    before = _read(plan, today, agency)
    document = plan_document(plan)
    document.areas[0].tasks.pop()
    replaced = plan_import(document=document, replace=True)
    assert replaced.pk == plan.pk
    after = _read(plan, today, agency)
    assert after["tables"]["areas"] != before["tables"]["areas"]
    assert after == _fresh(plan, today, agency)


def test_an_agency_renamed_is_named_anew(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    agency = agencies["a"]
    _read(plan, today, agency)
    agency_rename(agency=agency, name="Sở Tư pháp và Pháp chế", on=today)
    after = _read(plan, today, agency)
    assert "Sở Tư pháp và Pháp chế" in after["svg"]["heatmap"]
    assert after == _fresh(plan, today, agency)


def test_rows_written_in_bulk_show_after_rebuild_summaries(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    agency = agencies["a"]
    report = send(_leads(plan, agency)[0], _current(plan, today), status=Status.IN_PROGRESS)
    before = _read(plan, today, agency)
    # Written behind the services' back (SQL, a bulk load): no stamp moves...
    ProgressReport.objects.filter(pk=report.pk).update(percent=90)
    assert _read(plan, today, agency) == before
    # ...until the summaries are rebuilt.
    call_command("rebuild_summaries", "--plan", str(plan.pk), stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = _read(plan, today, agency)
    assert after["plan"] != before["plan"]
    assert after == _fresh(plan, today, agency)
    assert summaries_rebuild() == Plan.objects.count()


def test_an_unknown_plan_is_refused_by_rebuild_summaries(plan: Plan) -> None:
    from django.core.management.base import CommandError

    stamps = list(FiguresStamp.objects.values_list("reports", flat=True))
    with pytest.raises(CommandError, match="Không tìm thấy kế hoạch"):
        call_command("rebuild_summaries", "--plan", "không-có\x00")
    assert list(FiguresStamp.objects.values_list("reports", flat=True)) == stamps


def test_a_draft_saved_moves_no_stamp(plan: Plan, agencies: dict[str, Agency], today: date) -> None:
    from cchc.monitoring.services import report_get_or_create, report_save

    assignment = _leads(plan, agencies["a"])[0]
    report = report_get_or_create(assignment=assignment, period=_current(plan, today))
    stamp = figures_stamp(plan)
    head = factories.make_user("head-draft", Role.HEAD, agencies["a"])
    report_save(
        report=report,
        actor=head,
        expected_version=report.version,
        status=Status.IN_PROGRESS,
        percent=30,
    )
    assert figures_stamp(plan) == stamp


def test_a_deleted_plan_takes_its_stamp(plan: Plan) -> None:
    figures_stamp(plan)
    plan.delete()
    assert not FiguresStamp.objects.exists()


# ---------------------------------------------------------------------------
# The trend replays only what changed


def _move_history(plan: Plan, month: int) -> None:
    """Date every send, return and approval so far in `month` of the plan's year, as the
    demo does, and say so (history rewritten in bulk is a change of structure)."""
    middle = _month_end(plan.year, month) - timedelta(days=10)
    ReportVersion.objects.filter(report__assignment__activity__plan=plan).update(at=middle)
    figures_changed(plan, structure=True)


def test_the_trend_replays_only_the_unsettled_months(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    if today.month < 3:
        pytest.skip("needs two settled months in the plan's year")
    agency = agencies["a"]
    leads = _leads(plan, agency)
    period = _current(plan, today)
    send(leads[0], period, status=Status.IN_PROGRESS, percent=50)
    _move_history(plan, 1)
    progress = plan_progress(plan, period=None, today=today)
    whole = plan_trend(plan, progress, today=today)
    assert plan_trend(plan, progress, today=today, stamp=figures_stamp(plan)) == whole
    assert whole[0].sent == 1

    send(leads[1], period, status=Status.DONE, completed_on=today)
    # A change of the `reports` token that says nothing of what changed (an agency
    # renamed does so): nothing to carry over, the months since the settled ones replay.
    figures_changed(plan)
    progress = plan_progress(plan, period=None, today=today)
    with CaptureQueriesContext(connection) as captured:
        stepped = plan_trend(plan, progress, today=today, stamp=figures_stamp(plan))
    assert stepped == plan_trend(plan, progress, today=today)
    assert stepped[-1].sent == 2 and stepped[0].sent == 1
    # One read of the history, of the events since the settled months only.
    reads = [q["sql"] for q in captured.captured_queries if "reportversion" in q["sql"]]
    assert len(reads) == 1 and '"at" >=' in reads[0]


def test_the_trend_after_a_rewritten_history_is_replayed_whole(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    if today.month < 3:
        pytest.skip("needs two settled months in the plan's year")
    agency = agencies["a"]
    send(_leads(plan, agency)[0], _current(plan, today), status=Status.IN_PROGRESS, percent=50)
    _move_history(plan, 2)
    progress = plan_progress(plan, period=None, today=today)
    first = plan_trend(plan, progress, today=today, stamp=figures_stamp(plan))
    assert [p.sent for p in first[:2]] == [0, 1]
    _move_history(plan, 1)
    again = plan_trend(plan, progress, today=today, stamp=figures_stamp(plan))
    assert [p.sent for p in again[:2]] == [1, 1]
    assert again == plan_trend(plan, progress, today=today)


def test_a_month_just_ended_is_not_settled(plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report sent in the last moments of a month may commit after it: the month stays
    open to the replay for a day."""
    from cchc.dashboards.queries import trend

    end = _month_end(plan.year, 5)
    seen: list[int] = []
    real = trend._settled

    def spy(plan: Plan, progress: Any, stamp: Any, settled: int) -> Any:
        seen.append(settled)
        return real(plan, progress, stamp, settled)

    monkeypatch.setattr(trend, "_settled", spy)
    progress = plan_progress(plan, period=None, today=date(plan.year, 6, 1))
    for now, settled in ((end + timedelta(hours=2), 4), (end + timedelta(days=1, hours=1), 5)):
        monkeypatch.setattr(timezone, "now", lambda now=now: now)
        plan_trend(plan, progress, today=date(plan.year, 6, 1), stamp=figures_stamp(plan))
        assert seen[-1] == settled
    assert isinstance(end, datetime)


# ---------------------------------------------------------------------------
# A report's change carries the figures over: the first read after it computes nothing
# of the plan afresh


def _cached_now(plan: Plan, today: date) -> tuple[Any, Any]:
    """What is cached under the plan's current token: the current period's roll-up and
    the trend."""
    from cchc.dashboards.queries.trend import _months
    from cchc.dashboards.queries.trend import _Moved as TrendMoved
    from cchc.monitoring.figures import _Moved, cached_get
    from cchc.monitoring.progress import progress_with_items

    stamp = figures_stamp(plan)
    selection = _selection(plan, today)
    period = selection.period
    progress = cached_get(
        plan.pk,
        stamp.reports,
        "progress",
        (
            period.pk if period else "-",
            selection.as_of.isoformat(),
            plan.rollup_method,
            "+".join((ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)),
        ),
    )
    if isinstance(progress, _Moved):
        # Kept as the roll-up it was carried from and the items changed since.
        base = cached_get(plan.pk, progress.base, "progress", _progress_parts(plan, today))
        assert base is not None and progress.items
        progress = progress_with_items(base, list(progress.items))
    last_month, settled = _months(plan, today)
    trend = cached_get(
        plan.pk, stamp.reports, "trend", (plan.year, last_month, settled, plan.rollup_method)
    )
    if trend is None:
        return progress, None
    return progress, trend.points if isinstance(trend, TrendMoved) else trend[0]


def _plan_wide(queries: list[dict[str, Any]]) -> list[str]:
    """The queries that read the plan's reports or their history as a whole (through its
    activities), as a computation afresh does."""
    return [
        q["sql"]
        for q in queries
        if ("monitoring_progressreport" in q["sql"] or "monitoring_reportversion" in q["sql"])
        and "plans_activity" in q["sql"]
    ]


def _figures(progress: Any) -> Any:
    return (
        progress.plan,
        progress.activities,
        progress.tasks,
        progress.areas,
        progress.agencies,
        progress.agency_areas,
        [
            (i.assignment_id, i.report_id, i.status, i.percent, i.state, i.timeliness)
            for i in progress.items
        ],
    )


def test_each_report_change_carries_figures_equal_to_a_whole_computation(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], today: date
) -> None:
    agency = agencies["a"]
    periods = list(plan.periods.order_by("position"))
    current = _current(plan, today)
    first, second, third = _leads(plan, agency)[:3]
    coordinator = personas["coordinator"]
    head = factories.make_user("head-carry", Role.HEAD, agency)
    earlier = send(third, periods[0], status=Status.DONE, completed_on=today)

    def check() -> None:
        with CaptureQueriesContext(connection) as captured:
            _read(plan, today, agency)
        assert _plan_wide(captured.captured_queries) == []  # carried over, not computed
        progress, trend = _cached_now(plan, today)
        fresh = Plan.objects.get(pk=plan.pk)
        selection = _selection(fresh, today)
        whole = plan_progress(fresh, period=selection.period, today=selection.as_of)
        assert _figures(progress) == _figures(whole)
        assert _every_figure(progress) == _every_figure(whole)
        assert trend == plan_trend(fresh, whole, today=today)

    _read(plan, today, agency)
    sent = send(first, current, status=Status.IN_PROGRESS, percent=37)
    check()
    approved = send(second, current, status=Status.DONE, completed_on=today)
    check()
    report_review(
        report=approved, actor=coordinator, approve=True, expected_version=approved.version
    )
    check()
    sent = report_review(
        report=sent,
        actor=coordinator,
        approve=False,
        comment="Thiếu số liệu",
        expected_version=sent.version,
    )
    check()
    # Returned, saved again and sent again: what it says now counts.
    from cchc.monitoring.services import report_save, report_submit

    sent = report_save(
        report=sent,
        actor=head,
        expected_version=sent.version,
        status=Status.IN_PROGRESS,
        percent=91,
    )
    sent = report_submit(report=sent, actor=head, expected_version=sent.version)
    check()
    # A report of an earlier period returned: the assignment's other report stands.
    send(third, current, status=Status.IN_PROGRESS, percent=23)
    check()
    report_review(
        report=earlier,
        actor=coordinator,
        approve=False,
        comment="Sai",
        expected_version=earlier.version,
    )
    check()
    board = _read(plan, today, agency)
    assert board == _fresh(plan, today, agency)


def test_the_first_read_after_reports_sent_reads_only_theirs(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    agency = agencies["a"]
    whole = _read(plan, today, agency)
    with CaptureQueriesContext(connection) as captured:
        _read(plan, today, agency)
    assert _plan_wide(captured.captured_queries) == []  # read from the cache
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert _read(plan, today, agency) == whole
    assert _plan_wide(captured.captured_queries)  # computed afresh: the probe sees it
    # Two reports sent before anyone reads: both carried over at once.
    for assignment, percent in zip(_leads(plan, agency)[:2], (71, 13), strict=True):
        send(assignment, _current(plan, today), status=Status.IN_PROGRESS, percent=percent)
    with CaptureQueriesContext(connection) as captured:
        after = _read(plan, today, agency)
    assert _plan_wide(captured.captured_queries) == []
    carried, _trend = _cached_now(plan, today)
    selection = _selection(plan, today)
    whole = plan_progress(plan, period=selection.period, today=selection.as_of)
    assert _every_figure(carried) == _every_figure(whole)
    assert after != whole
    assert after == _fresh(plan, today, agency)


def test_a_report_change_draws_again_only_the_changed_agencys_rows(
    plan: Plan, agencies: dict[str, Agency], today: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read after a report change carries the earlier dashboard over: the plan's
    areas, groups and memberships are not read again, only the changed agency's heatmap
    row is drawn again (the others are kept as drawn), and the page equals one built
    afresh, the changed agency's row showing its new figure."""
    from cchc.dashboards import charts

    agency = agencies["a"]
    before = _read(plan, today, agency)
    kept: list[Any] = []
    real = charts.heatmap_drawing

    def spy(**kwargs: Any) -> Any:
        kept.append(kwargs.get("kept"))
        return real(**kwargs)

    monkeypatch.setattr(charts, "heatmap_drawing", spy)
    send(_leads(plan, agency)[0], _current(plan, today), status=Status.IN_PROGRESS, percent=37)
    selection = _selection(Plan.objects.get(pk=plan.pk), today)
    with CaptureQueriesContext(connection) as captured:
        board = province_dashboard(selection, today=today, agency_url=lambda pk: f"/a/{pk}")
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    for table in ("plans_area", "agencies_agencygroup", "agencies_groupmembership"):
        assert f'"{table}"' not in sql
    (rows,) = kept
    names = [row[0] for row in board.heatmap.table.rows]
    assert rows is not None and len(rows) == len(names) > 1
    assert [name for name, row in zip(names, rows, strict=True) if row is None] == [agency.name]
    row = names.index(agency.name)
    assert board.heatmap.table.rows[row] != before["tables"]["heatmap"][row]
    assert [r for n, r in enumerate(board.heatmap.table.rows) if n != row] == [
        r for n, r in enumerate(before["tables"]["heatmap"]) if n != row
    ]
    monkeypatch.setattr(charts, "heatmap_drawing", real)
    after = _read(plan, today, agency)
    assert after == _fresh(plan, today, agency)


def test_a_change_of_structure_after_a_report_is_computed_whole(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    """A period reordered after a carried change: nothing carried is read under it."""
    agency = agencies["a"]
    assignment = _leads(plan, agency)[0]
    periods = list(plan.periods.order_by("position"))
    send(assignment, periods[0], status=Status.DONE, completed_on=today)
    _read(plan, today, agency)
    send(assignment, periods[1], status=Status.IN_PROGRESS, percent=10)
    before = _read(plan, today, agency)
    periods[0].position = 99
    periods[0].save(update_fields=["position"])
    with CaptureQueriesContext(connection) as captured:
        after = _read(plan, today, agency)
    assert _plan_wide(captured.captured_queries)  # the chain of changes is broken
    assert after != before
    assert after == _fresh(plan, today, agency)


# ---------------------------------------------------------------------------
# The carried read's shortcuts give what the plain computations give


def _sent_some(plan: Plan, agencies: dict[str, Agency], today: date) -> None:
    """Reports of every kind that counts: done, in progress, not to be done."""
    current = _current(plan, today)
    leads = _leads(plan, agencies["a"]) + _leads(plan, agencies["b"])
    kinds: list[dict[str, Any]] = [
        {"status": Status.DONE, "completed_on": today},
        {"status": Status.IN_PROGRESS, "percent": 35},
        {"status": Status.NOT_DONE, "reason": "Trung ương đã bãi bỏ nhiệm vụ"},
        {"status": Status.IN_PROGRESS, "percent": 80},
    ]
    for assignment, fields in zip(leads, kinds * 3, strict=False):
        send(assignment, current, **fields)


@pytest.mark.parametrize("method", ["equal", "weighted", "status"])
def test_the_groups_figures_in_one_pass_equal_each_groups_own(
    plan: Plan, agencies: dict[str, Agency], today: date, method: str
) -> None:
    from cchc.monitoring.progress import group_figure, group_figures

    _sent_some(plan, agencies, today)
    Activity.objects.filter(plan=plan).update(weight=3)
    Activity.objects.filter(pk=Activity.objects.filter(plan=plan).order_by("pk")[0].pk).update(
        weight=7
    )
    progress = plan_progress(plan, period=_current(plan, today), today=today, method=method)
    ids = sorted(agencies[key].pk for key in agencies)
    members = {1: {ids[0]}, 2: set(ids[:2]), 3: set(ids), 4: {-1}}
    together = group_figures(progress, members)
    one_by_one = {key: group_figure(progress, agency_ids) for key, agency_ids in members.items()}
    assert together == one_by_one
    assert together[3].counted and together[3].percent is not None
    assert together[4].percent is None


@pytest.mark.parametrize("method", ["equal", "weighted", "status"])
def test_a_trend_point_equals_the_roll_up_of_the_items_with_its_reports(
    plan: Plan, agencies: dict[str, Agency], today: date, method: str
) -> None:
    import random
    from copy import copy

    from cchc.dashboards.queries.trend import _leads as trend_leads
    from cchc.dashboards.queries.trend import _point
    from cchc.monitoring.progress import rollup_plan_percent

    progress = plan_progress(plan, period=None, today=today, method=method)
    rng = random.Random(7)
    statuses: list[str] = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE, Status.NOT_DONE]
    for _round in range(5):
        standing = {
            item.assignment_id: (1, rng.choice(statuses), rng.randrange(101))
            for item in progress.items
            if rng.random() < 0.6
        }
        items = [copy(item) for item in progress.items]
        for item in items:
            _position, item.status, item.percent = standing.get(
                item.assignment_id, (0, Status.NOT_STARTED, 0)
            )
        point = _point(3, standing, trend_leads(progress.items), method)
        assert point.percent == rollup_plan_percent(items, method)
        assert point.sent == len(standing)


def _every_figure(progress: Any) -> Any:
    """Every figure of a roll-up, in the order it holds them, floats as their exact bits
    (`float.hex`): a sum made in another order would differ in the last bit."""

    def exact(figure: Any) -> Any:
        percent = None if figure.percent is None else float(figure.percent).hex()
        return (percent, figure.counted, figure.done, figure.not_done, figure.overdue)

    return (
        exact(progress.plan),
        *(
            [(key, exact(figure)) for key, figure in getattr(progress, name).items()]
            for name in ("activities", "tasks", "areas", "agencies", "agency_areas")
        ),
        [vars(item) for item in progress.items],
    )


@pytest.mark.parametrize("method", ["equal", "weighted", "status"])
def test_a_roll_up_moved_on_over_changed_items_equals_one_made_afresh(method: str) -> None:
    """`progress_moved` (the read after a report change) remakes only the changed items'
    activities, agencies and pairs, then the activities up to the plan: after each of many
    random changes, one to three items at a time, every figure is bit for bit the one
    `progress_of_items` makes from all the items, and in the same order."""
    import random
    from copy import copy

    from cchc.monitoring.progress import ItemState, Timeliness, progress_moved, progress_of_items

    rng = random.Random(14)
    items = []
    for activity_id in range(1, 61):
        task_id = 100 + activity_id // 4
        area_id = 1000 + activity_id // 15
        weight = rng.randrange(1, 9)
        for n in range(rng.randrange(1, 8)):
            items.append(
                ItemState(
                    assignment_id=len(items) + 1,
                    activity_id=activity_id,
                    task_id=task_id,
                    area_id=area_id,
                    agency_id=rng.randrange(1, 25),
                    role="lead" if n == 0 or rng.random() < 0.2 else "cooperating",
                    due_dates=[],
                    weight=weight,
                )
            )
    # Items in the order of their ids, as `plan_progress` reads them, not of activities.
    rng.shuffle(items)
    items.sort(key=lambda item: (item.assignment_id * 7919) % 10007)
    statuses: list[str] = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE, Status.NOT_DONE]

    def report(item: ItemState) -> ItemState:
        item = copy(item)
        item.status = rng.choice(statuses)
        item.percent = 100 if item.status == Status.DONE else rng.randrange(0, 100)
        item.timeliness = rng.choice(list(Timeliness))
        return item

    items = [report(item) for item in items]
    progress = progress_of_items(items, method=method, stands_for={})
    inexact = 0
    for _change in range(200):
        items = list(items)
        changed = []
        for at in rng.sample(range(len(items)), rng.randrange(1, 4)):
            items[at] = report(items[at])
            changed.append(items[at])
        progress = progress_moved(progress, items, changed)
        whole = progress_of_items(items, method=method, stands_for={})
        assert _every_figure(progress) == _every_figure(whole)
        percent = progress.plan.percent
        inexact += percent is not None and not float(percent).is_integer()
    assert inexact > 100  # the sums were not whole numbers, whose order would not show


def test_a_roll_up_read_back_from_the_cache_equals_the_one_kept(
    plan: Plan, agencies: dict[str, Agency], today: date
) -> None:
    import pickle

    _sent_some(plan, agencies, today)
    progress = plan_progress(plan, period=_current(plan, today), today=today)
    again = pickle.loads(pickle.dumps(progress, pickle.HIGHEST_PROTOCOL))  # noqa: S301
    assert again == progress
    assert [vars(item) for item in again.items] == [vars(item) for item in progress.items]
    # The province dashboard keeps its roll-up without the items, read back when asked.
    board = province_dashboard(_selection(plan, today), today=today, agency_url=lambda pk: "")
    kept = pickle.loads(pickle.dumps(board, pickle.HIGHEST_PROTOCOL))  # noqa: S301
    assert kept.progress.plan == board.progress.plan
    assert _figures(kept.progress) == _figures(board.progress)


def test_large_entries_are_kept_compressed_and_carried_over_equal(
    plan: Plan,
    agencies: dict[str, Agency],
    today: date,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With every entry compressed (as a province's roll-up is), a report's change is
    carried over and equals the figures computed afresh."""
    from cchc.monitoring import figures

    monkeypatch.setattr(figures, "PACK_OVER", 0)
    agency = agencies["a"]
    _read(plan, today, agency)
    stamp = figures_stamp(plan)
    raw = cache.get(figures._key(plan.pk, stamp.reports, "progress", _progress_parts(plan, today)))
    assert isinstance(raw, figures._Packed)
    send(_leads(plan, agency)[0], _current(plan, today), status=Status.IN_PROGRESS, percent=55)
    with CaptureQueriesContext(connection) as captured:
        after = _read(plan, today, agency)
    assert _plan_wide(captured.captured_queries) == []  # carried over
    assert after == _fresh(plan, today, agency)


def test_a_carried_roll_up_is_kept_as_its_changes_and_read_back_equal(
    plan: Plan,
    agencies: dict[str, Agency],
    today: date,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a report change the roll-up is kept as the earlier one and the items read
    again (`_Moved`); reading it back, with its base gone, or once it holds more changes
    than `MOVED_MAX`, gives the figures computed afresh."""
    from cchc.monitoring import figures

    monkeypatch.setattr(figures, "MOVED_MAX", 2)
    agency = agencies["a"]
    first, second = _leads(plan, agency)[:2]
    _read(plan, today, agency)
    base = figures_stamp(plan).reports
    parts = _progress_parts(plan, today)

    def kept() -> Any:
        return cache.get(figures._key(plan.pk, figures_stamp(plan).reports, "progress", parts))

    send(first, _current(plan, today), status=Status.IN_PROGRESS, percent=43)
    _read(plan, today, agency)
    moved = figures._unpack(kept())
    assert isinstance(moved, figures._Moved) and moved.base == base
    assert [item.assignment_id for item in moved.items] == [first.pk]
    send(second, _current(plan, today), status=Status.IN_PROGRESS, percent=29)
    _read(plan, today, agency)
    moved = figures._unpack(kept())
    assert isinstance(moved, figures._Moved) and moved.base == base  # still the same base
    assert {item.assignment_id for item in moved.items} == {first.pk, second.pk}
    # The trend too: the earlier whole trend and the changed items' standings.
    from cchc.dashboards.queries import trend as trend_module

    last_month, settled = trend_module._months(plan, today)
    trend_parts = (plan.year, last_month, settled, plan.rollup_method)
    trend = figures.cached_get(plan.pk, figures_stamp(plan).reports, "trend", trend_parts)
    assert isinstance(trend, trend_module._Moved) and trend.base == base
    assert set(trend.changes[-1]) == {first.pk, second.pk}
    # Its base evicted: the roll-up is computed afresh, and kept whole.
    cache.delete(figures._key(plan.pk, base, "progress", parts))
    again = agency_dashboard(_selection(Plan.objects.get(pk=plan.pk), today), agency)
    assert isinstance(figures._unpack(kept()), Progress)
    after = _fresh(plan, today, agency)
    assert (again.figure, {n: c.table.rows for n, c in again.charts().items()}) == after["agency"]
    # A trend carried from one whose base was evicted is replayed, equal.
    others = _leads(plan, agencies["b"])
    whole_token = figures_stamp(plan).reports  # read afresh just now
    send(others[3], _current(plan, today), status=Status.DONE, completed_on=today)
    _read(plan, today, agency)
    trend = figures.cached_get(plan.pk, figures_stamp(plan).reports, "trend", trend_parts)
    assert isinstance(trend, trend_module._Moved) and trend.base == whole_token
    cache.delete(figures._key(plan.pk, whole_token, "trend", trend_parts))
    send(others[4], _current(plan, today), status=Status.IN_PROGRESS, percent=17)
    assert _read(plan, today, agency) == _fresh(plan, today, agency)
    # More changes than MOVED_MAX since the base: kept whole.
    _read(plan, today, agency)
    for assignment, percent in zip(others[:3], (11, 22, 33), strict=True):
        send(assignment, _current(plan, today), status=Status.IN_PROGRESS, percent=percent)
    after = _read(plan, today, agency)
    assert isinstance(figures._unpack(kept()), Progress)
    assert after == _fresh(plan, today, agency)


def _progress_parts(plan: Plan, today: date) -> tuple[Any, ...]:
    selection = _selection(plan, today)
    period = selection.period
    return (
        period.pk if period else "-",
        selection.as_of.isoformat(),
        plan.rollup_method,
        "+".join((ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)),
    )


def test_the_collector_is_paused_only_while_figures_are_made() -> None:
    import gc

    from cchc.lib.collector import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer one turns it back on
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()
