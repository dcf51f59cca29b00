"""Script and markup in names, notes, summaries and imported cells render as text: no script runs.

Each page is checked two ways: the payload's `window.__xss` marker (set by an inline
script or an onerror handler if either ever ran) stays undefined and no dialog opens,
and the literal "<script>" is visible as text where the record is shown.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Event, Interaction, Organisation
from partners.models import Favour
from sponsors.services import create_pledge
from spreadsheets.importing import auto_map, commit_import, plan_import, read_table

pytestmark = pytest.mark.browser

PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@pytest.fixture
def poisoned(organiser):
    org = Organisation.objects.create(name=PAYLOAD, is_sponsor=True, city=PAYLOAD, notes=PAYLOAD)
    contact = Contact.objects.create(
        first_name=PAYLOAD,
        last_name="<script>window.__xss=3</script>",
        job_title=PAYLOAD,
        email="xss@example.org",
        organisation=org,
        notes=PAYLOAD,
    )
    Interaction.objects.create(
        organisation=org,
        contact=contact,
        kind="call",
        occurred_at=timezone.now(),
        summary=PAYLOAD,
        outcome=PAYLOAD,
        logged_by=organiser,
    )
    Favour.objects.create(
        organisation=org,
        direction="they_offered",
        description=PAYLOAD,
        estimated_value=Decimal("10"),
        status="asked",
        occurred_on=timezone.localdate(),
    )
    event = Event.objects.create(name="Launch", sponsorship_target=Decimal("10000"))
    create_pledge(organisation=org, event=event, amount=Decimal("5000"), notes=PAYLOAD, user=organiser)
    text = (
        "Email,First Name,Last Name,Company,Job Title\n"
        f'imp@example.org,"{PAYLOAD.replace(chr(34), chr(34) * 2)}",Imported,"<script>window.__xss=4</script>",'
        f'"<img src=x onerror=window.__xss=5>"\n'
        f"not-an-email <script>window.__xss=6</script>,Bad,Row,Org,x\n"
    )
    table = read_table(text.encode(), "<script>window.__xss=7</script>.csv")
    batch = commit_import(plan_import("contacts", table, auto_map("contacts", table.headers)), user=organiser)
    return {"org": org, "contact": contact, "batch": batch}


def test_payloads_render_escaped_on_every_page(poisoned, organiser, sign_in, page, live_server):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(organiser)
    pages = [
        (reverse("crm:organisation_list"), True),
        (reverse("crm:organisation_detail", args=[poisoned["org"].pk]), True),
        (reverse("crm:contact_list"), True),
        (reverse("crm:contact_detail", args=[poisoned["contact"].pk]), True),
        (reverse("crm:search") + "?q=script", True),
        (reverse("partners:favour_list"), True),
        (reverse("sponsors:pledge_board"), True),
        (reverse("dashboards:dashboard"), False),
        (reverse("crm:home"), False),
        (reverse("spreadsheets:import_detail", args=[poisoned["batch"].pk]), False),
        (reverse("spreadsheets:import_list"), False),
    ]
    seen_text = []
    for url, must_show in pages:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", f"a payload ran on {url}"
        body = page.inner_text("body")
        if must_show:
            assert "<script>" in body, f"the payload is not shown as text on {url}"
        if "<script>" in body:
            seen_text.append(url)
    assert dialogs == []
    assert len(seen_text) >= 7
