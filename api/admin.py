"""Admin: tokens can be seen and revoked (never their keys); webhooks and their log."""
from django.contrib import admin

from api.models import ApiToken, Webhook, WebhookDelivery


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook", "event", "attempt", "status", "response_code", "duration_ms", "created_at"]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
