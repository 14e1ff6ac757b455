"""Inputs that used to crash the server get a 4xx with a clear answer and change nothing.

Vietnamese pages for people, JSON under /api/. Every test here runs on SQLite and, in the
suite's second pass, on PostgreSQL: a NUL character, for one, is stored by SQLite but
refused by PostgreSQL, so it is refused at the edge for both.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from cchc.accounts.models import ApiToken, User
from cchc.jobs.models import Job
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.plans.formats import write_xlsx
from cchc.plans.formats.jsonfmt import write_json
from cchc.plans.models import Plan
from tests.factories import synthetic_document

NUL_MESSAGE = "ký tự NUL"


@pytest.fixture
def token(personas: dict[str, User]) -> str:
    _token, key = ApiToken.issue(user=personas["coordinator"], name="test")
    return key


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _json(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return json.loads(response.content)


@pytest.fixture
def report(login, plan, agencies) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Agency A's draft for Quý I, opened through the API by its officer."""
    mine = Assignment.objects.filter(activity__plan=plan, agency=agencies["a"]).first()
    q1 = ReportingPeriod.objects.get(plan=plan, code="q1")
    assert mine is not None
    response = login("officer_a").post(
        f"/api/assignments/{mine.pk}/reports/{q1.pk}", {}, content_type="application/json"
    )
    assert response.status_code == 201
    return response.json()


def _saved(report_id: int) -> tuple[str, str, int]:
    row = ProgressReport.objects.get(pk=report_id)
    return row.narrative, row.reason, row.version


