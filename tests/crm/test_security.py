"""Sign-in lock-out, session and cookie settings, the Content-Security-Policy header and CSRF."""

import base64
import datetime
import hashlib
from pathlib import Path

import lxml.html
import plotly
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.views.auth import LOCKED_OUT_MESSAGE
from tests.conftest import PASSWORD
from tests.crm import factories

LOGIN_URL = "/accounts/login/"


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times, ip="10.0.0.1"):
    return [sign_in(client, username, "wrong-password", ip).status_code for _ in range(times)]


# --- Lock-out after failed sign-ins (django-axes) ------------------------------------------------


def test_four_wrong_passwords_then_the_right_one_signs_in(organiser):
    client = Client()
    assert fail(client, organiser.username, 4) == [200] * 4
    response = sign_in(client, organiser.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("crm:home")


def test_five_wrong_passwords_lock_the_user_out_with_a_clear_message(organiser):
    client = Client()
    statuses = fail(client, organiser.username, 5)
    assert statuses[:4] == [200] * 4 and statuses[4] == 429
    # Even the right password is refused now, on the sign-in page with the reason.
    response = sign_in(client, organiser.username, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_OUT_MESSAGE in page
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in page
    assert 'name="password"' in page  # still the app's own sign-in page
    assert "_auth_user_id" not in client.session


def test_the_lock_out_is_per_username_and_address(organiser, staff):
    client = Client()
    fail(client, organiser.username, 5, ip="10.0.0.1")
    # The same person from another address, and another user from the same address, still sign in.
    assert sign_in(Client(), organiser.username, PASSWORD, ip="10.0.0.2").status_code == 302
    assert sign_in(Client(), staff.username, PASSWORD, ip="10.0.0.1").status_code == 302


@pytest.mark.clock
def test_the_lock_out_ends_after_15_minutes(organiser):
    client = Client()
    fail(client, organiser.username, 5)
    assert sign_in(client, organiser.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert sign_in(Client(), organiser.username, PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(organiser):
    client = Client()
    fail(client, organiser.username, 4)
    assert sign_in(client, organiser.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert fail(client, organiser.username, 4) == [200] * 4  # a fresh five, not one left


def test_behind_nginx_the_lock_out_uses_the_forwarded_address(organiser, settings):
    settings.BEHIND_PROXY = True
    client = Client()
    for _ in range(5):
        client.post(
            LOGIN_URL,
            {"username": organiser.username, "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"  # nginx's entry, not the client's claim
    # Another person behind the same proxy is not locked out with them.
    response = Client().post(
        LOGIN_URL,
        {"username": organiser.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert response.status_code == 302


def test_failed_sign_ins_are_recorded(organiser):
    fail(Client(), organiser.username, 2, ip="10.9.8.7")
    attempt = AccessAttempt.objects.get(username=organiser.username)
    assert attempt.failures_since_start == 2 and attempt.ip_address == "10.9.8.7"


def test_axes_settings():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == 0.25
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True


# --- Sessions and cookies ----------------------------------------------------------------------


def test_session_and_cookie_settings():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SECURE_REFERRER_POLICY == "same-origin"
    assert settings.SECURE_CROSS_ORIGIN_OPENER_POLICY == "same-origin"


def test_the_session_cookie_is_http_only_and_lasts_a_working_day(organiser):
    response = sign_in(Client(), organiser.username, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 12 * 60 * 60


def test_security_headers_on_a_page(client, organiser):
    client.force_login(organiser)
    response = client.get(reverse("crm:organisation_list"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- Content-Security-Policy -------------------------------------------------------------------


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", [LOGIN_URL, "/dashboard/", "/organisations/"])
def test_every_page_carries_a_strict_csp(path, client, organiser):
    if path != LOGIN_URL:
        client.force_login(organiser)
    directives = csp_directives(client.get(path))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    for name, sources in directives.items():
        assert "'unsafe-inline'" not in sources, f"{name} allows unsafe-inline"
        assert "'unsafe-eval'" not in sources, f"{name} allows unsafe-eval"
        assert "*" not in sources, f"{name} allows any origin"


def sha256_source(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_plotly_style_hashes_match_the_bundled_plotly():
    """plotly.js writes MapLibre's CSS into a <style> element; a plotly upgrade changes its hash."""
    bundle = (Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    marker = "e.textContent='"
    start = bundle.index(marker, bundle.index('createElement("style");e.id=')) + len(marker)
    css = bundle[start : bundle.index("'", start)]
    assert "\\" not in css and ".maplibregl-map" in css
    expected = {sha256_source(""), sha256_source(css)}
    assert set(settings.PLOTLY_STYLE_HASHES) == expected, (
        f"plotly changed: set PLOTLY_STYLE_HASHES in crm/settings.py to {sorted(expected)}"
    )
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert set(settings.PLOTLY_STYLE_HASHES) <= set(directives["style-src-elem"])
    assert directives["style-src"] == ["'self'"] and directives["style-src-attr"] == ["'none'"]


# --- CSRF --------------------------------------------------------------------------------------

MAIN_PAGES = [
    "dashboards:dashboard",
    "dashboards:dashboard_inkind",
    "dashboards:dashboard_partners",
    "dashboards:dashboard_activity",
    "crm:organisation_list",
    "crm:organisation_create",
    "crm:contact_list",
    "crm:contact_create",
    "crm:followup_list",
    "crm:followup_create",
    "quicklog:quick_log",
    "spreadsheets:import_list",
    "spreadsheets:import_upload",
    "crm:search",
    "sponsors:pledge_list",
    "sponsors:pledge_board",
    "sponsors:pledge_create",
    "sponsors:inkind_list",
    "sponsors:inkind_create",
    "partners:partner_list",
    "partners:favour_list",
    "partners:favour_create",
]


@pytest.fixture
def records(organiser):
    ev = factories.event()
    org = factories.busy_organisation(ev, owner=organiser, name="Acme Digital")
    return {"organisation": org, "contact": org.contacts.first(), "pledge": org.pledges.first()}


def post_forms(html):
    return [form for form in lxml.html.fromstring(html).forms if (form.method or "").lower() == "post"]


def test_every_post_form_on_the_main_pages_carries_the_csrf_token(client, organiser, records):
    client.force_login(organiser)
    urls = [reverse(name) for name in MAIN_PAGES] + [
        reverse("crm:organisation_detail", args=[records["organisation"].pk]),
        reverse("crm:organisation_update", args=[records["organisation"].pk]),
        reverse("crm:contact_detail", args=[records["contact"].pk]),
        reverse("sponsors:pledge_detail", args=[records["pledge"].pk]),
    ]
    checked = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for form in post_forms(response.content):
            names = [el.get("name") for el in form.inputs]
            assert "csrfmiddlewaretoken" in names, f"a POST form on {url} (action={form.action!r}) has no CSRF token"
            checked += 1
    assert checked >= len(MAIN_PAGES)  # the forms were there to check (the quick log in the navbar, at least)


def test_a_post_without_the_csrf_token_is_refused(organiser, records):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    from crm.models import Interaction

    before = Interaction.objects.count()
    response = client.post(
        reverse("quicklog:quick_log"),
        {
            "organisation": records["organisation"].pk,
            "kind": "call",
            "summary": "Forged",
        },
    )
    assert response.status_code == 403
    assert Interaction.objects.count() == before


def test_the_sign_in_form_needs_the_csrf_token(organiser):
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, organiser.username, PASSWORD).status_code == 403
    # With the token from the page, it works.
    page = client.get(LOGIN_URL)
    token = lxml.html.fromstring(page.content).forms[-1].fields["csrfmiddlewaretoken"]
    response = client.post(
        LOGIN_URL, {"username": organiser.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
