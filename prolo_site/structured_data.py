"""schema.org JSON-LD that says only what staff have entered: nothing guessed."""

from django.conf import settings

PROLOTHERAPY = {
    "@type": "MedicalTherapy",
    "name": "Prolotherapy",
    "alternateName": ["Proliferation therapy", "Dextrose prolotherapy"],
}


def _without_blanks(data):
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


def clinic_node(clinic):
    return _without_blanks(
        {
            "@type": "MedicalClinic",
            "@id": f"{settings.SITE_URL}/#clinic",
            "name": clinic.name,
            "alternateName": clinic.short_name,
            "url": f"{settings.SITE_URL}/",
            "telephone": clinic.phone,
            "email": clinic.email,
            "address": ", ".join(line.strip() for line in clinic.address.splitlines() if line.strip()),
            "availableService": PROLOTHERAPY,
        }
    )


def physician_node(provider):
    return _without_blanks(
        {
            "@type": "Physician",
            "name": provider.display_name,
            "description": provider.bio,
            "isAcceptingNewPatients": provider.accepting_new_patients,
        }
    )


def clinic_structured_data(clinic, providers):
    return {
        "@context": "https://schema.org",
        "@graph": [clinic_node(clinic), *(physician_node(provider) for provider in providers)],
    }
