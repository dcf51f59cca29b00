"""The organiser raises an invoice with a PO number, downloads its PDF, records a part payment
then the rest, and sees the pledge move to Paid — at desktop and phone widths."""

import datetime
import io
import os
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from crm.models import Contact, Event, Organisation
from sponsors.models import SponsorshipTier
from sponsors.services import create_pledge

pytestmark = pytest.mark.browser


@pytest.fixture
def confirmed_pledge(db, organiser):
    event = Event.objects.create(name="Launch 2027", date=datetime.date(2027, 3, 18), capacity=250)
    gold = SponsorshipTier.objects.create(
        event=event, name="Gold", price=Decimal("2500"), ticket_allocation=4, stand=True
    )
    org = Organisation.objects.create(name="Leeds City Council", is_sponsor=True, is_public_body=True)
    Contact.objects.create(organisation=org, first_name="Priya", last_name="Shah", email="priya@leeds.example")
    return create_pledge(
        organisation=org, event=event, tier=gold, amount=Decimal("2500"), stage="confirmed", owner=organiser
    )


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.postgres
def test_raise_pay_in_two_parts_and_see_the_pledge_paid(
    sign_in, live_server, organiser, confirmed_pledge, screenshot_dir
):
    shot = lambda name: page.screenshot(path=os.path.join(screenshot_dir, name), full_page=True)  # noqa: E731
    page = sign_in(organiser)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/pledges/{confirmed_pledge.pk}/")
    page.get_by_test_id("raise-invoice").click()
    page.get_by_label("Purchase-order (PO) number").fill("PO-LCC-2027-0042")
    page.get_by_label("Billing address").fill("Civic Hall\nLeeds LS1 1UR")
    shot("invoicing_raise_1280.png")
    page.get_by_role("button", name="Raise invoice").click()
    page.wait_for_load_state()
    assert page.get_by_text("Raised invoice INV-0001").is_visible()
    assert page.get_by_test_id("invoice-po").inner_text() == "PO-LCC-2027-0042"

    # The PDF: a real PDF quoting the number and the PO.
    response = page.request.get(f"{live_server.url}/invoices/INV-0001/pdf/")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert "INV-0001" in text and "PO-LCC-2027-0042" in text
    with open(os.path.join(screenshot_dir, "invoicing_INV-0001.pdf"), "wb") as f:
        f.write(response.body())

    form = page.get_by_test_id("payment-form")
    form.get_by_label("Amount (£)").fill("1000")
    form.get_by_label("Reference").fill("BACS 123")
    form.get_by_role("button", name="Record payment").click()
    page.wait_for_load_state()
    assert page.get_by_text("£1,500.00 is still owed on INV-0001").is_visible()
    assert page.get_by_test_id("invoice-status").inner_text() == "Part paid"
    assert page.get_by_test_id("invoice-balance").inner_text() == "£1,500.00"
    shot("invoicing_part_paid_1280.png")

    # An overpayment is refused with a message, and nothing changes.
    form = page.get_by_test_id("payment-form")
    form.get_by_label("Amount (£)").fill("1600")
    form.get_by_role("button", name="Record payment").click()
    page.wait_for_load_state()
    assert page.locator("#id_amount_errors").get_by_text("£1,600.00 is more than the £1,500.00 still owed").is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/invoices/INV-0001/")
    assert no_sideways_scroll(page)
    form = page.get_by_test_id("payment-form")
    form.get_by_label("Amount (£)").fill("1500")
    form.get_by_role("button", name="Record payment").click()
    page.wait_for_load_state()
    assert page.get_by_text("INV-0001 is paid in full").is_visible()
    assert page.get_by_test_id("invoice-status").inner_text() == "Paid"
    shot("invoicing_paid_390.png")

    page.get_by_role("link", name="Pledge", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_test_id("pledge-stage").inner_text() == "Paid"
    history = page.get_by_test_id("stage-history").inner_text()
    assert "Invoiced → Paid" in history and "Confirmed in writing → Invoiced" in history
    assert no_sideways_scroll(page)
    shot("invoicing_pledge_paid_390.png")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/invoices/")
    assert page.get_by_test_id("invoice-table").get_by_role("link", name="INV-0001").is_visible()
    shot("invoicing_list_1280.png")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(page)
    shot("invoicing_list_390.png")


def test_benefits_checklist_and_ticket_counts(sign_in, live_server, organiser, confirmed_pledge, screenshot_dir):
    page = sign_in(organiser)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/pledges/{confirmed_pledge.pk}/")
        if width == 1280:
            page.get_by_label("Notes on Exhibition stand").fill("Stand 14, by the entrance")
            page.get_by_role("button", name="Save Exhibition stand").click()
            page.wait_for_load_state()
            assert page.get_by_text("Exhibition stand: delivered on").count() == 0  # not ticked: still due
            page.locator(f"#benefit-{confirmed_pledge.benefits.get(benefit='Exhibition stand').pk}-delivered").check()
            page.get_by_role("button", name="Save Exhibition stand").click()
            page.wait_for_load_state()
            assert page.get_by_text("Exhibition stand: delivered on").is_visible()
            tickets = page.get_by_test_id("pledge-tickets")
            assert tickets.get_by_label("Tickets allocated").input_value() == "4"  # from the Gold tier
            tickets.get_by_label("Tickets allocated").fill("300")
            tickets.get_by_role("button", name="Save tickets").click()
            page.wait_for_load_state()
            assert page.get_by_text("only 250 are left").is_visible()
            tickets = page.get_by_test_id("pledge-tickets")
            tickets.get_by_label("Tickets allocated").fill("4")
            tickets.get_by_label("Tickets claimed").fill("1")
            tickets.get_by_role("button", name="Save tickets").click()
            page.wait_for_load_state()
            assert page.get_by_text("4 tickets allocated, 1 claimed").is_visible()
        assert no_sideways_scroll(page)
        page.screenshot(path=os.path.join(screenshot_dir, f"invoicing_pledge_benefits_{width}.png"), full_page=True)
        page.get_by_role("link", name="Event capacity").click()
        page.wait_for_load_state()
        assert page.get_by_test_id("capacity").inner_text() == "250"
        assert page.get_by_test_id("allocated").inner_text() == "4"
        assert page.get_by_test_id("claimed").inner_text() == "1"
        assert page.get_by_test_id("left-to-sell").inner_text() == "246"
        assert no_sideways_scroll(page)
        page.screenshot(path=os.path.join(screenshot_dir, f"invoicing_event_tickets_{width}.png"), full_page=True)


def test_money_owed_and_overdue_invoices_panels(sign_in, live_server, organiser, confirmed_pledge, screenshot_dir):
    from invoicing import services

    invoice = services.raise_invoice(
        confirmed_pledge, po="PO-OLD-1", issue_date=timezone.localdate() - datetime.timedelta(days=45)
    )
    services.record_payment(invoice, amount="500")
    page = sign_in(organiser)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/dashboard/")
        owed = page.get_by_test_id("money-owed")
        assert "£2,000.00 owed on invoices" in owed.inner_text()
        assert owed.get_by_test_id("owed-band").nth(1).inner_text().startswith("£2,000.00")  # 31–60 days
        assert no_sideways_scroll(page)
        owed.screenshot(path=os.path.join(screenshot_dir, f"invoicing_money_owed_{width}.png"))
        page.goto(f"{live_server.url}/followups/")
        overdue = page.get_by_test_id("overdue-invoices")
        assert "INV-0001" in overdue.inner_text() and "15 days overdue" in overdue.inner_text()
        assert no_sideways_scroll(page)
        overdue.screenshot(path=os.path.join(screenshot_dir, f"invoicing_overdue_followups_{width}.png"))
