"""Task-completion ratings, inspection plans and the PAR INDEX downloads (issue 11, items
8–10): the draw's properties, the rating's arithmetic and inputs, remediation tasks in
monitoring, the files read back, and who may do what."""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from typing import Any

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cchc.agencies.models import Agency, AgencyGroup, GroupMembership
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.par.inspection import Candidate, InspectionError, draw, how_many, parse_seed, plan_draw
from cchc.par.models import (
    Campaign,
    CampaignResult,
    InspectionPlan,
    RatingBand,
    Scorecard,
    ScoreItem,
    TaskRating,
)
from cchc.par.outputs import ranking_docx, ranking_table, ranking_xlsx, scorecard_docx
from cchc.par.ratings import (
    DEFAULT_BANDS,
    band_of,
    rating_score,
    ratings_compute,
    scheme_for,
    scheme_problems,
)
from tests.factories import job_of

# ---------------------------------------------------------------------------
# The draw, without a database

candidate_lists = st.lists(
    st.tuples(
        st.booleans(),
        st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
    ),
    min_size=1,
    max_size=60,
)


def _pool(rows: list[tuple[bool, Decimal | None]]) -> list[Candidate]:
    return [
        Candidate(n + 1, f"Cơ quan {n + 1}", last, index) for n, (last, index) in enumerate(rows)
    ]


@given(rows=candidate_lists, seed=st.integers(0, 2**31 - 1), share=st.integers(1, 100))
def test_a_draw_is_reproducible_and_reaches_the_share(rows, seed, share) -> None:  # type: ignore[no-untyped-def]
    pool = _pool(rows)
    first = draw(pool, seed=seed, share=share)
    again = draw(list(reversed(pool)), seed=seed, share=share)
    assert [c.candidate.agency_id for c in first] == [c.candidate.agency_id for c in again]
    assert [c.reason for c in first] == [c.reason for c in again]
    assert len(first) == how_many(len(pool), share) >= math.ceil(len(pool) * share / 100)
    assert len({c.candidate.agency_id for c in first}) == len(first)


@given(rows=candidate_lists, seed=st.integers(0, 2**31 - 1))
def test_a_draw_respects_its_preferences(rows, seed) -> None:  # type: ignore[no-untyped-def]
    pool = _pool(rows)
    chosen = {c.candidate.agency_id for c in draw(pool, seed=seed)}
    picked = [c for c in pool if c.agency_id in chosen]
    left = [c for c in pool if c.agency_id not in chosen]
    # Nobody inspected last year is chosen while someone not inspected is left out.
    if any(c.inspected_last_year for c in picked):
        assert all(c.inspected_last_year for c in left)
    # Within the same standing, a lower index is never left for a higher one, and an
    # agency without an index never takes the place of one with an index.
    for p in picked:
        for o in left:
            if p.inspected_last_year != o.inspected_last_year:
                continue
            if p.index is None:
                assert o.index is None
            elif o.index is not None:
                assert p.index <= o.index


def test_the_seed_breaks_ties_and_thirty_five_agencies_give_eleven() -> None:
    pool = _pool([(False, None)] * 35)
    one = [c.candidate.agency_id for c in draw(pool, seed=1)]
    two = [c.candidate.agency_id for c in draw(pool, seed=2)]
    assert len(one) == len(two) == 11  # ceil(35 × 30 %)
    assert one != two


@pytest.mark.parametrize("raw", ["", "abc", "-1", "1.5", "2147483648", "9" * 40, "1\x00", " "])
def test_a_nonsense_seed_is_refused_in_vietnamese(raw: str) -> None:
    with pytest.raises(InspectionError, match="Số khởi tạo"):
        parse_seed(raw)


# ---------------------------------------------------------------------------
# The rating's arithmetic


@given(
    rate=st.decimals(min_value=0, max_value=100, places=2),
    index=st.decimals(min_value=0, max_value=100, places=2),
    w=st.integers(0, 100),
)
def test_a_score_lies_between_its_inputs_and_gets_exactly_one_default_band(rate, index, w) -> None:  # type: ignore[no-untyped-def]
    score = rating_score(rate, index, w, 100 - w)
    assert min(rate, index) - Decimal("0.01") <= score <= max(rate, index) + Decimal("0.01")
    bands = [RatingBand(label=str(label), lower=lo, upper=hi) for label, lo, hi in DEFAULT_BANDS]
    matching = [b for b in bands if score >= b.lower and (b.upper is None or score < b.upper)]
    assert len(matching) == 1
    assert band_of(score, bands) == matching[0].label


