"""load_demo_content and create_demo_staff: safe to run on every `make run`."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from prolo_site.models import Clinic, Provider

pytestmark = pytest.mark.django_db


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_demo_content_is_loaded_once_and_never_overwrites_staff_edits():
    run("load_demo_content")
    clinic = Clinic.load()
    clinic.opening_hours = "Monday to Friday, 8 am to 5 pm"
    clinic.phone = "(757) 555-0100"
    clinic.save()

    run("load_demo_content")

    assert Clinic.objects.count() == 1
    assert Provider.objects.count() == 1
    clinic.refresh_from_db()
    assert clinic.phone == "(757) 555-0100"
    assert clinic.opening_hours == "Monday to Friday, 8 am to 5 pm"


def test_demo_clinic_holds_only_the_facts_in_the_sources():
    run("load_demo_content")

    clinic = Clinic.load()
    assert clinic.name == "Orthopaedic & Spine Center"
    assert clinic.phone == "(757) 596-1900"
    assert clinic.address == "" and clinic.opening_hours == ""  # never invented
    provider = Provider.objects.get()
    assert provider.display_name == "Jenny L. F. Andrus, MD"
    assert provider.offers_telehealth is True
    assert provider.accepting_new_patients is None


def test_dry_run_creates_nothing():
    out = run("load_demo_content", "--dry-run")

    assert "Would create clinic details" in out
    assert not Clinic.objects.exists()


def test_demo_staff_are_created_once_with_generated_passwords_shown_once():
    for name in ("Front desk", "Editors"):
        Group.objects.get_or_create(name=name)

    first = run("create_demo_staff")
    second = run("create_demo_staff")

    users = get_user_model().objects.order_by("username")
    assert [user.username for user in users] == ["clinicadmin", "editor", "frontdesk"]
    password = first.split("username frontdesk")[1].split("password ")[1].split()[0]
    assert users.get(username="frontdesk").check_password(password)
    assert users.get(username="frontdesk").groups.filter(name="Front desk").exists()
    assert not users.get(username="frontdesk").is_superuser
    assert password not in second
    assert "New demo accounts" not in second
    assert "Existing accounts: frontdesk, editor, clinicadmin" in second
