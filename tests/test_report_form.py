"""The report form as an officer meets it: the percent, a double click, someone else's save,
a refused file, removing a file, the limits and the dates — the page and the API alike.

Runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import html
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.documents.models import Document, DocumentLink
from cchc.lib.uploads import display_name
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from cchc.monitoring.services import (
    DOCUMENTS_MAX,
    NARRATIVE_MAX,
    report_get_or_create,
    report_save,
)
from cchc.plans.models import Plan

pytestmark = pytest.mark.django_db

TODAY = date(2022, 3, 25)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
S = ProgressReport.Status
EVIDENCE = DocumentLink.objects.filter(role=DocumentLink.Role.EVIDENCE)
DATE_RANGE = "Ngày phải trong khoảng từ 01/01/2000 đến 31/12/2100."


@pytest.fixture(autouse=True)
def _clock_and_storage(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def item(plan: Plan, agencies: dict[str, Agency]) -> Assignment:
    return Assignment.objects.filter(
        activity__plan=plan, agency=agencies["a"], role="lead"
    ).order_by("pk")[0]


@pytest.fixture
def six(plan: Plan) -> ReportingPeriod:
    return ReportingPeriod.objects.get(plan=plan, code="6-thang")


@pytest.fixture
def half_done(item: Assignment, six: ReportingPeriod, personas: dict[str, User]) -> ProgressReport:
    """The draft already says 50 %."""
    report = report_get_or_create(assignment=item, period=six)
    return report_save(
        report=report,
        actor=personas["officer_a"],
        expected_version=1,
        status=S.IN_PROGRESS,
        percent=50,
        narrative="Đã rà soát một nửa số thủ tục.",
    )


def save_url(item: Assignment, six: ReportingPeriod) -> str:
    return reverse("report_save", args=[item.pk, six.pk])


def page_url(item: Assignment, six: ReportingPeriod) -> str:
    return reverse("report_detail", args=[item.pk, six.pk])


def form_data(version: int = 1, **fields: Any) -> dict[str, Any]:
    data = {
        "version": version,
        "submission": "",
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


def text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def field_errors(response: Any, field: str) -> list[str]:
    """The messages shown under one field of the form (its row, up to the next row)."""
    page = response.content.decode()
    row = re.search(rf'<div class="form-row {field}-row[^"]*">(.*?)</div>', page, re.S)
    assert row, f"no {field} row"
    return [html.unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)<', row[1])]


def hidden(response: Any, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match, f"no hidden {name}"
    return match[1]


def the_form(client: Client, item: Assignment, six: ReportingPeriod) -> dict[str, str]:
    """version and submission token as the page renders them."""
    page = client.get(page_url(item, six))
    return {"version": hidden(page, "version"), "submission": hidden(page, "submission")}


# ---------------------------------------------------------------------------- the percent


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Hãy nhập tỷ lệ hoàn thành, từ 0 đến 100."),
        ("năm mươi", "Tỷ lệ hoàn thành phải là số nguyên từ 0 đến 100."),
        ("33,5", "Tỷ lệ hoàn thành phải là số nguyên từ 0 đến 100."),
        ("150", "Tỷ lệ hoàn thành phải từ 0 đến 100."),
        ("-1", "Tỷ lệ hoàn thành phải từ 0 đến 100."),
    ],
    ids=["blank", "words", "decimal", "over-100", "negative"],
)
def test_a_blank_or_wrong_percent_is_refused_under_the_field_and_50_percent_stays(
    login: Any,
    item: Assignment,
    six: ReportingPeriod,
    half_done: ProgressReport,
    typed: str,
    message: str,
) -> None:
    response = login("officer_a").post(
        save_url(item, six), form_data(version=half_done.version, percent=typed)
    )
    assert response.status_code == 400
    assert field_errors(response, "percent") == [message]
    half_done.refresh_from_db()
    assert (half_done.percent, half_done.version) == (50, 2)


def test_any_whole_percent_is_accepted_and_the_input_steps_by_one(
    login: Any, item: Assignment, six: ReportingPeriod
) -> None:
    client = login("officer_a")
    page = client.get(page_url(item, six)).content.decode()
    percent_input = re.search(r'<input type="number" name="percent"[^>]*>', page)
    assert percent_input and 'step="1"' in percent_input[0]
    assert 'min="0"' in percent_input[0] and 'max="100"' in percent_input[0]
    response = client.post(save_url(item, six), form_data(percent="33"))
    assert response.status_code == 302
    report = ProgressReport.objects.get(assignment=item, period=six)
    assert report.percent == 33


@pytest.mark.parametrize(("status", "percent"), [(S.NOT_STARTED, 0), (S.DONE, 100)])
def test_a_blank_percent_is_fine_where_the_status_decides_it(
    login: Any, item: Assignment, six: ReportingPeriod, status: str, percent: int
) -> None:
    response = login("officer_a").post(save_url(item, six), form_data(status=status, percent=""))
    assert response.status_code == 302
    assert ProgressReport.objects.get(assignment=item, period=six).percent == percent


def test_the_form_leaves_checking_to_the_server_in_vietnamese(
    login: Any, item: Assignment, six: ReportingPeriod
) -> None:
    # No browser bubble in the browser's own language: the form is novalidate, and the
    # only messages are the server's.
    page = login("officer_a").get(page_url(item, six)).content.decode()
    form = re.search(r'<form[^>]*class="panel report-form"[^>]*>', page)
    assert form and "novalidate" in form[0]


# ---------------------------------------------------------------------------- double click


def test_the_same_form_saved_twice_answers_saved_twice_and_saves_once(
    login: Any, item: Assignment, six: ReportingPeriod, half_done: ProgressReport
) -> None:
    client = login("officer_a")
    sent = form_data(**the_form(client, item, six), percent=60)
    first = client.post(save_url(item, six), sent, follow=True)
    second = client.post(save_url(item, six), sent, follow=True)
    for response in (first, second):
        assert response.status_code == 200
        assert "Đã lưu bản nháp." in text(response)
        assert "người khác cập nhật" not in text(response)
    half_done.refresh_from_db()
    assert (half_done.percent, half_done.version) == (60, 3)
    assert ReportVersion.objects.filter(report=half_done).count() == 2


def test_the_same_save_and_send_twice_sends_once(
    login: Any, item: Assignment, six: ReportingPeriod, half_done: ProgressReport
) -> None:
    client = login("head_a")
    sent = form_data(**the_form(client, item, six), percent=70, then="submit")
    for _ in range(2):
        response = client.post(save_url(item, six), sent, follow=True)
        assert "Đã lưu và gửi báo cáo đến cơ quan thường trực." in text(response)
    half_done.refresh_from_db()
    assert half_done.state == ProgressReport.State.SUBMITTED
    actions = list(half_done.versions.values_list("action", flat=True))
    assert actions == ["saved", "saved", "submitted"]


def test_a_new_page_is_a_new_submission_and_a_stale_one_is_still_a_conflict(
    login: Any, item: Assignment, six: ReportingPeriod, half_done: ProgressReport
) -> None:
    officer = login("officer_a")
    old_page = the_form(officer, item, six)
    assert officer.post(save_url(item, six), form_data(**old_page, percent=60)).status_code == 302
    fresh = the_form(officer, item, six)
    assert fresh["submission"] != old_page["submission"]
    # Another form read at the old version, with its own token: stale, as before.
    other = form_data(version=old_page["version"], submission="another-page", percent=80)
    assert officer.post(save_url(item, six), other).status_code == 409
    half_done.refresh_from_db()
    assert half_done.percent == 60


def test_someone_else_s_token_is_no_pass(
    login: Any, item: Assignment, six: ReportingPeriod, half_done: ProgressReport
) -> None:
    officer = login("officer_a")
    page = the_form(officer, item, six)
    officer.post(save_url(item, six), form_data(**page, percent=60))
    # The head replays the officer's submission with other content: a stale save.
    response = login("head_a").post(save_url(item, six), form_data(**page, percent=90))
    assert response.status_code == 409
    half_done.refresh_from_db()
    assert half_done.percent == 60


# ---------------------------------------------------------------------------- conflict


def test_a_refused_stale_save_keeps_what_the_user_typed_beside_the_newer_version(
    login: Any,
    personas: dict[str, User],
    item: Assignment,
    six: ReportingPeriod,
    half_done: ProgressReport,
) -> None:
    officer = login("officer_a")
    mine = the_form(officer, item, six)
    report_save(
        report=half_done,
        actor=personas["head_a"],
        expected_version=half_done.version,
        status=S.IN_PROGRESS,
        percent=80,
        narrative="Bản của lãnh đạo: đã xong 8/10 thủ tục.",
    )
    typed = "Bản của cán bộ: đã họp với 3 phòng, dự thảo quyết định."
    response = officer.post(
        save_url(item, six),
        form_data(
            **mine,
            percent=65,
            narrative=typed,
            attachments=SimpleUploadedFile("bien-ban.pdf", PDF, "application/pdf"),
        ),
    )
    assert response.status_code == 409
    page = text(response)
    assert "Báo cáo đã được người khác cập nhật (phiên bản 3, bạn đang sửa phiên bản 2)" in page
    assert "Nội dung bạn vừa nhập" in page
    body = response.content.decode()
    # The user's text, read-only, to copy; the form holds the newer version to edit.
    unsaved = re.search(
        r'<textarea readonly[^>]*id="unsaved-narrative"[^>]*>(.*?)</textarea>', body, re.S
    )
    assert unsaved and html.unescape(unsaved[1]) == typed
    form_narrative = re.search(r'<textarea name="narrative"[^>]*>(.*?)</textarea>', body, re.S)
    assert form_narrative and "Bản của lãnh đạo" in html.unescape(form_narrative[1])
    assert hidden(response, "version") == "3"
    assert "65%" in page and "80%" in page
    assert "bien-ban.pdf" in page and "Chưa được đính kèm" in page
    assert not EVIDENCE.exists()
    half_done.refresh_from_db()
    assert half_done.narrative.startswith("Bản của lãnh đạo") and half_done.percent == 80

    # Merged and saved from that page: no longer stale.
    merged = form_data(
        version=hidden(response, "version"),
        submission=hidden(response, "submission"),
        percent=80,
        narrative="Bản của lãnh đạo: đã xong 8/10 thủ tục. " + typed,
    )
    assert officer.post(save_url(item, six), merged).status_code == 302
    half_done.refresh_from_db()
    assert typed in half_done.narrative and half_done.version == 4


# ---------------------------------------------------------------------------- a refused file


def test_a_refused_file_is_named_as_picked_and_the_problem_takes_the_focus(
    login: Any, item: Assignment, six: ReportingPeriod
) -> None:
    response = login("officer_a").post(
        save_url(item, six),
        form_data(attachments=SimpleUploadedFile("chuong-trinh.exe", EXE, "application/pdf")),
    )
    assert response.status_code == 400
    page = text(response)
    assert "Tệp «chuong-trinh.exe» là chương trình chạy được" in page
    assert "chuong-trinh.bin" not in page
    summary = re.search(r'<div id="form-problems"[^>]*>', response.content.decode())
    assert summary and "autofocus" in summary[0] and 'tabindex="-1"' in summary[0]
    assert 'href="#id_attachments"' in response.content.decode()
    assert not EVIDENCE.exists()


def test_an_empty_file_among_several_says_which_one(
    login: Any, item: Assignment, six: ReportingPeriod
) -> None:
    response = login("officer_a").post(
        save_url(item, six),
        form_data(
            attachments=[
                SimpleUploadedFile("tot.pdf", PDF, "application/pdf"),
                SimpleUploadedFile("trong.pdf", b"", "application/pdf"),
            ]
        ),
    )
    assert response.status_code == 400
    assert "«trong.pdf»: Tệp rỗng." in text(response)


def test_a_shown_name_keeps_the_user_s_name_but_not_its_tricks() -> None:
    assert display_name("chuong-trinh.exe") == "chuong-trinh.exe"
    assert display_name("C:\\Users\\an\\Báo cáo quý I.pdf") == "Báo cáo quý I.pdf"
    assert display_name("tai-lieu\u202efdp.exe") == "tai-lieufdp.exe"
    assert display_name("a\x00b\nc.pdf") == "abc.pdf"
    assert len(display_name("x" * 500 + ".pdf")) == 120


# ---------------------------------------------------------------------------- removing a file


@pytest.fixture
def attached(
    login: Any, item: Assignment, six: ReportingPeriod, half_done: ProgressReport
) -> DocumentLink:
    client = login("officer_a")
    client.post(
        save_url(item, six),
        form_data(
            **the_form(client, item, six),
            percent=50,
            attachments=SimpleUploadedFile("minh-chung.pdf", PDF, "application/pdf"),
        ),
    )
    return EVIDENCE.get()


def test_the_remove_button_sends_the_version_it_was_shown_with(
    login: Any, item: Assignment, six: ReportingPeriod, attached: DocumentLink
) -> None:
    page = login("officer_a").get(page_url(item, six)).content.decode()
    report = ProgressReport.objects.get(assignment=item, period=six)
    form = re.search(rf'<form id="remove-evidence-{attached.pk}".*?</form>', page, re.S)
    assert form and f'name="version" value="{report.version}"' in form[0]


def test_removing_a_file_without_a_version_is_refused(login: Any, attached: DocumentLink) -> None:
    response = login("officer_a").post(reverse("evidence_remove", args=[attached.pk]), follow=True)
    assert "Thiếu phiên bản báo cáo; hãy tải lại trang." in text(response)
    assert EVIDENCE.filter(pk=attached.pk).exists()


def test_removing_a_file_from_a_stale_page_is_refused(
    login: Any, personas: dict[str, User], attached: DocumentLink
) -> None:
    report = attached.target
    seen = report.version
    report_save(
        report=report,
        actor=personas["head_a"],
        expected_version=seen,
        status=S.IN_PROGRESS,
        percent=55,
        narrative="Lãnh đạo sửa.",
    )
    response = login("officer_a").post(
        reverse("evidence_remove", args=[attached.pk]), {"version": seen}, follow=True
    )
    assert "Báo cáo đã được người khác cập nhật" in text(response)
    assert EVIDENCE.filter(pk=attached.pk).exists()
    current = ProgressReport.objects.get(pk=report.pk).version
    login("officer_a").post(reverse("evidence_remove", args=[attached.pk]), {"version": current})
    assert not EVIDENCE.exists()


# ---------------------------------------------------------------------------- limits


def api_put(client: Client, report: ProgressReport, **body: Any) -> Any:
    payload = {"status": "in_progress", "version": report.version, **body}
    return client.put(
        f"/api/reports/{report.pk}", data=json.dumps(payload), content_type="application/json"
    )


def test_the_page_and_the_api_refuse_the_same_overlong_narrative(
    login: Any, item: Assignment, six: ReportingPeriod, half_done: ProgressReport
) -> None:
    client = login("officer_a")
    longest = "x" * NARRATIVE_MAX
    too_long = longest + "x"
    page = client.post(
        save_url(item, six), form_data(version=half_done.version, narrative=too_long)
    )
    assert page.status_code == 400
    api = api_put(client, half_done, narrative="x" * 1_000_000)
    assert api.status_code == 422
    assert api.json()["detail"] == (
        "Kết quả thực hiện dài quá giới hạn 20.000 ký tự (hiện có 1.000.000)."
    )
    api = api_put(client, half_done, narrative=too_long)
    assert api.status_code == 422
    half_done.refresh_from_db()
    assert half_done.version == 2
    assert api_put(client, half_done, narrative=longest).status_code == 200


def test_the_page_and_the_api_refuse_too_many_documents(
    login: Any, item: Assignment, six: ReportingPeriod, half_done: ProgressReport
) -> None:
    client = login("officer_a")
    many = [
        {"number": f"{n}/KH", "issued_on": "2022-01-14", "summary": "Kế hoạch"}
        for n in range(1, 3001)
    ]
    api = api_put(client, half_done, documents=many)
    assert api.status_code == 422
    assert api.json()["detail"] == (
        "Mỗi báo cáo ghi được tối đa 50 văn bản kết quả (đang có 3000)."
    )
    rows: dict[str, Any] = {"doc-TOTAL_FORMS": DOCUMENTS_MAX + 1}
    for n in range(DOCUMENTS_MAX + 1):
        rows |= {
            f"doc-{n}-number": f"{n + 1}/KH",
            f"doc-{n}-issued_on": "14/01/2022",
            f"doc-{n}-summary": "Kế hoạch",
        }
    page = client.post(save_url(item, six), form_data(version=half_done.version, **rows))
    assert page.status_code == 400
    assert not Document.objects.exists()
    half_done.refresh_from_db()
    assert half_done.version == 2


def test_an_overlong_review_comment_is_refused_by_the_api(
    login: Any, personas: dict[str, User], half_done: ProgressReport
) -> None:
    from cchc.monitoring.services import report_submit

    sent = report_submit(report=half_done, actor=personas["head_a"], expected_version=2)
    response = login("coordinator").post(
        f"/api/reports/{sent.pk}/review",
        data={"approve": False, "comment": "y" * 4001, "version": sent.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Ý kiến dài quá giới hạn 4.000 ký tự" in response.json()["detail"]
    assert ProgressReport.objects.get(pk=sent.pk).state == ProgressReport.State.SUBMITTED


# ---------------------------------------------------------------------------- the api's percent


@pytest.mark.parametrize("value", ["", "abc", 33.5, True])
def test_the_api_refuses_a_percent_that_is_no_whole_number_in_vietnamese(
    login: Any, half_done: ProgressReport, value: Any
) -> None:
    response = api_put(login("officer_a"), half_done, percent=value)
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert [p["msg"] for p in problems] == ["Tỷ lệ hoàn thành phải là số nguyên từ 0 đến 100."]
    assert problems[0]["loc"][-1] == "percent"
    half_done.refresh_from_db()
    assert (half_done.percent, half_done.version) == (50, 2)


@pytest.mark.parametrize("body", [{}, {"percent": None}], ids=["left-out", "null"])
def test_the_api_keeps_the_percent_when_it_is_left_out(
    login: Any, half_done: ProgressReport, body: dict[str, Any]
) -> None:
    response = api_put(login("officer_a"), half_done, narrative="Thêm một dòng.", **body)
    assert response.status_code == 200
    assert response.json()["percent"] == 50


def test_the_api_takes_33_percent(login: Any, half_done: ProgressReport) -> None:
    response = api_put(login("officer_a"), half_done, percent=33)
    assert response.status_code == 200 and response.json()["percent"] == 33


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize("typed", ["01/01/0001", "31/12/1999", "01/01/2101", "31/12/9999"])
def test_a_completion_date_outside_2000_2100_is_refused_on_the_page(
    login: Any, item: Assignment, six: ReportingPeriod, typed: str
) -> None:
    response = login("officer_a").post(
        save_url(item, six), form_data(status=S.DONE, completed_on=typed)
    )
    assert response.status_code == 400
    assert field_errors(response, "completed") == [DATE_RANGE]
    assert not ProgressReport.objects.filter(assignment=item, period=six).exists()


def test_a_document_date_outside_the_range_is_refused_on_the_page(
    login: Any, item: Assignment, six: ReportingPeriod
) -> None:
    response = login("officer_a").post(
        save_url(item, six),
        form_data(
            **{"doc-0-number": "1/KH", "doc-0-issued_on": "01/01/0001", "doc-0-summary": "Kế hoạch"}
        ),
    )
    assert response.status_code == 400
    assert DATE_RANGE in text(response)
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"status": "done", "completed_on": "0001-01-01"}, f"Ngày hoàn thành: {DATE_RANGE}"),
        ({"status": "done", "completed_on": "1999-12-31"}, f"Ngày hoàn thành: {DATE_RANGE}"),
        (
            {"documents": [{"number": "1/KH", "issued_on": "0001-01-01", "summary": "Kế hoạch"}]},
            f"Văn bản kết quả thứ 1 chưa hợp lệ: {DATE_RANGE}",
        ),
        (
            {"documents": [{"number": "1/KH", "issued_on": "9999-12-31", "summary": "Kế hoạch"}]},
            f"Văn bản kết quả thứ 1 chưa hợp lệ: {DATE_RANGE}",
        ),
    ],
    ids=["completed-year-1", "completed-1999", "document-year-1", "document-9999"],
)
def test_a_date_outside_the_range_is_refused_by_the_api(
    login: Any, half_done: ProgressReport, body: dict[str, Any], message: str
) -> None:
    response = api_put(login("officer_a"), half_done, **body)
    assert response.status_code == 422
    assert response.json()["detail"] == message
    half_done.refresh_from_db()
    assert half_done.version == 2 and half_done.status == S.IN_PROGRESS
    assert not Document.objects.exists()


def test_the_first_and_last_plausible_days_are_taken(login: Any, half_done: ProgressReport) -> None:
    client = login("officer_a")
    documents = [
        {"number": "1/KH", "issued_on": "2000-01-01", "summary": "Đầu"},
        {"number": "2/KH", "issued_on": "2100-12-31", "summary": "Cuối"},
    ]
    response = api_put(client, half_done, documents=documents)
    assert response.status_code == 200, response.json()
    assert [d["issued_on"] for d in response.json()["documents"]] == ["2000-01-01", "2100-12-31"]


# ---------------------------------------------------------------------------- at the same time


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_that_reaches_the_server_twice_at_once_saves_once(
    personas: dict[str, User], item: Assignment, six: ReportingPeriod, half_done: ProgressReport
) -> None:
    """Both requests of a double click arrive together, each in its own thread and database
    connection as under gunicorn: the row lock orders them, and the second one finds the
    first one's save under the same token — "saved" twice, one change."""
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(personas["officer_a"])
    page = the_form(clients[0], item, six)
    sent = form_data(**page, percent=60, narrative="Bấm đúp.")
    start = threading.Barrier(2)

    def post(client: Client) -> tuple[int, str]:
        try:
            start.wait()
            response = client.post(save_url(item, six), sent, follow=True)
            return response.status_code, text(response)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(post, clients))
    for status, page_text in results:
        assert status == 200
        assert "Đã lưu bản nháp." in page_text and "người khác cập nhật" not in page_text
    half_done.refresh_from_db()
    assert (half_done.percent, half_done.version) == (60, 3)
    assert (
        ReportVersion.objects.filter(report=half_done, submission=page["submission"]).count() == 1
    )


