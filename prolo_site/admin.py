"""Admin for the clinic's details, providers and site pages."""

from django.contrib import admin
from django.utils.html import format_html

from prolo_site.models import Clinic, Page, Provider


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "offers_telehealth", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "phone", "email"]}),
        (
            "Where and when",
            {"fields": ["address", "opening_hours", "callback_time", "out_of_hours", "offers_telehealth"]},
        ),
        ("Languages", {"fields": ["interpreters_free"]}),
        ("Cost", {"fields": ["price", "insurance"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["display_name", "offers_telehealth", "accepting_new_patients", "is_active", "position"]
    list_editable = ["position"]
    list_filter = ["is_active", "offers_telehealth", "accepting_new_patients"]
    search_fields = ["name", "credentials"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [
        "name", "credentials", "slug", "bio", "photo", "photo_alt",
        "offers_telehealth", "accepting_new_patients", "is_active", "position", "user",
    ]  # fmt: skip

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # only a staff account can log in to sign off articles
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "language",
        "view_link",
        "is_published",
        "show_in_footer",
        "position",
        "updated_at",
    ]
    list_filter = ["language", "is_published", "show_in_footer"]
    list_select_related = ["translation_of"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}

    @admin.display(description="Page")
    def view_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url())
