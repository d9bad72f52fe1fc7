"""ReusableQuery: the form POST's queries, compiled once and run with new values."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import AppointmentRequest
from appointments.prepared_query import ReusableQuery
from tests.factories import make_appointment_request

pytestmark = pytest.mark.django_db


def recent_by_email(email, since, *, limit):
    built.append((email, since, limit))
    return (
        AppointmentRequest.objects.filter(email=email, received_at__gte=since)
        .order_by("-received_at")
        .values_list("name", "received_at")[:limit]
    )


built = []


def test_compiled_once_then_run_with_each_calls_values_as_the_orm_would():
    built.clear()
    query = ReusableQuery(AppointmentRequest, recent_by_email, fields=("email", "received_at"))
    now = timezone.now()
    for name, email, hours in [
        ("Ana", "ana@example.com", 1),
        ("Bo", "bo@example.com", 2),
        ("Cy", "ana@example.com", 5),
    ]:
        make_appointment_request(name=name, email=email, received_at=now - timedelta(hours=hours))

    for email, hours, limit in [
        ("ana@example.com", 3, 5),
        ("ana@example.com", 6, 5),
        ("bo@example.com", 6, 5),
    ]:
        since = now - timedelta(hours=hours)
        expected = list(recent_by_email(email, since, limit=limit))
        assert query.rows(email, since, limit=limit) == expected
    assert [row[0] for row in query.rows("ana@example.com", now - timedelta(hours=6), limit=5)] == [
        "Ana",
        "Cy",
    ]
    assert query.rows("nobody@example.com", now - timedelta(hours=6), limit=5) == []
    # Built (and compiled) once for the query, once more for another LIMIT; the rest above
    # are the test's own ORM queries.
    built.clear()
    query.rows("bo@example.com", now - timedelta(hours=6), limit=5)
    assert built == []
    assert [row[0] for row in query.rows("ana@example.com", now - timedelta(hours=6), limit=1)] == ["Ana"]
    assert len(built) == 1


def test_a_query_whose_parameters_are_not_its_values_is_refused_when_compiled():
    shifted = ReusableQuery(
        AppointmentRequest,
        lambda email, since: AppointmentRequest.objects.filter(
            email=email, received_at__gte=since - timedelta(days=1)
        ).values_list("pk"),
        fields=("email", "received_at"),
    )
    with pytest.raises(ValueError, match="cannot be reused"):
        shifted.rows("ana@example.com", timezone.now())

    with pytest.raises(TypeError):
        ReusableQuery(AppointmentRequest, recent_by_email, fields=("email",)).rows(
            "a", timezone.now(), limit=1
        )


def test_a_query_that_matches_nothing_runs_no_sql(django_assert_num_queries):
    nothing = ReusableQuery(
        AppointmentRequest, lambda: AppointmentRequest.objects.filter(pk__in=[]).values_list("pk"), fields=()
    )
    with django_assert_num_queries(0):
        assert nothing.rows() == []
