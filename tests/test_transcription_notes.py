"""The transcriber's doubts about the built-in plan ("Bản OCR ghi …") are not the plan's
notes: the plan page, its appendix and its search leave them out; the coordinator and the
administrator can open them; JSON carries them apart so that a round trip keeps them."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from cchc.accounts.models import User
from cchc.plans.formats.docx import read_docx, write_docx
from cchc.plans.formats.jsonfmt import read_json, write_json
from cchc.plans.formats.xlsx import read_xlsx, write_xlsx
from cchc.plans.models import Activity, Plan, Task
from cchc.plans.services import plan_document

OCR_NOTE = "Bản OCR ghi 'Trước 25/12/2022'"


@pytest.fixture
def demo(db: None) -> Plan:
    call_command("load_demo", "--without-reports", stdout=io.StringIO())
    return Plan.objects.get()


def _page(client: Client, user: User, plan: Plan) -> str:
    """The plan page with every area opened: the folded page, then each area's tasks as
    htmx fetches them when it is opened."""
    client.force_login(user)
    response = client.get(reverse("plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for area in plan.areas.all():
        response = client.get(reverse("plan_area", args=[plan.pk, area.pk]), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        html += response.content.decode()
    return html


def test_the_built_in_plan_has_no_transcription_note_among_its_notes(demo: Plan) -> None:
    assert not Activity.objects.filter(notes__contains="OCR").exists()
    assert not Task.objects.filter(notes__contains="OCR").exists()
    kept = Activity.objects.exclude(transcription_notes="").count()
    kept += Task.objects.exclude(transcription_notes="").count()
    assert kept == 84
    assert Activity.objects.filter(transcription_notes__startswith=OCR_NOTE).exists()


def test_only_the_coordinator_and_the_admin_can_open_them_on_the_plan_page(
    demo: Plan, client: Client
) -> None:
    users = {user.username: user for user in User.objects.all()}
    for name in ("canbo.tuphap", "lanhdao.tuphap", "lanhdaotinh", "thamdinh"):
        html = _page(client, users[name], demo)
        assert "Bản OCR" not in html, name
        assert "Ghi chú chép lại" not in html, name
    for name in ("thuongtruc", "quantri"):
        html = _page(client, users[name], demo)
        # Closed until asked for: inside a <details> whose summary names them.
        opened = re.findall(
            r'<details class="transcription-notes"><summary>Ghi chú chép lại</summary>'
            r"<p>(.*?)</p></details>",
            html,
            re.S,
        )
        assert len(opened) == 84, name
        assert any(text.startswith(OCR_NOTE.replace("'", "&#x27;")) for text in opened)


def test_search_does_not_find_the_plan_by_its_transcription_notes(
    demo: Plan, client: Client
) -> None:
    client.force_login(User.objects.get(username="thuongtruc"))
    response = client.get(reverse("search"), {"q": "Bản OCR ghi"})
    assert response.status_code == 200
    assert "Không tìm thấy kết quả nào." in response.content.decode()
    assert not Activity.objects.filter(search_text__contains="ban ocr").exists()


def test_the_appendix_leaves_them_out_and_json_keeps_them_apart(demo: Plan) -> None:
    document = plan_document(demo)
    for reader_name, exported in [
        ("xlsx", read_xlsx(write_xlsx(document))),
        ("docx", read_docx(write_docx(document))),
    ]:
        notes = [
            text
            for area in exported.areas
            for task in area.tasks
            for text in [task.notes, *(a.notes for a in task.activities)]
        ]
        assert not [n for n in notes if "OCR" in n], reader_name
    data = write_json(document)
    content = json.loads(data)
    first = content["areas"][0]["tasks"][2]["activities"][0]
    assert first["notes"] == ""
    assert first["transcription_notes"].startswith(OCR_NOTE)
    assert read_json(data) == document


# ----------------------------------------------------------------------------- migration

BEFORE = [("plans", "0003_field_verbose_names")]
AFTER = [("plans", "0004_transcription_notes")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_transcribers_notes_and_leaves_the_plans_own(
    plan: Plan,
) -> None:
    activities = list(Activity.objects.filter(plan=plan).order_by("pk")[:3])
    task = Task.objects.filter(plan=plan).order_by("pk")[0]
    try:
        old = _migrate(BEFORE)
        OldActivity = old.get_model("plans", "Activity")
        OldTask = old.get_model("plans", "Task")
        ocr = f"{OCR_NOTE} (có thể bản gốc muốn nói 25/12/2021); giữ nguyên."
        # Word for word one of the seed's notes, without the word OCR.
        seed_note = "Hàng trải qua hai trang."
        own = "Gửi báo cáo trước ngày 15 của tháng cuối quý."
        for activity, note in zip(activities, [ocr, own, seed_note], strict=True):
            OldActivity.objects.filter(pk=activity.pk).update(notes=note, search_text=note)
        OldTask.objects.filter(pk=task.pk).update(notes="Số TT không có trong bản OCR.")

        # Read through the models as they are at the migration, not as they are today.
        after = _migrate(AFTER)
        NewActivity = after.get_model("plans", "Activity")
        NewTask = after.get_model("plans", "Task")
        moved, kept, seed_moved = (NewActivity.objects.get(pk=a.pk) for a in activities)
        assert (moved.notes, moved.transcription_notes) == ("", ocr)
        assert "ocr" not in moved.search_text
        assert (kept.notes, kept.transcription_notes) == (own, "")
        assert (seed_moved.notes, seed_moved.transcription_notes) == ("", seed_note)
        task = NewTask.objects.get(pk=task.pk)
        assert (task.notes, task.transcription_notes) == ("", "Số TT không có trong bản OCR.")

        # And back: the notes return where they were.
        _migrate(BEFORE)
        assert OldActivity.objects.get(pk=activities[0].pk).notes == ocr
    finally:
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
