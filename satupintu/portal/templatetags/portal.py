"""Small helpers for the portal's templates: rupiah amounts, service durations, service names in
the reader's language, and links to pages of other apps that may not exist yet."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()


@register.filter
def rupiah(amount: Any) -> str:
    """30000 -> 'Rp30.000' (the rupiah is written with dots in both languages); 0 -> 'Gratis'."""
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return ""
    if value == 0:
        return gettext("Free")
    return "Rp" + f"{value:,}".replace(",", ".")


@register.filter
def fee_headline(service: Any) -> str:
    """The fee as a service's card headlines it: its rule when the amount depends on the case
    (a tax, a levy), else the fixed amount ('Gratis' for none)."""
    rule = getattr(service, "fee_rule", "")
    return rule or rupiah(getattr(service, "fee", None))


@register.filter
def service_duration(service: Any) -> str:
    value = int(service.duration_value)
    if service.duration_unit == "minutes":
        if value == 0:
            return gettext("At once")
        return ngettext("%(n)d minute", "%(n)d minutes", value) % {"n": value}
    if value == 0:
        return gettext("The same working day")
    return ngettext("%(n)d working day", "%(n)d working days", value) % {"n": value}


@register.filter
def localized_name(service: Any) -> str:
    """The English name of a service for English readers, when the catalog has one."""
    english_name = str(getattr(service, "name_en", None) or "")
    if english_name and (get_language() or "id").startswith("en"):
        return english_name
    return str(service.name)


@register.simple_tag
def first_url(name: str, *args: Any) -> str:
    """The URL of the view `name` with `args`, or with fewer trailing args, or "" if there is no
    such view (yet): a link to a page another app has not built renders nothing instead of
    breaking the page. Use `{% first_url "app:name" slug as x %}{% if x %}...{% endif %}`."""
    for count in range(len(args), -1, -1):
        try:
            return reverse(name, args=list(args[:count]))
        except NoReverseMatch:
            continue
    return ""
