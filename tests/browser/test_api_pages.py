"""Browser journeys of the API app: a token made and used, the docs page drawing the schema,
a webhook set up and tested, two-factor enrolment and sign-in. No CSP violations anywhere."""

import re
import time

import pytest
import requests
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from api.models import Webhook

pytestmark = pytest.mark.browser

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + (e.sourceFile || '') + ':' + e.lineNumber
));
"""


def shoot(page, screenshot_dir, name):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{screenshot_dir}/api-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})  # the whole navbar in one row


def violations(page):
    return page.evaluate("window.__csp")


def test_a_token_is_made_shown_once_and_works(page, live_server, sign_in, staff, screenshot_dir):
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(staff)
    page.goto(f"{live_server.url}/api/tokens/")
    page.get_by_label("Name").fill("Spreadsheet script")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("Token", exact=True).input_value()
    assert re.fullmatch(r"crm_[0-9a-f]{8}_[\w-]+", key)
    shoot(page, screenshot_dir, "tokens")
    assert violations(page) == []
    response = requests.get(f"{live_server.url}/api/contacts/", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert response.status_code == 200 and "results" in response.json()

    page.get_by_role("button", name="Revoke Spreadsheet script").click()
    expect(page.get_by_text("no longer works")).to_be_visible()
    assert (
        requests.get(
            f"{live_server.url}/api/contacts/", headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).status_code
        == 401
    )


def test_the_docs_page_draws_the_schema_from_local_files(page, live_server, sign_in, committee, screenshot_dir):
    page.add_init_script(COLLECT_VIOLATIONS)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None)
    sign_in(committee)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("/api/pledges/{id}/move/").first).to_be_visible(timeout=15000)
    shoot(page, screenshot_dir, "docs")
    assert outside == [] and violations(page) == []


def test_the_docs_list_the_resources_invoicing_and_mail_register(page, live_server, sign_in, committee, screenshot_dir):
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(committee)
    page.goto(f"{live_server.url}/api/docs/")
    for path in ("/api/invoices/", "/api/credit-notes/", "/api/payments/", "/api/emails/{id}/"):
        expect(page.get_by_text(path, exact=True).first).to_be_visible(timeout=15000)
    payments = page.locator("#operations-payments-payments_create")
    payments.get_by_role("button").first.click()  # open "POST /api/payments/" and its request body
    expect(payments).to_contain_text("paying the balance in full moves the pledge to Paid", timeout=10000)
    expect(payments).to_contain_text('"invoice"')
    payments.scroll_into_view_if_needed()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        payments.screenshot(path=f"{screenshot_dir}/api-docs-payments-{width}.png")
    assert violations(page) == []


def test_the_organiser_sets_up_a_webhook_and_sends_a_test(
    page, live_server, sign_in, organiser, settings, screenshot_dir
):
    page.add_init_script(COLLECT_VIOLATIONS)
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    sign_in(organiser)
    page.goto(f"{live_server.url}/webhooks/new/")
    page.get_by_label("Name").fill("Sponsor wall")
    page.get_by_label("Target URL").fill("http://192.168.1.20/hook")
    page.get_by_label("Pledge paid").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_url_errors")).to_contain_text("private, loopback or link-local")
    shoot(page, screenshot_dir, "webhook-form-error")
    page.get_by_label("Target URL").fill("https://93.184.216.34/hook")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Webhook “Sponsor wall”")).to_be_visible()
    page.get_by_role("button", name="Send a test").click()
    expect(page.get_by_text("test delivery is queued")).to_be_visible()
    expect(page.get_by_role("cell", name="webhook.test")).to_be_visible()
    shoot(page, screenshot_dir, "webhook-detail")
    assert Webhook.objects.get().secret == page.get_by_label("Signing secret").input_value()
    assert violations(page) == []


def code_for(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_two_factor_enrolment_and_the_second_step(page, live_server, sign_in, staff, screenshot_dir):
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(staff)
    page.goto(f"{live_server.url}/account/two-factor/")
    qr = page.get_by_role("img", name="QR code to add this account to an authenticator app")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert page.evaluate("document.querySelector('.qr-code').naturalWidth") > 0  # the SVG really draws
    shoot(page, screenshot_dir, "two-factor-setup")
    device = TOTPDevice.objects.get(user=staff)
    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_test_id("recovery-codes")).to_be_visible()
    shoot(page, screenshot_dir, "two-factor-codes")
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10

    page.get_by_test_id("account-menu").click()  # signing out is in the account menu
    page.get_by_role("button", name="Sign out").click()
    sign_in(staff)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    shoot(page, screenshot_dir, "two-factor-verify")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("user-role")).to_have_text("Staff")
    assert violations(page) == []
