"""Personal API tokens: stored hashed, shown once, revocable, expiring, rate-limited."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, hash_key
from api.services import create_token

pytestmark = pytest.mark.django_db


def bearer(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_only_the_hash_is_stored_and_last_use_is_recorded(organiser):
    token, key = create_token(user=organiser, name="Ticketing")
    assert key.startswith(f"crm_{token.prefix}_") and key not in str(ApiToken.objects.values().get())
    assert token.key_hash == hash_key(key) and token.last_used_at is None
    assert bearer(key).get("/api/contacts/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer", "Bearer crm_nope_nope", "Bearer a b", "Bearer \xff"])
def test_bad_tokens_are_401_json(client, db, header):
    response = client.get("/api/contacts/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and response.json()["detail"]


@pytest.mark.clock
def test_expired_and_revoked_tokens_are_refused(organiser):
    token, key = create_token(user=organiser, name="Short", expires_at=timezone.now() + datetime.timedelta(hours=1))
    assert bearer(key).get("/api/contacts/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = bearer(key).get("/api/contacts/")
    assert response.status_code == 401 and "expired" in response.json()["detail"]

    token, key = create_token(user=organiser, name="Other")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = bearer(key).get("/api/contacts/")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_token_of_an_inactive_user_is_refused(organiser):
    _, key = create_token(user=organiser, name="x")
    organiser.is_active = False
    organiser.save()
    assert bearer(key).get("/api/contacts/").status_code == 401


def test_a_token_can_do_only_what_its_user_can(committee):
    _, key = create_token(user=committee, name="x")
    assert bearer(key).get("/api/contacts/").status_code == 200
    response = bearer(key).post("/api/contacts/", {"first_name": "Ann"}, format="json")
    assert response.status_code == 403 and response.json()["detail"]


def test_requests_over_the_rate_get_429_with_retry_after(organiser, settings):
    cache.clear()
    from rest_framework.settings import api_settings

    from api.throttling import TokenRateThrottle

    TokenRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "api_token": "3/minute"}
    try:
        _, key = create_token(user=organiser, name="busy")
        _, other = create_token(user=organiser, name="quiet")
        codes = [bearer(key).get("/api/events/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = bearer(key).get("/api/events/")
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert bearer(other).get("/api/events/").status_code == 200  # per token, not per user
    finally:
        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()


def test_create_api_token_command_prints_the_token_alone_on_the_last_line(organiser):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "org", "--name", "Website", stdout=out, stderr=err)
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("crm_") and " " not in key
    assert ApiToken.objects.get(key_hash=hash_key(key)).name == "Website"
    assert bearer(key).get("/api/events/").status_code == 200
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_tokens_page_shows_a_new_token_once_and_revokes(client, staff, organiser):
    client.force_login(staff)
    page = client.get(reverse("api:token_list"))
    assert page.status_code == 200 and "No tokens yet" in page.content.decode()
    response = client.post(reverse("api:token_list"), {"name": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(reverse("api:token_list"), {"name": "Spreadsheet script"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=staff)
    key = html.split('id="new-token-key" type="text" readonly value="')[1].split('"')[0]
    assert token.key_hash == hash_key(key)
    assert key not in client.get(reverse("api:token_list")).content.decode()  # shown once

    other, _ = create_token(user=organiser, name="Not yours")
    assert client.post(reverse("api:token_revoke", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    response = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert "Revoked" in response.content.decode()
    assert bearer(key).get("/api/events/").status_code == 401


def test_a_token_in_the_past_is_refused_on_the_page(client, staff):
    client.force_login(staff)
    response = client.post(reverse("api:token_list"), {"name": "Old", "expires_at": "2001-01-01T10:00"})
    assert "future" in response.content.decode() and not ApiToken.objects.exists()
