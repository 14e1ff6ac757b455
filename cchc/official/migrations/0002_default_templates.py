"""The default report templates (quarter, 6 months, 9 months, year) as version 1."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    from cchc.official.defaults import KINDS, TITLE, sections

    template = apps.get_model("official", "ReportTemplate")
    for kind in KINDS:
        template.objects.get_or_create(
            kind=kind, version=1, defaults={"title": TITLE, "sections": sections(kind)}
        )


def remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("official", "ReportTemplate").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("official", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
