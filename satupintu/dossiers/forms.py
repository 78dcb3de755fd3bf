"""Page forms of dossiers. The rules live in services.py; these forms only collect the input
and show the services' errors next to the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.models import ServiceRequirement
from satupintu.core.errors import DomainError
from satupintu.dossiers.models import Dossier, FormField


def human_size_kb(size_kb: int) -> str:
    """2048 -> '2 MB', 1536 -> '1,5 MB' (in Indonesian), 500 -> '500 KB'."""
    from django.utils.formats import number_format

    if size_kb >= 1024:
        megabytes = size_kb / 1024
        if megabytes == int(megabytes):
            return f"{int(megabytes)} MB"
        return f"{number_format(round(megabytes, 1), 1)} MB"
    return f"{size_kb} KB"


def human_types(accepted: str) -> str:
    """'pdf,jpg,png' -> 'PDF, JPG, PNG'."""
    return ", ".join(t.strip().upper() for t in accepted.split(",") if t.strip())


class ApplicationForm(forms.Form):
    """Applicant, the service's form fields and one upload (and, at the counter, one tick) per
    requirement."""

    kind = forms.ChoiceField(
        label=_("Applicant"), choices=Dossier.ApplicantKind.choices, initial="person"
    )
    nik = forms.CharField(
        label=_("NIK (16 digits)"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Full name"), max_length=150)
    business_name = forms.CharField(
        label=_("Business name (for a business applicant)"), max_length=200, required=False
    )
    phone = forms.CharField(
        label=_("Mobile phone (WhatsApp)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(
        self,
        *args: Any,
        form_fields: list[FormField],
        requirements: list[ServiceRequirement],
        with_ticks: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.form_fields = form_fields
        self.requirements = requirements
        self.with_ticks = with_ticks
        for field in form_fields:
            name = f"form_{field.name}"
            if field.kind == FormField.Kind.CHOICE:
                self.fields[name] = forms.ChoiceField(
                    label=field.label,
                    required=field.required,
                    choices=[("", "—"), *[(str(c), str(c)) for c in field.choices]],
                )
            elif field.kind == FormField.Kind.LONG_TEXT:
                self.fields[name] = forms.CharField(
                    label=field.label, required=field.required, widget=forms.Textarea
                )
            elif field.kind == FormField.Kind.DATE:
                self.fields[name] = forms.CharField(
                    label=field.label,
                    required=field.required,
                    widget=forms.TextInput(attrs={"type": "date"}),
                )
            else:
                self.fields[name] = forms.CharField(label=field.label, required=field.required)
            self.fields[name].help_text = field.help_text
        for requirement in requirements:
            if requirement.document:
                self.fields[f"file_{requirement.pk}"] = forms.FileField(
                    label=requirement.name,
                    required=False,
                    help_text=_("%(types)s, at most %(size)s")
                    % {
                        "types": human_types(requirement.accepted_types),
                        "size": human_size_kb(requirement.max_size_kb),
                    },
                )
            if with_ticks:
                self.fields[f"tick_{requirement.pk}"] = forms.ChoiceField(
                    label=_("Checked: %(name)s") % {"name": requirement.name},
                    choices=[
                        ("present", _("present")),
                        ("missing", _("missing")),
                        ("rejected", _("rejected")),
                    ],
                    initial="missing",
                    required=False,
                    widget=forms.RadioSelect,
                )

    def applicant(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "nik": data["nik"],
            "name": data["name"],
            # A person has no business name, whatever the browser sent.
            "business_name": data.get("business_name", "")
            if data["kind"] == Dossier.ApplicantKind.BUSINESS
            else "",
            "phone": data.get("phone", ""),
            "email": data.get("email", ""),
        }

    def form_values(self) -> dict[str, Any]:
        values = {}
        for field in self.form_fields:
            value = self.cleaned_data.get(f"form_{field.name}")
            if value not in (None, ""):
                values[field.name] = value
        return values

    def requirement_fields(self) -> list[tuple[ServiceRequirement, Any, Any]]:
        """(requirement, upload bound field, tick bound field) for the template."""
        rows = []
        for requirement in self.requirements:
            upload = self[f"file_{requirement.pk}"] if requirement.document else None
            tick = self[f"tick_{requirement.pk}"] if self.with_ticks else None
            rows.append((requirement, upload, tick))
        return rows

    def show_domain_error(self, exc: DomainError, requirement_id: int | None = None) -> None:
        """Put the service's message on the form field it names."""
        path = (exc.field or "").split(".")
        name = path[-1] if path else ""
        if len(path) >= 2 and path[-2] == "form":
            name = f"form_{name}"
        if name == "file" and requirement_id is not None:
            name = f"file_{requirement_id}"
        if name not in self.fields:
            name = None  # type: ignore[assignment]
        self.add_error(name, exc.message)
