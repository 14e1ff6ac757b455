"""The database cache's table, where the login throttle counts failures (settings.CACHES).

`createcachetable` creates only what is missing and does nothing for a cache that is not
in the database (Redis), so this is safe to run anywhere; `migrate` is then the one step a
deployment needs.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_viewing_plan")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
