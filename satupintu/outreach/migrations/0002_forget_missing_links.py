"""Before a visit's ticket and dossier ids become foreign keys (0003): an id whose row no longer
exists becomes NULL (the printed reference stays).

A migration of its own: on PostgreSQL the rows it changes fire deferred constraint checks, and a
table with pending checks cannot be altered in the same transaction."""

from django.db import migrations


def forget_missing_rows(apps, schema_editor):
    VisitService = apps.get_model("outreach", "VisitService")
    Ticket = apps.get_model("queueing", "Ticket")
    Dossier = apps.get_model("dossiers", "Dossier")
    VisitService.objects.filter(ticket_id__isnull=False).exclude(
        ticket_id__in=Ticket.objects.values("pk")
    ).update(ticket_id=None)
    VisitService.objects.filter(dossier_id__isnull=False).exclude(
        dossier_id__in=Dossier.objects.values("pk")
    ).update(dossier_id=None)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
        ("queueing", "0002_tickets_appointments"),
        ("dossiers", "0002_ticket_link"),
    ]

    operations = [migrations.RunPython(forget_missing_rows, migrations.RunPython.noop)]
