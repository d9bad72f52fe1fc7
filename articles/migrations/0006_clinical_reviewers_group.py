"""The Clinical reviewers group: read the guide and sign off revisions; Editors may not delete a live article."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Clinical reviewers"
CODENAMES = ["view_article", "view_source", "view_topic", "view_articlerevision", "sign_off_articlerevision"]
EDITORS_GROUP = "Editors"
EDITOR_CODENAMES = ["view_articlerevision"]


def create_clinical_reviewers_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    articles_permissions = Permission.objects.filter(content_type__app_label="articles")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(articles_permissions.filter(codename__in=CODENAMES))
    editors = Group.objects.filter(name=EDITORS_GROUP).first()
    if editors:
        editors.permissions.add(*articles_permissions.filter(codename__in=EDITOR_CODENAMES))


def remove_clinical_reviewers_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_drop_typed_reviews"),
        ("articles", "0002_editors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_clinical_reviewers_group, remove_clinical_reviewers_group)]
