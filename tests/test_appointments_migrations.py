"""Migration 0008 fills the new search_email column of the requests already stored."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("appointments", "0007_languages")]
AFTER = [("appointments", "0008_search_email")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_stored_requests_get_their_email_in_lower_case_and_anonymised_ones_none():
    from django.utils import timezone

    old = migrate(BEFORE)
    try:
        AppointmentRequest = old.get_model("appointments", "AppointmentRequest")

        def stored(reference, **fields):
            return AppointmentRequest.objects.create(
                reference=reference, name="A patient", areas="knee", phone="+17575550100", **fields
            ).pk

        with_email = stored("AAAA1111", email=" Ana.Lopez@Example.COM")
        without = stored("BBBB2222", email="")
        anonymised = stored("CCCC3333", email="gone@example.com", anonymised_at=timezone.now())

        AppointmentRequest = migrate(AFTER).get_model("appointments", "AppointmentRequest")

        emails = dict(AppointmentRequest.objects.values_list("pk", "search_email"))
        assert emails == {with_email: "ana.lopez@example.com", without: "", anonymised: ""}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
