"""The patient's side: the request form, its confirmation, and the too-many-requests page."""

import uuid

from django import forms
from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_safe

from appointments.form_page import empty_form_response
from appointments.forms import AppointmentRequestForm
from appointments.models import AppointmentRequest
from appointments.submission import appointment_request_submit
from prolo_site.client_ip import client_ip
from prolo_site.csrf import expired_form

# The confirmation page finds the request from this cookie, so no reference or answer
# goes in a URL and the POST writes no session: signed (it cannot be changed to
# another request's id), HttpOnly, sent to that page only, and holding only the
# request's id, never its reference or an answer. The page is there for an hour.
CONFIRMATION_COOKIE = "appointment_request"
CONFIRMATION_SALT = "appointments.confirmation"
CONFIRMATION_MAX_AGE = 60 * 60


@sensitive_variables()
def expired_request_form(request):
    """The form again, filled in as sent, when its CSRF token had expired (the site's
    CSRF failure view calls it, see @expired_form below): nothing is stored, nothing
    typed is lost.

    Only the patient's answers (what they can see and type) are carried across, with a
    fresh one-time token: a CSRF failure is also what a page on another site gets when
    it posts to the form, and the hidden fields it chose (the honeypot, a token) would
    otherwise be sent on by the patient, storing their request as Spam."""
    form = AppointmentRequestForm(initial={"submission_token": uuid.uuid4().hex})
    form.initial.update(
        {
            name: request.POST.getlist(name)
            if isinstance(field, forms.MultipleChoiceField)
            else request.POST.get(name, "")
            for name, field in form.fields.items()
            if name in AppointmentRequest.PATIENT_ANSWERS and name in request.POST
        }
    )
    response = render(
        request, "appointments/appointmentrequest_form.html", {"form": form, "form_expired": True}, status=403
    )
    add_never_cache_headers(response)
    return response


@expired_form(expired_request_form)
@sensitive_post_parameters()
@sensitive_variables()
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_request_form(request):
    if request.method == "POST":
        form = AppointmentRequestForm(request.POST)
        if form.is_valid():
            outcome = appointment_request_submit(submission=form.submission(), client=client_ip(request))
            if outcome.appointment_request is None:
                return too_many_requests(request, form, retry_after=outcome.retry_after)
            response = redirect("appointments:request-received")
            response.set_signed_cookie(
                CONFIRMATION_COOKIE,
                outcome.appointment_request.pk,
                salt=CONFIRMATION_SALT,
                max_age=CONFIRMATION_MAX_AGE,
                path=reverse("appointments:request-received"),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
    else:
        # The empty form, rendered once for everyone, with this visitor's tokens (see form_page.py).
        return empty_form_response(request)
    return render(request, "appointments/appointmentrequest_form.html", {"form": form})


@never_cache
@require_safe
def appointment_request_received(request):
    # The signature's own timestamp ends the page after an hour, whatever the browser keeps.
    appointment_request_id = request.get_signed_cookie(
        CONFIRMATION_COOKIE, default=None, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE
    )
    appointment_request = (
        AppointmentRequest.objects.filter(pk=appointment_request_id)
        .only("reference", "contact_method")
        .first()
        if appointment_request_id
        else None
    )
    if appointment_request is None:
        return redirect("appointments:request")
    return render(
        request,
        "appointments/appointmentrequest_received.html",
        {"appointment_request": appointment_request},
    )


def too_many_requests(request, form, *, retry_after):
    """429, with the form still filled in: the patient can send it again later, or call."""
    response = render(
        request,
        "appointments/appointmentrequest_form.html",
        {"form": form, "retry_minutes": max(1, round(retry_after / 60))},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response
