"""The admin's CSV export of appointment requests: one column per patient answer, safe to open in a spreadsheet."""

import csv

from django.utils import timezone

from appointments.models import AppointmentRequest

# What a spreadsheet reads as the start of a formula (the fullwidth forms too: some
# spreadsheets fold them to the plain ones), and what it may skip before it looks.
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
FORMULA_LEADERS = frozenset("'\"\uff02\uff07")  # quotes; whitespace is found with str.isspace()


def _opens_a_formula(text):
    if text.startswith(("\t", "\r")):
        return True
    start = next((ch for ch in text if not (ch.isspace() or ch in FORMULA_LEADERS)), "")
    return start in FORMULA_STARTS


def csv_safe(value):
    """A spreadsheet must show a cell, never run it: a cell that could open a formula
    (=, +, -, @, fullwidth or not, after any whitespace or quotes; or a leading tab
    or carriage return) gets a leading quote. Every cell goes through here, whoever typed it."""
    text = "" if value is None else str(value)
    return f"'{text}" if _opens_a_formula(text) else text


def _answer_column(name):
    """A patient answer's column: its label, and its value as staff read it (the
    choice's label rather than its code)."""
    field = AppointmentRequest._meta.get_field(name)
    title = field.verbose_name[:1].upper() + field.verbose_name[1:]
    if field.choices:
        return title, lambda r: getattr(r, f"get_{name}_display")()
    return title, lambda r: getattr(r, name)


# Answers shown differently from their stored value; None leaves the answer out
# (the interpreter box is implied by its language; the emergency box is always ticked).
ANSWER_COLUMNS = {
    "phone": ("Phone", lambda r: r.display_phone),
    "preferred_provider": ("Provider", lambda r: r.preferred_provider or "No preference"),
    "areas": ("Areas", lambda r: r.get_areas_display()),
    "needs_interpreter": None,
    "interpreter_language": (
        "Interpreter language",
        lambda r: r.interpreter_language if r.needs_interpreter else "",
    ),
    "acknowledged_not_emergency": None,
}

CSV_COLUMNS = [
    ("Reference", lambda r: r.display_reference),
    ("Received", lambda r: timezone.localtime(r.received_at).strftime("%Y-%m-%d %H:%M")),
    ("Status", lambda r: r.get_status_display()),
    ("Close reason", lambda r: r.get_close_reason_display()),
    *(
        ANSWER_COLUMNS[name] if name in ANSWER_COLUMNS else _answer_column(name)
        for name in AppointmentRequest.PATIENT_ANSWERS
        if ANSWER_COLUMNS.get(name, True) is not None
    ),
    ("Assigned to", lambda r: r.assigned_to.get_username() if r.assigned_to else ""),
    ("Staff notes", lambda r: r.staff_notes),
]


def appointment_requests_write_csv(*, appointment_requests, stream):
    writer = csv.writer(stream)
    writer.writerow([title for title, _ in CSV_COLUMNS])
    for appointment_request in appointment_requests:
        writer.writerow([csv_safe(value(appointment_request)) for _, value in CSV_COLUMNS])
