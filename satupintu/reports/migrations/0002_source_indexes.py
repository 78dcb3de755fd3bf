"""Indexes on other apps' tables that only the reports need (the roll-up of a day and the
live backlog). Kept here, with plain SQL that SQLite and PostgreSQL both accept, so the owning
apps' migrations stay theirs."""

from django.db import migrations

INDEXES = [
    # Roll-up of one day: dossiers whose SLA clock stopped that day.
    ("reports_dossier_stopped_idx", "dossiers_dossier (mall_id, sla_stopped_on)", ""),
    # Live backlog and overdue: the (few) open dossiers of a mall.
    (
        "reports_dossier_open_idx",
        "dossiers_dossier (mall_id, agency_id, sla_due)",
        " WHERE sla_stopped_on IS NULL AND completed_at IS NULL",
    ),
    # Complaints of a period.
    ("reports_complaint_received_idx", "feedback_complaint (mall_id, received_at)", ""),
]


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("dossiers", "0001_initial"),
        ("feedback", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target}{where}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target, where in INDEXES
    ]