@pytest.mark.parametrize(
    ("score", "band"),
    [
        ("100", "Hoàn thành xuất sắc"),
        ("90", "Hoàn thành xuất sắc"),
        ("89.99", "Hoàn thành tốt"),
        ("75", "Hoàn thành tốt"),
        ("74.99", "Hoàn thành"),
        ("50", "Hoàn thành"),
        ("49.99", "Không hoàn thành"),
        ("0", "Không hoàn thành"),
    ],
)
def test_the_default_bands_are_the_ones_of_the_rules(score: str, band: str) -> None:
    bands = [RatingBand(label=str(label), lower=lo, upper=hi) for label, lo, hi in DEFAULT_BANDS]
    assert band_of(Decimal(score), bands) == band


def test_weights_and_bands_that_do_not_fit_are_refused() -> None:
    good = [(str(label), lo, hi) for label, lo, hi in DEFAULT_BANDS]
    assert scheme_problems(60, 40, good) == []
    assert scheme_problems(60, 50, good)  # not 100
    gap = [("A", Decimal(0), Decimal(40)), ("B", Decimal(50), None)]
    assert any("nối tiếp" in p for p in scheme_problems(50, 50, gap))
    assert scheme_problems(50, 50, [("A", Decimal(10), None)])  # 0–10 uncovered


# ---------------------------------------------------------------------------
# With the database: a published 2022 campaign of the departments


def publish(indices: dict[Agency, str], *, year: int = 2022) -> Campaign:
    """The departments' campaign of the year, published with the given indices. Results
    are written directly: publishing is the scoring pages' work, not what is tested here."""
    from tests.test_permission_matrix import par_objects

    campaign = Campaign.objects.get(pk=par_objects()["campaign_id"])
    ordered = sorted(indices.items(), key=lambda kv: -Decimal(kv[1]))
    ranks: dict[str, int] = {}
    for value in sorted({Decimal(v) for v in indices.values()}, reverse=True):
        ranks[str(value)] = len(ranks) + 1
    for agency, value in ordered:
        CampaignResult.objects.create(
            campaign=campaign,
            agency=agency,
            total=Decimal(value),
            maximum=Decimal(100),
            index=Decimal(value),
            components={"1": value, "2": "50.00"},
            rank=ranks[str(Decimal(value))],
            classification="Khá",
            classification_regulation="Mặc định",
            previous_index=None,
            change=None,
            published_at=timezone.now(),
        )
    campaign.published_at = timezone.now()
    campaign.save(update_fields=["published_at"])
    return campaign


def _send(assignment: Assignment, *, done_on: date | None) -> None:
    from tests.test_dashboards import send

    period = ReportingPeriod.objects.get(plan=assignment.activity.plan, code="6-thang")
    if done_on is None:
        send(assignment, period, status=ProgressReport.Status.IN_PROGRESS, percent=40)
    else:
        send(assignment, period, status=ProgressReport.Status.DONE, completed_on=done_on)


def test_ratings_show_their_inputs_and_need_both_numbers(plan, agencies, personas) -> None:  # type: ignore[no-untyped-def]
    leads = list(
        Assignment.objects.filter(activity__plan=plan, agency=agencies["a"], role="lead")
        .select_related("activity__plan", "agency")
        .order_by("pk")
    )
    assert len(leads) >= 2
    # One done early, every other lead activity left in progress.
    _send(leads[0], done_on=date(2022, 1, 5))
    campaign = publish({agencies["a"]: "80.00", agencies["b"]: "60.00"})
    group = campaign.group
    scheme = scheme_for(2022, group)
    assert scheme is not None and scheme.bands.count() == 4
    assert "một tỉnh" in scheme.source_note
    ratings_compute(scheme, actor=personas["coordinator"], today=date(2022, 12, 31))
    rating = TaskRating.objects.get(scheme=scheme, agency=agencies["a"])
    counted = rating.inputs["on_time"] + rating.inputs["late"]
    assert rating.inputs["on_time"] >= 1 and counted >= 1
    assert rating.on_time_rate == (Decimal(rating.inputs["on_time"] * 100) / counted).quantize(
        Decimal("0.01")
    )
    assert rating.index == Decimal("80.00")
    assert rating.score == rating_score(rating.on_time_rate, Decimal(80), 50, 50)
    assert rating.band
    assert rating.inputs["campaign"] == campaign.pk and rating.inputs["plan"] == plan.pk
    # Sở Nội vụ has no published index: no score, and the rating says why.
    home = TaskRating.objects.get(scheme=scheme, agency=agencies["home"])
    assert home.score is None and home.band == ""
    assert any("chỉ số" in m for m in home.inputs["missing"])


