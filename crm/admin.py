"""Django admin for the core CRM models.

OrganisationAdmin carries contacts inline, plus the inlines other apps register
for what hangs off an organisation (pledges, in-kind offers, favours): see
crm.registry.register_admin_inline.
"""

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from crm import registry
from crm.models import (
    CalendarFeed,
    Contact,
    Event,
    FollowUp,
    ImportBatch,
    ImportMapping,
    Interaction,
    Organisation,
    ReminderDigest,
    Tag,
)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


# --- Inlines on OrganisationAdmin ----------------------------------------------------------


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["first_name", "last_name", "email", "job_title", "phone", "do_not_contact"]
    extra = 0
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "roles_display", "sector", "city", "owner", "updated_at"]
    list_select_related = ["owner"]
    list_filter = [
        "is_sponsor",
        "is_supplier",
        "is_training_provider",
        "is_public_body",
        "sector",
        "tags",
    ]
    search_fields = ["name", "name_key", "city", "website"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["tags"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["name", "sector", "website", "city", "owner"]}),
        ("Roles", {"fields": ["is_sponsor", "is_supplier", "is_training_provider", "is_public_body"]}),
        ("More", {"fields": ["tags", "notes", "source", "created_at", "updated_at"]}),
    ]
    inlines = [ContactInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_inlines(self, request, obj):
        """Contacts, then what other apps hang off an organisation (crm.registry)."""
        return [*self.inlines, *registry.admin_inlines("crm.organisation")]

    @admin.display(description="roles")
    def roles_display(self, obj):
        # The roles are boolean columns on the row itself: no query per row.
        return ", ".join(obj.role_labels)


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = [
        "full_name_display",
        "email",
        "organisation",
        "job_title",
        "owner",
        "lawful_basis",
        "do_not_contact",
    ]
    list_select_related = ["organisation", "owner"]
    list_filter = ["do_not_contact", "lawful_basis", "tags"]
    search_fields = ["first_name", "last_name", "email", "job_title", "organisation__name"]
    autocomplete_fields = ["organisation", "owner"]
    filter_horizontal = ["tags"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"

    @admin.display(description="name", ordering="last_name")
    def full_name_display(self, obj):
        return obj.full_name or "—"


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "venue", "capacity", "sponsorship_target", "in_kind_target"]
    search_fields = ["name", "venue"]
    date_hierarchy = "date"


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "direction", "summary", "organisation", "contact", "logged_by"]
    list_select_related = ["organisation", "contact", "logged_by"]
    list_filter = ["kind", "direction"]
    search_fields = [
        "summary",
        "outcome",
        "organisation__name",
        "contact__first_name",
        "contact__last_name",
        "contact__email",
    ]
    autocomplete_fields = ["organisation", "contact", "logged_by"]
    readonly_fields = ["created_at"]
    date_hierarchy = "occurred_at"


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["title", "due_date", "status", "assignee", "organisation", "contact"]
    list_select_related = ["assignee", "organisation", "contact"]
    list_filter = ["status"]
    search_fields = ["title", "notes", "organisation__name", "contact__first_name", "contact__last_name"]
    autocomplete_fields = ["assignee", "organisation", "contact", "created_by"]
    raw_id_fields = ["pledge", "favour", "interaction"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "due_date"


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """A record of what an import did; undoing one goes through the app, not the admin."""

    list_display = [
        "id",
        "file_name",
        "target",
        "status",
        "created_by",
        "created_at",
        "new_count",
        "updated_count",
        "unchanged_count",
        "skipped_count",
        "error_count",
    ]
    list_select_related = ["created_by"]
    list_filter = ["target", "status"]
    search_fields = ["file_name"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "target", "created_by", "created_at"]
    list_select_related = ["created_by"]
    list_filter = ["target"]
    search_fields = ["name"]
    autocomplete_fields = ["created_by"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):
    list_display = ["user", "sent_on", "item_count", "sent_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    date_hierarchy = "sent_on"
