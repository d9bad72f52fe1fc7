"""The empty request form's HTML, rendered once and reused, with each visitor's own tokens put in.

Rendering the crispy layout is almost all of the form page's cost, yet the empty
form is the same for every visitor but for two values: the CSRF token and the
one-time submission token. So the layout is rendered once with a placeholder for
each, kept in this process's memory (one copy per language), and each GET only
substitutes the two tokens.

The copy belongs to the page cache's content version (prolo_site.page_cache): any
save of a provider (or other registered content) starts a new version once
committed, and the next GET renders again; like a cached page, it is also
rendered again after settings.PAGE_CACHE_SECONDS (an update() sends no signal),
and not kept at all when the page cache is off. A form with errors, or filled in
again (expired, too many requests), is always rendered normally.
"""

import secrets
import time
import uuid

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from appointments.forms import AppointmentRequestForm
from prolo_site.page_cache import content_version

# Random per process, so no text in the layout (a provider's name) can be mistaken for one;
# hex, so HTML escaping leaves them as they are.
CSRF_PLACEHOLDER = f"csrf{secrets.token_hex(16)}"
SUBMISSION_TOKEN_PLACEHOLDER = f"submission{secrets.token_hex(16)}"

# {language: (content version, when rendered, HTML with the placeholders)}: one entry per
# language, replaced on a new version.
_rendered = {}


def render_empty_form(*, csrf_token, submission_token):
    """The empty form as {% crispy form %} renders it, with these tokens."""
    form = AppointmentRequestForm(initial={"submission_token": submission_token})
    return render_crispy_form(form, context={"csrf_token": csrf_token})


def _template():
    version = content_version() if settings.PAGE_CACHE_SECONDS else None
    now = time.monotonic()
    language = get_language()
    if version is not None and language in _rendered:
        kept_version, rendered_at, html = _rendered[language]
        if kept_version == version and now - rendered_at < settings.PAGE_CACHE_SECONDS:
            return html
    html = render_empty_form(csrf_token=CSRF_PLACEHOLDER, submission_token=SUBMISSION_TOKEN_PLACEHOLDER)
    # Each placeholder must stand for exactly one value, or every visitor would lose a token.
    if html.count(CSRF_PLACEHOLDER) != 1 or html.count(SUBMISSION_TOKEN_PLACEHOLDER) != 1:
        raise RuntimeError("The request form's layout must show the CSRF and submission tokens once each.")
    if version is not None:
        _rendered[language] = (version, now, html)
    return html


def empty_form_html(request):
    """The empty form for this visitor: their CSRF token and a new submission token."""
    return mark_safe(  # noqa: S308 (rendered by crispy, with escaped tokens put in)
        _template()
        .replace(CSRF_PLACEHOLDER, escape(get_token(request)))
        .replace(SUBMISSION_TOKEN_PLACEHOLDER, escape(uuid.uuid4().hex))
    )
