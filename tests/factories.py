"""Plain factory functions for test data."""

from django.utils import timezone

from articles.models import Article, Source, Topic
from articles.revisions import publish_revision, record_revision
from prolo_site.models import Clinic, Page, Provider


def make_clinic(**overrides):
    data = {"name": "Orthopaedic & Spine Center", "short_name": "OSC", "phone": "(757) 596-1900"}
    data.update(overrides)
    return Clinic.objects.create(**data)


def make_provider(**overrides):
    data = {
        "name": "Jenny L. F. Andrus",
        "credentials": "MD",
        "slug": "jenny-andrus",
        "offers_telehealth": True,
    }
    data.update(overrides)
    return Provider.objects.create(**data)


def make_page(**overrides):
    data = {
        "title": "Privacy notice",
        "slug": "privacy",
        "summary": "What we collect and why.",
        "body": "## What we collect\n\nOnly what we need to call you back.",
    }
    data.update(overrides)
    return Page.objects.create(**data)


# --- The guide ---------------------------------------------------------------


def make_topic(name="The basics", position=0):
    return Topic.objects.get_or_create(name=name, defaults={"position": position})[0]


def make_article(*, sources=1, status=Article.Status.PUBLISHED, published_at=None, **overrides):
    """An article with its sources, saved as revision 1: published (a day ago, or scheduled
    for ``published_at`` if that is later), or a draft."""
    data = {
        "title": "What is prolotherapy?",
        "slug": "what-is-prolotherapy",
        "summary": "Prolotherapy is a series of injections into a painful ligament or tendon.",
        "body": "## What it is\n\nAn injection of dextrose [1].\n\n## Who offers it\n\nOrthopedic clinics [1].",
    }
    data.update(overrides)
    data.setdefault("topic", make_topic())
    article = Article.objects.create(**data)
    for number in range(1, sources + 1):
        make_source(article, position=number)
    revision = record_revision(article, user=None)
    if status == Article.Status.PUBLISHED:
        # Set directly, as rows from before the publication checks may be (a test of them needs it).
        when = published_at or timezone.now() - timezone.timedelta(days=1)
        if when > timezone.now():
            Article.objects.filter(pk=article.pk).update(scheduled_revision=revision, scheduled_for=when)
        else:
            Article.objects.filter(pk=article.pk).update(
                published_revision=revision,
                status=Article.Status.PUBLISHED,
                published_at=when,
                live_since=when,
            )
        article.refresh_from_db()
    return article


def make_translation(original, *, sources=1, **overrides):
    """A published Spanish translation of `original`, made from its current text."""
    data = {
        "title": "¿Qué es la proloterapia?",
        "slug": "que-es-la-proloterapia",
        "summary": "La proloterapia es una serie de inyecciones en un ligamento o tendón que duele.",
        "body": "## Qué es\n\nUna inyección de dextrosa [1].\n\n## Quién la ofrece\n\nClínicas de ortopedia [1].",
        "language": "es",
        "translation_of": original,
        "topic": original.topic,
    }
    data.update(overrides)
    translation = make_article(sources=sources, **data)
    translation.mark_translation_current()
    return translation


def make_page_translation(original, **overrides):
    data = {
        "title": "Aviso de privacidad",
        "slug": "privacidad",
        "summary": "Qué datos recogemos y por qué.",
        "body": "## Qué recogemos\n\nSolo lo que necesitamos para llamarlo.",
        "language": "es",
        "translation_of": original,
    }
    data.update(overrides)
    return Page.objects.create(**data)


def put_live(article):
    """Record the editing copy as a revision and show it on the site at once, unchecked
    (as rows from before the publication checks may be)."""
    revision = record_revision(article, user=None) or article.latest_revision
    Article.objects.filter(pk=article.pk).update(
        published_revision=revision, status=Article.Status.PUBLISHED, live_since=timezone.now()
    )
    article.refresh_from_db()
    return revision


def publish_changes(article, user=None):
    """Record the editing copy as a revision and put it live now, as an editor would."""
    revision = record_revision(article, user=user) or article.latest_revision
    publish_revision(revision, user=user)
    article.refresh_from_db()
    return revision


