"""The editors' admin: draft, preview, schedule, publish and keep articles reviewed."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html

from articles.models import Article, Source, Topic
from prolo_site.images import NOT_AN_IMAGE


class SourceInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.instance.status != Article.Status.PUBLISHED:
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("citation")
        ]
        numbers = [form.cleaned_data["position"] for form in kept]
        if len(numbers) != len(set(numbers)):
            raise ValidationError("Two sources have the same number. Give each source its own number.")
        # The article form shows the problems with the article's own fields.
        problems = self.instance.publication_problems(source_numbers=numbers)
        reasons = [problem.message for problem in problems if problem.field == "sources"]
        if reasons:
            raise ValidationError(reasons)


class SourceInline(admin.StackedInline):  # stacked: every field gets a label
    model = Source
    formset = SourceInlineFormSet
    fields = ["position", "citation", "doi", "url", "note"]
    ordering = ["position"]
    extra = 1
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})},
        models.URLField: {"assume_scheme": "https"},
    }


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue for review"),
            ("scheduled", "Review date set"),
            ("none", "No review date"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.review_overdue()
        if self.value() == "scheduled":
            return queryset.filter(next_review_due__isnull=False)
        if self.value() == "none":
            return queryset.filter(next_review_due__isnull=True)
        return queryset


class TranslationFilter(admin.SimpleListFilter):
    title = "translation"
    parameter_name = "translation"

    def lookups(self, request, model_admin):
        return [("out_of_date", "Out of date (the English changed since)")]

    def queryset(self, request, queryset):
        if self.value() == "out_of_date":
            return queryset.filter(translation_of__isnull=False).exclude(
                translated_from_fingerprint=F("translation_of__content_fingerprint")
            )
        return queryset


class ArticleAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a form (one saved before there were languages), the article keeps its own.
        self.fields["language"].required = False

    def clean_language(self):
        return self.cleaned_data["language"] or self.instance.language

    translation_is_current = forms.BooleanField(
        label="This translation now says what the English says",
        required=False,
        help_text="Tick when you have brought the translation up to date with its English article: "
        "it is then no longer marked out of date. A new translation is taken as current.",
    )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    inlines = [SourceInline]
    list_display = [
        "title", "language", "translation_status", "topic", "publication", "review_due", "is_featured", "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "language", TranslationFilter, ReviewOverdueFilter, "topic", "is_featured"]
    list_select_related = ["topic", "translation_of"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview_link", "hero_preview", "translation_status", "created_at", "updated_at"]
    actions = ["publish_now", "return_to_draft"]
    save_on_top = True
    # The form field's own check comes first; it says what our upload check says.
    formfield_overrides = {models.ImageField: {"error_messages": {"invalid_image": NOT_AN_IMAGE}}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "topic", "position", "summary", "body", "is_featured"]}),
        (
            "Language",
            {
                "fields": ["language", "translation_of", "translation_status", "translation_is_current"],
                "description": "A translation links to its English article. When the English changes, "
                "the translation is marked out of date (here and in the list) and its page tells readers, "
                "with a link to the English, until someone updates it and ticks the box below.",
            },
        ),
        (
            "Publishing",
            {
                "fields": ["status", "published_at", "preview_link"],
                "description": "Drafts, and articles scheduled for a later time, are visible only to staff.",
            },
        ),
        ("Authorship and review", {"fields": ["author_name", "reviewer", "reviewed_on", "next_review_due"]}),
        (
            "Image",
            {"fields": ["hero_image", "hero_preview", "hero_alt", "hero_credit", "hero_is_sensitive"]},
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Status", ordering="published_at")
    def publication(self, article):
        if article.status == Article.Status.DRAFT:
            return "Draft"
        if article.published_at > timezone.now():
            return f"Scheduled for {timezone.localtime(article.published_at):%d %b %Y %H:%M}"
        return "Published"

    @admin.display(description="Next review", ordering="next_review_due")
    def review_due(self, article):
        if article.next_review_due is None:
            return "—"
        if article.is_review_overdue:
            return format_html(
                "<strong>Overdue since {}</strong>", article.next_review_due.strftime("%d %b %Y")
            )
        return article.next_review_due.strftime("%d %b %Y")

    @admin.display(description="Translation")
    def translation_status(self, article):
        if not article.translation_of_id:
            return "—"
        if article.is_translation_out_of_date:
            return format_html(
                "<strong>Out of date</strong>: the English “{}” changed since", article.translation_of
            )
        return "Up to date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.translation_of_id and (form.cleaned_data.get("translation_is_current") or not change):
            obj.mark_translation_current()

    @admin.display(description="Preview")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article first, then preview it here."
        return format_html(
            '<a href="{}">See this article on the site</a> (drafts are visible only to staff)',
            article.get_absolute_url(),
        )

    @admin.display(description="Current image")
    def hero_preview(self, article):
        if not article.hero:
            return "No image"
        return format_html(
            '<img src="{}" alt="{}" width="240">',
            article.hero.smallest_src,
            article.hero_alt,
        )

    @admin.action(description="Publish the selected articles now", permissions=["change"])
    def publish_now(self, request, queryset):
        published = []
        for article in queryset.prefetch_related("sources"):
            problems = article.publication_problems(
                source_numbers=[source.position for source in article.sources.all()]
            )
            if problems:
                needs = [problem.need for problem in problems]
                listed = ", ".join(needs[:-1]) + " and " + needs[-1] if len(needs) > 1 else needs[0]
                self.message_user(
                    request, f"“{article}” was not published: it needs {listed}.", messages.ERROR
                )
                continue
            if not article.is_public:
                article.status = Article.Status.PUBLISHED
                article.published_at = timezone.now()
                article.save()
                published.append(article)
        if published:
            self.message_user(request, f"Published {len(published)} article(s).", messages.SUCCESS)

    @admin.action(description="Return the selected articles to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        for article in queryset:
            article.status = Article.Status.DRAFT
            article.save()
        self.message_user(request, f"{queryset.count()} article(s) are drafts now.", messages.SUCCESS)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
