"""Django admin for partner profiles and the favours ledger."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crm.registry import register_admin_inline
from partners.models import Favour, PartnerProfile


@admin.register(PartnerProfile)
class PartnerProfileAdmin(admin.ModelAdmin):
    list_display = ["organisation", "offer_type", "terms", "status", "regions_covered", "updated_at"]
    list_select_related = ["organisation"]
    list_filter = ["status", "offer_type", "terms"]
    search_fields = ["organisation__name", "offer", "regions_covered", "notes"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["updated_at"]


@admin.register(Favour)
class FavourAdmin(SimpleHistoryAdmin):
    list_display = [
        "description",
        "organisation",
        "direction",
        "status",
        "estimated_value",
        "event",
        "occurred_on",
    ]
    list_select_related = ["organisation", "event"]
    list_filter = ["direction", "status", "event"]
    search_fields = ["description", "organisation__name", "contact__first_name", "contact__last_name"]
    autocomplete_fields = ["organisation", "contact", "event", "logged_by"]
    raw_id_fields = ["in_kind"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"


# --- On the organisation's admin page (crm.registry) ---------------------------------------


class FavourInline(admin.TabularInline):
    model = Favour
    fk_name = "organisation"
    fields = ["direction", "description", "estimated_value", "status", "occurred_on", "event"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")


register_admin_inline("crm.organisation", FavourInline)
