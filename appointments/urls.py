from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("request/", views.appointment_request_form, name="request"),
    path("request/received/", views.appointment_request_received, name="request-received"),
]
