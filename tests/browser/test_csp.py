"""The app's own pages run under the strict Content-Security-Policy without a single violation.

A violation means an inline <script>, a style="" attribute, a CDN file or similar slipped in:
the browser blocks it (so something on the page silently breaks) and reports it here.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from crm.models import Contact, Organisation
from sponsors.models import Pledge

pytestmark = pytest.mark.browser

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + (e.sourceFile || '') + ':' + e.lineNumber
));
"""

PAGES = [
    "/dashboard/",
    "/dashboard/in-kind/",
    "/dashboard/partners/",
    "/dashboard/activity/",
    "/dashboard/print/",
    "/organisations/",
    "/organisations/new/",
    "{organisation}",
    "/contacts/",
    "{contact}",
    "/followups/",
    "/followups/new/",
    "/log/",
    "/pledges/",
    "/pledges/board/",
    "{pledge}",
    "/pledges/new/",
    "/in-kind/",
    "/in-kind/new/",
    "/partners/",
    "/favours/",
    "/favours/new/",
    "/imports/",
    "/imports/upload/",
    "/search/?q=a",
    "/privacy/retention/",
]


@pytest.fixture
def demo(db):
    call_command("seed_demo")


def test_main_pages_have_no_csp_violations(demo, page, live_server):
    records = {
        "organisation": Organisation.objects.filter(pledges__isnull=False).first().get_absolute_url(),
        "contact": Contact.objects.first().get_absolute_url(),
        "pledge": Pledge.objects.first().get_absolute_url(),
    }
    console = []
    page.on(
        "console", lambda msg: console.append(f"{msg.type}: {msg.text}") if msg.type in ("error", "warning") else None
    )
    page.add_init_script(COLLECT_VIOLATIONS)
    page.set_viewport_size({"width": 1400, "height": 900})

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("organiser")
    page.get_by_label("Password").fill("organiser-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("user-role")).to_have_text("Organiser")

    problems = []
    for path in PAGES:
        path = path.format(**records)
        console.clear()
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{path}: {response.status}"
        assert (
            "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
            or "content-security-policy" in response.headers
        ), f"{path}: no CSP header"
        page.wait_for_load_state("networkidle")
        if path.startswith("/dashboard/") and path != "/dashboard/print/":
            # The charts render (plotly draws its SVG) under the policy.
            expect(page.locator(".main-svg").first).to_be_attached()
            page.locator(".js-plotly-plot").first.hover()  # hover labels and the mode bar, styled at runtime
            page.wait_for_timeout(300)
        violations = page.evaluate("window.__csp")
        csp_console = [line for line in console if "Content Security Policy" in line or "Refused" in line]
        problems += [f"{path}: {v}" for v in violations] + [f"{path}: console {line}" for line in csp_console]
    assert not problems, "CSP violations:\n" + "\n".join(problems)
