"""Indicators: the status rule, the values read against what was entered, the page's
entry, XLSX import (all or nothing, errors by row and column) and export, the API, and a
plan replaced without losing an indicator or its history."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from cchc.accounts.models import ApiToken
from cchc.audit.models import AuditRecord
from cchc.citizens.indicator_files import import_workbook, write_workbook
from cchc.citizens.indicators import (
    AT_RISK,
    MET,
    MISSED,
    NO_DATA,
    ON_TRACK,
    NumberInvalid,
    indicator_from_plan,
    indicator_values,
    measurement_record,
    read_decimal,
)
from cchc.citizens.models import Indicator, Measurement


def _indicator(agency, **kwargs) -> Indicator:  # type: ignore[no-untyped-def]
    values = {
        "code": "truc-tuyen",
        "name": "Tỷ lệ hồ sơ trực tuyến mức độ cao",
        "unit": "%",
        "direction": "up",
        "baseline_year": 2021,
        "baseline_value": Decimal("20"),
        "target_value": Decimal("50"),
        "due_on": date(2022, 12, 31),
        "agency": agency,
    }
    values.update(kwargs)
    return Indicator.objects.create(**values)


def _measure(indicator: Indicator, day: date, value: str) -> Measurement:
    return Measurement.objects.create(
        indicator=indicator,
        period=str(day),
        measured_on=day,
        value=Decimal(value),
        source="Báo cáo",
    )


def test_the_status_rule(agencies) -> None:
    up = _indicator(agencies["a"])
    down = _indicator(
        agencies["home"],
        code="bien-che",
        direction="down",
        baseline_value=Decimal("0"),
        target_value=Decimal("-10"),
        due_on=date(2025, 12, 31),
    )
    mid = date(2022, 7, 1)  # half-way through 2022: the line expects 35 % for `up`
    assert {v.indicator.code: v.status for v in indicator_values(None, mid)} == {
        "truc-tuyen": NO_DATA,
        "bien-che": NO_DATA,
    }
    _measure(up, date(2022, 6, 30), "36")
    _measure(down, date(2022, 6, 30), "-0.5")  # the line expects about −1.2 by then
    values = {v.indicator.code: v for v in indicator_values(None, mid)}
    assert values["truc-tuyen"].status == ON_TRACK
    assert values["bien-che"].status == AT_RISK
    _measure(up, date(2022, 9, 30), "40")  # the line expects 42.5
    assert indicator_values(agencies["a"], date(2022, 10, 1))[0].status == AT_RISK
    # Read on an earlier day, the later value is not yet known.
    assert indicator_values(agencies["a"], date(2022, 8, 1))[0].value == Decimal("36")
    assert indicator_values(agencies["a"], date(2023, 1, 5))[0].status == MISSED
    _measure(up, date(2022, 12, 31), "52")
    assert indicator_values(agencies["a"], date(2023, 1, 5))[0].status == MET
    _measure(down, date(2023, 12, 31), "-10.5")
    assert indicator_values(agencies["home"], date(2024, 1, 1))[0].status == MET


def test_values_entered_on_the_page_show_beside_the_target(agencies, personas, login) -> None:
    indicator = _indicator(agencies["a"])
    url = f"/chi-tieu/{indicator.pk}/"
    officer_b = login("officer_b")
    assert officer_b.get(url).status_code == 200  # everyone reads indicators
    refused = officer_b.post(url, {"period": "Quý II/2022"})
    assert refused.status_code == 403
    officer = login("officer_a")
    bad = officer.post(
        url, {"period": "Quý II/2022", "measured_on": "2022-06-30", "value": "abc", "source": ""}
    )
    assert bad.status_code == 400 and "«abc» không phải là một số" in bad.content.decode()
    assert not Measurement.objects.exists()
    ok = officer.post(
        url,
        {
            "period": "Quý II/2022",
            "measured_on": "2022-06-30",
            "value": "41,25",
            "source": "Cổng dịch vụ công tỉnh",
            "evidence": "Báo cáo 123/BC-VP",
        },
    )
    assert ok.status_code == 302
    measurement = Measurement.objects.get()
    assert measurement.value == Decimal("41.25")
    assert AuditRecord.objects.filter(action="indicator.measure").count() == 1
    page = officer.get(url).content.decode()
    assert "41,25" in page and "Cổng dịch vụ công tỉnh" in page and "<svg" in page
    listing = officer.get("/chi-tieu/").content.decode()
    assert "41,25" in listing and "≥ 50" in listing


def _workbook(indicators: list[list[object]], values: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Chỉ tiêu"
    sheet.append(
        ["Mã", "Tên", "Đơn vị", "Chiều", "Năm gốc", "Gốc", "Chỉ tiêu", "Hạn", "Cơ quan", "Căn cứ"]
    )
    for row in indicators:
        sheet.append(row)
    other = book.create_sheet("Số liệu")
    other.append(["Mã", "Kỳ", "Ngày", "Giá trị", "Nguồn", "Minh chứng"])
    for row in values:
        other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_import_is_all_or_nothing_with_row_and_column(agencies, settings) -> None:
    settings.CCHC_TODAY = date(2022, 7, 15)
    good_row = [
        "kiem-tra",
        "Tỷ lệ cơ quan được kiểm tra",
        "%",
        "tăng",
        2021,
        0,
        30,
        "31/12/2022",
        "Sở Nội vụ",
        "",
    ]
    data = _workbook(
        [
            good_row,
            [
                "bien-che",
                "Giảm biên chế",
                "%",
                "ngang",
                2021,
                0,
                -10,
                "31/12/2025",
                "Sở Không Có",
                "",
            ],
        ],
        [
            ["kiem-tra", "Quý I/2022", "31/03/2022", "5", "Báo cáo", ""],
            ["kiem-tra", "Quý II/2022", "30/06/2022", "nhiều", "", ""],
        ],
    )
    result = import_workbook(data, actor=None)
    assert result.errors
    text = "\n".join(result.errors)
    assert "Trang «Chỉ tiêu», dòng 3, cột D: Chiều tốt phải là «tăng» hoặc «giảm»." in text
    assert "dòng 3, cột I: Không có cơ quan đang hoạt động tên «Sở Không Có»." in text
    assert "Trang «Số liệu», dòng 3, cột D: «nhiều» không phải là một số." in text
    assert "Trang «Số liệu», dòng 3, cột E: Hãy ghi nguồn số liệu." in text
    assert not Indicator.objects.exists() and not Measurement.objects.exists()
    # A value in the future is refused at write time: still nothing written.
    future = _workbook([good_row], [["kiem-tra", "Quý IV/2022", "31/12/2022", 10, "Báo cáo", ""]])
    result = import_workbook(future, actor=None)
    assert result.errors and "tương lai" in result.errors[0]
    assert not Indicator.objects.exists()
    fixed = _workbook([good_row], [["kiem-tra", "Quý I/2022", "31/03/2022", 5.5, "Báo cáo", ""]])
    result = import_workbook(fixed, actor=None)
    assert not result.errors and (result.created, result.measurements) == (1, 1)
    assert Indicator.objects.get().agency == agencies["home"]


def test_export_then_import_gives_the_same_rows(agencies, settings) -> None:
    settings.CCHC_TODAY = date(2022, 7, 15)
    indicator = _indicator(agencies["a"], name="=SUM(A1) không phải công thức")
    measurement_record(
        indicator=indicator,
        period="Quý II/2022",
        measured_on=date(2022, 6, 30),
        value=Decimal("41.25"),
        source="Cổng dịch vụ công",
        actor=None,
    )
    out = io.BytesIO()
    write_workbook(out)
    first = out.getvalue()
    book = load_workbook(io.BytesIO(first))
    assert book["Chỉ tiêu"]["B2"].value == "'=SUM(A1) không phải công thức"
    result = import_workbook(first, actor=None)
    assert not result.errors and (result.created, result.updated, result.measurements) == (0, 1, 1)
    again = io.BytesIO()
    write_workbook(again)
    rows = lambda data: [  # noqa: E731
        list(ws.iter_rows(values_only=True)) for ws in load_workbook(io.BytesIO(data)).worksheets
    ]
    assert rows(again.getvalue()) == rows(first)
    assert Indicator.objects.get().name == "=SUM(A1) không phải công thức"


def test_replacing_the_plan_keeps_every_indicator_and_its_history(agencies, tmp_path) -> None:
    from cchc.plans.models import Indicator as PlanIndicator
    from tests.test_replace_round_trip import export, full_plan

    plan = full_plan()
    row = PlanIndicator.objects.get(plan=plan, code="dvc-truc-tuyen")
    tracked, created = indicator_from_plan(
        row, agency=agencies["a"], baseline_year=2021, baseline_value=Decimal("30.5")
    )
    assert created and tracked.target_value == Decimal("50") and tracked.direction == "up"
    _measure(tracked, date(2022, 3, 31), "33")
    _measure(tracked, date(2022, 6, 30), "38")
    path = tmp_path / "plan.json"
    path.write_bytes(export(plan, "json"))
    call_command("import_plan", str(path), "--replace", stdout=io.StringIO())
    assert not PlanIndicator.objects.filter(pk=row.pk).exists()  # the plan's own row is new
    tracked.refresh_from_db()
    assert list(tracked.measurements.values_list("value", flat=True)) == [
        Decimal("33"),
        Decimal("38"),
    ]
    # Tracking the replaced plan again finds the same indicator.
    again, created = indicator_from_plan(
        PlanIndicator.objects.get(code="dvc-truc-tuyen"),
        agency=agencies["b"],
        baseline_year=2020,
        baseline_value=Decimal("0"),
    )
    assert not created and again.pk == tracked.pk and again.agency == agencies["a"]


def test_the_api_reads_and_writes_with_the_same_rules(agencies, personas, client, settings) -> None:
    settings.CCHC_TODAY = date(2022, 7, 15)
    indicator = _indicator(agencies["a"])
    _measure(indicator, date(2022, 6, 30), "36")
    _t, officer_b = ApiToken.issue(user=personas["officer_b"], name="t")
    _t, officer_a = ApiToken.issue(user=personas["officer_a"], name="t")
    listed = client.get("/api/indicators", HTTP_AUTHORIZATION=f"Bearer {officer_b}").json()
    assert listed[0]["code"] == "truc-tuyen" and listed[0]["status"] == ON_TRACK
    assert Decimal(listed[0]["latest_value"]) == Decimal("36")
    body = {"period": "Quý III/2022", "measured_on": "2022-07-10", "value": "44", "source": "API"}
    refused = client.post(
        f"/api/indicators/{indicator.pk}/measurements",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {officer_b}",
    )
    assert refused.status_code == 403
    done = client.post(
        f"/api/indicators/{indicator.pk}/measurements",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {officer_a}",
    )
    assert done.status_code == 200, done.content
    assert [m["value"] for m in done.json()["measurements"]] == ["36.00", "44.00"]
    assert (
        client.get("/api/indicators/999999", HTTP_AUTHORIZATION=f"Bearer {officer_a}").status_code
        == 404
    )


@pytest.mark.parametrize("persona", ["coordinator", "officer_a"])
def test_the_import_page_is_for_those_who_run_the_plan(agencies, personas, login, persona) -> None:
    page = login(persona).get("/chi-tieu/nhap/")
    assert page.status_code == (200 if persona == "coordinator" else 403)


# ---------------------------------------------------------------------------
# Defining an indicator on a page and through the API; evidence files

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


def _form(agency, /, **changes) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "code": "giam-bien-che",
        "name": "Giảm 10 % biên chế công chức so với năm 2021",
        "unit": "người",
        "direction": "down",
        "baseline_year": "2021",
        "baseline_value": "2.500",
        "target_value": "2250",
        "due_on": "2025-12-31",
        "agency": str(agency.pk),
        "source": "Nghị quyết 39-NQ/TW",
    }
    data.update(changes)
    return data


def test_the_coordinator_creates_an_indicator_spanning_years(agencies, login) -> None:
    coordinator = login("coordinator")
    assert "Thêm chỉ tiêu" in coordinator.get("/chi-tieu/").content.decode()
    assert coordinator.get("/chi-tieu/them/").status_code == 200
    made = coordinator.post("/chi-tieu/them/", _form(agencies["a"], baseline_value="2500"))
    assert made.status_code == 302
    indicator = Indicator.objects.get(code="giam-bien-che")
    assert made["Location"] == f"/chi-tieu/{indicator.pk}/"
    assert indicator.direction == "down" and indicator.due_on == date(2025, 12, 31)
    assert indicator.baseline_value == Decimal("2500") and indicator.target_value == 2250
    record = AuditRecord.objects.get(action="indicator.create")
    assert record.after["code"] == "giam-bien-che"
    page = coordinator.get(f"/chi-tieu/{indicator.pk}/").content.decode()
    assert "Sửa chỉ tiêu" in page and "31/12/2025" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "có dấu"}, "Mã chỉ tiêu gồm chữ không dấu"),
        ({"name": ""}, "Hãy ghi tên chỉ tiêu"),
        ({"baseline_year": "1990"}, "Năm gốc phải là năm từ 2000 đến 2100"),
        ({"baseline_value": "nhiều"}, "«nhiều» không phải là một số"),
        ({"baseline_value": "2.43"}, "Số thập phân thì viết 2,43"),
        ({"target_value": "1,234.5"}, "«1,234.5» không phải là một số viết đúng"),
        ({"due_on": "2021-06-30"}, "Hạn đạt chỉ tiêu phải sau năm gốc 2021"),
        ({"due_on": "31/02/2025"}, "Hạn đạt chỉ tiêu phải là một ngày"),
        ({"target_value": "2600"}, "Chỉ tiêu kém hơn giá trị năm gốc"),
        ({"direction": "sideways"}, "Chọn một chiều tốt trong danh sách"),
        ({"agency": "999999"}, "Chọn một cơ quan trong danh sách"),
        ({"name": "Tên\x00lạ"}, "ký tự NUL"),
    ],
)
def test_a_wrong_value_is_explained_in_vietnamese_and_nothing_is_saved(
    agencies, login, change, message
) -> None:
    answer = login("coordinator").post("/chi-tieu/them/", _form(agencies["a"], **change))
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Indicator.objects.exists()
    assert not AuditRecord.objects.filter(action__startswith="indicator.").exists()


def test_a_code_already_used_is_refused_and_editing_keeps_the_history(agencies, login) -> None:
    existing = _indicator(agencies["a"])
    _measure(existing, date(2022, 6, 30), "36")
    coordinator = login("coordinator")
    taken = coordinator.post("/chi-tieu/them/", _form(agencies["a"], code="truc-tuyen"))
    assert taken.status_code == 400 and "Đã có chỉ tiêu mã «truc-tuyen»" in taken.content.decode()
    url = f"/chi-tieu/{existing.pk}/sua/"
    form = coordinator.get(url).content.decode()
    assert 'value="truc-tuyen"' in form and 'value="2022-12-31"' in form
    edited = coordinator.post(
        url,
        _form(
            agencies["home"],
            code="truc-tuyen",
            direction="up",
            baseline_value="20",
            target_value="60",
            due_on="2025-12-31",
        ),
    )
    assert edited.status_code == 302
    existing.refresh_from_db()
    assert existing.target_value == 60 and existing.agency == agencies["home"]
    assert existing.measurements.count() == 1  # a changed definition keeps its values
    record = AuditRecord.objects.get(action="indicator.edit")
    assert record.before["target_value"] == "50.00" or str(record.before["target_value"]) in (
        "50",
        "50.00",
    )


@pytest.mark.parametrize("persona", ["officer_a", "head_a", "leader"])
def test_only_those_who_run_the_plan_define_indicators(agencies, login, persona) -> None:
    indicator = _indicator(agencies["a"])
    client = login(persona)
    assert client.get("/chi-tieu/them/").status_code == 403
    assert client.post("/chi-tieu/them/", _form(agencies["a"])).status_code == 403
    assert client.post(f"/chi-tieu/{indicator.pk}/sua/", _form(agencies["a"])).status_code == 403
    assert Indicator.objects.count() == 1
    assert "Thêm chỉ tiêu" not in client.get("/chi-tieu/").content.decode()


def test_a_value_carries_an_evidence_file_checked_like_every_upload(
    agencies, login, settings
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.CCHC_TODAY = date(2022, 7, 15)
    indicator = _indicator(agencies["a"])
    url = f"/chi-tieu/{indicator.pk}/"
    officer = login("officer_a")
    base = {"period": "Quý II/2022", "measured_on": "2022-06-30", "value": "41", "source": "VP"}
    fake = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    refused = officer.post(url, {**base, "evidence_file": fake})
    assert refused.status_code == 400 and "Tệp minh chứng" in refused.content.decode()
    assert not Measurement.objects.exists()
    upload = SimpleUploadedFile("Biên bản kiểm tra.pdf", PDF, "application/pdf")
    assert officer.post(url, {**base, "evidence_file": upload}).status_code == 302
    measurement = Measurement.objects.get()
    assert measurement.evidence_file is not None
    page = login("officer_b").get(url).content.decode()
    link = f"/chi-tieu/so-lieu/{measurement.pk}/minh-chung/"
    assert link in page
    download = login("officer_b").get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    # A correction of the same date without a new file keeps the file it had.
    officer = login("officer_a")
    assert officer.post(url, {**base, "value": "42"}).status_code == 302
    measurement.refresh_from_db()
    assert measurement.value == 42 and measurement.evidence_file is not None
    api = officer.get(f"/api/indicators/{indicator.pk}").json()
    assert api["measurements"][0]["evidence_file_url"] == link


def test_the_api_creates_and_edits_under_the_same_rules(agencies, personas, client) -> None:
    _t, coordinator = ApiToken.issue(user=personas["coordinator"], name="t")
    _t, officer = ApiToken.issue(user=personas["officer_a"], name="t")
    body = {
        "code": "kiem-tra",
        "name": "Tỷ lệ cơ quan được kiểm tra",
        "unit": "%",
        "direction": "up",
        "baseline_year": 2021,
        "baseline_value": "10",
        "target_value": "30",
        "due_on": "2022-12-31",
        "agency_id": agencies["a"].pk,
        "source": "",
    }

    def send(method: str, url: str, data: dict[str, object], token: str):  # type: ignore[no-untyped-def]
        return client.generic(
            method,
            url,
            __import__("json").dumps(data),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    assert send("POST", "/api/indicators", body, officer).status_code == 403
    made = send("POST", "/api/indicators", body, coordinator)
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    bad = send("PUT", f"/api/indicators/{pk}", {**body, "due_on": "2020-01-01"}, coordinator)
    assert bad.status_code == 400 and "Hạn đạt chỉ tiêu phải sau năm gốc" in bad.json()["detail"]
    done = send("PUT", f"/api/indicators/{pk}", {**body, "target_value": "35"}, coordinator)
    assert done.status_code == 200 and done.json()["target_value"] == "35.00"
    assert Indicator.objects.get(pk=pk).target_value == 35
    assert send("PUT", "/api/indicators/999999", body, coordinator).status_code == 404


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2.430", "2430"),  # the dot groups thousands
        ("2,43", "2.43"),  # the comma is the decimal mark
        ("2,430", "2.43"),
        ("1.234,5", "1234.5"),
        ("1.234.567,89", "1234567.89"),
        ("1 234,5", "1234.5"),  # spaces grouping thousands, as a sheet may print them
        ("1\u00a0234", "1234"),
        ("52,5 %", "52.5"),
        ("45%", "45"),
        ("-3,5", "-3.5"),
        ("\u22123,5", "-3.5"),  # the typographic minus
        ("+7", "7"),
        (",5", "0.5"),
        ("0", "0"),
        ("2,4300", "2.43"),
        (52.5, "52.5"),  # a sheet cell's own number
        (3, "3"),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_numbers_are_read_the_vietnamese_way(text, value) -> None:  # type: ignore[no-untyped-def]
    assert read_decimal(text) == (None if value is None else Decimal(value))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2.43", "«2.43» không rõ: dấu chấm chỉ dùng để ngăn hàng nghìn"),
        ("52.5", "Số thập phân thì viết 52,5."),
        ("1.23", "Số thập phân thì viết 1,23."),
        ("1,234.5", "không phải là một số viết đúng"),
        ("12.34.567", "không phải là một số viết đúng"),
        ("1..2", "không phải là một số viết đúng"),
        ("1,2,3", "không phải là một số viết đúng"),
        (".5", "không phải là một số viết đúng"),
        ("2,435", "chỉ ghi tối đa 2 chữ số sau dấu phẩy"),
        ("1e5", "«1e5» không phải là một số"),
        ("NaN", "«NaN» không phải là một số"),
        ("Infinity", "không phải là một số"),
        ("1 2", "không phải là một số"),
        ("abc", "không phải là một số"),
        ("--5", "không phải là một số"),
        ("\u0663", "không phải là một số"),  # an Arabic-Indic digit
    ],
)
def test_nonsense_and_ambiguous_numbers_are_refused_in_vietnamese(text, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NumberInvalid) as refused:
        read_decimal(text)
    assert message in str(refused.value)


def test_a_dot_on_the_page_and_in_a_sheet_groups_thousands(agencies, login, settings) -> None:
    settings.CCHC_TODAY = date(2022, 7, 15)
    indicator = _indicator(agencies["a"], unit="người", target_value=Decimal("5000"))
    url = f"/chi-tieu/{indicator.pk}/"
    officer = login("officer_a")
    base = {"period": "Quý II/2022", "measured_on": "2022-06-30", "source": "Sở Nội vụ"}
    unclear = officer.post(url, {**base, "value": "2.43"})
    assert unclear.status_code == 400
    assert "Số thập phân thì viết 2,43" in unclear.content.decode()
    assert not Measurement.objects.exists()
    assert officer.post(url, {**base, "value": "2.430"}).status_code == 302
    assert Measurement.objects.get().value == Decimal("2430")
    assert "2.430" in officer.get(url).content.decode()
    good_row = ["bien-che", "Biên chế", "người", "giảm", 2021, "2.500", "2.250"]
    good_row += ["31/12/2025", "Sở Nội vụ", ""]
    refused = import_workbook(
        _workbook([good_row], [["bien-che", "Quý I/2022", "31/03/2022", "2.43", "VP", ""]]),
        actor=None,
    )
    assert "Trang «Số liệu», dòng 2, cột D: «2.43» không rõ" in "\n".join(refused.errors)
    assert not Indicator.objects.filter(code="bien-che").exists()
    done = import_workbook(
        _workbook([good_row], [["bien-che", "Quý I/2022", "31/03/2022", "2.430,5", "VP", ""]]),
        actor=None,
    )
    assert not done.errors
    imported = Indicator.objects.get(code="bien-che")
    assert (imported.baseline_value, imported.target_value) == (2500, 2250)
    assert imported.measurements.get().value == Decimal("2430.5")


def test_the_api_records_a_value_with_its_evidence_file(
    agencies, personas, province_b, client, settings
) -> None:
    """The API takes the evidence file the page takes, with the same checks (kind by
    content, size), the same permission and the same number rule; nothing is kept of a
    refused upload, and the file comes back through the API and the page's link."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.CCHC_TODAY = date(2022, 7, 15)
    settings.CCHC_MAX_UPLOAD_BYTES = 1024
    indicator = _indicator(agencies["a"])
    url = f"/api/indicators/{indicator.pk}/measurements-with-file"
    _t, officer_a = ApiToken.issue(user=personas["officer_a"], name="t")
    _t, officer_b = ApiToken.issue(user=personas["officer_b"], name="t")
    _t, stranger = ApiToken.issue(user=province_b["people"]["officer_bs"], name="t")
    base = {"period": "Quý II/2022", "measured_on": "2022-06-30", "value": "41,25", "source": "VP"}

    def send(token: str, name: str, data: bytes, **changes: str):  # type: ignore[no-untyped-def]
        upload = SimpleUploadedFile(name, data, "application/pdf")
        return client.post(
            url, {**base, **changes, "file": upload}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    assert send(officer_b, "bb.pdf", PDF).status_code == 403  # not their agency's
    assert send(stranger, "bb.pdf", PDF).status_code == 404  # another province's
    fake = send(officer_a, "bao-cao.pdf", b"MZ\x90\x00 not a pdf")
    assert fake.status_code == 400 and "Tệp minh chứng" in fake.json()["detail"]
    big = send(officer_a, "lon.pdf", PDF + b"0" * 2048)
    assert big.status_code == 400 and "Tệp minh chứng" in big.json()["detail"]
    unclear = send(officer_a, "bb.pdf", PDF, value="41.25")
    assert unclear.status_code == 400 and "Số thập phân thì viết 41,25" in unclear.json()["detail"]
    assert not Measurement.objects.exists()
    done = send(officer_a, "Biên bản kiểm tra.pdf", PDF)
    assert done.status_code == 200, done.content
    [row] = done.json()["measurements"]
    assert row["value"] == "41.25"
    measurement = Measurement.objects.get()
    assert row["evidence_file_url"] == f"/chi-tieu/so-lieu/{measurement.pk}/minh-chung/"
    assert AuditRecord.objects.filter(action="indicator.measure").count() == 1
    download = client.get(row["evidence_api_url"], HTTP_AUTHORIZATION=f"Bearer {officer_b}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    hidden = client.get(row["evidence_api_url"], HTTP_AUTHORIZATION=f"Bearer {stranger}")
    assert hidden.status_code == 404
