"""Forms of the outreach pages. They only parse; the rules live in services.py, whose errors
are put back on the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.models import Service
from satupintu.core.errors import DomainError
from satupintu.outreach.areas import KECAMATAN_CHOICES, KELURAHAN_CHOICES
from satupintu.outreach.models import OutreachRequest, Visit


def put_error_on_form(form: forms.Form, exc: DomainError) -> None:
    field = (exc.field or "").split(".")[-1]
    aliases = {"service_ids": "services", "team_ids": "team", "equipment_ids": "equipment"}
    field = aliases.get(field, field)
    if field == "preferred_dates":
        field = "date_1"
    form.add_error(field if field in form.fields else None, exc.message)


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.agency})"


class OutreachRequestForm(forms.Form):
    person_name = forms.CharField(
        label=_("Name of the person to visit"), max_length=150, widget=forms.TextInput()
    )
    nik = forms.CharField(
        label=_("NIK (16 digits, optional)"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone or WhatsApp number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Address (street, house number, RT/RW)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), choices=[("", "—"), *KECAMATAN_CHOICES])
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), choices=[("", "—"), *KELURAHAN_CHOICES])
    services = ServiceChoiceField(
        label=_("Services needed"),
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    date_1 = forms.DateField(
        label=_("Preferred date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_2 = forms.DateField(
        label=_("Another possible date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_3 = forms.DateField(
        label=_("Another possible date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    requested_by = forms.ChoiceField(
        label=_("Who is filling in this form?"),
        choices=[
            (OutreachRequest.RequestedBy.SELF, _("I am the person to visit")),
            (OutreachRequest.RequestedBy.FAMILY, _("I am a family member")),
        ],
        widget=forms.RadioSelect,
        initial=OutreachRequest.RequestedBy.SELF,
    )
    requester_name = forms.CharField(
        label=_("Your name, if you are a family member"), max_length=150, required=False
    )
    reason = forms.ChoiceField(
        label=_("Why can the person not come to the mall?"),
        choices=OutreachRequest.Reason.choices,
        widget=forms.RadioSelect,
    )
    disability_note = forms.CharField(
        label=_("Disability (optional)"),
        help_text=_("Seen only by the outreach officers, to bring the right help."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    health_note = forms.CharField(
        label=_("Health condition (optional)"),
        help_text=_("Seen only by the outreach officers."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, mall: Any, by_officer: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from satupintu.outreach.selectors import outreach_services

        self.fields["services"].queryset = outreach_services(mall=mall)  # type: ignore[attr-defined]
        if by_officer:
            self.fields["requested_by"].choices = [  # type: ignore[attr-defined]
                (OutreachRequest.RequestedBy.OFFICER_PHONE, _("Taken by phone")),
                *self.fields["requested_by"].choices,  # type: ignore[attr-defined]
            ]
            self.fields["requested_by"].initial = OutreachRequest.RequestedBy.OFFICER_PHONE
            self.fields["requester_name"].label = _("Name of the caller")

    def preferred_dates(self) -> list[Any]:
        return [
            self.cleaned_data[name]
            for name in ("date_1", "date_2", "date_3")
            if self.cleaned_data.get(name)
        ]


class TriageForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=OutreachRequest.Priority.choices)
    assigned_to = forms.TypedChoiceField(
        label=_("Team lead"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(
        label=_("Triage note"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(u.pk, u.display_name()) for u in officers],
        ]


class ScheduleForm(forms.Form):
    date = forms.DateField(label=_("Visit date"), widget=forms.DateInput(attrs={"type": "date"}))
    window_start = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    window_end = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    team = forms.TypedMultipleChoiceField(
        label=_("Team"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    vehicle = forms.TypedChoiceField(
        label=_("Vehicle"), coerce=int, required=False, empty_value=None
    )
    equipment = forms.TypedMultipleChoiceField(
        label=_("Equipment"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Plan note"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(
        self, *args: Any, officers: Any, vehicles: Any, equipment: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(u.pk, u.display_name()) for u in officers]  # type: ignore[attr-defined]
        self.fields["vehicle"].choices = [("", "—"), *[(v.pk, str(v)) for v in vehicles]]  # type: ignore[attr-defined]
        self.fields["equipment"].choices = [(e.pk, e.name) for e in equipment]  # type: ignore[attr-defined]


class VisitOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Was the person met?"),
        choices=[
            (Visit.Status.COMPLETED, _("Yes, the visit took place")),
            (Visit.Status.NOT_MET, _("No, nobody was met: schedule again")),
        ],
        widget=forms.RadioSelect,
    )
    delivered = forms.TypedMultipleChoiceField(
        label=_("Services delivered on the spot"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    result_delivery_home = forms.BooleanField(
        label=_("The results will be delivered to the home"), required=False
    )
    note = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea({"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        services: Any,
        form_fields: dict[int, list[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivered"].choices = [(s.pk, f"{s.code} {s.name}") for s in services]  # type: ignore[attr-defined]
        # The application form of each service that becomes a dossier, filled at the visit
        # (the dossiers app checks it: required fields, dates, numbers).
        self.service_forms: list[tuple[Any, list[str]]] = []
        for service in services:
            names = []
            for field in (form_fields or {}).get(service.pk, []):
                name = outcome_field_name(service.pk, field.name)
                widget: Any = forms.TextInput()
                if field.kind == "date":
                    widget = forms.DateInput(attrs={"type": "date"})
                elif field.kind == "long_text":
                    widget = forms.Textarea({"rows": 2})
                elif field.kind == "number":
                    widget = forms.NumberInput()
                if field.kind == "choice":
                    self.fields[name] = forms.ChoiceField(
                        label=field.label,
                        required=False,
                        choices=[("", "—"), *[(str(c), str(c)) for c in field.choices]],
                    )
                else:
                    self.fields[name] = forms.CharField(
                        label=field.label, required=False, max_length=10_000, widget=widget
                    )
                self.fields[name].help_text = field.help_text or (
                    _("Required when the service is delivered") if field.required else ""
                )
                names.append(name)
            if names:
                self.service_forms.append((service, names))

    def service_form_values(self, service_id: int) -> dict[str, Any]:
        prefix = outcome_field_name(service_id, "")
        return {
            name[len(prefix) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and value not in (None, "")
        }

    def grouped_service_forms(self) -> list[tuple[Any, list[Any]]]:
        return [(service, [self[name] for name in names]) for service, names in self.service_forms]


def outcome_field_name(service_id: int, field_name: str) -> str:
    return f"svc{service_id}__{field_name}"
