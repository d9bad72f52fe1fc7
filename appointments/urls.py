from django.urls import path
from django.utils.translation import gettext_lazy as _

from appointments import views

app_name = "appointments"

# Mounted at the site's root, in English and under /es/ (its segments translated).
urlpatterns = [
    path(_("appointments/request/"), views.appointment_request_form, name="request"),
    path(_("appointments/request/received/"), views.appointment_request_received, name="request-received"),
]
