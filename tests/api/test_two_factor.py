"""Two-factor sign-in: enrolment with a local QR code, recovery codes, the verify step,
the lock-out after wrong codes, the setting that makes it mandatory, tokens unaffected."""

import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.services import create_token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def current_code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def enrol(client, user):
    page = client.get(reverse("api:otp_setup"))
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # QR drawn here, inline
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("api:otp_setup"), {"action": "confirm", "code": current_code(device)})
    codes = re.findall(r'<li class="col">([a-z0-9]+)</li>', response.content.decode())
    assert len(codes) == 10
    return TOTPDevice.objects.get(pk=device.pk), codes


def test_enrol_then_sign_in_asks_for_a_code(client, staff):
    sign_in(client, staff)
    assert client.get(reverse("crm:contact_list")).status_code == 200  # not enrolled: nothing asked
    response = client.post(reverse("api:otp_setup"), {"action": "confirm", "code": "000000"})
    assert "did not match" in response.content.decode()
    device, _codes = enrol(client, staff)
    assert device.confirmed

    client.post(reverse("logout"))
    sign_in(client, staff)
    response = client.get(reverse("crm:contact_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("api:otp_verify"))
    assert client.get("/api/contacts/").status_code == 302  # the session is not enough for the API either
    response = client.post(reverse("api:otp_verify"), {"code": "123456", "next": "/contacts/"})
    assert "not right" in response.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.last_t = -1  # as if a new 30-second step had begun (a code is never accepted twice)
    device.save()
    response = client.post(reverse("api:otp_verify"), {"code": current_code(device), "next": "/contacts/"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert client.get(reverse("crm:contact_list")).status_code == 200


def test_a_recovery_code_works_once(client, staff):
    sign_in(client, staff)
    _, codes = enrol(client, staff)
    client.post(reverse("logout"))
    sign_in(client, staff)
    response = client.post(reverse("api:otp_verify"), {"code": codes[0], "next": "/contacts/"})
    assert response["Location"] == "/contacts/"
    assert StaticToken.objects.filter(device__user=staff).count() == 9
    client.post(reverse("logout"))
    sign_in(client, staff)
    response = client.post(reverse("api:otp_verify"), {"code": codes[0]})
    assert response.status_code == 200 and "not right" in response.content.decode()


def test_wrong_codes_lock_the_account_out_like_wrong_passwords(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client, staff)
    enrol(client, staff)
    client.post(reverse("logout"))
    sign_in(client, staff)
    for _ in range(2):
        assert client.post(reverse("api:otp_verify"), {"code": "111111"}).status_code == 200
    response = client.post(reverse("api:otp_verify"), {"code": "111111"})
    assert response.status_code == 429 and "Too many failed" in response.content.decode()
    assert "_auth_user_id" not in client.session  # signed out
    response = client.post(reverse("login"), {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 429  # the password alone no longer gets in either


def test_the_setting_makes_it_mandatory_for_chosen_roles(client, staff, committee, settings):
    settings.OTP_REQUIRED_FOR_ROLES = ["Organiser", "Staff"]
    sign_in(client, staff)
    response = client.get(reverse("crm:contact_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("api:otp_setup"))
    page = client.get(reverse("api:otp_setup")).content.decode()
    assert "must use two-factor" in page
    enrol(client, staff)
    assert client.get(reverse("crm:contact_list")).status_code == 200
    response = client.post(reverse("api:otp_setup"), {"action": "disable"}, follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).exists()

    other = type(client)()
    sign_in(other, committee)
    assert other.get(reverse("crm:contact_list")).status_code == 200  # the committee is not listed


def test_api_tokens_are_not_affected(client, staff, settings):
    settings.OTP_REQUIRED_FOR_ROLES = ["Staff"]
    _, key = create_token(user=staff, name="script")
    response = client.get("/api/contacts/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_turning_it_off_and_new_recovery_codes(client, organiser):
    sign_in(client, organiser)
    _, codes = enrol(client, organiser)
    response = client.post(reverse("api:otp_setup"), {"action": "recovery"})
    new = re.findall(r'<li class="col">([a-z0-9]+)</li>', response.content.decode())
    assert len(new) == 10 and not set(new) & set(codes)
    client.post(reverse("api:otp_setup"), {"action": "disable"})
    assert not TOTPDevice.objects.filter(user=organiser).exists()
    client.post(reverse("logout"))
    sign_in(client, organiser)
    assert client.get(reverse("crm:contact_list")).status_code == 200


def test_verify_page_sends_users_without_a_device_on(client, staff):
    sign_in(client, staff)
    response = client.get(reverse("api:otp_verify") + "?next=https://evil.example/")
    assert response.status_code == 302 and response["Location"] == reverse("crm:home")
