"""Background work of the catalog (django-tasks): the daily MOU check and the reminder e-mails.

`satupintu mou_reminders` (run daily by cron or the demo worker) expires MOUs past their end
date and creates the reminders due; each reminder's e-mail is a task enqueued after its row
commits."""

from __future__ import annotations

from django_tasks import task

from satupintu.catalog import partners


@task()
def send_mou_reminder(reminder_id: int) -> bool:
    """Send one MOU reminder to the mall admins; a reminder already sent is not sent again."""
    return partners.mou_reminder_deliver(reminder_id=reminder_id)


@task()
def mou_reminders_daily() -> dict[str, int]:
    run = partners.partnership_reminders_run()
    return {"reminders": len(run.reminders), "expired": len(run.expired)}
