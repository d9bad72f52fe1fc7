"""Fill the new search columns and attempt counts of existing requests; the front desk may
enter requests and closure days, and no longer edit saved contact attempts."""

from django.db import migrations
from django.db.models import Count

from appointments.models import fold_name, phone_digits

GROUP_NAME = "Front desk"
GRANTED = ["add_appointmentrequest", "view_closureday", "add_closureday", "change_closureday", "delete_closureday"]
WITHDRAWN = ["change_contactattempt"]


def fill_search_columns(apps, schema_editor):
    AppointmentRequest = apps.get_model("appointments", "AppointmentRequest")
    ContactAttempt = apps.get_model("appointments", "ContactAttempt")
    counts = dict(
        ContactAttempt.objects.values_list("appointment_request").annotate(n=Count("id")).values_list(
            "appointment_request", "n"
        )
    )
    for row in AppointmentRequest.objects.iterator(chunk_size=2000):
        anonymised = row.anonymised_at is not None
        row.search_name = "" if anonymised else fold_name(row.name)
        row.search_phone = "" if anonymised else phone_digits(row.phone)
        row.contact_attempt_count = counts.get(row.pk, 0)
        last = ContactAttempt.objects.filter(appointment_request=row).order_by("-attempted_at").first()
        row.last_outcome = last.outcome if last else ""
        row.save(update_fields=["search_name", "search_phone", "contact_attempt_count", "last_outcome"])


def _permissions(apps, codenames):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("appointments")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="appointments", codename__in=codenames)


def update_group(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).first()
    if group:
        group.permissions.add(*_permissions(apps, GRANTED))
        group.permissions.remove(*_permissions(apps, WITHDRAWN))


def restore_group(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).first()
    if group:
        group.permissions.remove(*_permissions(apps, GRANTED))
        group.permissions.add(*_permissions(apps, WITHDRAWN))


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0005_front_desk_queue"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(fill_search_columns, migrations.RunPython.noop),
        migrations.RunPython(update_group, restore_group),
    ]
