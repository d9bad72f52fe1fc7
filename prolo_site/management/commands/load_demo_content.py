"""Load the clinic's demo content: its details, providers, site pages and the guide.

Idempotent: a row that already exists is left exactly as staff left it, so a
second run adds nothing and never overwrites an editor's changes.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from prolo_site.front_matter import read_front_matter
from prolo_site.languages import Language
from prolo_site.models import Clinic, Page, Provider

PAGES_DIR = Path(__file__).resolve().parents[2] / "content" / "pages"

# Only what the clinic's own page states (shared/content/FACTS.md). The rest
# patients look for (Clinic.PATIENT_FACTS: address, hours, call-back time, price,
# insurance...) and the provider's biography are not in the sources: they stay
# blank for staff to enter, and the admin's home page lists them until they do.
CLINIC = {
    "name": "Orthopaedic & Spine Center",
    "short_name": "OSC",
    "phone": "(757) 596-1900",
    "offers_telehealth": True,
}
PROVIDERS = [
    {"slug": "jenny-andrus", "name": "Jenny L. F. Andrus", "credentials": "MD", "offers_telehealth": True},
]


class Command(BaseCommand):
    help = "Create the demo clinic, providers, pages and guide articles where they are missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be created; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            created = self.load_clinic() + self.load_providers() + self.load_pages()
            if dry_run:
                transaction.set_rollback(True)
        verb = "Would create" if dry_run else "Created"
        for item in created:
            self.stdout.write(f"{verb} {item}")
        call_command("load_guide", dry_run=dry_run, stdout=self.stdout, verbosity=options["verbosity"])
        if not created and options["verbosity"] > 1:
            self.stdout.write("Clinic details and providers already present; left unchanged.")
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))

    def load_clinic(self):
        if Clinic.objects.exists():
            return []
        clinic = Clinic.objects.create(**CLINIC)
        return [f"clinic details for {clinic}"]

    def load_pages(self):
        """The English pages, then each translation folder (pages/es/...: the same front
        matter plus `translation_of`, the English page's slug) where it exists."""
        created = []
        for language in Language.values:
            folder = PAGES_DIR if language == Language.ENGLISH else PAGES_DIR / language
            for path in sorted(folder.glob("*.md")):
                meta, body = read_front_matter(path)
                defaults = {"title": meta["title"], "summary": meta["summary"], "body": body}
                if language == Language.ENGLISH:
                    defaults["position"] = meta["position"]
                else:
                    original = Page.objects.filter(
                        language=Language.ENGLISH, slug=meta["translation_of"]
                    ).first()
                    if original is None:
                        continue  # nothing to translate: the English page was deleted or renamed
                    defaults.update(translation_of=original, position=meta.get("position", original.position))
                page, was_created = Page.objects.get_or_create(
                    language=language, slug=meta["slug"], defaults=defaults
                )
                if was_created:
                    created.append(f"page “{page}”")
        return created

    def load_providers(self):
        created = []
        for data in PROVIDERS:
            provider, was_created = Provider.objects.get_or_create(slug=data["slug"], defaults=data)
            if was_created:
                created.append(f"provider {provider}")
        return created
