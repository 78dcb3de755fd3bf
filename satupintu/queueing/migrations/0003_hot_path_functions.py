"""The PostgreSQL functions of the queue's hot operations (`queueing/hotpath.py`); nothing on
SQLite, where the same steps run in Python."""

from django.db import migrations


def install(apps, schema_editor):
    from satupintu.queueing.hotpath import install_postgres_functions

    install_postgres_functions(schema_editor.connection)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "DROP FUNCTION IF EXISTS queue_ticket_act, queue_counter_call_next, "
            "queue_ticket_issue, queue_hold_counter, queue_waiting, queue_record, queue_refuse"
        )


class Migration(migrations.Migration):
    dependencies = [("queueing", "0002_tickets_appointments")]

    operations = [migrations.RunPython(install, remove)]
