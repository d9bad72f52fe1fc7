"""An indexed, lower-case copy of each request's email: email search and the possible-duplicate
check (which runs as every request arrives) compare it instead of scanning the email column."""

from django.db import migrations, models

from appointments.models import fold_email


def fill_search_email(apps, schema_editor):
    AppointmentRequest = apps.get_model("appointments", "AppointmentRequest")
    changed = []
    for row in (
        AppointmentRequest.objects.exclude(email="").only("email", "anonymised_at").iterator(chunk_size=2000)
    ):
        row.search_email = "" if row.anonymised_at is not None else fold_email(row.email)
        changed.append(row)
        if len(changed) == 2000:
            AppointmentRequest.objects.bulk_update(changed, ["search_email"])
            changed = []
    AppointmentRequest.objects.bulk_update(changed, ["search_email"])


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0007_languages"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointmentrequest",
            name="search_email",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=254),
        ),
        migrations.RunPython(fill_search_email, migrations.RunPython.noop, elidable=True),
    ]
