"""The site's CSRF failure page, and the mark a view carries to re-render its own form instead.

A patient whose form sat open too long must not lose what they typed. The core
knows no app's form: a view that can show its form again says so with
@expired_form(renderer), and csrf_failure calls that renderer for it.
"""

from django.shortcuts import render


def expired_form(renderer):
    """Mark a view whose form, posted with an expired CSRF token, is shown again by
    `renderer(request)` (which must store nothing) rather than by the generic page."""

    def mark(view):
        view.expired_form_renderer = renderer
        return view

    return mark


def csrf_failure(request, reason=""):
    """A form that sat open too long (or lost its cookie): say so kindly, keep what was typed."""
    view = request.resolver_match.func if request.resolver_match else None
    renderer = getattr(view, "expired_form_renderer", None)
    if renderer is not None:
        return renderer(request)
    return render(request, "403_csrf.html", status=403)
