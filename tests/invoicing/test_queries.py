"""Pages and panels read in a fixed number of queries, whatever the number of invoices."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from invoicing import services

pytestmark = pytest.mark.django_db


def add_invoices(make_pledge, organiser, n):
    today = timezone.localdate()
    for i in range(n):
        invoice = services.raise_invoice(
            make_pledge(owner=organiser), po=f"PO-{i}", issue_date=today - datetime.timedelta(days=20 * (i % 6))
        )
        if i % 3 == 0:
            services.record_payment(invoice, amount="100")
        if i % 4 == 0:
            services.issue_credit_note(invoice, amount="50", reason="Discount")


def queries_for(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        if response.streaming:
            b"".join(response.streaming_content)  # the export reads while it streams
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name, params",
    [
        ("invoicing:invoice_list", {}),
        ("invoicing:invoice_list", {"status": "overdue"}),
        ("invoicing:invoice_list", {"overdue": "false", "sort": "-gross_total"}),
        ("invoicing:invoice_list", {"format": "csv"}),
        ("crm:followup_list", {}),
        ("dashboards:dashboard", {}),
    ],
)
def test_pages_read_in_constant_queries(client, organiser, make_pledge, url_name, params):
    client.force_login(organiser)
    add_invoices(make_pledge, organiser, 3)
    small = queries_for(client, reverse(url_name), params)
    add_invoices(make_pledge, organiser, 12)
    assert queries_for(client, reverse(url_name), params) == small


def test_invoice_detail_and_pdf_in_constant_queries(client, organiser, pledge, django_assert_max_num_queries):
    invoice = services.raise_invoice(pledge)
    client.force_login(organiser)
    for _ in range(3):
        services.record_payment(invoice, amount="10")
    url = reverse("invoicing:invoice_detail", args=[invoice.number])
    few = queries_for(client, url)
    for _ in range(5):
        services.record_payment(invoice, amount="10")
    services.issue_credit_note(invoice, amount="5", reason="x")
    assert queries_for(client, url) == few
    with django_assert_max_num_queries(12):
        client.get(reverse("invoicing:invoice_pdf", args=[invoice.number]))


def test_the_pledge_panel_adds_a_fixed_number_of_queries(client, organiser, pledge):
    client.force_login(organiser)
    before = queries_for(client, pledge.get_absolute_url())
    invoice = services.raise_invoice(pledge)
    services.record_payment(invoice, amount="10")
    services.record_payment(invoice, amount="10")
    assert queries_for(client, pledge.get_absolute_url()) <= before + 2  # +1 stage change row read, same query
