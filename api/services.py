"""Writes of the API app: tokens, webhooks, and the delivery of webhook events."""

import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, Webhook, WebhookDelivery, event_names, hash_key

# --- tokens ----------------------------------------------------------------------------------


@transaction.atomic
def create_token(*, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it and its key, which is never stored and shown only now."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Choose a time in the future."})
    prefix, key = ApiToken.new_key()
    token = ApiToken(user=user, name=name[:100], prefix=prefix, key_hash=hash_key(key), expires_at=expires_at)
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def revoke_token(token: ApiToken, *, user) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    if token.user_id != user.pk:
        raise ValidationError("You can revoke only your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# --- webhook targets -------------------------------------------------------------------------


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_target(url: str) -> list[str]:
    """Refuse anything but http(s) to a public address, so a webhook cannot reach inside
    the server's network. Every address the host resolves to is checked; they are returned
    so the delivery connects to an address that was checked (not a second DNS answer).
    With WEBHOOKS_ALLOW_PRIVATE_TARGETS nothing is resolved and [] is returned."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https"):
        raise ValidationError({"url": "Use an http:// or https:// address."})
    if not parts.hostname:
        raise ValidationError({"url": "Give the address a host name."})
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        return []
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError, ValueError):
        raise ValidationError({"url": f"The host “{parts.hostname}” could not be found."}) from None
    if not addresses or any(_blocked(a) for a in addresses):
        raise ValidationError(
            {
                "url": "This address is on a private, loopback or link-local network; "
                "webhooks may only call public addresses."
            }
        )
    return sorted(addresses)


# --- webhooks --------------------------------------------------------------------------------


@transaction.atomic
def save_webhook(webhook: Webhook, *, user=None) -> Webhook:
    """Create or edit a webhook: a public http(s) target and known events; a new one gets its secret."""
    unknown = [e for e in webhook.events if e not in event_names()]
    if not webhook.events or unknown:
        raise ValidationError({"events": "Choose at least one of the listed events."})
    check_target(webhook.url)
    if not webhook.secret:
        webhook.secret = secrets.token_hex(32)
    if webhook.pk is None and webhook.created_by_id is None and user is not None:
        webhook.created_by = user
    webhook.full_clean()
    webhook.save()
    return webhook


@transaction.atomic
def delete_webhook(webhook: Webhook, *, user=None) -> None:
    webhook.delete()


def _payload(event: str, event_id, data: dict) -> dict:
    return {"id": str(event_id), "event": event, "created_at": timezone.now().isoformat(), "data": data}


def dispatch_event(event: str, data) -> list[WebhookDelivery]:
    """Queue one delivery of `event` for every active webhook that chose it.

    `data` is a dict or a callable returning one (called only when some webhook listens).
    Call it once the change is committed (the signals use transaction.on_commit).
    """
    hooks = [h for h in Webhook.objects.filter(active=True) if event in h.events]
    if not hooks:
        return []
    if callable(data):
        data = data()
    event_id = uuid.uuid4()
    payload = json.loads(json.dumps(_payload(event, event_id, data), cls=DjangoJSONEncoder))
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=hook, event=event, event_id=event_id, payload=payload) for hook in hooks
    )
    for delivery in deliveries:
        _enqueue(delivery)
    return deliveries


@transaction.atomic
def send_test(webhook: Webhook, *, user=None) -> WebhookDelivery:
    """Queue a `webhook.test` delivery to one webhook, whatever events it chose."""
    event_id = uuid.uuid4()
    who = getattr(user, "username", "") if user is not None else ""
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event="webhook.test",
        event_id=event_id,
        payload=_payload("webhook.test", event_id, {"webhook": webhook.name, "sent_by": who}),
    )
    transaction.on_commit(lambda: _enqueue(delivery))
    return delivery


def _enqueue(delivery: WebhookDelivery, *, delay: float = 0) -> None:
    from api.tasks import deliver_webhook

    task = deliver_webhook
    if delay and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    task.enqueue(delivery.pk)


# --- delivery --------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-CRM-Signature header: HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def backoff_seconds(attempt: int) -> float:
    """Wait before attempt `attempt + 1`: WEBHOOK_RETRY_SECONDS (30 s), then 2 min, 8 min, 32 min..."""
    return settings.WEBHOOK_RETRY_SECONDS * 4 ** (attempt - 1)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a given (checked) address while speaking to the URL's host name."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is still checked against the host name."""

    def __init__(self, host, port, *, address, **kwargs):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, context=self._tls, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class DeliveryFailed(Exception):
    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


def _post(webhook: Webhook, delivery: WebhookDelivery, address: str | None) -> int:
    """POST the signed body; redirects are not followed (one could lead inside the network),
    and no proxy from the environment is used: the address checked is the one called."""
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    parts = urlsplit(webhook.url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname, port, address=address or parts.hostname, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "sponsorship-crm-webhooks/1",
                "X-CRM-Event": delivery.event,
                "X-CRM-Delivery": str(delivery.event_id),
                "X-CRM-Signature": sign(webhook.secret, int(time.time()), body),
            },
        )
        response = connection.getresponse()
        response.read(64 * 1024)
    finally:
        connection.close()
    if 300 <= response.status < 400:
        raise DeliveryFailed(
            f"HTTP {response.status}: redirect to {response.getheader('Location', '?')} not followed", response.status
        )
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"HTTP {response.status}: {response.reason}", response.status)
    return response.status


