"""The stamps of each plan's cached figures (cchc.monitoring.figures, docs/dashboards.md).

Every existing plan gets fresh random stamps, which is what `cchc rebuild_summaries`
does: whatever a cache holds from before is never read, and each plan's figures are
computed on their first read.
"""

import secrets

import django.db.models.deletion
from django.db import migrations, models


def stamp_every_plan(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    FiguresStamp = apps.get_model("monitoring", "FiguresStamp")
    rows = []
    for plan_id in Plan.objects.values_list("pk", flat=True).iterator():
        token = secrets.token_hex(16)
        rows.append(FiguresStamp(plan_id=plan_id, reports=token, structure=token))
    FiguresStamp.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0007_assignment_without_redundant_indexes"),
        ("plans", "0006_agency_plans"),
    ]

    operations = [
        migrations.CreateModel(
            name="FiguresStamp",
            fields=[
                (
                    "plan",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        serialize=False,
                        to="plans.plan",
                        verbose_name="kế hoạch",
                    ),
                ),
                ("reports", models.CharField(max_length=32, verbose_name="dấu báo cáo")),
                ("structure", models.CharField(max_length=32, verbose_name="dấu cấu trúc")),
            ],
            options={
                "verbose_name": "dấu số liệu tổng hợp",
                "verbose_name_plural": "dấu số liệu tổng hợp",
            },
        ),
        migrations.RunPython(stamp_every_plan, migrations.RunPython.noop),
    ]
