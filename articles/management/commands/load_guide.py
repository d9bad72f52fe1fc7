"""Load the patient guide shipped in articles/content/ into the database, with its translations.

Idempotent: an article whose slug already exists in its language is left exactly as
the editors left it, so a second run adds nothing and never overwrites their changes.
A translation (articles/content/guide/es/) is linked to its English article and
records the fingerprint of the English text it was written from: the shipped file's.
So if editors have changed the English article since, the new translation shows as
out of date at once, rather than claiming to match text it never saw.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.guide_content import TOPICS, load_guide, load_translations
from articles.models import Article, Source, Topic, content_fingerprint
from articles.revisions import publish_revision, record_revision
from prolo_site.languages import Language


def _shipped_sources(item):
    return [
        Source(position=number, citation=source.citation, doi=source.doi, note=source.note)
        for number, source in enumerate(item.sources, start=1)
    ]


def _shipped_fingerprint(item):
    """The fingerprint of a shipped English file, as the revision it is published as has it."""
    shipped = Article(title=item.title, summary=item.summary, body=item.body)
    return content_fingerprint(shipped.content(sources=_shipped_sources(item)))


class Command(BaseCommand):
    help = "Create the guide's articles, their translations and their sources where they are missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be created; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        guide = load_guide()
        shipped = {item.slug: item for item in guide}
        verb = "Would create" if dry_run else "Created"
        present = 0
        with transaction.atomic():
            for language, items in [(Language.ENGLISH, guide)] + [
                (language, load_translations(language))
                for language in Language.values
                if language != Language.ENGLISH
            ]:
                existing = set(
                    Article.objects.in_language(language)
                    .filter(slug__in=[item.slug for item in items])
                    .values_list("slug", flat=True)
                )
                present += len(existing)
                for item in items:
                    if item.slug in existing:
                        continue
                    if language == Language.ENGLISH:
                        self.create_article(item)
                    elif not self.create_translation(item, language, shipped.get(item.translation_of)):
                        self.stdout.write(
                            f"Skipped “{item.title}”: no English article “{item.translation_of}” to translate."
                        )
                        continue
                    self.stdout.write(f"{verb} article “{item.title}”")
            if dry_run:
                transaction.set_rollback(True)
        if present and options["verbosity"] > 1:
            self.stdout.write(f"{present} guide article(s) already present; left unchanged.")

    def create_article(self, item, **fields):
        if "topic" not in fields:
            fields["topic"], _ = Topic.objects.get_or_create(
                name=item.topic, defaults={"position": TOPICS.index(item.topic)}
            )
        article = Article.objects.create(
            slug=item.slug,
            title=item.title,
            position=item.position,
            summary=item.summary,
            body=item.body,
            is_featured=item.position <= 4,
            **fields,
        )
        sources = _shipped_sources(item)
        for source in sources:
            source.article = article
        Source.objects.bulk_create(sources)
        # Published as revision 1, by nobody in particular, and signed off by nobody:
        # the demo never invents a clinician's review.
        publish_revision(record_revision(article, user=None), user=None)
        return article

    def create_translation(self, item, language, shipped_original):
        original = Article.objects.in_language(Language.ENGLISH).filter(slug=item.translation_of).first()
        if original is None:
            return None
        return self.create_article(
            item,
            language=language,
            translation_of=original,
            topic=original.topic,
            translated_from_fingerprint=_shipped_fingerprint(shipped_original) if shipped_original else "",
        )
