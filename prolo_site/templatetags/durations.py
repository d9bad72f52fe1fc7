"""A length of time in words ("1 hour", "15 minutes"), for pages that say how long to wait."""

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def in_words(duration):
    """A timedelta as Django's timesince words it: "1 hour", "1 day, 2 hours"."""
    now = timezone.now()
    return timesince(now - duration, now)
