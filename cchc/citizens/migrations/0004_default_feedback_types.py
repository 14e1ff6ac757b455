"""The default kinds of feedback and their deadlines (working days).

The deadlines are our defaults, to be checked against the province's rules for
Nghị định 20/2008/NĐ-CP; the coordinator changes them in the Django admin.
"""

from django.db import migrations

TYPES = [
    ("phan-anh", "Phản ánh về quy định hành chính", 10, 1),
    ("kien-nghi", "Kiến nghị về quy định hành chính", 20, 2),
]


def add(apps, schema_editor):
    FeedbackType = apps.get_model("citizens", "FeedbackType")
    for code, name, days, position in TYPES:
        FeedbackType.objects.get_or_create(
            code=code, defaults={"name": name, "deadline_days": days, "position": position}
        )


def remove(apps, schema_editor):
    apps.get_model("citizens", "FeedbackType").objects.filter(
        code__in=[code for code, *_rest in TYPES], items__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("citizens", "0003_feedback_indicators")]
    operations = [migrations.RunPython(add, remove)]
