from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.models import Mall, Service
from satupintu.feedback.models import ComplaintCategory


class ComplaintForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about?"), choices=ComplaintCategory.choices)
    text = forms.CharField(
        label=_("Your complaint, suggestion or input"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": _("Write what the complaint is about.")},
    )
    service = forms.TypedChoiceField(
        label=_("Service (if you know it)"), required=False, coerce=int, empty_value=None
    )
    tracking_code = forms.CharField(
        label=_("Tracking code of your application (if any)"), required=False, max_length=40
    )
    ticket_id = forms.IntegerField(
        label=_("Ticket id (if any)"), required=False, min_value=1, widget=forms.HiddenInput
    )
    anonymous = forms.BooleanField(
        label=_("Send anonymously (we keep no name or contact)"), required=False
    )
    confidential = forms.BooleanField(
        label=_("Keep my identity confidential (hidden from the agency concerned)"),
        required=False,
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone or WhatsApp"), required=False, max_length=32)

    def __init__(self, *args: Any, mall: Mall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = Service.objects.filter(mall=mall, is_active=True).select_related("agency")
        self.fields["service"].choices = [("", _("— not sure —"))] + [  # type: ignore[attr-defined]
            (s.pk, f"{s.name} ({s.agency.short_name or s.agency.name})") for s in services
        ]
