"""The transcriber's doubts leave the plan's notes for a field of their own.

The built-in Quảng Trị 2022 plan was transcribed from an OCR scan, and every note it
carried was the transcriber's ("Bản OCR ghi …", "Số TT không có trong bản OCR; suy là
…", "Ô chủ trì ghi …"), shown on the plan page as if the plan said it. A note moves when
it is one of the seed's transcription notes word for word (cchc/plans/data, where they
now have their own key), or when it speaks of the OCR, which no plan itself does. Any
other note is the plan's and stays.
"""

import json
from pathlib import Path

from django.db import migrations, models

from cchc.lib.text import fold

SEED = Path(__file__).resolve().parent.parent / "data" / "quang-tri-2022.json"


def _seed_notes() -> set[str]:
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "transcription_notes" and isinstance(item, str) and item:
                    found.add(item.strip())
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    try:
        walk(json.loads(SEED.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass  # without the file, the OCR rule alone decides
    return found


def _is_transcribers(note: str, seed: set[str]) -> bool:
    return note.strip() in seed or "OCR" in note


def forwards(apps, schema_editor):
    seed = _seed_notes()
    Task = apps.get_model("plans", "Task")
    Activity = apps.get_model("plans", "Activity")
    for task in Task.objects.exclude(notes="").iterator():
        if _is_transcribers(task.notes, seed):
            task.transcription_notes = task.notes
            task.notes = ""
            task.search_text = fold(task.title)
            task.save(update_fields=["notes", "transcription_notes", "search_text"])
    for activity in Activity.objects.exclude(notes="").iterator():
        if _is_transcribers(activity.notes, seed):
            activity.transcription_notes = activity.notes
            activity.notes = ""
            activity.search_text = fold(f"{activity.title}\n{activity.outputs}\n")
            activity.save(update_fields=["notes", "transcription_notes", "search_text"])


def backwards(apps, schema_editor):
    Task = apps.get_model("plans", "Task")
    Activity = apps.get_model("plans", "Activity")
    for task in Task.objects.exclude(transcription_notes="").filter(notes="").iterator():
        task.notes = task.transcription_notes
        task.search_text = fold(f"{task.title}\n{task.notes}")
        task.save(update_fields=["notes", "search_text"])
    for activity in Activity.objects.exclude(transcription_notes="").filter(notes="").iterator():
        activity.notes = activity.transcription_notes
        activity.search_text = fold(f"{activity.title}\n{activity.outputs}\n{activity.notes}")
        activity.save(update_fields=["notes", "search_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0003_field_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="transcription_notes",
            field=models.TextField(blank=True, verbose_name="ghi chú chép lại"),
        ),
        migrations.AddField(
            model_name="task",
            name="transcription_notes",
            field=models.TextField(blank=True, verbose_name="ghi chú chép lại"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
