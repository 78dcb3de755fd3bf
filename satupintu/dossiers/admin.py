"""Admin of dossiers: workflows are edited here (states and actions inline) and validated as a
whole graph before anything is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from satupintu.dossiers.models import (
    ACTOR_CHOICES,
    Bill,
    Dossier,
    DossierEvent,
    FormField,
    ResultDocument,
    ServiceConfig,
    SlaWarning,
    Workflow,
    WorkflowAction,
    WorkflowState,
    workflow_graph_errors,
)


class WorkflowActionForm(forms.ModelForm):
    """Actions name their states by code, so that a state added in the same save can be used."""

    from_code = forms.SlugField(label=_("from state (code)"), max_length=40)
    to_code = forms.SlugField(label=_("to state (code)"), max_length=40)
    roles = forms.MultipleChoiceField(
        label=_("roles allowed"),
        choices=ACTOR_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WorkflowAction
        fields = [
            "position",
            "code",
            "name",
            "from_code",
            "to_code",
            "roles",
            "comment_required",
            "starts_sla",
            "requires_payment",
            "issues_result",
            "is_destructive",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["from_code"].initial = self.instance.from_state.code
            self.fields["to_code"].initial = self.instance.to_state.code
            self.fields["roles"].initial = list(self.instance.roles)

    def save(self, commit: bool = True) -> WorkflowAction:
        action = super().save(commit=False)
        states = WorkflowState.objects.filter(workflow=action.workflow)
        action.from_state = states.get(code=self.cleaned_data["from_code"])
        action.to_state = states.get(code=self.cleaned_data["to_code"])
        action.roles = list(self.cleaned_data["roles"])
        if commit:
            action.save()
        return action


class WorkflowActionFormSet(forms.BaseInlineFormSet):
    states_formset: forms.BaseInlineFormSet | None = None

    def clean(self) -> None:
        super().clean()
        if self.states_formset is None or any(self.errors) or any(self.states_formset.errors):
            return
        states = [
            f.cleaned_data
            for f in self.states_formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        actions = [
            {
                "code": f.cleaned_data["code"],
                "from_state": f.cleaned_data["from_code"],
                "to_state": f.cleaned_data["to_code"],
                "roles": f.cleaned_data.get("roles") or [],
            }
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        codes = {s["code"] for s in states}
        unknown = sorted(
            ({a["from_state"] for a in actions} | {a["to_state"] for a in actions}) - codes
        )
        errors = [str(_("Unknown state codes: %s.")) % ", ".join(unknown)] if unknown else []
        errors += workflow_graph_errors(states, actions)
        if errors:
            raise ValidationError(errors)


class WorkflowStateInline(admin.TabularInline):
    model = WorkflowState
    extra = 0
    fields = [
        "position",
        "code",
        "name",
        "actor_role",
        "sla_share_percent",
        "requires_mandatory_documents",
        "required_document_keys",
        "is_initial",
        "is_terminal",
        "outcome",
        "pauses_sla",
        "stops_sla",
    ]


class WorkflowActionInline(admin.TabularInline):
    model = WorkflowAction
    form = WorkflowActionForm
    formset = WorkflowActionFormSet
    fk_name = "workflow"
    extra = 0


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_template", "service"]
    list_filter = ["is_template"]
    search_fields = ["code", "name", "service__code", "service__name"]
    autocomplete_fields = ["service"]
    inlines = [WorkflowStateInline, WorkflowActionInline]

    def _create_formsets(self, request: HttpRequest, obj: Any, change: bool) -> Any:
        formsets, inline_instances = super()._create_formsets(  # type: ignore[misc]
            request, obj, change
        )
        states = next((f for f in formsets if f.model is WorkflowState), None)
        for formset in formsets:
            if isinstance(formset, WorkflowActionFormSet):
                formset.states_formset = states
        return formsets, inline_instances


@admin.register(ServiceConfig)
class ServiceConfigAdmin(admin.ModelAdmin):
    list_display = ["service", "payment_before_processing", "result_valid_days"]
    autocomplete_fields = ["service"]


class EventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor_label", "action", "from_status", "to_status", "comment"]
    fields = ["at", "actor_label", "action", "from_status", "to_status", "comment"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-mostly: dossiers change through their workflow, never by editing fields."""

    list_display = ["tracking_code", "service", "agency", "status", "channel", "sla_due"]
    list_filter = ["channel", "status", "agency"]
    search_fields = ["tracking_code", "service__code"]
    inlines = [EventInline]
    readonly_fields = [
        f.name
        for f in Dossier._meta.fields
        if f.name not in {"applicant_nik_encrypted", "applicant_nik_hash"}
    ]
    exclude = ["applicant_nik_encrypted", "applicant_nik_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Bill)
class BillAdmin(admin.ModelAdmin):
    list_display = ["payment_code", "amount", "status", "paid_via", "paid_at"]
    list_filter = ["status", "paid_via"]
    search_fields = ["payment_code", "dossier__tracking_code"]
    readonly_fields = [f.name for f in Bill._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ResultDocument)
class ResultDocumentAdmin(admin.ModelAdmin):
    list_display = ["document_number", "agency", "issued_at", "valid_until", "revoked_at"]
    search_fields = ["document_number", "verification_code"]
    readonly_fields = [f.name for f in ResultDocument._meta.fields if f.name != "revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SlaWarning)
class SlaWarningAdmin(admin.ModelAdmin):
    list_display = ["dossier", "state_code", "state_due", "sent_at"]
    readonly_fields = [f.name for f in SlaWarning._meta.fields]


@admin.register(FormField)
class FormFieldAdmin(admin.ModelAdmin):
    list_display = ["service", "position", "name", "label", "kind", "required"]
    list_filter = ["kind"]
    search_fields = ["service__code", "name", "label"]
    autocomplete_fields = ["service"]
