"""The demo world (seed_demo, with every app's demo step) shows each feature, and its figures agree:
every invoiced or paid pledge has its invoice, the paid ones settled, and the money-owed panel on
the pipeline dashboard says what the invoices' open balances add up to."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, Webhook
from crm.models import Interaction
from demodata.demo import EVENT_NAME
from invoicing.models import CreditNote, Invoice, NetworkDetails
from invoicing.selectors import money_owed
from mail.models import EmailMessage, EmailTemplate, MailMerge, MailMergeRecipient
from sponsors.models import BenefitDelivery, Pledge, Stage, TicketAllocation


@pytest.fixture
def demo(db, capsys):
    call_command("seed_demo")
    return capsys.readouterr().out


def test_each_invoiced_or_paid_pledge_has_its_invoice_and_each_paid_one_is_settled(demo):
    pledges = Pledge.objects.filter(stage__in=[Stage.INVOICED, Stage.PAID])
    assert pledges.filter(stage=Stage.PAID).count() >= 2 and pledges.filter(stage=Stage.INVOICED).count() >= 3
    balances = {i.pledge_id: i for i in Invoice.objects.with_balance()}
    for pledge in pledges:
        invoice = balances[pledge.pk]
        assert invoice.gross_total == pledge.amount  # the demo network is not registered for VAT
        if pledge.stage == Stage.PAID:
            assert invoice.balance == 0 and invoice.paid > 0, pledge
        else:
            assert invoice.balance > 0, pledge
    assert Invoice.objects.count() == pledges.count()


def test_the_invoices_tell_each_story(demo):
    invoices = Invoice.objects.with_balance()
    assert invoices.filter(pledge__stage=Stage.INVOICED, paid__gt=0, balance__gt=0).exists()  # part paid
    assert invoices.filter(balance__gt=0, due_date__lt=timezone.localdate()).exists()  # overdue
    assert CreditNote.objects.count() == 1
    assert any(i.payments.count() == 2 for i in invoices)  # paid in two instalments


def test_money_owed_panel_equals_the_open_balances_and_the_pipeline(demo, client):
    open_balances = sum(i.balance for i in Invoice.objects.with_balance() if i.balance > 0)
    invoiced = Pledge.objects.filter(stage=Stage.INVOICED)
    paid_on_invoiced = sum(
        (i.paid + i.credited for i in Invoice.objects.with_balance().filter(pledge__in=invoiced)), Decimal("0")
    )
    assert open_balances > 0
    assert money_owed()["total"] == open_balances == sum(p.amount for p in invoiced) - paid_on_invoiced
    client.force_login(get_user_model().objects.get(username="organiser"))
    page = client.get(reverse("dashboards:dashboard")).content.decode()
    assert f"£{open_balances:,.2f} owed on invoices" in page


def test_the_network_details_are_the_demo_events_network(demo):
    details = NetworkDetails.objects.get()
    assert EVENT_NAME.startswith(details.name + ":")
    assert details.signatory_name and details.address and details.payment_instructions


def test_email_on_several_timelines_three_in_triage_templates_and_a_finished_merge(demo):
    filed_on = set(Interaction.objects.filter(filed_email__isnull=False).values_list("contact_id", flat=True))
    assert len(filed_on) >= 4
    assert EmailMessage.objects.filter(status=EmailMessage.Status.UNMATCHED).count() == 3
    assert EmailTemplate.objects.count() >= 3
    merge = MailMerge.objects.get()
    assert merge.status == MailMerge.Status.DONE and merge.finished_at is not None
    assert merge.recipients.filter(status=MailMergeRecipient.Status.SENT).exists()


def test_benefits_partly_delivered_and_tickets_allocated(demo):
    benefits = BenefitDelivery.objects.all()
    assert benefits.filter(delivered=True).exists() and benefits.filter(delivered=False).exists()
    tickets = TicketAllocation.objects.all()
    assert tickets.filter(allocated__gt=0).count() >= 5
    assert tickets.filter(claimed__gt=0).exists() and tickets.filter(claimed=0).exists()


def test_the_organisers_api_token_is_printed_once_and_a_webhook_waits_paused(db, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    token = ApiToken.objects.get(user__username="organiser")
    assert token.prefix in first
    call_command("seed_demo")
    assert token.prefix not in capsys.readouterr().out  # shown once: only its hash is kept
    webhook = Webhook.objects.get()
    assert not webhook.active and webhook.events
