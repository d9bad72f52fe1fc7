"""A Spanish-speaking patient on a phone: reads the guide in Spanish, makes a mistake on the form,
reads the Spanish error summary, sends the request and gets a Spanish confirmation; the front desk
sees "Call in Spanish". axe on every page, the Nu HTML Checker on the Spanish home, article and form."""

import re

import pytest
from playwright.sync_api import expect

from appointments.models import AppointmentRequest
from tests.factories import (
    FRONT_DESK_PASSWORD,
    make_article,
    make_clinic,
    make_front_desk_user,
    make_provider,
    make_translation,
)
from tests.vnu import html_errors, vnu_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = re.compile(r"[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}")


@pytest.fixture
def spanish_guide():
    make_clinic(email="hola@clinic.example")
    make_provider()
    english = make_article(is_featured=True)
    return make_translation(english, is_featured=True)


def test_a_spanish_speaker_reads_the_guide_sends_the_form_and_is_called_in_spanish(browser, spanish_guide):
    page = browser.page

    # From the English home page, the "Español" link leads to the Spanish one.
    browser.goto("/")
    page.get_by_role("link", name="Español").click()
    page.wait_for_url("**/es/")
    assert page.locator("html").get_attribute("lang") == "es"
    browser.check_page("es-home")

    page.get_by_role("link", name="¿Qué es la proloterapia?").first.click()
    page.wait_for_url("**/es/guia/que-es-la-proloterapia/")
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Qué es la proloterapia?")
    expect(page.get_by_role("heading", name="Fuentes")).to_be_visible()
    browser.check_page("es-article")

    page.locator(".cta").get_by_role("link", name="Solicitar una cita").click()
    page.wait_for_url("**/es/solicitar-cita/")
    assert page.title().startswith("Solicitar una cita")
    browser.check_page("es-form")

    # A mistake: the name left out and no area chosen.
    page.get_by_label("Su nombre completo").fill("")
    page.get_by_label("Número de teléfono").fill("(757) 555-0142")
    with page.expect_navigation():
        page.get_by_role("button", name="Enviar solicitud").click()
    assert page.title().startswith("Error: Solicitar una cita")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert summary.locator("h2").inner_text() == "Hay un problema"
    assert "Escriba su nombre." in summary.inner_text()
    assert "Elija al menos una zona donde le duele." in summary.inner_text()
    browser.check_page("es-form-errors")

    # The summary's link takes them to the field; they fix everything and send.
    summary.get_by_role("link", name="Escriba su nombre.").click()
    expect(page.locator("#id_name")).to_be_focused()
    page.keyboard.type("María Ejemplo")
    page.get_by_label("No, soy un paciente nuevo").check()
    page.get_by_label("Llamada telefónica").check()
    page.get_by_label("En persona en la clínica").check()
    page.get_by_label("Rodilla").check()
    page.get_by_label("Entiendo que este formulario no es para emergencias").check()
    page.get_by_role("button", name="Enviar solicitud").click()
    page.wait_for_url("**/es/solicitar-cita/recibida/")

    assert page.title().startswith("Recibimos su solicitud")
    reference = page.locator(".confirmation__reference").inner_text()
    assert REFERENCE.fullmatch(reference)
    assert "Qué pasa ahora" in page.locator("main").inner_text()
    browser.check_page("es-confirmation")

    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.language == "es"
    assert appointment_request.display_reference == reference

    # The front desk, in English, sees how to call back.
    make_front_desk_user()
    browser.goto("/admin/login/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill(FRONT_DESK_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    browser.goto("/admin/appointments/appointmentrequest/")
    expect(page.locator("#result_list")).to_contain_text("Call in Spanish")


def test_spanish_home_article_and_form_are_valid_html(client, spanish_guide, tmp_path):
    vnu_or_skip()
    pages = {
        "es-home": client.get("/es/").content,
        "es-article": client.get("/es/guia/que-es-la-proloterapia/").content,
        "es-guide": client.get("/es/guia/").content,
        "es-form": client.get("/es/solicitar-cita/").content,
        "es-form-errors": client.post("/es/solicitar-cita/", {"name": ""}).content,
        "es-not-found": client.get("/es/no-existe/").content,
    }

    errors = html_errors(pages, tmp_path)

    assert not errors, f"The Nu HTML Checker found errors:\n{errors}"
