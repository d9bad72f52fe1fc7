"""The request list's date drill-down, without a full-table scan to find its years."""

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db.models import Max, Min
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def request_date_hierarchy(cl):
    """Django's date hierarchy, except for its first level: Django lists the years
    with a DISTINCT over every row (a fifth of a second at 50,000 requests on
    SQLite); the requests' first and last dates give the same years at once."""
    field_name = cl.date_hierarchy
    if any(name.startswith(f"{field_name}__") for name in cl.params):
        return date_hierarchy(cl)
    span = cl.queryset.aggregate(first=Min(field_name), last=Max(field_name))
    if not span["first"]:
        return date_hierarchy(cl)
    first, last = timezone.localtime(span["first"]).year, timezone.localtime(span["last"]).year
    if first == last:
        return date_hierarchy(cl)  # Django opens on that year's months (or month's days)
    return {
        "show": True,
        "back": None,
        "choices": [
            {
                "link": cl.get_query_string({f"{field_name}__year": str(year)}, [f"{field_name}__"]),
                "title": str(year),
            }
            for year in range(first, last + 1)
        ],
    }
