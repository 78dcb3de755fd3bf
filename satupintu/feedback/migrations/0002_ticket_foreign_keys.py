"""Surveys and complaints point at their ticket with a real foreign key instead of a plain id.

The column keeps its name (`ticket_id`) and its values; an id whose ticket no longer exists
becomes NULL first, so that the constraint can be added."""

import django.db.models.deletion
from django.db import migrations, models


def forget_missing_tickets(apps, schema_editor):
    Ticket = apps.get_model("queueing", "Ticket")
    for name in ("Survey", "Complaint"):
        model = apps.get_model("feedback", name)
        model.objects.filter(ticket_id__isnull=False).exclude(
            ticket_id__in=Ticket.objects.values("pk")
        ).update(ticket_id=None)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("queueing", "0002_tickets_appointments"),
    ]

    operations = [
        migrations.RunPython(forget_missing_tickets, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="survey", name="survey_once_per_ticket"),
        migrations.RenameField(model_name="survey", old_name="ticket_id", new_name="ticket"),
        migrations.AlterField(
            model_name="survey",
            name="ticket",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="surveys",
                to="queueing.ticket",
                verbose_name="ticket",
            ),
        ),
        migrations.AddConstraint(
            model_name="survey",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ticket__isnull", False)),
                fields=("ticket",),
                name="survey_once_per_ticket",
            ),
        ),
        migrations.RenameField(model_name="complaint", old_name="ticket_id", new_name="ticket"),
        migrations.AlterField(
            model_name="complaint",
            name="ticket",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="complaints",
                to="queueing.ticket",
                verbose_name="ticket",
            ),
        ),
    ]
