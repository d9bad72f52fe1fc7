"""The empty request form page, rendered once and reused, with each visitor's own tokens put in.

The form page cannot come from the page cache, as each visitor needs their own CSRF
token and one-time submission token; yet the empty page is the same for every
visitor but for those two values. So it is rendered once with a placeholder for
each, kept in this process's memory, and each GET only substitutes the two tokens.

Two copies are kept per language: the whole page, for a visitor with no session and
no pending messages (as with the page cache, nothing else on it depends on who is
asking), and the form alone, for the rest (a staff member signed in, a message to
show), whose page around it is rendered as usual.

The copies belong to the page cache's content version (prolo_site.page_cache): any
save of a provider (or other registered content) starts a new version once
committed, and the next GET renders again; like a cached page, they are also
rendered again after settings.PAGE_CACHE_SECONDS (an update() sends no signal),
and not kept at all when the page cache is off. A form with errors, or filled in
again (expired, too many requests), is always rendered normally.
"""

import secrets
import time
import uuid

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from appointments.forms import AppointmentRequestForm
from prolo_site.page_cache import content_version

TEMPLATE = "appointments/appointmentrequest_form.html"

# Random per process, so no text in the layout (a provider's name) can be mistaken for one;
# hex, so HTML escaping leaves them as they are.
CSRF_PLACEHOLDER = f"csrf{secrets.token_hex(16)}"
SUBMISSION_TOKEN_PLACEHOLDER = f"submission{secrets.token_hex(16)}"

# {(what, language, path): (content version, when rendered, HTML with the placeholders)}:
# one entry per kind of copy and language, replaced on a new version.
_rendered = {}


def render_empty_form(*, csrf_token, submission_token):
    """The empty form as {% crispy form %} renders it, with these tokens."""
    form = AppointmentRequestForm(initial={"submission_token": submission_token})
    return render_crispy_form(form, context={"csrf_token": csrf_token})


def _kept(key, render):
    """The copy kept under `key` if it is still current, else render() kept anew."""
    version = content_version() if settings.PAGE_CACHE_SECONDS else None
    now = time.monotonic()
    if version is not None and key in _rendered:
        kept_version, rendered_at, html = _rendered[key]
        if kept_version == version and now - rendered_at < settings.PAGE_CACHE_SECONDS:
            return html
    html = render()
    # Each placeholder must stand for exactly one value, or every visitor would lose a token.
    if html.count(CSRF_PLACEHOLDER) != 1 or html.count(SUBMISSION_TOKEN_PLACEHOLDER) != 1:
        raise RuntimeError("The request form's page must show the CSRF and submission tokens once each.")
    if version is not None:
        _rendered[key] = (version, now, html)
    return html


def _form_template(request):
    return _kept(
        ("form", get_language(), request.path),
        lambda: render_empty_form(csrf_token=CSRF_PLACEHOLDER, submission_token=SUBMISSION_TOKEN_PLACEHOLDER),
    )


def _page_template(request):
    return _kept(
        ("page", get_language(), request.path),
        lambda: render_to_string(
            TEMPLATE,
            {"empty_form_html": mark_safe(_form_template(request))},  # noqa: S308 (crispy's own HTML)
            request,
        ),
    )


def _with_tokens(html, request):
    return html.replace(CSRF_PLACEHOLDER, escape(get_token(request))).replace(
        SUBMISSION_TOKEN_PLACEHOLDER, escape(uuid.uuid4().hex)
    )


def _same_for_everyone(request):
    """True when nothing on the page depends on the visitor (as for the page cache):
    no session (no staff member signed in) and no message waiting to be shown."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def empty_form_response(request):
    """The form page for this visitor, with their CSRF token and a new submission token."""
    if _same_for_everyone(request):
        return HttpResponse(_with_tokens(_page_template(request), request))
    return HttpResponse(
        render_to_string(
            TEMPLATE,
            {"empty_form_html": mark_safe(_with_tokens(_form_template(request), request))},  # noqa: S308
            request,
        )
    )
