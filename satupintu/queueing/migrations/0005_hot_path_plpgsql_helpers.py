"""The hot path's helpers `queue_record` and `queue_waiting` become PL/pgSQL (their statements'
plans are kept per connection instead of being planned again on every call), and an issue
counts the people ahead and the waiting tickets in one pass (`queueing/hotpath.py`). The same
signatures: CREATE OR REPLACE of every function. Nothing on SQLite."""

from django.db import migrations


def install(apps, schema_editor):
    from satupintu.queueing.hotpath import install_postgres_functions

    install_postgres_functions(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("queueing", "0004_display_sound_and_languages")]

    # Going back leaves the new bodies in place: they answer what the old ones answered.
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
