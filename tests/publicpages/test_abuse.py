"""What keeps scripts and floods off the public form: a honeypot, a minimum fill time, a signed
start time, a size limit on every field and the request, and a per-address rate limit."""

import time

import pytest
from django.core import signing
from django.test import Client

from publicpages.forms import LIMITS, SIGNER_SALT, started_token
from publicpages.models import Application
from sponsors.models import Pledge

URL = "/sponsor/launch-2027/"


def nothing_written():
    return not Pledge.objects.exists() and not Application.objects.exists()


def test_the_honeypot_refuses_with_a_clear_message_and_keeps_the_answers(page, form_data, no_portal):
    response = Client().post(URL, form_data(fax_number="+44 113 000"))
    assert response.status_code == 400 and nothing_written()
    assert "a field meant to stay empty was filled in" in response.text
    assert 'value="Acme Digital Ltd"' in response.text  # the answers come back, ready to send again
    assert 'value="+44 113 000"' not in response.text  # but not the hidden field


def test_a_form_sent_faster_than_a_person_can_fill_it_is_refused(page, form_data, settings, no_portal):
    settings.PUBLICPAGES_MIN_FILL_SECONDS = 3
    response = Client().post(URL, form_data(started=started_token(time.time() - 1)))
    assert response.status_code == 400 and nothing_written()
    assert "quicker than a person can fill in the form" in response.text
    response = Client().post(URL, form_data(started=started_token(time.time() - 4)))
    assert response.status_code == 200 and Pledge.objects.count() == 1


STARTS = {
    "unsigned": (lambda: "not-signed", "This form could not be checked"),
    "other-salt": (lambda: signing.dumps(0, salt="another.salt"), "This form could not be checked"),
    "missing": (lambda: "", "This form could not be checked"),
    "two-days-old": (
        lambda: signing.dumps(int(time.time()) - 2 * 86400, salt=SIGNER_SALT),
        "open for more than a day",
    ),
}


@pytest.mark.parametrize("case", sorted(STARTS))
def test_a_forged_missing_or_stale_start_time_is_refused(page, form_data, case, no_portal):
    make, message = STARTS[case]
    started = make()
    response = Client().post(URL, form_data(started=started))
    assert response.status_code == 400 and nothing_written()
    assert message in response.text


def test_a_stale_start_time_cannot_be_rewound_by_the_sender(page, form_data, no_portal):
    """The start time is signed, not trusted: a script cannot post a time in the past it did not get."""
    token = started_token(time.time() - 600)
    forged = token.replace(token.split(":")[0], signing.b62_encode(int(time.time()) - 3600), 1)
    response = Client().post(URL, form_data(started=forged))
    assert response.status_code == 400 and "could not be checked" in response.text and nothing_written()


@pytest.mark.parametrize("field", sorted(LIMITS))
def test_every_field_has_a_size_limit(page, form_data, field, no_portal):
    limit = LIMITS[field]
    value = "x" * (limit + 1)
    if field == "email":
        value = "a" * (limit - 10) + "@example.org"
    if field == "website":
        value = "https://example.org/" + "a" * limit
    response = Client().post(URL, form_data(**{field: value}))
    assert response.status_code == 400 and nothing_written()
    assert f"Keep this to {limit:,} characters or fewer." in response.text or "at most" in response.text


def test_an_oversized_request_is_refused_before_it_is_read(page, form_data, no_portal):
    response = Client().post(URL, form_data(message="x" * 40_000))
    assert response.status_code == 413 and nothing_written()
    assert "too long to send" in response.text


def test_applications_are_rate_limited_per_address_with_retry_after(page, form_data, settings, no_portal):
    settings.PUBLICPAGES_APPLY_LIMIT = 2
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [client.post(URL, form_data(email=f"p{i}@acme.example")).status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    response = client.post(URL, form_data(email="p9@acme.example"))
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 3600
    assert "Too many requests from your network. Please try again in" in response.text
    assert Pledge.objects.count() == 2
    # Another address is not held back by the first one's limit.
    assert Client(REMOTE_ADDR="198.51.100.2").post(URL, form_data(email="q@other.example")).status_code == 200


def test_page_views_are_rate_limited_too(page, settings):
    settings.PUBLICPAGES_PAGE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.8")
    assert [client.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_wall_is_rate_limited(page, settings):
    settings.PUBLICPAGES_WALL_LIMIT = 2
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.get("/sponsors/launch-2027.json").status_code for _ in range(2)]
    codes.append(client.get("/sponsors/launch-2027/").status_code)
    assert codes == [200, 200, 429]