def test_the_ratings_page_computes_for_the_coordinator_only(login, agencies, plan) -> None:  # type: ignore[no-untyped-def]
    campaign = publish({agencies["a"]: "92.00"})
    url = f"/par/muc-do-hoan-thanh/?year=2022&group={campaign.group_id}"
    assert login("officer_a").get(url).status_code == 403
    client = login("leader")
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "compute"}).status_code == 403
    client = login("coordinator")
    response = client.post(url, {"action": "compute"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Sở Tư pháp" in page and "92,00%" in page, page[page.find("<main") :][:3000]
    # Weights that do not add up change nothing.
    bad = client.post(
        url,
        {
            "action": "scheme",
            "weight_on_time": "70",
            "weight_index": "40",
            "bands": "Tốt; 0; ",
            "source_note": "",
        },
    )
    assert "Tổng hai trọng số phải bằng 100" in bad.content.decode()
    assert scheme_for(2022, campaign.group, create=False).weight_on_time == 50  # type: ignore[union-attr]
    good = client.post(
        url,
        {
            "action": "scheme",
            "weight_on_time": "70",
            "weight_index": "30",
            "bands": "Đạt; 0; 60\nTốt; 60; ",
            "source_note": "Quyết định thử",
        },
    )
    assert good.status_code == 302
    scheme = scheme_for(2022, campaign.group, create=False)
    assert scheme is not None and scheme.weight_on_time == 70
    assert [b.label for b in scheme.bands.order_by("position")] == ["Đạt", "Tốt"]


# ---------------------------------------------------------------------------
# Inspection plans


def _thirty_five(agencies: dict[str, Agency]) -> AgencyGroup:
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    for n in range(31):
        agency = Agency.objects.create(
            name=f"Ban thử nghiệm {n:02d}", kind=Agency.Kind.DEPARTMENT, parent=agencies["province"]
        )
        GroupMembership.objects.create(group=group, agency=agency)
    return group


def test_thirty_five_agencies_drawn_twice_with_one_seed_give_one_plan(login, agencies) -> None:  # type: ignore[no-untyped-def]
    group = _thirty_five(agencies)
    client = login("coordinator")
    form = {"year": "2023", "group": str(group.pk), "seed": "20231", "share": "30"}
    first = client.post("/par/kiem-tra/", form)
    assert first.status_code == 302
    plan = InspectionPlan.objects.get(year=2023, group=group)
    chosen = list(plan.selections.values_list("agency_id", "position", "reason"))
    assert len(chosen) == 11
    client.post("/par/kiem-tra/", form)
    again = InspectionPlan.objects.get(year=2023, group=group)
    assert list(again.selections.values_list("agency_id", "position", "reason")) == chosen
    page = client.get(f"/par/kiem-tra/{again.pk}/").content.decode()
    assert "11 / 35" in page and "Chưa được kiểm tra năm trước" in page


def test_the_draw_prefers_the_uninspected_and_the_lowest_index(agencies, personas) -> None:  # type: ignore[no-untyped-def]
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    publish(
        {
            agencies["a"]: "95.00",
            agencies["b"]: "40.00",
            agencies["home"]: "70.00",
            agencies["office"]: "55.00",
        }
    )
    # Year 2023 looks back at the 2022 campaign; b was inspected in 2022.
    last = plan_draw(year=2022, group=group, seed=1, actor=personas["coordinator"], share=1)
    last.selections.all().delete()
    last.selections.create(agency=agencies["b"], position=1, reason="x")
    plan = plan_draw(year=2023, group=group, seed=7, actor=personas["coordinator"], share=50)
    chosen = list(plan.selections.order_by("position").values_list("agency__name", flat=True))
    # b has the lowest index but was inspected last year: office (55) and home (70) first.
    assert chosen == ["Văn phòng UBND tỉnh", "Sở Nội vụ"]
    assert "thấp thứ 2/4" in plan.selections.get(position=1).reason


@pytest.mark.parametrize("seed", ["abc", "-5", "1\x00", "99999999999"])
def test_a_bad_seed_draws_nothing(login, agencies, seed: str) -> None:  # type: ignore[no-untyped-def]
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    response = login("coordinator").post(
        "/par/kiem-tra/", {"year": "2023", "group": str(group.pk), "seed": seed, "share": "30"}
    )
    # NUL bytes are refused at the edge (400) before the form sees them.
    assert response.status_code == (400 if "\x00" in seed else 200)
    if response.status_code == 200:
        assert "Số khởi tạo phải là số nguyên" in response.content.decode()
    assert not InspectionPlan.objects.exists()


def test_only_the_coordinator_draws_and_records(login, agencies, personas) -> None:  # type: ignore[no-untyped-def]
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    form = {"year": "2023", "group": str(group.pk), "seed": "1", "share": "30"}
    assert login("officer_a").post("/par/kiem-tra/", form).status_code == 403
    assert login("leader").post("/par/kiem-tra/", form).status_code == 403
    assert login("leader").get("/par/kiem-tra/").status_code == 200
    assert login("officer_a").get("/par/kiem-tra/").status_code == 403
    assert not InspectionPlan.objects.exists()
    plan = plan_draw(year=2023, group=group, seed=1, actor=personas["coordinator"])
    selection = plan.selections.first()
    assert selection is not None
    finding = {"text": "Thiếu", "remedy": "Bổ sung", "due_on": "2023-06-30"}
    url = f"/par/kiem-tra/co-quan/{selection.pk}/phat-hien/"
    assert login("leader").post(url, finding).status_code == 403
    assert not selection.findings.exists()


def test_a_finding_becomes_a_remediation_task_in_monitoring(login, agencies, plan) -> None:  # type: ignore[no-untyped-def]
    from cchc.monitoring.progress import plan_progress

    group = AgencyGroup.objects.get(code="so-ban-nganh")
    client = login("coordinator")
    client.post(
        "/par/kiem-tra/", {"year": "2022", "group": str(group.pk), "seed": "3", "share": "30"}
    )
    selection = InspectionPlan.objects.get(year=2022).selections.select_related("agency").first()
    assert selection is not None
    url = f"/par/kiem-tra/co-quan/{selection.pk}/phat-hien/"
    # Unhappy first: no remedy, a date in another year, NUL bytes — nothing is recorded.
    for bad in (
        {"text": "Thiếu", "remedy": "", "due_on": "2022-09-30"},
        {"text": "Thiếu", "remedy": "Bổ sung", "due_on": "2031-09-30"},
        {"text": "Thiếu\x00", "remedy": "Bổ sung", "due_on": "2022-09-30"},
    ):
        client.post(url, bad)
    assert not selection.findings.exists()
    response = client.post(
        url,
        {
            "text": "Chưa niêm yết thủ tục hành chính tại bộ phận một cửa",
            "remedy": "Niêm yết đầy đủ thủ tục hành chính",
            "due_on": "2022-09-30",
        },
    )
    assert response.status_code == 302
    finding = selection.findings.get()
    activity = finding.activity
    assert activity is not None and activity.first_due == date(2022, 9, 30)
    remediation = activity.plan
    assert remediation.year == 2022 and remediation.parent_id is None
    # It is monitored: a lead assignment for the inspected agency, periods, timeliness.
    assignment = Assignment.objects.get(activity=activity)
    assert assignment.agency_id == selection.agency_id and assignment.role == "lead"
    assert remediation.periods.exists()
    progress = plan_progress(remediation, period=None, today=date(2022, 10, 15))
    assert [i.timeliness for i in progress.items] == ["overdue"]
    # The province's plan stays the one pages show by default.
    from cchc.plans.readmodel import plan_latest

    assert plan_latest() == plan
    # The agency's own people open its report form like any plan task's.
    period = remediation.periods.order_by("position").first()
    officer = {agencies["a"].pk: "officer_a", agencies["b"].pk: "officer_b"}.get(
        selection.agency_id
    )
    if officer is not None:
        url = f"/bao-cao/{assignment.pk}/{period.pk}/"
        assert login(officer).get(url).status_code == 200


# ---------------------------------------------------------------------------
# Outputs


def _scorecard(campaign: Campaign, agency: Agency) -> Scorecard:
    scorecard, _made = Scorecard.objects.get_or_create(campaign=campaign, agency=agency)
    leaves = [
        c for c in campaign.criteria_set.criteria.order_by("position") if not c.children.exists()
    ][:3]
    for n, leaf in enumerate(leaves):
        # Opening a campaign already made the card's items: give them scores.
        ScoreItem.objects.update_or_create(
            scorecard=scorecard,
            criterion=leaf,
            defaults={
                "self_score": Decimal(n),
                "appraised_score": Decimal(n),
                "final_score": Decimal(n),
            },
        )
    return scorecard


def test_the_ranking_table_reads_back_and_is_byte_stable(agencies) -> None:  # type: ignore[no-untyped-def]
    campaign = publish({agencies["a"]: "91.50", agencies["b"]: "72.25", agencies["home"]: "72.25"})
    table = ranking_table(campaign)
    data = ranking_xlsx(table)
    assert data == ranking_xlsx(ranking_table(campaign))
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Xếp hạng")
    body = rows[header + 1 :]
    assert [(r[0], r[1]) for r in body] == [
        (1, "Sở Tư pháp"),
        (2, "Sở Nội vụ"),
        (2, "Sở Xây dựng"),
    ]
    # Numbers, not text, so that the table can be summed and sorted.
    columns = rows[header]
    index = columns.index("Chỉ số (%)")
    assert [r[index] for r in body] == [91.5, 72.25, 72.25]
    assert columns[columns.index("Tổng điểm") + 1] == "Điểm tối đa"
    assert all(isinstance(r[columns.index("Tổng điểm")], float) for r in body)
    document = ranking_docx(table, issuer="Sở Nội vụ")
    assert document == ranking_docx(ranking_table(campaign), issuer="Sở Nội vụ")
    read = docx.Document(io.BytesIO(document))
    text = "\n".join(p.text for p in read.paragraphs)
    assert "Bảng xếp hạng Chỉ số cải cách hành chính năm 2022" in text
    grid = read.tables[-1]
    assert grid.rows[1].cells[1].text == "Sở Tư pháp"
    assert grid.rows[1].cells[-5].text.endswith("91,50") or "91,50" in [
        c.text for c in grid.rows[1].cells
    ]
    motto = read.tables[0].rows[0].cells[1].text
    assert "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM" in motto


def test_downloads_run_as_jobs_with_the_right_permissions(login, agencies) -> None:  # type: ignore[no-untyped-def]
    from tests.test_permission_matrix import par_objects

    campaign = Campaign.objects.get(pk=par_objects()["campaign_id"])
    own = _scorecard(campaign, agencies["a"])
    other = _scorecard(campaign, agencies["b"])
    # Before publication: no ranking for anyone; an agency only its own scorecard.
    assert login("leader").get(f"/par/dot/{campaign.pk}/xep-hang/").status_code == 403
    officer = login("officer_a")
    assert officer.post(f"/par/phieu/{other.pk}/tai/docx/").status_code == 404
    job = job_of(officer.post(f"/par/phieu/{own.pk}/tai/docx/"))
    job.refresh_from_db()
    assert job.status == "done", job.errors if hasattr(job, "errors") else job.status
    data = b"".join(officer.get(f"/jobs/{job.pk}/file/").streaming_content)
    read = docx.Document(io.BytesIO(data))
    assert "Sở Tư pháp" in "\n".join(p.text for p in read.paragraphs)
    assert "Kết quả chưa được công bố." in "\n".join(p.text for p in read.paragraphs)
    assert officer.post(f"/par/phieu/{own.pk}/tai/exe/").status_code == 404
    # After publication the leader sees the ranking and its charts, and downloads it.
    publish({agencies["a"]: "88.00", agencies["b"]: "77.00"})
    leader = login("leader")
    old = leader.get(f"/par/dot/{campaign.pk}/xep-hang/")
    assert old.status_code == 301 and old["Location"] == f"/par/dot/{campaign.pk}/ket-qua/"
    page = leader.get(f"/par/dot/{campaign.pk}/ket-qua/")
    assert page.status_code == 200
    # One results page: the ranking, the charts and the downloads together.
    assert f'action="/par/dot/{campaign.pk}/xep-hang/xlsx/"'.encode() in page.content
    assert b"<svg" in page.content and "Sở Xây dựng" in page.content.decode()
    job = job_of(leader.post(f"/par/dot/{campaign.pk}/xep-hang/xlsx/"))
    data = b"".join(leader.get(f"/jobs/{job.pk}/file/").streaming_content)
    assert load_workbook(io.BytesIO(data)).active["B5"].value == "Sở Tư pháp"


def test_the_ranking_page_costs_the_same_queries_for_more_agencies(login, agencies) -> None:  # type: ignore[no-untyped-def]
    campaign = publish({agencies["a"]: "88.00", agencies["b"]: "77.00"})
    client = login("leader")
    url = f"/par/dot/{campaign.pk}/ket-qua/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    for n in range(40):
        agency = Agency.objects.create(
            name=f"Ban {n:02d}", kind=Agency.Kind.DEPARTMENT, parent=agencies["province"]
        )
        GroupMembership.objects.create(group=group, agency=agency)
        CampaignResult.objects.create(
            campaign=campaign,
            agency=agency,
            total=Decimal(50),
            maximum=Decimal(100),
            index=Decimal(50),
            components={"1": "50.00"},
            rank=3,
            classification="Trung bình",
            published_at=timezone.now(),
        )
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


def test_the_ranking_page_shows_a_page_at_a_time_filtered_with_constant_queries(  # type: ignore[no-untyped-def]
    login, agencies
) -> None:
    from cchc.par.scoring_views import RESULTS_PAGE

    campaign = publish({agencies["a"]: "88.00", agencies["b"]: "77.00"})
    client = login("leader")
    url = f"/par/dot/{campaign.pk}/ket-qua/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    for n in range(2 * RESULTS_PAGE + 10):
        agency = Agency.objects.create(
            name=f"Ban {n:03d}", kind=Agency.Kind.DEPARTMENT, parent=agencies["province"]
        )
        GroupMembership.objects.create(group=group, agency=agency)
        CampaignResult.objects.create(
            campaign=campaign,
            agency=agency,
            total=Decimal(50),
            maximum=Decimal(100),
            index=Decimal(50) - Decimal(n) / 10,
            components={"1": "50.00"},
            rank=3 + n,
            classification="Trung bình" if n < 100 else "Yếu",
            published_at=timezone.now(),
        )
    with CaptureQueriesContext(connection) as large:
        first = client.get(url)
    body = first.content.decode()
    assert body.count('data-label="Hạng"') == RESULTS_PAGE
    assert "Trang 1/3" in body and "Cơ quan thứ 1–50 trong 112 (cả nhóm 112 cơ quan)." in body
    assert "Sở Tư pháp" in body and "Ban 047" in body and "Ban 048" not in body
    with CaptureQueriesContext(connection) as last:
        third = client.get(url + "?trang=3").content.decode()
    assert third.count('data-label="Hạng"') == 12 and "Ban 109" in third
    assert "Trang 3/3" in third and "Trang sau" not in third
    with CaptureQueriesContext(connection) as filtered:
        weak = client.get(url, {"loai": "Yếu"}).content.decode()
    assert weak.count('data-label="Hạng"') == 10 and "Ban 100" in weak and "Ban 099" not in weak
    one = client.get(url, {"q": "Ban 007"}).content.decode()
    assert one.count('data-label="Hạng"') == 1 and "Cơ quan thứ 1–1 trong 1" in one
    # Hostile filters: a NUL byte (refused before the view), a huge string, an unknown
    # class, a page past the end.
    assert client.get(url, {"q": "Ban\x00 007"}).status_code == 400
    for params in ({"q": "x" * 100_000}, {"loai": "Giỏi"}, {"trang": "-1"}, {"trang": "99"}):
        assert client.get(url, params).status_code == 200
    assert "Không có cơ quan nào khớp bộ lọc." in client.get(url, {"q": "zzz"}).content.decode()
    assert len(large) == len(small) == len(last) == len(filtered)


def _soffice_or_skip() -> None:
    if shutil.which("soffice") is None:
        reason = "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def test_the_papers_give_the_titles_room_and_right_align_the_figures(  # type: ignore[no-untyped-def]
    agencies,
) -> None:
    """A reader of the printed scorecard reads the criterion on one or two lines, not in a
    column as narrow as a score's; the ranking's fifteen columns fit landscape A4."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    campaign = publish({agencies["a"]: "88.00", agencies["b"]: "77.00"})
    card = docx.Document(
        io.BytesIO(scorecard_docx(_scorecard(campaign, agencies["a"]), issuer="Sở Nội vụ"))
    )
    grid = card.tables[-1]
    widths = [cell.width for cell in grid.rows[1].cells]
    assert widths[1] == max(widths) and widths[1] >= Cm(12) and widths[2] <= Cm(3)
    assert grid.rows[1].cells[2].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert grid.rows[1].cells[1].paragraphs[0].alignment != WD_ALIGN_PARAGRAPH.RIGHT
    ranking = docx.Document(
        io.BytesIO(ranking_docx(ranking_table(campaign), issuer="Sở Nội vụ"))
    ).tables[-1]
    total = sum(cell.width for cell in ranking.rows[1].cells)
    assert Cm(24) <= total <= Cm(24.8)
    assert ranking.rows[1].cells[1].width == max(c.width for c in ranking.rows[1].cells)


def test_a_scorecard_pdf_opens_with_its_pages(agencies, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cchc.par.outputs import docx_to_pdf

    _soffice_or_skip()
    campaign = publish({agencies["a"]: "88.00"})
    data = scorecard_docx(_scorecard(campaign, agencies["a"]), issuer="Sở Nội vụ")
    pdf = docx_to_pdf(data)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "phieu.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
        assert "Sở Tư pháp" in text and "88,00" in text
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
        pages = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
        assert pages >= 1


# ---------------------------------------------------------------------------
# API


class _Api:
    """A client speaking to the API with a persona's token."""

    def __init__(self, client: Any, user: Any) -> None:
        from cchc.accounts.models import ApiToken

        _token, key = ApiToken.issue(user=user, name="test")
        self.client, self.auth = client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, **self.auth)

    def post(self, url: str, body: dict[str, Any], content_type: str = "") -> Any:
        return self.client.post(url, body, content_type="application/json", **self.auth)


