"""The clinic's own facts (address, hours, call-back time, out-of-hours route, price,
insurance, providers): shown where patients look for them, and nothing where staff
have left one blank; the admin's home page lists what is still to fill in."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command

from prolo_site.models import Clinic, Provider
from tests.factories import (
    appointment_request_answers,
    make_article,
    make_clinic,
    make_front_desk_user,
    make_page,
    make_provider,
)
from tests.helpers import FORM_URL, RECEIVED_URL, hidden_input

pytestmark = pytest.mark.django_db

FILLED = {
    "address": "1 Example Street\nNewport News",
    "opening_hours": "Monday to Friday, 8 am to 5 pm",
    "callback_time": "within one working day",
    "out_of_hours": "Call our on-call line on (757) 555-0100.",
    "price": "Each visit costs $200 at this clinic.",
    "insurance": "Medicare does not pay for prolotherapy.",
    "email": "frontdesk@clinic.example",
}
# What each fact looks like on a page: none of it may appear while the fact is blank.
LABELS = ["Opening hours:", "When we are closed", "When the clinic is closed", "Cost at ", "usually contacts you",
          "usually contact you", "Email:", "Insurance and Medicare", "<address>"]  # fmt: skip


def _confirmation(client):
    token = hidden_input(client.get(FORM_URL).content.decode(), "submission_token")
    response = client.post(FORM_URL, appointment_request_answers(submission_token=token), follow=True)
    assert response.redirect_chain[-1][0] == RECEIVED_URL
    return response.content.decode()


def _pages(client):
    make_article(slug="cost-and-paying", title="What does prolotherapy cost?")
    return {
        "home": client.get("/").content.decode(),
        "cost article": client.get("/articles/cost-and-paying/").content.decode(),
        "confirmation": _confirmation(client),
    }


def test_a_clinic_with_only_its_name_and_phone_shows_no_fact_and_no_placeholder(client):
    make_clinic()

    for where, html in _pages(client).items():
        for label in LABELS:
            assert label not in html, (where, label)
        assert "None" not in html.split("<body", 1)[1], where


def test_each_fact_staff_fill_in_appears_where_patients_look_for_it(client):
    make_clinic(**FILLED)

    pages = _pages(client)

    home, cost, confirmation = pages["home"], pages["cost article"], pages["confirmation"]
    for html in pages.values():  # the footer, on every page
        assert "1 Example Street<br>Newport News" in html
        assert "Monday to Friday, 8 am to 5 pm" in html
        assert "Call our on-call line on (757) 555-0100." in html
        assert '<a href="mailto:frontdesk@clinic.example">frontdesk@clinic.example</a>' in html
    assert "our front desk usually contacts you within one working day." in home
    assert "We usually contact you within one working day." in confirmation
    for html in (home, cost):
        assert "Cost at Orthopaedic &amp; Spine Center" in html
        assert "Each visit costs $200 at this clinic." in html
        assert "Medicare does not pay for prolotherapy." in html
    assert "Each visit costs $200" not in confirmation


def test_only_the_cost_article_shows_the_clinic_price(client):
    make_clinic(**FILLED)
    make_article(slug="your-visit", title="Your visit")

    html = client.get("/articles/your-visit/").content.decode()

    assert "Each visit costs $200" not in html
    assert "Cost at " not in html


def test_providers_show_their_credentials_biography_and_photo_description(client, media_root, tiny_png):
    make_clinic()
    provider = make_provider(bio="Dr Andrus treats joint and back pain.", photo_alt="Dr Andrus smiling")
    provider.photo.save("andrus.png", ContentFile(tiny_png))

    html = client.get("/").content.decode()

    assert "Jenny L. F. Andrus, MD" in html
    assert "Dr Andrus treats joint and back pain." in html
    assert 'alt="Dr Andrus smiling"' in html


def test_a_phone_extension_is_kept_on_the_page_and_in_the_link(client):
    make_clinic(phone="(757) 596-1900 ext. 12")

    html = client.get("/").content.decode()

    assert "(757) 596-1900 ext. 12" in html
    assert 'href="tel:+17575961900;ext=12"' in html


def test_staff_cannot_save_a_phone_number_nobody_could_dial():
    for phone in ("call us", "123"):
        with pytest.raises(ValidationError) as error:
            Clinic(name="Clinic", phone=phone).full_clean()
        assert "phone" in error.value.message_dict, phone
    Clinic(name="Clinic", phone="(757) 596-1900 ext. 12").full_clean()


def test_a_page_drops_each_sentence_naming_a_fact_the_clinic_has_not_filled_in(client):
    make_clinic(email="")
    page = make_page(
        body="## Reach us\n\nWrite to us. Email us at {{ clinic_email }}. Or call {{ clinic_phone }}.\n\n"
        "- By email: {{ clinic_email }}\n- By phone: {{ clinic_phone }}"
    )

    html = client.get(page.get_absolute_url()).content.decode()

    assert "Write to us. Or call (757) 596-1900." in html
    assert "<li>By phone: (757) 596-1900</li>" in html
    assert "By email" not in html
    assert "{{" not in html
    assert "<li></li>" not in html


def test_without_a_clinic_a_page_never_says_call_the_clinic_on_the_clinic(client):
    page = make_page(body="## Questions\n\nWe are glad to help. Call the clinic on {{ clinic_phone }}.")

    html = client.get(page.get_absolute_url()).content.decode()

    assert "We are glad to help." in html
    assert "Call the clinic on" not in html


def _admin_index(client, user):
    client.force_login(user)
    return client.get("/admin/").content.decode()


def test_the_admin_home_page_lists_the_missing_facts_with_links_to_fill_them_in(client, django_user_model):
    clinic = make_clinic(address="1 Example Street")
    provider = make_provider()
    admin = django_user_model.objects.create_superuser("clinicadmin", password="a-long-password-9")

    html = _admin_index(client, admin)

    clinic_link = f'href="/admin/prolo_site/clinic/{clinic.pk}/change/"'
    assert "Patients cannot see these yet" in html
    for label in ("opening hours", "how soon we call back", "when the clinic is closed", "prolotherapy price",
                  "insurance and Medicare", "public email address"):  # fmt: skip
        assert f"<a {clinic_link}>The clinic: {label}</a>" in html, label
    assert "The clinic: address" not in html
    assert (
        f'href="/admin/prolo_site/provider/{provider.pk}/change/">Jenny L. F. Andrus: short biography' in html
    )

    Clinic.objects.filter(pk=clinic.pk).update(**FILLED)
    Provider.objects.filter(pk=provider.pk).update(bio="Treats joint pain.")

    assert "Patients cannot see these yet" not in _admin_index(client, admin)


def test_the_admin_home_page_asks_for_the_clinic_first_when_there_is_none(client, django_user_model):
    admin = django_user_model.objects.create_superuser("clinicadmin", password="a-long-password-9")

    html = _admin_index(client, admin)

    assert '<a href="/admin/prolo_site/clinic/add/">The clinic: name and phone number</a>' in html


def test_the_front_desk_is_not_shown_a_list_it_cannot_act_on(client):
    make_clinic()

    html = _admin_index(client, make_front_desk_user())

    assert "Patients cannot see these yet" not in html


def test_demo_content_fills_only_what_the_source_documents_say():
    call_command("load_demo_content", verbosity=0, stdout=StringIO())

    clinic = Clinic.load()
    assert (clinic.name, clinic.phone) == ("Orthopaedic & Spine Center", "(757) 596-1900")
    for name in Clinic.PATIENT_FACTS:
        assert getattr(clinic, name) == "", name  # not in the sources: never invented
    [provider] = Provider.objects.all()
    assert (provider.display_name, provider.bio, provider.photo.name) == ("Jenny L. F. Andrus, MD", "", "")
