"""The editors' admin: edit, preview, compare, restore, schedule and publish revisions; clinicians sign off."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from articles.compare import compare_revisions
from articles.models import Article, ArticleRevision, ArticleSignOff, Source, Topic, content_fingerprint
from articles.revisions import (
    can_sign_off,
    cancel_schedule,
    is_signed_off,
    publication_refusals,
    publish_revision,
    record_revision,
    restore_revision,
    sign_off_revision,
    unpublish_article,
)
from articles.views import render_revision
from prolo_site.images import NOT_AN_IMAGE

MAX_PREVIEW_SOURCES = 200


class SourceInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("citation")
        ]
        numbers = [form.cleaned_data["position"] for form in kept]
        if len(numbers) != len(set(numbers)):
            raise ValidationError("Two sources have the same number. Give each source its own number.")


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
            ("overdue", "Overdue for review or never reviewed"),
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
                translated_from_fingerprint=F("translation_of__published_revision__fingerprint")
            )
        return queryset


class ArticleAdminForm(forms.ModelForm):
    """The editing copy. Nobody types a reviewer or a review date: sign-offs record them."""

    class Meta:
        model = Article
        # An allow-list: where the article stands (status, revisions, sign-offs) is
        # never a form field, whatever a POST carries.
        fields = [
            "language",
            "translation_of",
            "title",
            "slug",
            "topic",
            "position",
            "summary",
            "body",
            "is_featured",
            "author_name",
            "next_review_due",
            "hero_image",
            "hero_alt",
            "hero_credit",
            "hero_is_sensitive",
        ]

    translation_is_current = forms.BooleanField(
        label="This translation now says what the English says",
        required=False,
        help_text="Tick when you have brought the translation up to date with its English article: "
        "it is then no longer marked out of date. A new translation is taken as current.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a form (one saved before there were languages), the article keeps its own.
        self.fields["language"].required = False

    def clean_language(self):
        return self.cleaned_data["language"] or self.instance.language

    def clean_next_review_due(self):
        due = self.cleaned_data.get("next_review_due")
        latest = self.instance.latest_review_allowed()
        if due is not None and due > latest:
            raise ValidationError(
                f"A review can be brought forward, not put off: choose {latest:%d %B %Y} or earlier."
            )
        return due


def _date_time(moment):
    return f"{timezone.localtime(moment):%d %b %Y %H:%M}"


def editorial_status(article):
    """The plain-text labels of the article list's Status column."""
    labels = []
    if article.status == Article.Status.PUBLISHED:
        labels.append("Published")
    elif article.status == Article.Status.UNPUBLISHED:
        labels.append("Unpublished")
    elif not article.scheduled_for:
        labels.append("Draft")
    if article.scheduled_for:
        labels.append(f"Scheduled for {_date_time(article.scheduled_for)}")
    if article.last_sign_off_id is None and article.legacy_reviewed_on is None:
        labels.append("Unreviewed")
    elif article.is_public and not article.published_is_signed:
        labels.append("Changed since review")
    newer = article.latest_revision_id and article.latest_revision_id != article.published_revision_id
    if newer and not article.latest_is_signed:
        labels.append("Waiting for sign-off")
    if article.next_review_due and article.next_review_due < timezone.localdate() and article.is_public:
        labels.append("Overdue for review")
    return labels


def _signed(fingerprint_field):
    return Exists(
        ArticleSignOff.objects.filter(
            revision__article=OuterRef("pk"), revision__fingerprint=OuterRef(fingerprint_field)
        )
    )


class PublishForm(forms.Form):
    when = forms.ChoiceField(
        label="When should this revision go live?",
        choices=[("now", "Now"), ("later", "At the date and time below")],
        widget=forms.RadioSelect,
        initial="now",
    )
    at = forms.DateTimeField(
        label="Date and time (the clinic's time zone)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "later":
            at = cleaned.get("at")
            if at is None:
                self.add_error("at", "Choose the date and time it should go live, or choose Now.")
            elif at <= timezone.now():
                self.add_error("at", "Choose a time in the future, or choose Now.")
        return cleaned


class SignOffForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="For the editors, for example what you checked. Not shown on the site.",
    )


class UnpublishForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What should readers of its address see?",
        choices=[
            ("gone", "A page saying the article has been removed (410 Gone)"),
            ("redirect", "Another article, chosen below"),
        ],
        widget=forms.RadioSelect,
        initial="gone",
    )
    redirect_to = forms.ModelChoiceField(
        label="Send readers to", queryset=Article.objects.none(), required=False
    )

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["redirect_to"].queryset = (
            Article.objects.filter(status=Article.Status.PUBLISHED).exclude(pk=article.pk).order_by("title")
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == "redirect" and not cleaned.get("redirect_to"):
            self.add_error("redirect_to", "Choose the article readers should be sent to.")
        return cleaned


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    inlines = [SourceInline]
    list_display = [
        "title", "language", "translation_status", "topic", "editorial_status", "review_due", "is_featured",
        "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "language", TranslationFilter, ReviewOverdueFilter, "topic", "is_featured"]
    list_select_related = ["topic"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "publishing",
        "review",
        "hero_preview",
        "translation_status",
        "created_at",
        "updated_at",
    ]
    actions = ["publish_now"]
    save_on_top = True
    # The form field's own check comes first; it says what our upload check says.
    formfield_overrides = {models.ImageField: {"error_messages": {"invalid_image": NOT_AN_IMAGE}}}
    fieldsets = [
        (
            "Language",
            {
                "fields": ["language", "translation_of", "translation_status", "translation_is_current"],
                "description": "A translation links to its English article. When the English publishes "
                "a change, the translation is marked out of date (here and in the list) and its page tells "
                "readers, with a link to the English, until someone updates it and ticks the box below.",
            },
        ),
        (
            None,
            {
                "fields": ["title", "slug", "topic", "position", "summary", "body", "is_featured"],
                "description": "Saving records a new revision. The site keeps showing the published "
                "revision until you publish another from the article's revisions.",
            },
        ),
        ("Publishing", {"fields": ["publishing"]}),
        ("Authorship and review", {"fields": ["author_name", "review", "next_review_due"]}),
        (
            "Image",
            {"fields": ["hero_image", "hero_preview", "hero_alt", "hero_credit", "hero_is_sensitive"]},
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "topic",
                "published_revision",
                "latest_revision",
                "last_sign_off__provider",
                "translation_of__published_revision",
            )
            .annotate(
                published_is_signed=_signed("published_revision__fingerprint"),
                latest_is_signed=_signed("latest_revision__fingerprint"),
            )
        )

    @admin.display(description="Status")
    def editorial_status(self, article):
        return "; ".join(editorial_status(article))

    @admin.display(description="Next review", ordering="next_review_due")
    def review_due(self, article):
        if article.next_review_due is None:
            return "—"
        if article.is_review_overdue and article.next_review_due < timezone.localdate():
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

    @admin.display(description="On the site")
    def publishing(self, article):
        if not article.pk:
            return "Save the article first: it becomes a draft, and you publish it from its revisions."
        return format_html(
            '{}. <a href="{}">Revisions: preview, compare, restore, publish or schedule</a>',
            "; ".join(editorial_status(article)),
            reverse("admin:articles_article_revisions", args=[article.pk]),
        )

    @admin.display(description="Clinical review")
    def review(self, article):
        if not article.pk:
            return "A clinician signs off a revision from the article's revisions."
        if article.last_sign_off_id:
            sign_off = article.last_sign_off
            return format_html(
                "Last signed off by {} on {} (revision {}). Only a clinician can sign off, from the revisions.",
                sign_off.provider.display_name,
                timezone.localtime(sign_off.signed_at).strftime("%d %b %Y"),
                sign_off.revision.number,
            )
        if article.legacy_reviewed_on:
            return (
                f"Last clinically reviewed {article.legacy_reviewed_on:%d %b %Y} (recorded before sign-offs)."
            )
        return "Never signed off. Only a clinician can sign off, from the revisions."

    @admin.display(description="Current image")
    def hero_preview(self, article):
        if not article.hero:
            return "No image"
        return format_html(
            '<img src="{}" alt="{}" width="240">',
            article.hero.smallest_src,
            article.hero_alt,
        )

    # --- saving: every change of content is a revision; the live page stays ----------

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        revision = record_revision(article, user=request.user)
        if revision is None:
            return
        if article.is_public:
            self.message_user(
                request,
                f"Saved as revision {revision.number}, a draft. The site still shows revision "
                f"{article.published_revision.number} until you publish the new one from Revisions.",
                messages.WARNING,
            )
        else:
            self.message_user(request, f"Saved as revision {revision.number}, a draft.", messages.INFO)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is not None and obj.was_ever_public:
            return request.user.has_perm("articles.delete_published_article")
        return True

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("articles.delete_published_article"):
            actions.pop("delete_selected", None)  # the bulk delete does not ask per article
        return actions

    @admin.action(
        description="Publish the latest revision of the selected articles now", permissions=["change"]
    )
    def publish_now(self, request, queryset):
        published = []
        for article in queryset.select_related("latest_revision"):
            revision = article.latest_revision
            if revision is None or (revision.pk == article.published_revision_id and article.is_public):
                continue
            reasons = publication_refusals(revision, going_live=True)
            if reasons:
                self.message_user(
                    request, f"“{article}” was not published: {' '.join(reasons)}", messages.ERROR
                )
                continue
            publish_revision(revision, user=request.user)
            published.append(article)
        if published:
            self.message_user(request, f"Published {len(published)} article(s).", messages.SUCCESS)

    # --- the revision pages -----------------------------------------------------------

    def get_urls(self):
        pages = [
            ("<int:object_id>/revisions/", self.revisions_view, "articles_article_revisions"),
            ("<int:object_id>/revisions/compare/", self.compare_view, "articles_article_compare"),
            (
                "<int:object_id>/revisions/<int:number>/publish/",
                self.publish_view,
                "articles_article_publish",
            ),
            (
                "<int:object_id>/revisions/<int:number>/restore/",
                self.restore_view,
                "articles_article_restore",
            ),
            (
                "<int:object_id>/revisions/<int:number>/sign-off/",
                self.sign_off_view,
                "articles_article_sign_off",
            ),
            ("<int:object_id>/unschedule/", self.unschedule_view, "articles_article_unschedule"),
            ("<int:object_id>/unpublish/", self.unpublish_view, "articles_article_unpublish"),
            ("<int:object_id>/preview/", self.preview_view, "articles_article_preview"),
        ]
        return [
            path(route, self.admin_site.admin_view(function), name=name) for route, function, name in pages
        ] + super().get_urls()

    def _article(self, request, object_id, *, change=False):
        article = get_object_or_404(self.get_queryset(request), pk=object_id)
        allowed = (
            self.has_change_permission(request, article)
            if change
            else self.has_view_permission(request, article)
        )
        if not allowed:
            raise PermissionDenied
        return article

    def _page(self, request, article, template, title, **context):
        return TemplateResponse(
            request,
            f"admin/articles/article/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "article": article,
                "title": title,
                "subtitle": article.title,
                **context,
            },
        )

    def revisions_view(self, request, object_id):
        article = self._article(request, object_id)
        revisions = list(
            article.revisions.prefetch_related("sign_offs__provider").select_related("created_by")
        )
        # A sign-off covers every revision with the same content (a restore of signed text).
        signed = {}
        for revision in reversed(revisions):
            for sign_off in revision.sign_offs.all():
                signed[revision.fingerprint] = sign_off
        rows = [
            {
                "revision": revision,
                "state": self._revision_state(article, revision),
                "sign_off": signed.get(revision.fingerprint),
            }
            for revision in revisions
        ]
        return self._page(
            request,
            article,
            "revisions.html",
            f"Revisions of “{article.title}”",
            rows=rows,
            status=editorial_status(article),
            can_change=self.has_change_permission(request, article),
            can_sign_off=can_sign_off(request.user),
            needs_sign_off=self._needs_sign_off(),
            compare_from=article.published_revision or (revisions[1] if len(revisions) > 1 else None),
            compare_to=revisions[0] if revisions else None,
        )

    @staticmethod
    def _needs_sign_off():
        return settings.PUBLISH_NEEDS_SIGN_OFF

    @staticmethod
    def _revision_state(article, revision):
        if revision.pk == article.published_revision_id:
            return "Published" if article.is_public else "Was published (the article is unpublished)"
        if revision.pk == article.scheduled_revision_id:
            return f"Scheduled for {_date_time(article.scheduled_for)}"
        if revision.pk == article.latest_revision_id:
            return "Draft (latest)"
        return "Earlier revision"

    def compare_view(self, request, object_id):
        article = self._article(request, object_id)
        wanted = [request.GET.get(name, "") for name in ("from", "to")]
        found = {
            revision.number: revision
            for revision in article.revisions.filter(number__in=[int(v) for v in wanted if v.isdigit()])
        }
        if not all(value.isdigit() and int(value) in found for value in wanted):
            self.message_user(request, "Choose two of the article's revisions to compare.", messages.ERROR)
            return redirect("admin:articles_article_revisions", article.pk)
        old, new = found[int(wanted[0])], found[int(wanted[1])]
        return self._page(
            request,
            article,
            "compare.html",
            f"Revision {old.number} compared with revision {new.number}",
            old=old,
            new=new,
            parts=compare_revisions(old, new),
        )

    def publish_view(self, request, object_id, number):
        article = self._article(request, object_id, change=True)
        revision = get_object_or_404(article.revisions, number=number)
        form = PublishForm(request.POST or None)
        problems = publication_refusals(revision, going_live=False)
        if request.method == "POST" and form.is_valid() and not problems:
            at = form.cleaned_data["at"] if form.cleaned_data["when"] == "later" else None
            try:
                publish_revision(revision, user=request.user, at=at)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if at:
                    message = (
                        f"Revision {revision.number} is scheduled for {_date_time(at)}. "
                        "The site shows the current text until then."
                    )
                else:
                    message = f"Revision {revision.number} is live now."
                self.message_user(request, message, messages.SUCCESS)
                return redirect("admin:articles_article_revisions", article.pk)
        return self._page(
            request,
            article,
            "publish.html",
            f"Publish revision {revision.number}",
            revision=revision,
            form=form,
            problems=problems,
            needs_sign_off=self._needs_sign_off(),
            is_signed_off=is_signed_off(revision),
        )

    def restore_view(self, request, object_id, number):
        article = self._article(request, object_id, change=True)
        revision = get_object_or_404(article.revisions, number=number)
        if request.method == "POST":
            restored = restore_revision(revision, user=request.user)
            self.message_user(
                request,
                f"Revision {revision.number} is restored as revision {restored.number}, a draft. "
                "The site shows the published revision until you publish it.",
                messages.SUCCESS,
            )
            return redirect("admin:articles_article_revisions", article.pk)
        return self._page(
            request, article, "restore.html", f"Restore revision {revision.number}", revision=revision
        )

    def sign_off_view(self, request, object_id, number):
        article = self._article(request, object_id)
        if not can_sign_off(request.user):
            raise PermissionDenied
        revision = get_object_or_404(article.revisions, number=number)
        form = SignOffForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            sign_off_revision(revision, user=request.user, note=form.cleaned_data["note"])
            self.message_user(
                request,
                f"You signed off revision {revision.number} of “{article.title}”.",
                messages.SUCCESS,
            )
            return redirect("admin:articles_article_revisions", article.pk)
        return self._page(
            request,
            article,
            "sign_off.html",
            f"Sign off revision {revision.number}",
            revision=revision,
            form=form,
            provider=request.user.provider,
        )

    def unschedule_view(self, request, object_id):
        article = self._article(request, object_id, change=True)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        cancel_schedule(article)
        self.message_user(request, "The schedule is cancelled; the site is unchanged.", messages.SUCCESS)
        return redirect("admin:articles_article_revisions", article.pk)

    def unpublish_view(self, request, object_id):
        article = self._article(request, object_id, change=True)
        if not article.is_public:
            self.message_user(request, "This article is not on the site.", messages.INFO)
            return redirect("admin:articles_article_revisions", article.pk)
        form = UnpublishForm(request.POST or None, article=article)
        if request.method == "POST" and form.is_valid():
            redirect_to = (
                form.cleaned_data["redirect_to"] if form.cleaned_data["outcome"] == "redirect" else None
            )
            unpublish_article(article, redirect_to=redirect_to)
            self.message_user(request, f"“{article.title}” is off the site.", messages.SUCCESS)
            return redirect("admin:articles_article_revisions", article.pk)
        return self._page(request, article, "unpublish.html", f"Unpublish “{article.title}”", form=form)

    def preview_view(self, request, object_id):
        """The edit form's text as the article's page, without saving anything."""
        article = self._article(request, object_id, change=True)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        revision = self._typed_revision(article, request.POST)
        return render_revision(request, article, revision)

    @staticmethod
    def _typed_revision(article, data):
        sources = []
        try:
            total = min(int(data.get("sources-TOTAL_FORMS", 0)), MAX_PREVIEW_SOURCES)
        except ValueError:
            total = 0
        for index in range(total):
            prefix = f"sources-{index}-"
            citation = data.get(prefix + "citation", "").strip()
            position = data.get(prefix + "position", "")
            if not citation or not position.isdigit() or data.get(prefix + "DELETE"):
                continue
            sources.append(
                {
                    "position": int(position),
                    "citation": citation,
                    "doi": data.get(prefix + "doi", "").strip(),
                    "url": data.get(prefix + "url", "").strip(),
                    "note": data.get(prefix + "note", "").strip(),
                }
            )
        keep_image = bool(article.hero_image) and not data.get("hero_image-clear")
        revision = ArticleRevision(
            article=article,
            title=data.get("title", "")[:120],
            summary=data.get("summary", ""),
            body=data.get("body", ""),
            sources=sorted(sources, key=lambda source: source["position"]),
            hero_image=article.hero_image.name if keep_image else "",
            hero_alt=data.get("hero_alt", ""),
            hero_credit=data.get("hero_credit", ""),
            hero_is_sensitive=bool(data.get("hero_is_sensitive")),
            hero_renditions=article.hero_renditions if keep_image else {},
        )
        revision.fingerprint = content_fingerprint(revision.content())
        return revision


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
