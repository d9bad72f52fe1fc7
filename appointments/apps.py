from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    """Appointment requests from patients, and the front desk's work on them."""

    name = "appointments"
    verbose_name = "Appointment requests"
