"""The report pages: what to report, one report, evidence, sending, reviewing, permissions."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.documents.models import DocumentLink
from cchc.files.models import StoredFile
from cchc.monitoring.models import (
    Assignment,
    ProgressReport,
    ReportingPeriod,
)
from cchc.monitoring.services import report_get_or_create, report_save, report_submit
from cchc.plans.models import DueDate, Plan
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = date(2022, 3, 25)  # Quý I is due; "6 tháng" is the period being written
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
S = ProgressReport.Status
STATE = ProgressReport.State
# A report's evidence file is a document linked to it in the role "evidence".
Evidence = DocumentLink
EVIDENCE = DocumentLink.objects.filter(role=DocumentLink.Role.EVIDENCE)


@pytest.fixture(autouse=True)
def _clock_and_storage(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    settings.MEDIA_ROOT = tmp_path / "files"


def assignment_of(plan: Plan, agency: Agency, index: int = 0) -> Assignment:
    return list(
        Assignment.objects.filter(activity__plan=plan, agency=agency, role="lead").order_by("pk")
    )[index]


def period(plan: Plan, code: str = "6-thang") -> ReportingPeriod:
    return ReportingPeriod.objects.get(plan=plan, code=code)


def url(name: str, assignment: Assignment, period_: ReportingPeriod) -> str:
    return reverse(name, args=[assignment.pk, period_.pk])


def report_of(assignment: Assignment, period_: ReportingPeriod) -> ProgressReport | None:
    return ProgressReport.objects.filter(assignment=assignment, period=period_).first()


def form_data(version: int = 1, **fields: Any) -> dict[str, Any]:
    data = {
        "version": version,
        "status": S.IN_PROGRESS,
        "percent": 40,
        "reason": "",
        "narrative": "Đã rà soát 12 thủ tục hành chính.",
        "completed_on": "",
        "doc-TOTAL_FORMS": 1,
        "doc-INITIAL_FORMS": 0,
        "doc-MIN_NUM_FORMS": 0,
        "doc-MAX_NUM_FORMS": 1000,
        "doc-0-number": "",
        "doc-0-issued_on": "",
        "doc-0-summary": "",
        "then": "save",
    }
    data.update(fields)
    return data


def section(response: Any, element_id: str) -> str:
    """The HTML of one section of a page, up to the next section."""
    html = response.content.decode()
    match = re.search(rf'id="{element_id}".*?(?=<section|<details|</main>)', html, re.S)
    return match.group(0) if match else ""


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# ---------------------------------------------------------------------------- worklist


def _due(assignment: Assignment, *days: date) -> None:
    DueDate.objects.filter(activity=assignment.activity).delete()
    for day in days:
        DueDate.objects.create(activity=assignment.activity, due_on=day)


def test_the_officer_sees_what_is_overdue_due_soon_and_to_report_this_period(
    plan: Plan, agencies: dict[str, Agency], login: Any
) -> None:
    late, soon, later = (assignment_of(plan, agencies["a"], i) for i in range(3))
    _due(late, date(2022, 3, 15))
    _due(soon, date(2022, 3, 31))
    _due(later, date(2022, 11, 30))
    response = login("officer_a").get(reverse("report_worklist"))
    assert response.status_code == 200
    six_months = period(plan)
    assert url("report_detail", late, six_months) in section(response, "overdue")
    assert url("report_detail", soon, six_months) in section(response, "due-soon")
    assert url("report_detail", later, six_months) in section(response, "this-period")
    assert url("report_detail", later, six_months) not in section(response, "overdue")
    page = text(response)
    assert "Quá hạn" in page and "Sắp đến hạn" in page and "Cần báo cáo kỳ 6 tháng" in page
    # Only agency A's activities are listed.
    b_item = assignment_of(plan, agencies["b"])
    assert f"/bao-cao/{b_item.pk}/" not in response.content.decode()


def test_a_sent_report_leaves_the_list_to_report(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"], 2)
    _due(item, date(2022, 11, 30))
    report = report_get_or_create(assignment=item, period=period(plan))
    report = report_save(
        report=report,
        actor=personas["head_a"],
        expected_version=1,
        status=S.IN_PROGRESS,
        percent=30,
    )
    report_submit(report=report, actor=personas["head_a"], expected_version=report.version)
    response = login("officer_a").get(reverse("report_worklist"))
    assert url("report_detail", item, period(plan)) not in section(response, "this-period")
    assert url("report_detail", item, period(plan)) in section(response, "others")


def test_the_coordinator_sees_every_agency_and_can_pick_one(
    plan: Plan, agencies: dict[str, Agency], login: Any
) -> None:
    client = login("coordinator")
    overview = client.get(reverse("report_worklist"))
    assert overview.status_code == 200
    assert "Sở Tư pháp" in text(overview) and "Sở Xây dựng" in text(overview)
    picked = client.get(reverse("report_worklist"), {"agency": agencies["b"].pk})
    b_item = assignment_of(plan, agencies["b"])
    a_item = assignment_of(plan, agencies["a"])
    assert f"/bao-cao/{b_item.pk}/" in picked.content.decode()
    assert f"/bao-cao/{a_item.pk}/" not in picked.content.decode()


def test_an_unknown_agency_in_the_link_shows_the_overview(plan: Plan, login: Any) -> None:
    response = login("leader").get(reverse("report_worklist"), {"agency": "999999"})
    assert response.status_code == 200
    assert "Tình hình từng cơ quan" in text(response)


def _links(html: str) -> list[str]:
    """The report links of a piece of a page (each row links its report twice)."""
    return list(dict.fromkeys(re.findall(r'href="(/bao-cao/\d+/\d+/)"', html)))


def test_a_long_group_of_the_worklist_shows_a_page_at_a_time(
    plan: Plan, agencies: dict[str, Agency], login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cchc.monitoring import views

    monkeypatch.setattr(views, "WORK_PAGE", 2)
    late = list(Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]))
    assert len(late) >= 5
    for assignment in late:
        _due(assignment, date(2022, 3, 1))
    client = login("officer_a")
    first = client.get(reverse("report_worklist"))
    overdue = section(first, "overdue")
    assert len(_links(overdue)) == 2
    pages = -(-len(late) // 2)
    assert f"Trang 1/{pages}" in text(first)
    assert "?show=overdue&amp;page=2#overdue" in overdue
    # Every overdue item is on one page of the group, none twice, most urgent first.
    seen: list[str] = []
    for number in range(1, pages + 1):
        response = client.get(reverse("report_worklist"), {"show": "overdue", "page": number})
        assert 'id="overdue" open' in response.content.decode()
        seen += _links(section(response, "overdue"))
    six = period(plan)
    assert sorted(seen) == sorted(url("report_detail", a, six) for a in late)
    # The count line still counts the whole group.
    assert f"{len(late)} quá hạn" in text(first)


def test_the_worklist_pager_keeps_the_agency_picked(
    plan: Plan, agencies: dict[str, Agency], login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cchc.monitoring import views

    monkeypatch.setattr(views, "WORK_PAGE", 2)
    for assignment in Assignment.objects.filter(activity__plan=plan, agency=agencies["b"]):
        _due(assignment, date(2022, 3, 1))
    response = login("coordinator").get(reverse("report_worklist"), {"agency": agencies["b"].pk})
    assert f"?agency={agencies['b'].pk}&amp;show=overdue&amp;page=2#overdue" in section(
        response, "overdue"
    )


def test_the_worklist_figure_is_the_agency_figure_of_the_plan_rollup(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    from cchc.monitoring.progress import plan_progress
    from cchc.monitoring.services import period_current

    _sent_reports(plan, personas, agencies)
    response = login("officer_a").get(reverse("report_worklist"))
    whole = plan_progress(plan, period=period_current(plan, TODAY), today=TODAY)
    assert response.context["figure"] == whole.agencies[agencies["a"].pk]
    assert response.context["figure"].percent == 50


def _queries(client: Client, path: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(captured)


def _sent_reports(plan: Plan, personas: dict[str, User], agencies: dict[str, Agency]) -> None:
    for assignment in Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]):
        report = report_get_or_create(assignment=assignment, period=period(plan, "q1"))
        report = report_save(
            report=report,
            actor=personas["head_a"],
            expected_version=1,
            status=S.IN_PROGRESS,
            percent=50,
        )
        report_submit(report=report, actor=personas["head_a"], expected_version=report.version)


@pytest.mark.parametrize(
    ("who", "path", "params"),
    [
        ("officer_a", "report_worklist", None),
        ("head_a", "report_worklist", None),
        ("coordinator", "report_worklist", None),
        ("coordinator", "report_worklist", "agency"),
        ("head_a", "report_drafts", None),
        ("coordinator", "report_queue", None),
        ("leader", "report_queue", "agency"),
    ],
)
def test_the_lists_cost_the_same_queries_for_small_and_big_plans(
    agencies: dict[str, Agency],
    personas: dict[str, User],
    login: Any,
    who: str,
    path: str,
    params: str | None,
) -> None:
    client = login(who)
    counts = []
    for size, number in ((6, "1/KH"), (30, "2/KH")):
        plan = factories.make_plan(size, number=number)  # the newest plan is the one shown
        _sent_reports(plan, personas, agencies)
        for assignment in Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]):
            report = report_get_or_create(assignment=assignment, period=period(plan))
            report_save(
                report=report,
                actor=personas["officer_a"],
                expected_version=1,
                status=S.IN_PROGRESS,
                percent=70,
            )
        query = {"agency": agencies["a"].pk} if params else None
        # The first read after sends follows one cached delta per send, up to four
        # (docs/dashboards.md); the small plan has fewer sends. Both are read cold.
        cache.clear()
        counts.append(_queries(client, reverse(path), query))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------------------- one report


def test_the_form_starts_from_the_last_period_report(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    q1 = report_get_or_create(assignment=item, period=period(plan, "q1"))
    report_save(
        report=q1,
        actor=personas["officer_a"],
        expected_version=1,
        status=S.IN_PROGRESS,
        percent=35,
        narrative="Đang lấy ý kiến các sở",
    )
    response = login("officer_a").get(url("report_detail", item, period(plan)))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="35"' in html and "Đang lấy ý kiến các sở" in html
    assert "Đã điền sẵn theo báo cáo kỳ Quý I" in html
    assert report_of(item, period(plan)) is None  # opening the page creates nothing


def test_the_whole_loop_through_the_pages(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    item = assignment_of(plan, agencies["a"])
    six = period(plan)
    detail = url("report_detail", item, six)

    # The officer writes the report with an output document and a signed PDF.
    client.force_login(personas["officer_a"])
    response = client.post(
        url("report_save", item, six),
        form_data(
            **{
                "doc-0-number": "12/QĐ-STP",
                "doc-0-issued_on": "10/02/2022",
                "doc-0-summary": "Công bố thủ tục hành chính",
                "attachments": SimpleUploadedFile("quyet-dinh.pdf", PDF, "application/pdf"),
            },
        ),
    )
    assert response.status_code == 302 and response["Location"] == detail
    report = report_of(item, six)
    assert report is not None and report.state == STATE.DRAFT and report.percent == 40
    assert list(report.documents.values_list("number", "issued_on")) == [
        ("12/QĐ-STP", date(2022, 2, 10))
    ]
    evidence = report.evidence.get()
    assert evidence.file is not None
    assert evidence.file.filename == "quyet-dinh.pdf"
    assert evidence.file.content_type == "application/pdf"
    assert "Đã lưu bản nháp." in text(client.get(detail))

    # The head finds it among the drafts and sends it.
    client.force_login(personas["head_a"])
    drafts = client.get(reverse("report_drafts"))
    assert detail in drafts.content.decode()
    response = client.post(
        reverse("report_drafts_submit"), {"report": f"{report.pk}:{report.version + 1}"}
    )  # stale: refused
    report.refresh_from_db()
    assert report.state == STATE.DRAFT
    client.post(reverse("report_drafts_submit"), {"report": f"{report.pk}:{report.version}"})
    report.refresh_from_db()
    assert report.state == STATE.SUBMITTED

    # The coordinator returns it with a comment.
    client.force_login(personas["coordinator"])
    queue = client.get(reverse("report_queue"))
    assert detail in queue.content.decode()
    response = client.post(
        url("report_review", item, six),
        {"version": report.version, "decision": "return", "comment": ""},
    )
    assert response.status_code == 400 and "Hãy ghi ý kiến" in text(response)
    client.post(
        url("report_review", item, six),
        {
            "version": report.version,
            "decision": "return",
            "comment": "Bổ sung kết quả rà soát của quý II.",
        },
    )
    report.refresh_from_db()
    assert report.state == STATE.RETURNED

    # The officer sees the comment, on the list and on the report, and resends.
    client.force_login(personas["officer_a"])
    assert "Bổ sung kết quả rà soát của quý II." in section(
        client.get(reverse("report_worklist")), "returned"
    )
    page = client.get(detail)
    assert "Cơ quan thường trực đã trả lại báo cáo" in text(page)
    assert "Lưu và gửi lại" in text(page)
    client.post(
        url("report_save", item, six),
        form_data(
            version=report.version,
            percent=60,
            then="submit",
            **{
                "doc-0-number": "12/QĐ-STP",
                "doc-0-issued_on": "10/02/2022",
                "doc-0-summary": "Công bố thủ tục hành chính",
            },
        ),
    )
    report.refresh_from_db()
    assert report.state == STATE.SUBMITTED and report.percent == 60

    # The coordinator approves; nobody can change it any more.
    client.force_login(personas["coordinator"])
    client.post(
        url("report_review", item, six),
        {"version": report.version, "decision": "approve", "comment": ""},
    )
    report.refresh_from_db()
    assert report.state == STATE.APPROVED

    client.force_login(personas["officer_a"])
    history = section(client.get(detail), "history-title")
    page = text(client.get(detail))
    assert 'name="status"' not in client.get(detail).content.decode()
    for step in ["Lưu nháp", "Gửi duyệt", "Trả lại", "Duyệt"]:
        assert step in page
    assert "officer_a" in history and "head_a" in history and "coordinator" in history
    assert "+ quyet-dinh.pdf" in page and "40% → 60%" in page


def test_a_stale_save_shows_a_conflict_and_overwrites_nothing(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    six = period(plan)
    report = report_get_or_create(assignment=item, period=six)
    report_save(
        report=report,
        actor=personas["head_a"],
        expected_version=1,
        status=S.IN_PROGRESS,
        percent=80,
        narrative="Bản của lãnh đạo",
    )
    response = login("officer_a").post(
        url("report_save", item, six), form_data(version=1, narrative="Bản của cán bộ")
    )
    assert response.status_code == 409
    assert "Báo cáo đã được người khác cập nhật" in text(response)
    assert "Bản của cán bộ" in response.content.decode()  # what was typed is not lost
    report.refresh_from_db()
    assert report.narrative == "Bản của lãnh đạo" and report.percent == 80


def test_not_done_without_a_reason_is_refused(
    plan: Plan, agencies: dict[str, Agency], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    response = login("officer_a").post(
        url("report_save", item, period(plan)), form_data(status=S.NOT_DONE, percent=0)
    )
    assert response.status_code == 400
    assert "Hãy ghi rõ lý do không thực hiện." in text(response)
    assert report_of(item, period(plan)) is None


def test_a_date_must_be_written_day_month_year(
    plan: Plan, agencies: dict[str, Agency], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    response = login("officer_a").post(
        url("report_save", item, period(plan)),
        form_data(
            **{"doc-0-number": "1/KH", "doc-0-issued_on": "2022/31/12", "doc-0-summary": "Kế hoạch"}
        ),
    )
    assert response.status_code == 400 and "dd/mm/yyyy" in text(response)
    assert report_of(item, period(plan)) is None


def test_a_document_row_can_be_added_with_and_without_htmx(
    plan: Plan, agencies: dict[str, Agency], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    client = login("officer_a")
    data = form_data(add_document="1", **{"doc-0-number": "5/BC"})
    plain = client.post(url("report_save", item, period(plan)), data)
    assert plain.status_code == 200 and 'name="doc-1-number"' in plain.content.decode()
    assert 'value="5/BC"' in plain.content.decode()
    fragment = client.post(url("report_save", item, period(plan)), data, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<fieldset id="documents"')
    assert report_of(item, period(plan)) is None


# ---------------------------------------------------------------------------- evidence


def test_a_renamed_executable_is_refused_and_nothing_is_stored(
    plan: Plan, agencies: dict[str, Agency], login: Any, settings: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    response = login("officer_a").post(
        url("report_save", item, period(plan)),
        form_data(
            attachments=SimpleUploadedFile("bao-cao.pdf", EXE, "application/pdf"),
        ),
    )
    assert response.status_code == 400
    assert "chương trình chạy được" in text(response)
    assert report_of(item, period(plan)) is None
    assert not EVIDENCE.exists() and not StoredFile.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).glob("??/??/*"))


def test_an_oversized_file_is_refused(
    plan: Plan, agencies: dict[str, Agency], login: Any, settings: Any
) -> None:
    settings.CCHC_MAX_UPLOAD_BYTES = 1024
    item = assignment_of(plan, agencies["a"])
    big = PDF + b"%" + b"x" * 2000 + b"\n"
    response = login("officer_a").post(
        url("report_save", item, period(plan)),
        form_data(
            attachments=SimpleUploadedFile("lon.pdf", big, "application/pdf"),
        ),
    )
    assert response.status_code == 400 and "Tệp quá lớn" in text(response)
    assert not EVIDENCE.exists()


def _with_evidence(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> Evidence:
    item = assignment_of(plan, agencies["a"])
    existing = report_of(item, period(plan))
    client.force_login(personas["officer_a"])
    client.post(
        url("report_save", item, period(plan)),
        form_data(
            version=existing.version if existing else 1,
            attachments=SimpleUploadedFile("minh-chung.pdf", PDF, "application/pdf"),
        ),
    )
    return EVIDENCE.get()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("officer_a", 200),
        ("head_a", 200),
        ("coordinator", 200),
        ("leader", 200),
        ("appraiser", 200),
        ("admin", 200),
        ("officer_b", 404),
    ],
)
def test_an_evidence_file_downloads_only_for_who_may_see_the_report(
    plan: Plan,
    agencies: dict[str, Agency],
    personas: dict[str, User],
    client: Client,
    who: str,
    expected: int,
) -> None:
    evidence = _with_evidence(plan, agencies, personas, client)
    client.force_login(personas[who])
    response = client.get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
        assert response["Content-Disposition"].startswith("attachment")


def test_the_same_file_twice_is_stored_once(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    _with_evidence(plan, agencies, personas, client)
    other = assignment_of(plan, agencies["a"], 1)
    client.post(
        url("report_save", other, period(plan)),
        form_data(
            attachments=SimpleUploadedFile("ban-sao.pdf", PDF, "application/pdf"),
        ),
    )
    assert EVIDENCE.count() == 2 and StoredFile.objects.count() == 1


def test_a_file_can_be_removed_only_while_the_report_is_editable(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    evidence = _with_evidence(plan, agencies, personas, client)
    report = evidence.target
    response = client.post(
        reverse("evidence_remove", args=[evidence.pk]), {"version": report.version}
    )
    assert response.status_code == 302 and not EVIDENCE.exists()
    assert "− minh-chung.pdf" in text(client.get(response["Location"]))

    kept = _with_evidence(plan, agencies, personas, client)
    report.refresh_from_db()
    report = report_submit(report=report, actor=personas["head_a"], expected_version=report.version)
    response = client.post(
        reverse("evidence_remove", args=[kept.pk]), {"version": report.version}, follow=True
    )
    assert "không sửa được" in text(response)
    assert EVIDENCE.filter(pk=kept.pk).exists()


# ---------------------------------------------------------------------------- permissions


def test_officer_b_can_neither_read_nor_change_agency_a_s_draft_or_files(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client
) -> None:
    evidence = _with_evidence(plan, agencies, personas, client)
    report = evidence.target
    item, six = report.assignment, report.period
    client.force_login(personas["officer_b"])
    assert client.get(url("report_detail", item, six)).status_code == 404
    assert client.get(reverse("evidence_download", args=[evidence.pk])).status_code == 404
    assert (
        client.post(
            url("report_save", item, six), form_data(version=report.version, percent=90)
        ).status_code
        == 404
    )
    assert (
        client.post(url("report_submit", item, six), {"version": report.version}).status_code == 404
    )
    assert client.post(reverse("evidence_remove", args=[evidence.pk])).status_code == 404
    assert (
        client.post(
            url("report_review", item, six), {"version": report.version, "decision": "approve"}
        ).status_code
        == 403
    )
    client.post(reverse("report_drafts_submit"), {"report": f"{report.pk}:{report.version}"})
    # Nothing of A's shows on B's lists.
    assert f"/bao-cao/{item.pk}/" not in client.get(reverse("report_worklist")).content.decode()
    assert f"/bao-cao/{item.pk}/" not in client.get(reverse("report_drafts")).content.decode()
    old_version = report.version
    report.refresh_from_db()
    assert (report.state, report.percent, report.version) == (STATE.DRAFT, 40, old_version)
    assert EVIDENCE.filter(pk=evidence.pk).exists()


@pytest.mark.parametrize("who", ["officer_a", "head_a", "officer_b", "leader", "appraiser"])
def test_only_the_coordinator_reviews(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client, who: str
) -> None:
    item = assignment_of(plan, agencies["a"])
    report = report_get_or_create(assignment=item, period=period(plan))
    report = report_save(
        report=report,
        actor=personas["head_a"],
        expected_version=1,
        status=S.IN_PROGRESS,
        percent=20,
    )
    report = report_submit(report=report, actor=personas["head_a"], expected_version=report.version)
    client.force_login(personas[who])
    response = client.post(
        url("report_review", item, period(plan)), {"version": report.version, "decision": "approve"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == STATE.SUBMITTED


def test_an_officer_cannot_send_a_first_draft(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    report = report_get_or_create(assignment=item, period=period(plan))
    report = report_save(
        report=report,
        actor=personas["officer_a"],
        expected_version=1,
        status=S.IN_PROGRESS,
        percent=20,
    )
    client = login("officer_a")
    page = client.get(url("report_detail", item, period(plan)))
    assert "Lưu và gửi báo cáo" not in text(page)
    assert "Lãnh đạo cơ quan sẽ gửi báo cáo" in text(page)
    response = client.post(url("report_submit", item, period(plan)), {"version": report.version})
    assert response.status_code == 403
    response = client.post(
        url("report_save", item, period(plan)), form_data(version=report.version, then="submit")
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == STATE.DRAFT and report.percent == 20


@pytest.mark.parametrize("who", ["leader", "appraiser", "coordinator", "admin"])
def test_the_province_reads_reports_but_does_not_write_them(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], client: Client, who: str
) -> None:
    evidence = _with_evidence(plan, agencies, personas, client)
    report = evidence.target
    client.force_login(personas[who])
    page = client.get(url("report_detail", report.assignment, report.period))
    assert page.status_code == 200
    assert "Đã rà soát 12 thủ tục hành chính." in text(page)
    assert 'name="status"' not in page.content.decode()
    response = client.post(
        url("report_save", report.assignment, report.period),
        form_data(version=report.version, percent=99),
    )
    assert response.status_code == 403
    assert client.post(reverse("evidence_remove", args=[evidence.pk])).status_code == 403
    report.refresh_from_db()
    assert report.percent == 40


@pytest.mark.parametrize(
    ("who", "worklist", "drafts", "queue"),
    [
        ("officer_a", 200, 200, 403),
        ("head_a", 200, 200, 403),
        ("officer_b", 200, 200, 403),
        ("coordinator", 200, 403, 200),
        ("leader", 200, 403, 200),
        ("appraiser", 200, 403, 200),
        ("admin", 200, 403, 200),
    ],
)
def test_who_opens_which_list(
    plan: Plan, login: Any, who: str, worklist: int, drafts: int, queue: int
) -> None:
    client = login(who)
    assert client.get(reverse("report_worklist")).status_code == worklist
    assert client.get(reverse("report_drafts")).status_code == drafts
    assert client.get(reverse("report_queue")).status_code == queue


def test_the_leader_sees_the_queue_without_buttons(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    report = report_get_or_create(assignment=item, period=period(plan))
    report = report_save(
        report=report,
        actor=personas["head_a"],
        expected_version=1,
        status=S.IN_PROGRESS,
        percent=20,
    )
    report_submit(report=report, actor=personas["head_a"], expected_version=report.version)
    page = login("leader").get(reverse("report_queue"))
    assert url("report_detail", item, period(plan)) in page.content.decode()
    assert 'value="approve"' not in page.content.decode()


def test_anonymous_users_are_sent_to_the_login_page(
    plan: Plan, agencies: dict[str, Agency], client: Client
) -> None:
    item = assignment_of(plan, agencies["a"])
    for path in [
        reverse("report_worklist"),
        reverse("report_drafts"),
        reverse("report_queue"),
        url("report_detail", item, period(plan)),
        reverse("evidence_download", args=[1]),
    ]:
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path
    response = client.post(url("report_save", item, period(plan)), form_data())
    assert response.status_code == 302 and report_of(item, period(plan)) is None


def test_the_queue_filters_by_agency_area_and_period(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    item = assignment_of(plan, agencies["a"])
    report = report_get_or_create(assignment=item, period=period(plan))
    report = report_save(
        report=report,
        actor=personas["head_a"],
        expected_version=1,
        status=S.IN_PROGRESS,
        percent=20,
    )
    report_submit(report=report, actor=personas["head_a"], expected_version=report.version)
    client = login("coordinator")
    link = url("report_detail", item, period(plan))
    area = item.activity.task.area_id
    queue = reverse("report_queue")
    assert link in client.get(queue, {"agency": agencies["a"].pk}).content.decode()
    assert (
        link
        not in client.get(reverse("report_queue"), {"agency": agencies["b"].pk}).content.decode()
    )
    assert link in client.get(reverse("report_queue"), {"area": area}).content.decode()
    other_area = plan.areas.exclude(pk=area).first().pk  # type: ignore[union-attr]
    assert link not in client.get(reverse("report_queue"), {"area": other_area}).content.decode()
    assert (
        link
        not in client.get(
            reverse("report_queue"), {"period": period(plan, "q1").pk}
        ).content.decode()
    )
    assert link in client.get(reverse("report_queue"), {"period": "nonsense"}).content.decode()


def test_a_report_page_costs_the_same_queries_however_long_its_history(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User], login: Any
) -> None:
    from cchc.monitoring.services import DocumentInput

    item = assignment_of(plan, agencies["a"])
    report = report_get_or_create(assignment=item, period=period(plan))
    client = login("officer_a")
    counts = []
    for saves in (1, 6):
        for n in range(saves):
            report = report_save(
                report=report,
                actor=personas["officer_a"],
                expected_version=report.version,
                status=S.IN_PROGRESS,
                percent=n * 10,
                documents=[
                    DocumentInput(f"{k}/KH", date(2022, 2, 1), "Kế hoạch") for k in range(n + 1)
                ],
            )
        counts.append(_queries(client, url("report_detail", item, period(plan))))
    assert counts[0] == counts[1], counts


def test_evidence_is_added_only_to_an_editable_report_of_one_s_own_agency(
    plan: Plan, agencies: dict[str, Agency], personas: dict[str, User]
) -> None:
    from cchc.lib.uploads import UploadRejected
    from cchc.monitoring.evidence import evidence_add
    from cchc.monitoring.services import ReportError, ReportForbidden

    item = assignment_of(plan, agencies["a"])
    report = report_get_or_create(assignment=item, period=period(plan))
    with pytest.raises(ReportForbidden):
        evidence_add(
            report=report,
            actor=personas["officer_b"],
            name="a.pdf",
            data=PDF,
            declared_type="application/pdf",
        )
    with pytest.raises(UploadRejected, match="được khai là"):
        evidence_add(
            report=report,
            actor=personas["officer_a"],
            name="a.pdf",
            data=PDF,
            declared_type="image/png",
        )
    first = evidence_add(
        report=report,
        actor=personas["officer_a"],
        name="../../a b.pdf",
        data=PDF,
        declared_type="application/pdf",
    )
    assert first.file is not None
    assert first.file.filename == "a b.pdf" and first.file.size == len(PDF)
    again = evidence_add(
        report=report, actor=personas["officer_a"], name="other.pdf", data=PDF, declared_type=None
    )
    assert again == first  # the same bytes on one report are one file
    report.refresh_from_db()
    report_submit(report=report, actor=personas["head_a"], expected_version=report.version)
    with pytest.raises(ReportError, match="không sửa được"):
        evidence_add(
            report=report,
            actor=personas["officer_a"],
            name="b.png",
            data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
            declared_type="image/png",
        )
    assert EVIDENCE.count() == 1 and StoredFile.objects.count() == 1


@pytest.mark.parametrize("value", [None, "", "2", "x"])
def test_the_quick_select_draws_what_django_select_draws(value: str | None) -> None:
    """The filters' long selects are drawn in Python (`QuickSelect`): the same options,
    groups, escaping and chosen option as Django's own widget."""
    from django import forms

    from cchc.lib.widgets import QuickSelect

    choices: list[Any] = [
        ("", "Tất cả <cơ quan>"),
        ("Sở & ban", [(1, 'Sở "Tư pháp"'), (2, "Sở Xây dựng")]),
        ("Huyện", [(3, "UBND huyện A"), (2, "trùng mã")]),
    ]

    def flat(html: str) -> str:
        return re.sub(r">\s+<", "><", html.strip()).replace('selected=""', "selected")

    django_html = forms.Select(choices=choices).render("agency", value, {"id": "id_agency"})
    ours = QuickSelect(choices=choices).render("agency", value, {"id": "id_agency"})
    assert flat(ours) == flat(django_html)


@pytest.mark.parametrize("length", [1, 5, 20, 200])
def test_clip_cuts_vietnamese_as_truncatechars_does(length: int) -> None:
    from django.template.defaultfilters import truncatechars

    from cchc.register.templatetags.cchc_tags import clip

    for words in ["", "Rà soát, đơn giản hóa thủ tục hành chính năm 2026", "Ủy ban"]:
        assert clip(words, length) == truncatechars(words, length)
