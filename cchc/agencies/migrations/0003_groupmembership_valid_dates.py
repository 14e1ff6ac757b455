"""Group membership carries dates; the memberships that exist stay open-ended."""

from django.db import migrations, models
from django.db.models import Q


def keep_open_ended(apps, schema_editor):
    # Every membership made before dates existed held "always": both bounds empty.
    GroupMembership = apps.get_model("agencies", "GroupMembership")
    GroupMembership.objects.update(valid_from=None, valid_to=None)


def one_row_per_agency_and_group(apps, schema_editor):
    # Going back to undated membership: keep one row per (group, agency), the open one
    # if there is one, so that the old unique constraint can be restored. Ended spans
    # cannot be expressed without dates and are dropped.
    GroupMembership = apps.get_model("agencies", "GroupMembership")
    seen = set()
    rows = GroupMembership.objects.order_by(
        "group_id", "agency_id", models.F("valid_to").desc(nulls_first=True), "pk"
    )
    for membership in rows:
        key = (membership.group_id, membership.agency_id)
        if key in seen or membership.valid_to is not None:
            membership.delete()
            continue
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_field_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="groupmembership",
            name="valid_from",
            field=models.DateField(blank=True, null=True, verbose_name="là thành viên từ ngày"),
        ),
        migrations.AddField(
            model_name="groupmembership",
            name="valid_to",
            field=models.DateField(
                blank=True,
                help_text="Để trống nếu vẫn là thành viên. Từ ngày này cơ quan không còn trong nhóm.",
                null=True,
                verbose_name="là thành viên đến trước ngày",
            ),
        ),
        migrations.AlterModelOptions(
            name="groupmembership",
            options={
                "ordering": ["group", "agency", "valid_from"],
                "verbose_name": "thành viên nhóm",
                "verbose_name_plural": "thành viên nhóm",
            },
        ),
        migrations.RemoveConstraint(
            model_name="groupmembership",
            name="group_membership_unique",
        ),
        migrations.RunPython(keep_open_ended, one_row_per_agency_and_group),
        migrations.AddConstraint(
            model_name="groupmembership",
            constraint=models.UniqueConstraint(
                fields=("group", "agency", "valid_from"), name="group_membership_unique_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="groupmembership",
            constraint=models.UniqueConstraint(
                condition=Q(valid_from__isnull=True),
                fields=("group", "agency"),
                name="group_membership_unique_open_start",
            ),
        ),
        migrations.AddConstraint(
            model_name="groupmembership",
            constraint=models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="group_membership_from_before_to",
            ),
        ),
    ]
