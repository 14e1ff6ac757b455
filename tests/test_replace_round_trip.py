"""Nothing is lost on replace: XLSX/DOCX → import --replace → XLSX/DOCX.

A plan with every field filled is exported through the job registry's exporters,
imported over itself with --replace and exported again: the plan's data and the second
file must equal the first. See cchc/plans/formats/xlsx/supplement.py for the rule.
"""

from __future__ import annotations

import io
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from cchc.jobs.registry import PlanDocxExporter, PlanJsonExporter, PlanXlsxExporter
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod
from cchc.plans.formats import read_docx, read_xlsx, write_docx, write_xlsx
from cchc.plans.interchange import PlanImportError
from cchc.plans.models import Activity, Area, Plan, Task
from cchc.plans.services import plan_import, plan_tree
from tests.factories import synthetic_document

EXPORTERS = {"xlsx": PlanXlsxExporter, "docx": PlanDocxExporter, "json": PlanJsonExporter}


def full_plan() -> Plan:
    """A plan where every field a plan, area, task and activity carries is filled."""
    document = synthetic_document(9, number="7/KH-UBND")
    document.extra = {
        "document": {"purposes": ["Mục đích một", "Mục đích hai"], "focus_areas": []},
        "indicators": [
            {
                "code": "dvc-truc-tuyen",
                "area": "II",
                "name": "Tỷ lệ hồ sơ trực tuyến",
                "unit": "%",
                "comparator": ">=",
                "target": 50.0,
                "baseline": 30.5,
                "baseline_year": 2021,
                "due": "2022-12-31",
                "source_text": "Đạt tối thiểu 50% hồ sơ",
            },
            {
                "code": "phan-anh",
                "area": None,
                "name": "Phản ánh được xử lý",
                "unit": "phản ánh",
                "comparator": "<=",
                "target": 3.0,
                "baseline": None,
                "baseline_year": None,
                "due": None,
                "source_text": "",
            },
        ],
        "responsibilities": [
            {"heading": "Sở Nội vụ", "agencies": ["Sở Nội vụ"], "duties": ["Theo dõi", "Báo cáo"]},
            {"heading": "Các sở, ban, ngành", "agencies": ["Các sở, ban, ngành"], "duties": []},
        ],
        "rollup_method": "weighted",
    }
    for area_index, area in enumerate(document.areas):
        area.description = f"Trọng tâm {area.code}\nDòng thứ hai"
        for task_index, task in enumerate(area.tasks):
            task.notes = f"Ghi chú nhiệm vụ {area.code}.{task.number}"
            task.transcription_notes = "Số TT suy ra từ thứ tự" if task_index == 0 else ""
            for index, activity in enumerate(task.activities):
                activity.notes = "Ghi chú hoạt động" if index == 0 else ""
                activity.transcription_notes = "Ô mờ, đọc lại" if area_index % 2 else ""
                activity.weight = 1 + (area_index + task_index + index) % 4
    return plan_import(document=document)


def snapshot(plan: Plan) -> dict[str, Any]:
    """Every stored value of the plan, without database ids and timestamps."""
    plan = Plan.objects.get(pk=plan.pk)
    skip = {"id", "created_at", "updated_at"}

    def values(obj: Any, *names: str) -> dict[str, Any]:
        return {
            field.name: getattr(obj, field.attname)
            for field in obj._meta.concrete_fields
            if field.name not in skip and field.name not in names
        }

    areas = []
    for area in plan_tree(plan):
        tasks = []
        for task in area.tasks.all():
            activities = [
                values(activity, "plan", "task")
                | {
                    "due_dates": [d.due_on for d in activity.due_dates.all()],
                    "assignees": [values(a, "activity") for a in activity.assignees.all()],
                }
                for activity in task.activities.all()
            ]
            tasks.append(values(task, "plan", "area") | {"activities": activities})
        areas.append(values(area, "plan") | {"tasks": tasks})
    return values(plan) | {
        "areas": areas,
        "indicators": [
            values(i, "plan", "area") | {"area": i.area.code if i.area else None}
            for i in plan.indicators.select_related("area")
        ],
        "responsibilities": [
            values(r, "plan")
            | {
                "agencies": sorted(a.name for a in r.agencies.all()),
                "groups": sorted(g.name for g in r.groups.all()),
            }
            for r in plan.responsibilities.all()
        ],
    }


