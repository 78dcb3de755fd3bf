"""The admin of the shared kernel's machinery: the scheduled jobs (schedule, last run, outcome,
next run) and their runs, and the outbox (what was sent outside, what waits, what was given
up). Superusers only: messages span every mall, and their content is personal data, so only
their masked recipient and state are shown. A dead or skipped message can be
queued again (the action is written in the audit trail)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from satupintu.core.audit import audit_record
from satupintu.core.models import JobRun, OutboxMessage, ScheduledJob
from satupintu.core.outbox import outbox_requeue


class SuperuserOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SuperuserOnlyAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient_masked",
        "subject",
        "reference",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "channel")
    search_fields = ("reference", "subject", "dedupe_key")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "updated_at",
        "channel",
        "dedupe_key",
        "recipient_masked",
        "subject",
        "reference",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "leased_by",
        "error",
        "result",
        "sent_at",
    )
    fields = readonly_fields
    actions = ["requeue"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.error[:80]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Queue the selected dead or skipped messages again"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        done = 0
        with transaction.atomic():
            for message in queryset:
                if outbox_requeue(message):
                    done += 1
                    audit_record(
                        actor=request.user,
                        action="update",
                        obj=message,
                        summary=f"outbox message {message.pk} queued again",
                        changes={"status": [message.status, OutboxMessage.Status.PENDING]},
                        request=request,
                    )
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", done)
            % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )


@admin.register(ScheduledJob)
class ScheduledJobAdmin(SuperuserOnlyAdmin):
    list_display = (
        "name",
        "schedule",
        "time_zone",
        "description",
        "last_started_at",
        "last_outcome",
        "last_result",
        "next_run_at",
        "last_host",
    )
    list_filter = ("last_outcome",)
    readonly_fields = (*list_display, "last_due_at", "last_finished_at")
    fields = readonly_fields


@admin.register(JobRun)
class JobRunAdmin(SuperuserOnlyAdmin):
    list_display = ("job", "due_at", "started_at", "finished_at", "outcome", "result", "host")
    list_filter = ("job", "outcome")
    date_hierarchy = "due_at"
    readonly_fields = list_display
    fields = readonly_fields
