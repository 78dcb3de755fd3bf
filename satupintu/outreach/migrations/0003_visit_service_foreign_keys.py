"""A service delivered on a visit points at the ticket or dossier it became with real foreign
keys instead of plain ids. The columns keep their names (`ticket_id`, `dossier_id`) and their
values (0002 cleared the ids of rows that are gone)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0002_forget_missing_links"),
        ("queueing", "0002_tickets_appointments"),
        ("dossiers", "0002_ticket_link"),
    ]

    operations = [
        migrations.RenameField(model_name="visitservice", old_name="ticket_id", new_name="ticket"),
        migrations.AlterField(
            model_name="visitservice",
            name="ticket",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="queueing.ticket",
                verbose_name="ticket",
            ),
        ),
        migrations.RenameField(
            model_name="visitservice", old_name="dossier_id", new_name="dossier"
        ),
        migrations.AlterField(
            model_name="visitservice",
            name="dossier",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="dossiers.dossier",
                verbose_name="dossier",
            ),
        ),
    ]
