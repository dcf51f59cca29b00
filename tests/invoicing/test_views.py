"""The invoicing pages as people use them: raise, pay, credit, PDFs, lists, exports, panels."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from invoicing import pdf, services
from invoicing.models import CreditNote, Invoice, NetworkDetails, Payment
from sponsors.models import Stage

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_raise_an_invoice_from_the_pledge_page(client, organiser, pledge):
    client.force_login(organiser)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "Raise invoice" in page and reverse("invoicing:invoice_create", args=[pledge.pk]) in page
    form = client.get(reverse("invoicing:invoice_create", args=[pledge.pk]))
    assert "Priya Shah" in form.content.decode()  # billing contact suggested
    response = client.post(
        reverse("invoicing:invoice_create", args=[pledge.pk]),
        {
            "po_number": "PO-2027-118",
            "billing_contact": "Priya Shah",
            "billing_email": "ap@leeds.example",
            "billing_address": "Civic Hall\nLeeds LS1 1UR",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("invoicing:invoice_detail", args=["INV-0001"])
    page = response.content.decode()
    assert "Raised invoice INV-0001" in page and "PO-2027-118" in page
    pledge.refresh_from_db()
    assert pledge.stage == Stage.INVOICED
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "INV-0001" in page and "Raise invoice</a>" not in page


@pytest.mark.parametrize("po, message", [("PO\t1", "control characters"), ("x" * 61, "at most 60")])
def test_a_bad_po_number_is_refused_on_the_form(client, organiser, pledge, po, message):
    client.force_login(organiser)
    response = client.post(reverse("invoicing:invoice_create", args=[pledge.pk]), {"po_number": po})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


def test_a_declined_pledge_is_refused_on_the_form(client, organiser, make_pledge):
    from sponsors.services import move_pledge

    pledge = move_pledge(make_pledge(), "declined", reason="No budget")
    client.force_login(organiser)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "Raise invoice</a>" not in page
    response = client.post(reverse("invoicing:invoice_create", args=[pledge.pk]), {"po_number": "PO-1"})
    assert response.status_code == 400
    assert "it was declined" in response.content.decode()
    assert not Invoice.objects.exists()


def test_part_payment_then_the_rest_through_the_page(client, organiser, pledge):
    invoice = services.raise_invoice(pledge)
    client.force_login(organiser)
    url = reverse("invoicing:payment_create", args=[invoice.number])
    today = timezone.localdate().isoformat()
    response = client.post(
        url, {"amount": "1000", "date": today, "method": "bank_transfer", "reference": "B1"}, follow=True
    )
    assert "£1,500.00 is still owed" in response.content.decode()
    response = client.post(url, {"amount": "1500.01", "date": today, "method": "bank_transfer"})
    assert response.status_code == 400
    assert "more than the £1,500.00 still owed" in response.content.decode()
    response = client.post(url, {"amount": "1500", "date": today, "method": "cheque"}, follow=True)
    assert "paid in full" in response.content.decode()
    assert Payment.objects.count() == 2
    pledge.refresh_from_db()
    assert pledge.stage == Stage.PAID


@pytest.mark.parametrize(
    "amount, message", [("0", "more than £0"), ("-10", "more than £0"), ("ten", "number of pounds")]
)
def test_zero_negative_or_silly_payments_are_refused_on_the_page(client, organiser, pledge, amount, message):
    invoice = services.raise_invoice(pledge)
    client.force_login(organiser)
    response = client.post(
        reverse("invoicing:payment_create", args=[invoice.number]),
        {"amount": amount, "date": timezone.localdate().isoformat(), "method": "card"},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not Payment.objects.exists()


def test_a_credit_note_larger_than_the_invoice_is_refused_on_the_page(client, organiser, pledge):
    invoice = services.raise_invoice(pledge)
    client.force_login(organiser)
    url = reverse("invoicing:credit_note_create", args=[invoice.number])
    response = client.post(url, {"amount": "9999", "reason": "Oops"})
    assert response.status_code == 400 and "more than the £2,500.00 left" in response.content.decode()
    assert not CreditNote.objects.exists()
    response = client.post(url, {"amount": "250", "reason": "Logo not shown"}, follow=True)
    assert "Issued credit note CN-0001" in response.content.decode()


def test_invoice_pdf_is_a_real_pdf_with_number_po_and_totals(client, committee, pledge):
    invoice = services.raise_invoice(pledge, po="PO-LCC-0042")
    services.record_payment(invoice, amount="500")
    client.force_login(committee)
    text = pdf_text(client.get(reverse("invoicing:invoice_pdf", args=[invoice.number])))
    for expected in (
        "INV-0001",
        "PO-LCC-0042",
        "Leeds City Council",
        "£2,500.00",
        "£2,000.00",
        "not registered for VAT",
    ):
        assert expected in text, expected


def test_vat_registered_invoice_pdf_shows_the_vat_number(client, organiser, make_pledge):
    details = services.network_details()
    details.vat_registered, details.vat_number = True, "GB 123 4567 89"
    services.save_network_details(details)
    invoice = services.raise_invoice(make_pledge(), vat_rate=Decimal("20"))
    client.force_login(organiser)
    text = pdf_text(client.get(reverse("invoicing:invoice_pdf", args=[invoice.number])))
    assert "GB 123 4567 89" in text and "VAT at 20%" in text and "£3,000.00" in text


def test_credit_note_pdf(client, staff, pledge):
    invoice = services.raise_invoice(pledge, po="PO-9")
    note = services.issue_credit_note(invoice, amount="100", reason="Stand smaller than promised")
    client.force_login(staff)
    text = pdf_text(client.get(reverse("invoicing:credit_note_pdf", args=[note.number])))
    assert "CN-0001" in text and "INV-0001" in text and "Stand smaller than promised" in text


def test_agreement_pdf_names_both_parties_benefits_and_the_organisers_wording(client, organiser, pledge):
    client.force_login(organiser)
    response = client.post(
        reverse("invoicing:network_details"),
        {
            "name": "Yorkshire Digital Network",
            "address": "1 Park Row\nLeeds",
            "email": "hello@ydn.example",
            "signatory_name": "Sam Patel",
            "signatory_title": "Chair",
            "default_vat_rate": "20",
            "invoice_prefix": "INV-",
            "credit_note_prefix": "CN-",
            "payment_terms_days": "45",
            "payment_instructions": "Sort code 00-00-00",
            "agreement_template": "{{ sponsor }} sponsors {{ event }} at {{ tier }} level for {{ amount }}.\n\n"
            "Pay within {{ payment_terms_days }} days. {{ unknown }} stays as typed.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    text = pdf_text(client.get(reverse("invoicing:agreement_pdf", args=[pledge.pk])))
    for expected in (
        "Yorkshire Digital Network",
        "Sam Patel",
        "Leeds City Council",
        "Launch 2027",
        "Leeds City Council sponsors Launch 2027 at Gold level for £2,500.00.",
        "Pay within 45 days.",
        "{{ unknown }}",
        "4 tickets",
        "Exhibition stand",
        "Newsletter mention",
        "18 March 2027",
    ):
        assert expected in text, expected


def test_the_agreement_template_cannot_run_template_code(client, organiser, pledge):
    details = services.network_details()
    details.agreement_template = "{% load static %}{{ pledge.organisation.owner.password }}<script>x</script>"
    services.save_network_details(details)
    client.force_login(organiser)
    text = pdf_text(client.get(reverse("invoicing:agreement_pdf", args=[pledge.pk])))
    assert "{% load static %}" in text and "<script>x</script>" in text


def test_the_pdf_renderer_fetches_nothing_from_outside():
    with pytest.raises(pdf.RefusedURL):
        pdf.local_only_fetcher("https://example.com/logo.png")
    with pytest.raises(pdf.RefusedURL):
        pdf.local_only_fetcher("file:///etc/passwd")
    assert pdf.local_only_fetcher("data:text/plain,hi")


def test_an_image_url_in_an_address_is_not_fetched(client, organiser, make_pledge, monkeypatch):
    calls = []
    real = pdf.local_only_fetcher

    def spy(url, *args, **kwargs):
        calls.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(pdf, "local_only_fetcher", spy)
    invoice = services.raise_invoice(make_pledge(), billing={"billing_address": '<img src="http://evil.example/x">'})
    client.force_login(organiser)
    text = pdf_text(client.get(reverse("invoicing:invoice_pdf", args=[invoice.number])))
    assert '<img src="http://evil.example/x">' in text  # escaped text, not an element
    assert not any("evil" in url for url in calls)


def test_network_details_committee_reads_but_cannot_save(client, committee):
    client.force_login(committee)
    page = client.get(reverse("invoicing:network_details")).content.decode()
    assert "Only the organiser can change these" in page
    response = client.post(reverse("invoicing:network_details"), {"name": "Hijack"})
    assert response.status_code == 403
    assert not NetworkDetails.objects.exists()


def test_network_details_refuses_bad_input_with_a_message(client, organiser):
    client.force_login(organiser)
    response = client.post(
        reverse("invoicing:network_details"),
        {
            "name": "N",
            "vat_registered": "on",
            "vat_number": "",
            "default_vat_rate": "20",
            "invoice_prefix": "INV/",
            "credit_note_prefix": "CN-",
            "payment_terms_days": "30",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "must show its VAT number" in page and "letters, digits and dashes" in page
    assert not NetworkDetails.objects.exists()


def test_unknown_invoice_is_404(client, committee):
    client.force_login(committee)
    assert client.get(reverse("invoicing:invoice_detail", args=["INV-9999"])).status_code == 404
    assert client.get(reverse("invoicing:invoice_pdf", args=["nope"])).status_code == 404


@pytest.fixture
def invoices(make_pledge, organiser):
    """Four invoices: issued, part paid, paid, overdue (issued 60 days ago)."""
    today = timezone.localdate()
    issued = services.raise_invoice(make_pledge(name="Issued Org"), po="PO-ISSUED")
    part = services.raise_invoice(make_pledge(name="Part Org"))
    services.record_payment(part, amount="100")
    paid = services.raise_invoice(make_pledge(name="Paid Org"))
    services.record_payment(paid, amount="2500")
    overdue = services.raise_invoice(
        make_pledge(name='=HYPERLINK("http://x")', owner=organiser),
        issue_date=today - datetime.timedelta(days=60),
        po="+PO-EVIL",
    )
    return {"issued": issued, "part": part, "paid": paid, "overdue": overdue}


@pytest.mark.parametrize(
    "status, expected",
    [
        ("", {"INV-0001", "INV-0002", "INV-0003", "INV-0004"}),
        ("issued", {"INV-0001"}),
        ("part_paid", {"INV-0002"}),
        ("paid", {"INV-0003"}),
        ("overdue", {"INV-0004"}),
    ],
)
def test_invoice_list_filters_by_status(client, committee, invoices, status, expected):
    client.force_login(committee)
    page = client.get(reverse("invoicing:invoice_list"), {"status": status}).content.decode()
    shown = {n for n in ("INV-0001", "INV-0002", "INV-0003", "INV-0004") if f">{n}<" in page}
    assert shown == expected


def test_invoice_list_filters_by_overdue_and_event(client, committee, invoices, event):
    client.force_login(committee)
    page = client.get(reverse("invoicing:invoice_list"), {"overdue": "true"}).content.decode()
    assert ">INV-0004<" in page and ">INV-0001<" not in page
    page = client.get(reverse("invoicing:invoice_list"), {"overdue": "false"}).content.decode()
    assert ">INV-0004<" not in page and ">INV-0001<" in page
    page = client.get(reverse("invoicing:invoice_list"), {"event": event.pk + 1000}).content.decode()
    assert "Select a valid choice" in page or ">INV-0001<" not in page


def test_csv_export_follows_the_filters_and_defuses_formulas(client, staff, invoices):
    client.force_login(staff)
    response = client.get(reverse("invoicing:invoice_list"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert [r["Number"] for r in rows] == ["INV-0004", "INV-0001", "INV-0002", "INV-0003"]  # by issue date
    evil = rows[0]
    assert evil["Organisation"].startswith("'=HYPERLINK") and evil["PO number"] == "'+PO-EVIL"
    assert evil["Status"] == "Overdue" and evil["Owed"] == "2500.00"
    response = client.get(reverse("invoicing:invoice_list"), {"format": "csv", "status": "paid"})
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert [(r["Number"], r["Paid"], r["Owed"]) for r in rows] == [("INV-0003", "2500.00", "0.00")]


def test_xlsx_export_has_no_formulas(client, committee, invoices):
    client.force_login(committee)
    response = client.get(reverse("invoicing:invoice_list"), {"format": "xlsx", "overdue": "true"})
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Number" and len(rows) == 2
    assert all(not (isinstance(v, str) and v.startswith("=")) for row in rows for v in row)
    assert rows[1][1].startswith("'=HYPERLINK")


def test_an_unknown_export_format_is_a_clear_400(client, committee):
    client.force_login(committee)
    response = client.get(reverse("invoicing:invoice_list"), {"format": "pdf"})
    assert response.status_code == 400 and "choose csv or xlsx" in response.content.decode()


def test_overdue_invoices_appear_in_my_followups(client, organiser, invoices):
    client.force_login(organiser)
    page = client.get(reverse("crm:followup_list")).content.decode()
    assert "Overdue invoices to chase" in page and "INV-0004" in page and "30 days overdue" in page
    assert "INV-0001" not in page


def test_money_owed_panel_on_the_pipeline_dashboard(client, committee, invoices):
    client.force_login(committee)
    page = client.get(reverse("dashboards:dashboard")).content.decode()
    assert "Money owed" in page
    owed = services.network_details  # noqa: F841 - the figures below come from the selector
    from invoicing.selectors import money_owed

    figures = money_owed()
    assert figures["total"] == Decimal("2500") * 2 + Decimal("2400")
    assert figures["overdue"] == Decimal("2500")
    assert [b["amount"] for b in figures["bands"]] == [Decimal("4900"), Decimal("2500"), 0, 0]
    assert [b["count"] for b in figures["bands"]] == [2, 1, 0, 0]


def lines_post(*rows, **fields):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "20",
        **fields,
    }
    for i, (description, quantity, price) in enumerate(rows):
        data.update(
            {f"lines-{i}-description": description, f"lines-{i}-quantity": quantity, f"lines-{i}-unit_price": price}
        )
    return data


def test_custom_lines_replace_the_tier_line(client, organiser, pledge):
    client.force_login(organiser)
    form = client.get(reverse("invoicing:invoice_create", args=[pledge.pk])).content.decode()
    assert 'value="Gold sponsorship: Launch 2027 (18 March 2027)"' in form
    response = client.post(
        reverse("invoicing:invoice_create", args=[pledge.pk]),
        lines_post(
            ("Gold sponsorship", "1", "2000"), ("Extra stand space", "2", "250.50"), ("", "", ""), po_number="PO-7"
        ),
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert [(line.description, line.quantity, line.unit_price) for line in invoice.lines.all()] == [
        ("Gold sponsorship", 1, Decimal("2000")),
        ("Extra stand space", 2, Decimal("250.50")),
    ]
    assert invoice.gross_total == Decimal("2501.00")


@pytest.mark.parametrize(
    "row, message",
    [
        (("Stand", "0", "10"), "greater than or equal to 0.01"),
        (("Stand", "1", "-5"), "greater than or equal to 0"),
        (("", "1", "10"), "This field is required"),
    ],
)
def test_bad_custom_lines_are_refused_and_nothing_is_written(client, organiser, pledge, row, message):
    client.force_login(organiser)
    response = client.post(reverse("invoicing:invoice_create", args=[pledge.pk]), lines_post(row))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Invoice.objects.exists()
    pledge.refresh_from_db()
    assert pledge.stage == Stage.CONFIRMED


def test_the_organisation_timeline_shows_invoices_and_payments(client, committee, pledge):
    invoice = services.raise_invoice(pledge, po="PO-55")
    services.record_payment(invoice, amount="500", reference="BACS 9")
    client.force_login(committee)
    page = client.get(pledge.organisation.get_absolute_url()).content.decode()
    assert "Invoice INV-0001 raised" in page and "PO-55" in page
    assert "£500.00 received on INV-0001" in page and "BACS 9" in page
    from crm.selectors.timeline import contact_timeline

    assert not [e for e in contact_timeline(pledge.organisation.contacts.get()) if e.kind == "invoice"]


def test_money_owed_follows_the_dashboards_event_filter(client, committee, invoices, event):
    from crm.models import Event

    other = Event.objects.create(name="Other event")
    client.force_login(committee)
    page = client.get(reverse("dashboards:dashboard"), {"event": other.pk}).content.decode()
    assert "Money owed: Other event" in page and "£0.00 owed on invoices" in page
    page = client.get(reverse("dashboards:dashboard"), {"event": event.pk}).content.decode()
    assert "Money owed: Launch 2027" in page and "£7,400.00 owed on invoices" in page
    page = client.get(reverse("dashboards:dashboard"), {"event": "x' OR 1"}).content.decode()
    assert "Money owed, all events" in page
    # No event chosen: the board shows the next event, and so does the panel (it said "all events").
    page = client.get(reverse("dashboards:dashboard")).content.decode()
    assert "Sponsorship pipeline — Launch 2027" in page
    assert "Money owed: Launch 2027" in page and "£7,400.00 owed on invoices" in page


def test_the_streamed_export_matches_the_resource_cell_for_cell(invoices):
    """The fast path reads values_list; django-import-export's export() reads instances: same cells."""
    from invoicing import selectors
    from invoicing.resources import InvoiceExportResource

    qs = selectors.with_balance(selectors.invoice_list().defer(None)).order_by("issue_date", "number")
    resource = InvoiceExportResource()
    dataset = resource.export(qs)
    fast = list(resource.stream_rows(qs))
    assert fast[0] == list(dataset.headers)
    assert fast[1:] == [list(row) for row in dataset]
    assert len(fast) == 5


def test_a_declined_pledge_offers_no_agreement(client, organiser, pledge):
    pledge.stage = Stage.DECLINED
    pledge.save()
    client.force_login(organiser)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert reverse("invoicing:agreement_pdf", args=[pledge.pk]) not in page
    response = client.get(reverse("invoicing:agreement_pdf", args=[pledge.pk]), follow=True)
    assert response.redirect_chain[-1][0] == pledge.get_absolute_url()
    assert "There is no agreement for a declined pledge." in response.content.decode()
