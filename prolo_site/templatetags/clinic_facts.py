"""The admin home page's list of clinic facts patients look for that staff have not filled in yet."""

from django import template
from django.urls import reverse

from prolo_site.models import Clinic, Provider

register = template.Library()


@register.simple_tag(takes_context=True)
def clinic_facts_to_fill(context):
    """What a new clinic should fill in first, each with the admin page to do it on.

    Empty for staff who cannot change the clinic's details: the list is a to-do for
    whoever can act on it, not a worry for the front desk.
    """
    user = context["request"].user
    if not user.has_perm("prolo_site.change_clinic"):
        return []
    clinic = Clinic.load()
    if clinic is None:
        return [
            {
                "who": "The clinic",
                "label": "name and phone number",
                "url": reverse("admin:prolo_site_clinic_add"),
            }
        ]
    clinic_url = reverse("admin:prolo_site_clinic_change", args=[clinic.pk])
    to_fill = [{"who": "The clinic", "label": label, "url": clinic_url} for label in clinic.missing_facts()]
    if user.has_perm("prolo_site.change_provider"):
        for provider in Provider.objects.active():
            url = reverse("admin:prolo_site_provider_change", args=[provider.pk])
            to_fill += [
                {"who": provider.name, "label": label, "url": url} for label in provider.missing_facts()
            ]
    return to_fill