def export(plan: Plan, kind: str) -> bytes:
    out = BytesIO()
    EXPORTERS[kind]().write(out, {"plan": plan.pk}, lambda *args: None)
    return out.getvalue()


def xlsx_content(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def docx_content(data: bytes) -> list[Any]:
    document = docx.Document(BytesIO(data))
    return [p.text for p in document.paragraphs] + [
        [[cell.text for cell in row.cells] for row in table.rows] for table in document.tables
    ]


CONTENT = {"xlsx": xlsx_content, "docx": docx_content, "json": lambda data: data}


@pytest.mark.parametrize("kind", ["xlsx", "docx", "json"])
def test_export_replace_export_loses_nothing(agencies, tmp_path: Path, kind: str) -> None:
    plan = full_plan()
    before = snapshot(plan)
    assert before["rollup_method"] == "weighted"
    assert len(before["indicators"]) == 2 and len(before["responsibilities"]) == 2
    first = export(plan, kind)
    path = tmp_path / f"plan.{kind}"
    path.write_bytes(first)

    call_command("import_plan", str(path), "--replace", stdout=io.StringIO())

    assert Plan.objects.count() == 1
    after = snapshot(plan)
    assert after == before
    second = export(plan, kind)
    assert CONTENT[kind](second) == CONTENT[kind](first)
    assert second == first


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_the_carried_values_are_in_a_table_titled_thong_tin_bo_sung(agencies, kind) -> None:
    data = export(full_plan(), kind)
    if kind == "xlsx":
        rows = xlsx_content(data)["Thông tin bổ sung"]
    else:
        tables = docx_content(data)[-1:]
        rows = [tuple(row) for row in tables[0]]
        assert "Thông tin bổ sung" in docx_content(data)
    assert rows[0] == ("Lĩnh vực", "Nhiệm vụ", "Hoạt động số", "Trường", "Giá trị")
    assert (
        "I",
        "1",
        None if kind == "xlsx" else "",
        "Ghi chú nhiệm vụ",
        "Ghi chú nhiệm vụ I.1",
    ) in rows


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_a_cleared_note_in_the_supplement_clears_it_on_replace(agencies, tmp_path, kind) -> None:
    """A cchc file is complete: the supplement, not the old plan, says what a task notes."""
    plan = full_plan()
    document = (read_xlsx if kind == "xlsx" else read_docx)(export(plan, kind))
    document.areas[0].tasks[0].notes = ""
    document.areas[0].tasks[0].activities[0].weight = 1
    data = (write_xlsx if kind == "xlsx" else write_docx)(document)
    plan_import(document=(read_xlsx if kind == "xlsx" else read_docx)(data), replace=True)
    task = Task.objects.get(plan=plan, area__code="I", number="1")
    assert task.notes == ""
    assert task.activities.order_by("position")[0].weight == 1


def _bare(data: bytes, kind: str) -> bytes:
    """The file as a province would send it: the appendix table alone."""
    if kind == "xlsx":
        book = load_workbook(BytesIO(data))
        del book["Thông tin bổ sung"]
        out = BytesIO()
        book.save(out)
        return out.getvalue()
    document = docx.Document(BytesIO(data))
    table = document.tables[-1]._tbl
    table.getparent().remove(table)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_a_bare_appendix_replacing_a_plan_keeps_what_the_table_cannot_say(
    agencies, tmp_path, kind
) -> None:
    plan = full_plan()
    before = snapshot(plan)
    bare = _bare(export(plan, kind), kind)
    document = (read_xlsx if kind == "xlsx" else read_docx)(bare)
    assert not document.complete
    assert document.areas[0].tasks[0].notes == ""  # the file alone does not carry it
    # The province edited the table: a task renamed, an activity note changed.
    document.areas[1].tasks[0].title = "Nhiệm vụ đã đổi tên"
    document.areas[2].tasks[0].activities[0].notes = "Ghi chú mới"
    plan_import(document=document, replace=True)

    after = snapshot(plan)
    assert after["rollup_method"] == "weighted"
    assert after["indicators"] == before["indicators"]
    assert after["responsibilities"] == before["responsibilities"]
    assert after["document"] == before["document"]
    assert [a["description"] for a in after["areas"]] == [a["description"] for a in before["areas"]]
    kept = after["areas"][0]["tasks"][0]
    assert kept["notes"] == before["areas"][0]["tasks"][0]["notes"]
    assert kept["transcription_notes"] == "Số TT suy ra từ thứ tự"
    assert [a["weight"] for a in kept["activities"]] == [
        a["weight"] for a in before["areas"][0]["tasks"][0]["activities"]
    ]
    renamed = after["areas"][1]["tasks"][0]
    assert (renamed["title"], renamed["notes"], renamed["transcription_notes"]) == (
        "Nhiệm vụ đã đổi tên",
        "",
        "",
    )
    assert after["areas"][2]["tasks"][0]["activities"][0]["notes"] == "Ghi chú mới"


def test_a_bare_appendix_imported_as_a_new_plan_is_read_as_before(agencies) -> None:
    document = synthetic_document(3, number="8/KH-UBND")
    bare = _bare(write_xlsx(document), "xlsx")
    assert read_xlsx(bare).areas == document.areas
    plan = plan_import(document=read_xlsx(bare))
    assert not plan.indicators.exists() and plan.rollup_method == "equal"


def test_a_broken_supplement_row_is_ignored_not_fatal(agencies) -> None:
    data = write_xlsx(synthetic_document(3))
    book = load_workbook(BytesIO(data))
    ws = book["Thông tin bổ sung"]
    ws.append(["IX", "1", "", "Ghi chú nhiệm vụ", "lĩnh vực không có"])
    ws.append(["I", "1", "x", "Trọng số", "5"])
    ws.append(["I", "1", "1", "Trọng số", "nhiều"])
    ws.append(["", "", "", "Chỉ tiêu (JSON)", "{không phải JSON"])
    out = BytesIO()
    book.save(out)
    document = read_xlsx(out.getvalue())
    assert document.areas == synthetic_document(3).areas
    assert "indicators" not in document.extra


# --- Monitoring data on replace -------------------------------------------------------------


def test_replace_keeps_periods_and_rebuilds_assignments_when_nothing_is_reported(
    agencies, tmp_path
) -> None:
    plan = full_plan()
    periods = list(ReportingPeriod.objects.filter(plan=plan).values_list("pk", "code"))
    count = Assignment.objects.filter(activity__plan=plan).count()
    assert periods and count
    path = tmp_path / "plan.xlsx"
    path.write_bytes(export(plan, "xlsx"))
    call_command("import_plan", str(path), "--replace", stdout=io.StringIO())
    assert list(ReportingPeriod.objects.filter(plan=plan).values_list("pk", "code")) == periods
    assert Assignment.objects.filter(activity__plan=plan).count() == count


def test_replace_is_refused_once_progress_is_reported_and_nothing_changes(
    agencies, tmp_path
) -> None:
    plan = full_plan()
    assignment = Assignment.objects.filter(activity__plan=plan).first()
    period = ReportingPeriod.objects.filter(plan=plan).first()
    ProgressReport.objects.create(assignment=assignment, period=period)
    before = snapshot(plan)
    document = read_xlsx(export(plan, "xlsx"))
    document.areas[0].tasks[0].notes = "Sửa"
    with pytest.raises(PlanImportError, match="đã có báo cáo tiến độ"):
        plan_import(document=document, replace=True)
    assert snapshot(plan) == before
    assert ProgressReport.objects.filter(assignment=assignment).exists()


# --- The seed plan ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_the_seed_plan_survives_a_replace_round_trip(db, tmp_path, kind) -> None:
    call_command("load_demo", "--without-reports", stdout=io.StringIO())
    plan = Plan.objects.get()
    before = snapshot(plan)
    first = export(plan, kind)
    path = tmp_path / f"seed.{kind}"
    path.write_bytes(first)
    call_command("import_plan", str(path), "--replace", stdout=io.StringIO())
    assert snapshot(plan) == before
    assert export(plan, kind) == first
    assert Area.objects.count() and Activity.objects.count()


def _date_by_hand(plan: Plan) -> Activity:
    from cchc.plans.services import activity_set_schedule

    activity = plan.activities.filter(needs_date=True).order_by("pk").first()
    assert activity is not None, "the full plan has an activity whose phrase gives no date"
    activity_set_schedule(activity=activity, phrase="30/06/2022", actor=None, source="cli")
    return activity


@pytest.mark.parametrize("kind", ["xlsx", "docx", "json"])
def test_a_date_set_by_hand_survives_the_round_trip(agencies, tmp_path: Path, kind) -> None:
    plan = full_plan()
    activity = _date_by_hand(plan)
    before = snapshot(plan)
    path = tmp_path / f"plan.{kind}"
    path.write_bytes(export(plan, kind))

    call_command("import_plan", str(path), "--replace", stdout=io.StringIO())

    assert snapshot(plan) == before
    again = Activity.objects.get(plan=plan, title=activity.title)
    assert not again.needs_date
    assert [d.due_on.isoformat() for d in again.due_dates.all()] == ["2022-06-30"]


def test_a_new_phrase_in_the_file_replaces_the_date_set_by_hand(agencies, tmp_path) -> None:
    plan = full_plan()
    activity = _date_by_hand(plan)
    book = load_workbook(BytesIO(export(plan, "xlsx")))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == activity.deadline:
                cell.value = "Quý III/2022"
    path = tmp_path / "plan.xlsx"
    book.save(path)

    call_command("import_plan", str(path), "--replace", stdout=io.StringIO())

    again = Activity.objects.get(plan=plan, title=activity.title)
    assert again.deadline == "Quý III/2022"
    assert [d.due_on.isoformat() for d in again.due_dates.all()] == ["2022-09-30"]


def test_the_json_export_is_written_as_it_is_read_and_says_what_the_document_says(
    agencies, monkeypatch, django_assert_max_num_queries
) -> None:
    """The job writes the plan's JSON from the database a few activities at a time
    (`plan_outline`), and the file is the one `write_json(plan_document(plan))` gives:
    areas, tasks (an empty one too), activities at every chunk boundary, the other keys."""
    import json

    from cchc.plans import services
    from cchc.plans.formats import write_json
    from cchc.plans.services import plan_document

    plan = full_plan()
    area = plan.areas.order_by("position").first()
    assert area is not None
    Task.objects.create(
        plan=plan, area=area, number="99", title="Nhiệm vụ chưa có hoạt động", position=99
    )
    whole = write_json(plan_document(plan))
    monkeypatch.setattr(services, "OUTLINE_CHUNK", 2)
    # A query per chunk of activities (and its due dates and assignees), not per row.
    activities = plan.activities.count()
    with django_assert_max_num_queries(12 + 3 * (activities // 2 + 1)):
        streamed = export(plan, "json")
    assert streamed == whole
    content = json.loads(streamed)
    assert sum(len(t["activities"]) for a in content["areas"] for t in a["tasks"]) == activities
    assert {
        "number": "99",
        "title": "Nhiệm vụ chưa có hoạt động",
        "notes": "",
        "activities": [],
    } in content["areas"][0]["tasks"]
    assert content["rollup_method"] == "weighted"


def test_a_plan_too_big_for_word_is_refused_with_the_formats_that_can_take_it(
    agencies, monkeypatch
) -> None:
    from cchc.jobs import registry
    from cchc.jobs.registry import JobFailed

    plan = full_plan()
    monkeypatch.setattr(registry, "DOCX_MAX_ACTIVITIES", plan.activities.count() - 1)
    out = BytesIO()
    with pytest.raises(JobFailed) as failed:
        EXPORTERS["docx"]().write(out, {"plan": plan.pk}, lambda *args: None)
    message = failed.value.errors[0]["text"]
    assert "quá nhiều để xuất ra Word" in message and "Excel (.xlsx) hoặc JSON" in message
    assert out.getvalue() == b""
    # At the limit, Word is written.
    monkeypatch.setattr(registry, "DOCX_MAX_ACTIVITIES", plan.activities.count())
    assert docx.Document(BytesIO(export(plan, "docx")))
