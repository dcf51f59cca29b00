"""Tables of the webhook pages."""

import django_tables2 as tables

from api.models import Webhook, WebhookDelivery


class WebhookTable(tables.Table):
    name = tables.Column(linkify=True)
    events = tables.Column(accessor="event_labels", orderable=False)

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "active", "created_at"]
        empty_text = "No webhooks yet."

    def render_events(self, value):
        return ", ".join(value)


class DeliveryTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="Queued", format="j M Y H:i:s")
    attempted_at = tables.DateTimeColumn(verbose_name="Attempted", format="j M Y H:i:s")
    duration_ms = tables.Column(verbose_name="Duration (ms)")

    class Meta:
        model = WebhookDelivery
        fields = ["created_at", "event", "attempt", "status", "response_code", "duration_ms", "attempted_at", "error"]
        empty_text = "Nothing delivered yet."
        order_by = "-created_at"
