"""List the articles overdue for review, or never reviewed, and email the editors about them.

Safe to run from cron (say, every Monday): it only reads articles and sends one email.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

EDITORS_GROUP = "Editors"


class Command(BaseCommand):
    help = "Print the articles on the site whose next review date has passed or that were never reviewed, and email the editors."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the list and the recipients; send nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        today = timezone.localdate()
        overdue = list(Article.objects.review_overdue(today).order_by("next_review_due", "title"))
        if not overdue:
            self.stdout.write(self.style.SUCCESS("No article is overdue for review."))
            return

        lines = [
            f"- {article.title} ({_why(article, today)}): "
            f"{settings.SITE_URL}{reverse('admin:articles_article_revisions', args=[article.pk])}"
            for article in overdue
        ]
        self.stdout.write(f"{len(overdue)} article(s) overdue for review or never reviewed:")
        self.stdout.write("\n".join(lines))

        recipients = sorted(
            get_user_model()
            .objects.filter(is_active=True, groups__name=EDITORS_GROUP)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        if not recipients:
            self.stdout.write(self.style.WARNING("No editor has an email address: nobody was emailed."))
            return
        if dry_run:
            self.stdout.write(f"Dry run: would email {', '.join(recipients)}.")
            return
        send_mail(
            subject=f"{len(overdue)} guide article(s) overdue for review",
            message="These articles have passed their next review date, or no clinician has reviewed them:\n\n"
            + "\n".join(lines)
            + "\n",
            from_email=None,
            recipient_list=recipients,
        )
        self.stdout.write(self.style.SUCCESS(f"Emailed {len(recipients)} editor(s)."))


def _why(article, today):
    if article.last_sign_off_id is None and article.legacy_reviewed_on is None:
        return "never clinically reviewed"
    return f"review was due {article.next_review_due:%d %b %Y}"