def make_source(article, position=1, **overrides):
    data = {
        "citation": f"Author {position}. A study of dextrose. J Test. 2016;{position}:1-9.",
        "doi": f"10.1000/test.{position}",
    }
    data.update(overrides)
    return Source.objects.create(article=article, position=position, **data)


# --- Appointments ------------------------------------------------------------

import importlib  # noqa: E402

from django.apps import apps as django_apps  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402

from appointments.models import AppointmentRequest, ContactAttempt, new_reference  # noqa: E402
from appointments.submission import Submission  # noqa: E402


def appointment_request_answers(**overrides):
    """A complete, valid POST for the request form (as the browser sends it)."""
    data = {
        "name": "Maria Example",
        "patient_type": "new",
        "contact_method": "phone",
        "phone": "(757) 555-0142",
        "email": "maria@example.com",
        "best_time": "morning",
        "visit_type": "in_person",
        "preferred_provider": "",
        "areas": ["knee", "lower_back"],
        "message": "",
        "interpreter_language": "",
        "access_needs": "",
        "acknowledged_not_emergency": "on",
        "website": "",
    }
    data.update(overrides)
    return data


# One valid answer to each of the patient's questions (AppointmentRequest.PATIENT_ANSWERS),
# cleaned, as the service and the model take them.
PATIENT_ANSWERS_EXAMPLE = {
    "name": "Maria Example",
    "phone": "+17575550142",
    "email": "maria@example.com",
    "contact_method": AppointmentRequest.ContactMethod.PHONE,
    "best_time": AppointmentRequest.BestTime.MORNING,
    "patient_type": AppointmentRequest.PatientType.NEW,
    "visit_type": AppointmentRequest.VisitType.IN_PERSON,
    "preferred_provider": None,
    "areas": ["knee", "lower_back"],
    "message": "",
    "needs_interpreter": False,
    "interpreter_language": "",
    "access_needs": "",
    "acknowledged_not_emergency": True,
}


def appointment_submission(*, submission_token=None, is_spam=False, **answers):
    """A complete, valid Submission as the form's submission() builds it."""
    return Submission(
        answers={**PATIENT_ANSWERS_EXAMPLE, **answers}, submission_token=submission_token, is_spam=is_spam
    )


def make_appointment_request(**overrides):
    """A stored request, as if sent a moment ago and its emails already out."""
    received_at = overrides.get("received_at") or timezone.now()
    data = {
        **PATIENT_ANSWERS_EXAMPLE,
        "areas": ",".join(PATIENT_ANSWERS_EXAMPLE["areas"]),
        "reference": new_reference(),
        "received_at": received_at,
        "front_desk_notified_at": received_at,
        "patient_notified_at": received_at,
    }
    data.update(overrides)
    return AppointmentRequest.objects.create(**data)


def make_contact_attempt(appointment_request, **overrides):
    data = {"outcome": ContactAttempt.Outcome.VOICEMAIL, "note": "Left a message."}
    data.update(overrides)
    return ContactAttempt.objects.create(appointment_request=appointment_request, **data)


def front_desk_group():
    """The group the data migration makes (re-made after a transactional test's flush)."""
    migration = importlib.import_module("appointments.migrations.0002_front_desk_group")
    migration.create_front_desk_group(django_apps, None)
    importlib.import_module("appointments.migrations.0006_front_desk_queue_data").update_group(
        django_apps, None
    )
    return Group.objects.get(name=migration.GROUP_NAME)


def guide_groups():
    """The Editors and Clinical reviewers groups their data migrations make (re-made after a flush)."""
    for name, function in (
        ("articles.migrations.0002_editors_group", "create_editors_group"),
        ("articles.migrations.0006_clinical_reviewers_group", "create_clinical_reviewers_group"),
    ):
        getattr(importlib.import_module(name), function)(django_apps, None)


FRONT_DESK_PASSWORD = "front-desk-password-1"


def make_front_desk_user(username="frontdesk", password=FRONT_DESK_PASSWORD, **overrides):
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=True, **overrides
    )
    user.groups.add(front_desk_group())
    return user
