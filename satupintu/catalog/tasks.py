"""Background work of the catalog (django-tasks): the daily MOU check and the reminder e-mails.

The scheduler's `mou-reminders` job (or `satupintu mou_reminders`) expires MOUs past their end
date and creates the reminders due; each reminder's e-mail goes through the outbox."""

from __future__ import annotations

from django_tasks import task

from satupintu.catalog import partners


@task()
def mou_reminders_daily() -> dict[str, int]:
    run = partners.partnership_reminders_run()
    return {"reminders": len(run.reminders), "expired": len(run.expired)}
