"""Migration 0008 fills the new search_email column of the requests already stored."""

import pytest

from tests.helpers import migrated_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("appointments", "0007_languages")]
AFTER = [("appointments", "0008_search_email")]


def test_stored_requests_get_their_email_in_lower_case_and_anonymised_ones_none():
    from django.utils import timezone

    with migrated_to(BEFORE) as (migrator, old):
        AppointmentRequest = old.get_model("appointments", "AppointmentRequest")

        def stored(reference, **fields):
            return AppointmentRequest.objects.create(
                reference=reference, name="A patient", areas="knee", phone="+17575550100", **fields
            ).pk

        with_email = stored("AAAA1111", email=" Ana.Lopez@Example.COM")
        without = stored("BBBB2222", email="")
        anonymised = stored("CCCC3333", email="gone@example.com", anonymised_at=timezone.now())

        AppointmentRequest = migrator.migrate(AFTER).get_model("appointments", "AppointmentRequest")

        emails = dict(AppointmentRequest.objects.values_list("pk", "search_email"))
        assert emails == {with_email: "ana.lopez@example.com", without: "", anonymised: ""}