def test_the_api_draws_computes_and_refuses_like_the_pages(client, personas, agencies) -> None:  # type: ignore[no-untyped-def]
    django_client = client

    def login(name: str) -> _Api:
        return _Api(django_client, personas[name])

    group = AgencyGroup.objects.get(code="so-ban-nganh")
    body = {"year": 2023, "group": group.pk, "seed": 42, "share": 30}
    officer = login("officer_a")
    assert (
        officer.post("/api/par/inspections", body, content_type="application/json").status_code
        == 403
    )
    client = login("coordinator")
    first = client.post("/api/par/inspections", body, content_type="application/json")
    assert first.status_code == 201, first.content
    again = client.post("/api/par/inspections", body, content_type="application/json")
    assert [s["agency_id"] for s in first.json()["selections"]] == [
        s["agency_id"] for s in again.json()["selections"]
    ]
    assert len(first.json()["selections"]) == 2  # ceil(4 × 30 %)
    bad = client.post("/api/par/inspections", {**body, "seed": -1}, content_type="application/json")
    assert bad.status_code == 422
    computed = client.post(
        "/api/par/ratings/compute",
        {"year": 2022, "group": group.pk},
        content_type="application/json",
    )
    assert computed.status_code == 200
    assert computed.json()["bands"][0]["label"] == "Hoàn thành xuất sắc"
    assert login("leader").get(f"/api/par/ratings?year=2022&group={group.pk}").status_code == 200
    selection = again.json()["selections"][0]["id"]
    nul = client.post(
        f"/api/par/inspections/selections/{selection}/findings",
        {"text": "a\x00b", "remedy": "c", "due_on": "2023-05-01"},
        content_type="application/json",
    )
    assert nul.status_code in (400, 422)
    ok = client.post(
        f"/api/par/inspections/selections/{selection}/findings",
        {"text": "Thiếu hồ sơ", "remedy": "Bổ sung hồ sơ", "due_on": "2023-05-01"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["activity_id"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**31 - 1))
def test_drawing_in_the_database_twice_gives_the_same_plan(agencies, personas, seed) -> None:  # type: ignore[no-untyped-def]
    group = AgencyGroup.objects.get(code="so-ban-nganh")
    one = plan_draw(year=2024, group=group, seed=seed, actor=personas["coordinator"])
    first = list(one.selections.values_list("agency_id", flat=True))
    two = plan_draw(year=2024, group=group, seed=seed, actor=personas["coordinator"])
    assert list(two.selections.values_list("agency_id", flat=True)) == first
    assert len(first) >= math.ceil(4 * 0.3)