def attempt_delivery(delivery_id: int) -> WebhookDelivery | None:
    """Try one delivery; record the outcome; on failure queue the next attempt with backoff."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery  # deleted with its webhook, or already attempted
    webhook = delivery.webhook
    started = time.monotonic()
    code, error = None, ""
    try:
        if not webhook.active:
            raise ValueError("The webhook is switched off.")
        addresses = check_target(webhook.url)
        code = _post(webhook, delivery, addresses[0] if addresses else None)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except DeliveryFailed as exc:
        code, error = exc.code, str(exc)
    except TimeoutError:
        error = "Timed out"
    except (OSError, ValueError, http.client.HTTPException) as exc:
        error = str(exc) or exc.__class__.__name__
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    delivery.attempted_at = timezone.now()
    delivery.response_code = code
    delivery.error = (error or "")[:500]
    succeeded = not error and code is not None and 200 <= code < 300
    retry = not succeeded and webhook.active and delivery.attempt < settings.WEBHOOK_MAX_ATTEMPTS
    if succeeded:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
    else:
        delivery.status = WebhookDelivery.Status.FAILED if retry else WebhookDelivery.Status.GAVE_UP
    with transaction.atomic():
        delivery.save()
        if retry:
            following = WebhookDelivery.objects.create(
                webhook=webhook,
                event=delivery.event,
                event_id=delivery.event_id,
                payload=delivery.payload,
                attempt=delivery.attempt + 1,
            )
            delay = backoff_seconds(delivery.attempt)
            transaction.on_commit(lambda: _enqueue(following, delay=delay))
    return delivery


# --- two-factor sign-in (django-otp) ---------------------------------------------------------

RECOVERY_CODE_COUNT = 10
TWO_FACTOR_SESSION_KEY = "api_two_factor"


def two_factor_required(user) -> bool:
    """settings.OTP_REQUIRED_FOR_ROLES names the roles (groups) that must use a second factor."""
    roles = set(getattr(settings, "OTP_REQUIRED_FOR_ROLES", []) or [])
    return bool(roles) and user.groups.filter(name__in=roles).exists()


def two_factor_state(user) -> str:
    """ "verify" (has a confirmed device), "enrol" (must set one up) or "off"."""
    from django_otp import user_has_device

    if user_has_device(user, confirmed=True):
        return "verify"
    return "enrol" if two_factor_required(user) else "off"


@transaction.atomic
def start_totp(user):
    """An unconfirmed authenticator-app device for the enrolment page (one at a time)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def _new_recovery_codes(user) -> list[str]:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def confirm_totp(request, device, code: str) -> list[str]:
    """Confirm the app with a first code; returns one-time recovery codes (shown once).
    The session counts as verified from now on."""
    import django_otp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    code = (code or "").strip().replace(" ", "")
    if not device.verify_token(code):
        raise ValidationError({"code": "That code did not match; check the app's clock and try the newest code."})
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    codes = _new_recovery_codes(device.user)
    django_otp.login(request, device)
    request.session[TWO_FACTOR_SESSION_KEY] = "verify"
    return codes


@transaction.atomic
def regenerate_recovery_codes(user) -> list[str]:
    """New recovery codes; the old ones stop working."""
    return _new_recovery_codes(user)


@transaction.atomic
def disable_two_factor(request) -> None:
    """Remove the user's devices, unless their role must use a second factor."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    if two_factor_required(user):
        raise ValidationError("Your role must use two-factor sign-in; it cannot be turned off.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    request.session[TWO_FACTOR_SESSION_KEY] = "off"


class LockedOut(Exception):
    """Too many wrong passwords or codes: django-axes' lock-out applies."""


def verify_second_factor(request, code: str):
    """Check a code from the app or a recovery code; a wrong one counts as a failed sign-in
    for django-axes, so the same lock-out covers both factors."""
    import django_otp
    from axes.handlers.proxy import AxesProxyHandler
    from django.contrib.auth.signals import user_login_failed
    from django_otp import devices_for_user

    user = request.user
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        raise LockedOut
    code = (code or "").strip().replace(" ", "")
    if code:
        # for_verify locks the devices (select_for_update): the loop runs inside the transaction,
        # as PostgreSQL requires, so two requests cannot use one recovery code twice.
        with transaction.atomic():
            for device in devices_for_user(user, confirmed=True, for_verify=True):
                if device.verify_token(code):
                    django_otp.login(request, device)
                    return device
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if AxesProxyHandler.is_locked(request, credentials):
        raise LockedOut
    raise ValidationError({"code": "That code is not right. Use the newest code from your app, or a recovery code."})
