# Merging or closing an agency ends its open assignments; a merge points them to the successor's.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0004_remove_output_document_and_evidence'),
    ]

    operations = [
        migrations.AddField(
            model_name='assignment',
            name='closed_on',
            field=models.DateField(blank=True, null=True, verbose_name='kết thúc ngày'),
        ),
        migrations.AddField(
            model_name='assignment',
            name='transferred_to',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='transferred_from', to='monitoring.assignment', verbose_name='chuyển giao cho'),
        ),
        migrations.AddConstraint(
            model_name='assignment',
            constraint=models.CheckConstraint(condition=models.Q(('transferred_to__isnull', True), ('closed_on__isnull', False), _connector='OR'), name='assignment_transferred_is_closed'),
        ),
        migrations.AddConstraint(
            model_name='assignment',
            constraint=models.CheckConstraint(condition=models.Q(('transferred_to', models.F('pk')), _negated=True), name='assignment_not_transferred_to_itself'),
        ),
    ]
