"""The Front desk group: view and work appointment requests, log contact attempts; nothing else.

No delete permission and nothing about users: the front desk cannot remove a
request or manage accounts.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Front desk"
PERMISSIONS = {
    "appointments": ["view_appointmentrequest", "change_appointmentrequest",
                     "view_contactattempt", "add_contactattempt", "change_contactattempt"],
    "prolo_site": ["view_provider"],
}  # fmt: skip


def create_front_desk_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now.
    for app_label in PERMISSIONS:
        app_config = apps.get_app_config(app_label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(
        [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codenames in PERMISSIONS.items()
            for codename in codenames
        ]
    )


def remove_front_desk_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("prolo_site", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_front_desk_group, remove_front_desk_group)]
