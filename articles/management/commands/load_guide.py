"""Load the patient guide shipped in articles/content/ into the database.

Idempotent: an article whose slug already exists is left exactly as the editors
left it, so a second run adds nothing and never overwrites their changes.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.guide_content import TOPICS, load_guide
from articles.models import Article, Source, Topic
from articles.revisions import publish_revision, record_revision


class Command(BaseCommand):
    help = "Create the guide's articles and their sources where they are missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be created; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        guide = load_guide()
        existing = set(
            Article.objects.filter(slug__in=[item.slug for item in guide]).values_list("slug", flat=True)
        )
        missing = [item for item in guide if item.slug not in existing]
        verb = "Would create" if dry_run else "Created"
        with transaction.atomic():
            for item in missing:
                self.create_article(item)
                self.stdout.write(f"{verb} article “{item.title}”")
            if dry_run:
                transaction.set_rollback(True)
        if existing and options["verbosity"] > 1:
            self.stdout.write(f"{len(existing)} guide article(s) already present; left unchanged.")

    def create_article(self, item):
        topic, _ = Topic.objects.get_or_create(
            name=item.topic, defaults={"position": TOPICS.index(item.topic)}
        )
        article = Article.objects.create(
            slug=item.slug,
            title=item.title,
            topic=topic,
            position=item.position,
            summary=item.summary,
            body=item.body,
            is_featured=item.position <= 4,
        )
        Source.objects.bulk_create(
            Source(
                article=article, position=number, citation=source.citation, doi=source.doi, note=source.note
            )
            for number, source in enumerate(item.sources, start=1)
        )
        # Published as revision 1, by nobody in particular, and signed off by nobody:
        # the demo never invents a clinician's review.
        publish_revision(record_revision(article, user=None), user=None)