# --- NUL characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        {"narrative": "Đã ban hành\u0000 kế hoạch"},
        {"reason": "\u0000"},
        {"documents": [{"number": "12/KH\u0000", "summary": "Kế hoạch"}]},
    ],
    ids=["narrative", "reason", "documents"],
)
def test_a_nul_in_a_report_saved_through_the_api_is_refused(login, report, field) -> None:
    before = _saved(report["id"])
    body = {"status": "in_progress", "percent": 50, "version": report["version"], **field}
    response = login("officer_a").put(
        f"/api/reports/{report['id']}", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in _json(response)["detail"]
    assert _saved(report["id"]) == before


def test_a_raw_nul_byte_in_a_json_body_is_refused(login, report) -> None:
    before = _saved(report["id"])
    version = report["version"]
    body = f'{{"status": "in_progress", "percent": 5, "narrative": "a\x00b", "version": {version}}}'
    response = login("officer_a").put(
        f"/api/reports/{report['id']}", data=body.encode(), content_type="application/json"
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in _json(response)["detail"]
    assert _saved(report["id"]) == before


def test_an_escaped_backslash_before_u0000_is_ordinary_text(login, report) -> None:
    # "\\u0000" in JSON is a backslash and the letters u0000, not a NUL: it is saved.
    body = {"status": "in_progress", "percent": 5, "narrative": "\\u0000", "version": 1}
    body["version"] = report["version"]
    response = login("officer_a").put(
        f"/api/reports/{report['id']}", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert ProgressReport.objects.get(pk=report["id"]).narrative == "\\u0000"


@pytest.mark.parametrize(
    "url",
    [
        "/api/plans/{plan}/activities?area=I%00",
        "/api/plans/{plan}/tasks?area=%00",
        "/api/agencies?kind=so%00",
        "/api/plans?x%00=1",
    ],
)
def test_a_nul_in_an_api_filter_is_refused_in_json(login, plan, url: str) -> None:
    response = login("coordinator").get(url.format(plan=plan.pk))
    assert response.status_code == 400
    assert NUL_MESSAGE in _json(response)["detail"]


@pytest.mark.parametrize("url", ["/search/?q=c%E1%BA%A3i%00", "/agencies/?q=%00", "/plans/%00/"])
def test_a_nul_on_a_page_gets_a_vietnamese_page(login, plan, url: str) -> None:
    response = login("coordinator").get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Yêu cầu bị từ chối" in html
    assert NUL_MESSAGE in html


def test_a_nul_in_a_form_field_is_refused_and_nobody_is_logged_in(client: Client, personas):
    response = client.post("/login/", {"username": "coordinator\x00", "password": "x"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_nul_in_an_uploaded_file_name_never_reaches_the_database(
    client: Client, agencies, token
) -> None:
    data = write_json(synthetic_document(2, number="2/KH-UBND"))
    upload = SimpleUploadedFile("ke\x00hoach.json", data, content_type="application/json")
    response = client.post("/api/plans/import", {"file": upload}, **bearer(token))
    # Django's multipart parser drops the NUL from a file name; the file itself is fine.
    assert response.status_code == 202
    assert Job.objects.get().input_name == "kehoach.json"


# --- Sizes, broken bodies, numbers --------------------------------------------------------


def test_a_json_body_over_the_limit_gets_413(login, report, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    before = _saved(report["id"])
    body = {
        "status": "in_progress",
        "percent": 50,
        "narrative": "Đã làm. " * 400,
        "version": report["version"],
    }
    response = login("officer_a").put(
        f"/api/reports/{report['id']}", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 413
    assert "quá lớn" in _json(response)["detail"]
    assert _saved(report["id"]) == before


def test_multipart_without_a_boundary_is_a_400_in_json(client: Client, agencies, token) -> None:
    response = client.post(
        "/api/plans/import",
        data=b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nabc\r\n--x--\r\n",
        content_type="multipart/form-data",
        **bearer(token),
    )
    assert response.status_code == 400
    assert "boundary" in _json(response)["detail"]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "query", ["agency=-173591544109202397315257597952", "agency=99999999999999999999"]
)
def test_an_integer_filter_out_of_range_is_refused(login, plan, query: str) -> None:
    response = login("coordinator").get(f"/api/plans/{plan.pk}/activities?{query}")
    assert response.status_code == 422
    _json(response)


def test_an_assignment_filter_out_of_range_is_refused(login, plan) -> None:
    client = login("coordinator")
    response = client.get(f"/api/plans/{plan.pk}/assignments?period=1{'0' * 25}")
    assert response.status_code == 422
    _json(response)


@pytest.mark.parametrize("id_", ["9223372036854775808", "1" + "0" * 40, "9" * 5000])
def test_an_id_beyond_64_bits_is_not_found(login, plan, id_: str) -> None:
    client = login("coordinator")
    response = client.get(f"/api/plans/{id_}")
    assert response.status_code == 404
    _json(response)
    page = client.get(f"/plans/{id_}/")
    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.content.decode()


# --- JSON everywhere under /api/ ----------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/nothing", "/api/plans/abc", "/api/plans/1/nothing/"])
def test_an_unknown_api_address_answers_json(client: Client, login, plan, url: str) -> None:
    response = login("leader").get(url)
    assert response.status_code == 404
    assert "Không có" in _json(response)["detail"]


def test_a_wrong_method_answers_json_with_allow(login, plan) -> None:
    response = login("leader").delete("/api/plans")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert _json(response)["detail"]


def test_an_anonymous_api_call_is_told_in_vietnamese(client: Client, plan) -> None:
    response = client.get("/api/plans", HTTP_AUTHORIZATION="Bearer cchc_wrong")
    assert response.status_code == 401
    assert _json(response)["detail"] == "Chưa xác thực: thiếu hoặc sai khóa API."


def test_a_broken_request_and_a_crash_get_vietnamese_pages(client: Client, settings) -> None:
    """Django renders 400.html and 500.html without a request context; both must be ours."""
    settings.DEBUG = False
    response = client.get("/login/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Yêu cầu không hợp lệ" in page and 'lang="vi"' in page

    from django.views.defaults import server_error

    crash = server_error(RequestFactory().get("/"))
    assert crash.status_code == 500
    assert "Lỗi hệ thống" in crash.content.decode()


# --- Damaged worksheet data in a plan import -----------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"


def _repack(data: bytes, compression: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            kind = compression if info.filename == SHEET else info.compress_type
            target.writestr(info.filename, source.read(info), compress_type=kind)
    return out.getvalue()


def _locate(data: bytes) -> tuple[int, int, int]:
    """(local header offset, data offset, compressed size) of the worksheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(SHEET)
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_len + extra_len
    return info.header_offset, start, info.compress_size


def _central(data: bytes) -> int:
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + name_len] == SHEET.encode():
            return at
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError("no central entry")


def _bad_crc(data: bytes) -> bytes:
    raw = bytearray(_repack(data, zipfile.ZIP_STORED))
    _header, start, size = _locate(bytes(raw))
    middle = start + size // 2
    raw[middle] = ord("x") if raw[middle] != ord("x") else ord("y")
    return bytes(raw)


def _broken_deflate(data: bytes) -> bytes:
    raw = bytearray(_repack(data, zipfile.ZIP_DEFLATED))
    _header, start, size = _locate(bytes(raw))
    raw[start : start + size] = b"\xff" * size
    return bytes(raw)


def _unknown_compression(data: bytes) -> bytes:
    raw = bytearray(_repack(data, zipfile.ZIP_DEFLATED))
    header, _start, _size = _locate(bytes(raw))
    raw[header + 8 : header + 10] = struct.pack("<H", 99)
    central = _central(bytes(raw))
    raw[central + 10 : central + 12] = struct.pack("<H", 99)
    return bytes(raw)


@pytest.mark.parametrize(
    "damage",
    [_bad_crc, _broken_deflate, _unknown_compression],
    ids=["bad-crc", "broken-deflate", "unknown-compression"],
)
def test_damaged_worksheet_data_is_a_listed_import_error(
    client: Client, agencies, token, damage
) -> None:
    data = damage(write_xlsx(synthetic_document(3, number="3/KH-UBND")))
    upload = SimpleUploadedFile("ke-hoach.xlsx", data, content_type="application/octet-stream")
    response = client.post("/api/plans/import", {"file": upload}, **bearer(token))
    if response.status_code == 400:
        issues = _json(response)["issues"]
    else:
        assert response.status_code == 202, response.content
        job = _json(client.get(response["Location"], **bearer(token)))
        assert job["status"] == "failed"
        issues = job["errors"]
    assert issues
    assert any("hỏng" in i["message"] or "kiểu nén" in i["message"] for i in issues), issues
    assert not Plan.objects.filter(number="3/KH-UBND").exists()


# --- Two imports of the same new plan at once ----------------------------------------------


def test_the_loser_of_two_simultaneous_imports_is_told_the_plan_exists(
    client: Client, agencies, token, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other import commits between this one's check and its insert: on PostgreSQL
    both pass the check; the loser's insert then meets the unique constraint."""
    original = Plan.full_clean
    won: list[Plan] = []

    def and_the_other_import_commits(self: Plan, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if not won:
            won.append(
                Plan.objects.create(
                    issuer=self.issuer,
                    number=self.number,
                    issued_on=self.issued_on,
                    year=self.year,
                    title="Kế hoạch của lần nhập kia",
                )
            )

    monkeypatch.setattr(Plan, "full_clean", and_the_other_import_commits)
    data = write_json(synthetic_document(4, number="4/KH-UBND"))
    upload = SimpleUploadedFile("p.json", data, content_type="application/json")
    response = client.post("/api/plans/import", {"file": upload}, **bearer(token))
    assert response.status_code == 202
    job = _json(client.get(response["Location"], **bearer(token)))
    assert job["status"] == "failed"
    [error] = job["errors"]
    assert "4/KH-UBND" in error["message"]
    assert "đã có trong hệ thống" in error["message"]
    # The loser wrote nothing. (The stand-in "winner" was written inside the loser's own
    # transaction here, so it is rolled back with it; a real winner commits on its own.)
    assert len(won) == 1
    assert not Plan.objects.filter(number="4/KH-UBND", tasks__isnull=False).exists()