def test_a_long_text_is_refused_with_its_limit_never_cut_by_the_browser(
    login: Any, item: Assignment, six: ReportingPeriod
) -> None:
    client = login("officer_a")
    page = client.get(page_url(item, six)).content.decode()
    assert "maxlength" not in page  # a browser would cut a long paste without a word
    response = client.post(save_url(item, six), form_data(narrative="x" * (NARRATIVE_MAX + 5)))
    assert response.status_code == 400
    assert "Kết quả thực hiện dài quá giới hạn 20.000 ký tự (hiện có 20.005)." in text(response)
    assert 'id="unsaved-narrative"' not in response.content.decode()
    assert "x" * (NARRATIVE_MAX + 5) in response.content.decode()  # still there to shorten


@pytest.mark.parametrize("typed", ["0001-01-01", "31/12/9999"])
def test_a_merge_date_outside_the_range_is_refused(
    login: Any, agencies: dict[str, Agency], typed: str
) -> None:
    # The other date a person types: the day an agency is merged or closed.
    a, b = agencies["a"], agencies["b"]
    response = login("coordinator").post(
        f"/agencies/{a.pk}/merge/", {"into": b.pk, "on": typed, "confirm": "1"}
    )
    assert response.status_code in {200, 400}
    assert DATE_RANGE in text(response)
    a.refresh_from_db()
    assert a.closed_on is None


def test_a_report_sent_while_the_officer_typed_keeps_the_officer_s_text(
    login: Any,
    personas: dict[str, User],
    item: Assignment,
    six: ReportingPeriod,
    half_done: ProgressReport,
) -> None:
    from cchc.monitoring.services import report_submit

    officer = login("officer_a")
    mine = the_form(officer, item, six)
    report_submit(report=half_done, actor=personas["head_a"], expected_version=half_done.version)
    typed = "Cán bộ bổ sung sau khi lãnh đạo đã gửi."
    response = officer.post(save_url(item, six), form_data(**mine, narrative=typed))
    assert response.status_code == 409
    assert "nay không sửa được nữa" in text(response)
    unsaved = re.search(r'id="unsaved-narrative"[^>]*>(.*?)</textarea>', response.content.decode())
    assert unsaved and html.unescape(unsaved[1]) == typed
    assert 'name="narrative"' not in response.content.decode()  # no form to save into
