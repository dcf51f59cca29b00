"""Reads the token and webhook pages share."""

from api.models import ApiToken, Webhook, WebhookDelivery


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def webhooks():
    return Webhook.objects.order_by("name", "id")


def deliveries_of(webhook: Webhook):
    return WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-id")
