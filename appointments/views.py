"""The patient's side: the request form, its confirmation, and the too-many-requests page."""

from django import forms
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_safe

from appointments.form_page import empty_form_html
from appointments.forms import AppointmentRequestForm
from appointments.models import AppointmentRequest
from appointments.submission import appointment_request_submit
from prolo_site.client_ip import client_ip
from prolo_site.csrf import expired_form

# The confirmation page finds the request here, so no reference or answer goes in a URL.
SESSION_KEY = "appointments:request_id"


@sensitive_variables()
def expired_request_form(request):
    """The form again, filled in as sent, when its CSRF token had expired (the site's
    CSRF failure view calls it, see @expired_form below): nothing is stored, nothing
    typed is lost."""
    form = AppointmentRequestForm()
    form.initial = {
        name: request.POST.getlist(name)
        if isinstance(field, forms.MultipleChoiceField)
        else request.POST.get(name, "")
        for name, field in form.fields.items()
        if name in request.POST
    }
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
            request.session[SESSION_KEY] = outcome.appointment_request.pk
            return redirect("appointments:request-received")
    else:
        # The empty form, rendered once for everyone, with this visitor's tokens (see form_page.py).
        return render(
            request,
            "appointments/appointmentrequest_form.html",
            {"empty_form_html": empty_form_html(request)},
        )
    return render(request, "appointments/appointmentrequest_form.html", {"form": form})


@never_cache
@require_safe
def appointment_request_received(request):
    appointment_request_id = request.session.get(SESSION_KEY)
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
