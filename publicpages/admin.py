from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from publicpages.models import Application, InKindCredit, PublicPage


@admin.register(PublicPage)
class PublicPageAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "event", "prospectus_on", "application_on", "wall_on", "invite_on_application"]
    raw_id_fields = ["event", "owner"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["submitted_at", "page", "pledge", "matched_organisation", "invited"]
    raw_id_fields = ["page", "pledge", "organisation", "contact"]
    readonly_fields = ["submitted", "ip_hash", "submitted_at", "consent_at"]


@admin.register(InKindCredit)
class InKindCreditAdmin(SimpleHistoryAdmin):
    list_display = ["contribution", "credit_publicly"]
    raw_id_fields = ["contribution"]
