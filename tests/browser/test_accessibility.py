"""WCAG 2.2 A and AA, checked by axe-core in Chromium on every page each role reaches,
and no page or list that scrolls sideways (lists stack their rows on a phone).

axe-core comes from npm (node_modules, installed by `make setup`) and is injected by the
test: nothing is fetched from the network. Each role signs in with the demo data and
walks its pages at desktop (1280 px) and phone (390 px) widths.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from crm.models import Contact, Event, ImportBatch, Organisation
from invoicing.services import raise_invoice, record_payment
from sponsors.models import Pledge
from spreadsheets.models import SpreadsheetJob

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_SOURCE = AXE.read_text() + "\n;void 0;"
RULE_SETS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(0, 2).join(' ')),
        count: v.nodes.length,
    }));
}"""

#: Every page of the app a signed-in person can open, by the roles that reach it.
EVERYONE = [
    "/dashboard/",
    "/dashboard/in-kind/",
    "/dashboard/partners/",
    "/dashboard/activity/",
    "/dashboard/renewals/",
    "/dashboard/print/",
    "/organisations/",
    "{organisation}",
    "/contacts/",
    "/contacts/?sort=-email",
    "{contact}",
    "/followups/",
    "/followups/?who=all",
    "/pledges/",
    "/pledges/board/",
    "{pledge}",
    "/in-kind/",
    "/partners/",
    "/favours/",
    "/imports/",
    "/search/?q=leeds",
    "/invoices/",
    "{invoice}",
    "/invoices/settings/",
    "/events/",
    "{event}",
    "{event_tickets}",
    "/mail/triage/",
    "/mail/templates/",
    "/mail/merges/",
    "/api/tokens/",
    "/account/two-factor/",
    "/jobs/",
    "{job_done}",
    "{job_running}",
]
STAFF = [
    "/organisations/new/",
    "{organisation_edit}",
    "/contacts/new/",
    "{contact_edit}",
    "/log/",
    "/imports/upload/",
    "/privacy/retention/",
    "{contact_erase}",
]
ORGANISER = [
    "/followups/new/",
    "/pledges/new/",
    "{pledge_edit}",
    "/in-kind/new/",
    "/favours/new/",
    "{raise_invoice}",
    "/mail/templates/new/",
    "/mail/merges/new/",
    "{compose}",
    "{compose_agreement}",
    "/webhooks/",
    "/webhooks/new/",
    "/events/new/",
    "{event_edit}",
    "{plan_next}",
]
PAGES = {
    "committee": EVERYONE,
    "staff": EVERYONE + STAFF,
    "organiser": EVERYONE + STAFF + ORGANISER,
}


@pytest.fixture
def demo(db):
    call_command("seed_demo")
    organisation = Organisation.objects.filter(pledges__isnull=False).order_by("pk").first()
    contact = Contact.objects.filter(organisation=organisation).order_by("pk").first()
    pledge = Pledge.objects.order_by("pk").first()
    # An invoice with a part payment, and a confirmed pledge still to invoice, from the demo's pledges.
    confirmed = list(Pledge.objects.filter(stage="confirmed").order_by("pk")[:2])
    invoice = raise_invoice(confirmed[0], po="PO-4471")
    record_payment(invoice, amount=(invoice.gross_total / 2).quantize(invoice.gross_total), reference="BACS 1")
    # Background jobs are personal: each role gets a finished import and an export still running.
    jobs = {}
    for user in get_user_model().objects.filter(username__in=["organiser", "staff", "committee"]):
        done = SpreadsheetJob.objects.create(
            kind="import",
            target="contacts",
            file_name="big-list.csv",
            status="done",
            created_by=user,
            rows_done=4000,
            rows_total=4000,
            summary="new=4000 updated=0 unchanged=0 skipped=0 errors=0",
            batch=ImportBatch.objects.create(target="contacts", file_name="big-list.csv", created_by=user),
        )
        running = SpreadsheetJob.objects.create(
            kind="export",
            target="contacts",
            file_format="xlsx",
            status="running",
            step="Writing the file",
            created_by=user,
            rows_done=2000,
            rows_total=5000,
        )
        jobs[user.username] = {"job_done": done.get_absolute_url(), "job_running": running.get_absolute_url()}
    return {
        "organisation": organisation.get_absolute_url(),
        "organisation_edit": f"/organisations/{organisation.pk}/edit/",
        "contact": contact.get_absolute_url(),
        "contact_edit": f"/contacts/{contact.pk}/edit/",
        "contact_erase": f"/contacts/{contact.pk}/erase/",
        "pledge": pledge.get_absolute_url(),
        "pledge_edit": f"/pledges/{pledge.pk}/edit/",
        "invoice": f"/invoices/{invoice.number}/",
        "raise_invoice": f"/pledges/{confirmed[1].pk}/invoice/new/",
        "event_tickets": f"/events/{pledge.event_id}/tickets/",
        "event": f"/events/{pledge.event_id}/",
        "event_edit": f"/events/{pledge.event_id}/edit/",
        # The next event planned from the demo's launch: its sponsors carried forward.
        "plan_next": f"/events/{Event.objects.order_by('-date').first().pk}/plan-next/",
        "compose": f"/mail/compose/?contact={contact.pk}",
        "compose_agreement": f"/mail/compose/?pledge={confirmed[1].pk}&document=agreement",
        "jobs": jobs,
    }


SIDEWAYS = """() => {
    const out = [];
    if (document.documentElement.scrollWidth > window.innerWidth) out.push('the page scrolls sideways');
    document.querySelectorAll('.table-container').forEach(list => {
        if (list.scrollWidth > list.clientWidth + 1) out.push('a list scrolls sideways');
    });
    return out;
}"""


def violations_on(page, url) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    # goto has waited for the load event, after the deferred scripts that draw charts and pickers;
    # waiting for the network to idle as well added half a second to each of ~260 page views.
    sideways = page.evaluate(SIDEWAYS)
    # Evaluated, not added as a <script>: the site's CSP rightly blocks inline scripts.
    page.evaluate(AXE_SOURCE)
    found = page.evaluate(RUN_AXE, RULE_SETS)
    return sideways + [
        f"{v['id']} ({v['impact']}, {v['count']}×): {v['help']}\n      " + "\n      ".join(v["nodes"]) for v in found
    ]


def sign_in_as(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("user-role")).to_have_text(username.title())


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("role", ["organiser", "staff", "committee"])
def test_every_page_meets_wcag_22_aa(demo, page, live_server, role, width):
    page.set_viewport_size({"width": width, "height": 900})
    problems = [f"/accounts/login/: {v}" for v in violations_on(page, f"{live_server.url}/accounts/login/")]
    sign_in_as(page, live_server, role)
    for path in PAGES[role]:
        path = path.format(**demo, **demo["jobs"][role])
        problems += [f"{path}: {v}" for v in violations_on(page, f"{live_server.url}{path}")]
    assert not problems, f"axe-core found {len(problems)} violations for {role} at {width}px:\n" + "\n".join(problems)
