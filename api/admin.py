"""Admin: tokens, webhooks and deliveries to look at. Tokens are made on /api/tokens/ (the
key is shown once) and webhooks on /webhooks/ (targets are checked there), not here."""

from django.contrib import admin

from api.models import ApiToken, Webhook, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    exclude = ["key_hash"]


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ["name", "url", "active", "created_at"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["webhook", "event", "attempt", "status", "response_code", "duration_ms", "created_at"]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
