"""The `cchc` management commands a coordinator types."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from cchc.plans.formats.xlsx import read_xlsx, write_xlsx
from cchc.plans.models import Plan, Task
from tests.factories import synthetic_document


def run_json(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_parse_deadline_prints_one_json_object():
    assert run_json("parse_deadline", "Quý II, Quý III/2022", "--year", "2022") == {
        "text": "Quý II, Quý III/2022",
        "kind": "quarter",
        "due_dates": ["2022-06-30", "2022-09-30"],
        "recurring": None,
        "needs_date": False,
    }


def test_parse_deadline_keeps_an_undatable_phrase_word_for_word():
    result = run_json("parse_deadline", "Theo Kế hoạch phê duyệt", "--year", "2022")
    assert result["text"] == "Theo Kế hoạch phê duyệt"
    assert result["needs_date"] is True
    assert result["due_dates"] == []


def test_the_console_script_runs_parse_deadline():
    completed = subprocess.run(
        [sys.executable, "-m", "cchc", "parse_deadline", "Hàng quý", "--year", "2023"],
        capture_output=True,
        text=True,
        check=True,
        env={"SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
    )
    result = json.loads(completed.stdout)
    assert result["recurring"] == "quarterly"
    assert result["due_dates"][0] == "2023-03-31"


def test_import_plan_reads_an_xlsx_file(agencies, tmp_path):
    path = tmp_path / "phu-luc.xlsx"
    path.write_bytes(write_xlsx(synthetic_document(10, number="10/KH-UBND")))
    call_command("import_plan", str(path), stdout=io.StringIO())
    assert Plan.objects.get(number="10/KH-UBND").tasks.count() == 10


def test_import_plan_fails_without_changes_on_an_unknown_agency(agencies, tmp_path):
    document = synthetic_document(10, number="11/KH-UBND")
    document.areas[2].tasks[0].activities[0].cooperating = ["Sở Xây dựg tỉnh"]
    path = tmp_path / "phu-luc.xlsx"
    path.write_bytes(write_xlsx(document))
    err = io.StringIO()
    before = Task.objects.count()
    with pytest.raises(CommandError, match="Dữ liệu không thay đổi"):
        call_command("import_plan", str(path), stdout=io.StringIO(), stderr=err)
    assert Task.objects.count() == before
    message = err.getvalue()
    assert "«Sở Xây dựg tỉnh»" in message
    assert "Sở Xây dựng" in message  # the closest known name is proposed
    assert "dòng" in message and "cột F" in message


def test_import_plan_refuses_a_second_import_of_the_same_plan(agencies, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(write_xlsx(synthetic_document(4, number="4/KH-UBND")))
    call_command("import_plan", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_plan", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    call_command("import_plan", str(path), "--replace", stdout=io.StringIO())
    assert Plan.objects.filter(number="4/KH-UBND").count() == 1


def test_import_plan_needs_a_year_when_the_file_has_none(agencies, tmp_path):
    document = synthetic_document(3, number="")
    document.header.year = None
    path = tmp_path / "plan.xlsx"
    data = write_xlsx(document)
    assert read_xlsx(data).header.year is None
    path.write_bytes(data)
    with pytest.raises(CommandError):
        call_command("import_plan", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    call_command("import_plan", str(path), "--year", "2024", stdout=io.StringIO())
    assert Plan.objects.filter(year=2024).exists()


def test_export_import_export_gives_the_same_xlsx_content(agencies, tmp_path):
    from openpyxl import load_workbook

    call_command(
        "import_plan",
        _write(tmp_path, synthetic_document(20, number="20/KH")),
        stdout=io.StringIO(),
    )
    first = tmp_path / "first.xlsx"
    call_command("export_plan", "20/KH", "--format", "xlsx", "-o", str(first), stderr=io.StringIO())
    call_command("import_plan", str(first), "--replace", stdout=io.StringIO())
    second = tmp_path / "second.xlsx"
    call_command(
        "export_plan", "20/KH", "--format", "xlsx", "-o", str(second), stderr=io.StringIO()
    )

    def content(path):
        book = load_workbook(path)
        return {
            sheet.title: (
                [[cell.value for cell in row] for row in sheet.iter_rows()],
                sorted(str(r) for r in sheet.merged_cells.ranges),
            )
            for sheet in book.worksheets
        }

    assert content(first) == content(second)


def test_export_plan_rejects_an_unknown_plan(tmp_path, db):
    with pytest.raises(CommandError, match="Không tìm thấy kế hoạch"):
        call_command("export_plan", "404/KH", "-o", str(tmp_path / "x.json"))


def _write(tmp_path, document) -> str:
    path = tmp_path / "source.xlsx"
    path.write_bytes(write_xlsx(document))
    return str(path)
