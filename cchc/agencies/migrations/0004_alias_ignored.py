"""Aliases may be ignored: a written name the coordinator chose to read as no assignee."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0003_groupmembership_valid_dates'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='alias',
            name='alias_names_exactly_one_target',
        ),
        migrations.AddField(
            model_name='alias',
            name='ignored',
            field=models.BooleanField(default=False, help_text='Tên này không chỉ cơ quan nào; khi nhập kế hoạch thì bỏ qua.', verbose_name='bỏ qua'),
        ),
        migrations.AddConstraint(
            model_name='alias',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('agency__isnull', False), ('group__isnull', True), ('ignored', False)), models.Q(('agency__isnull', True), ('group__isnull', False), ('ignored', False)), models.Q(('agency__isnull', True), ('group__isnull', True), ('ignored', True)), _connector='OR'), name='alias_one_target_or_ignored'),
        ),
    ]
