"""The admin home page's call-queue numbers, for staff who may see the requests."""

from django import template

register = template.Library()


@register.simple_tag
def front_desk_queue_counts(user):
    """[{label, count, url}] for the admin's home page; [] for staff without the requests."""
    from appointments.admin import queue_counts  # the admin module, loaded only where it is used

    if not user.has_perm("appointments.view_appointmentrequest"):
        return []
    return queue_counts(user)
