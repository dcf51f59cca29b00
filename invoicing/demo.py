"""Invoicing's part of the demo world (a crm.registry DemoStep that seed_demo runs after the core
and domain demo rows): the network's details, and an invoice for every pledge at Invoiced or Paid,
issued on the day the pledge was invoiced, so that the pipeline and the money owed agree.

The story, on the launch and oldest invoice first: the first paid pledge paid in two instalments,
the second was credited part of its invoice and paid the rest; the oldest invoiced pledge is
overdue, the next part paid, any others not yet due. Payments are dated when the pledge moved to
Paid. The step runs after every other demo step (order 900), so the pledges they add are
invoiced too.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Min
from django.utils import timezone

from invoicing import services
from invoicing.models import CENT, Invoice, NetworkDetails, Payment
from sponsors.models import Pledge, PledgeStageChange, Stage

#: The demo event belongs to this network (demodata's EVENT_NAME starts with it).
NETWORK = {
    "name": "Northern Digital Public Services Network",
    "address": "c/o Leeds City Council\nCivic Hall, Calverley Street\nLeeds LS1 1UR",
    "email": "sponsorship@northern-digital.example.org",
    "signatory_name": "Olivia Okafor",
    "signatory_title": "Network Organiser",
    "payment_terms_days": 30,
    "payment_instructions": (
        "Bank transfer to Northern Digital Public Services Network, sort code 40-11-62, "
        "account 31926819 (demo details). Please quote the invoice number."
    ),
}


def _first_change(stage: str) -> dict[int, datetime.date]:
    """Each pledge's first move into `stage`, as a local date."""
    rows = (
        PledgeStageChange.objects.filter(to_stage=stage)
        .values("pledge_id")
        .annotate(at=Min("changed_at"))
        .values_list("pledge_id", "at")
    )
    return {pk: timezone.localdate(at) for pk, at in rows}


def run(*, today: datetime.date) -> None:
    organiser = get_user_model().objects.filter(username="organiser").first()
    if not NetworkDetails.objects.filter(pk=1).exists():  # never over the organiser's own details
        services.save_network_details(NetworkDetails(pk=1, **NETWORK), user=organiser)
    details = services.network_details()
    vat_rate = details.default_vat_rate if details.vat_registered else Decimal("0")

    invoiced_on, paid_on = _first_change(Stage.INVOICED), _first_change(Stage.PAID)
    pledges = list(
        Pledge.objects.filter(stage__in=[Stage.INVOICED, Stage.PAID], invoices__isnull=True).select_related(
            "organisation", "event", "tier"
        )
    )

    def issued(pledge: Pledge) -> datetime.date:
        return min(invoiced_on.get(pledge.pk) or timezone.localdate(pledge.stage_changed_at), today)

    pledges.sort(key=lambda p: (issued(p), p.pk))  # numbers follow issue dates
    # The stories are told on the demo's launch: the coming event with the most of these pledges.
    # Other events' (a past one another step adds) are simply paid, or owed.
    counts = Counter(p.event_id for p in pledges)
    coming = {p.event_id for p in pledges if p.event.date is None or p.event.date >= today}
    launch = max(counts, key=lambda pk: (pk in coming, counts[pk], pk)) if counts else None
    paid_count = invoiced_count = 0
    for pledge in pledges:
        issue_date = issued(pledge)
        told = pledge.event_id == launch
        invoice = services._create_invoice(
            pledge,
            details=details,
            lines=services.default_lines(pledge),
            vat_rate=vat_rate,
            po_number=f"PO-{40100 + pledge.pk}" if pledge.pk % 2 else "",
            issue_date=issue_date,
            user=organiser,
        )
        if pledge.stage == Stage.PAID:
            settled = max(min(paid_on.get(pledge.pk, today), today), issue_date)
            _paid_in_full(invoice, issue_date, settled, story=paid_count if told else -1, user=organiser)
            paid_count += told
        elif told:
            if invoiced_count == 1:  # the second invoiced pledge has paid part
                half = (invoice.gross_total / 2).quantize(CENT)
                on = min(today, issue_date + datetime.timedelta(days=12))
                services.record_payment(invoice, amount=half, date=on, reference="BACS 552310", user=organiser)
            invoiced_count += 1


def _paid_in_full(invoice: Invoice, issued: datetime.date, settled: datetime.date, *, story: int, user) -> None:
    """Payments (and the one credit note) that settle a paid pledge's invoice by `settled`."""
    gross = invoice.gross_total
    middle = issued + (settled - issued) / 2
    if story == 0:  # two instalments
        first = (gross / 2).quantize(CENT)
        services.record_payment(invoice, amount=first, date=middle, reference="BACS 118204", user=user)
        services.record_payment(invoice, amount=gross - first, date=settled, reference="BACS 118377", user=user)
    elif story == 1:  # part credited, the rest paid
        credit = (gross / 8).quantize(CENT)
        services.issue_credit_note(
            invoice, amount=credit, reason="Stand downsized at the sponsor's request", issue_date=middle, user=user
        )
        services.record_payment(invoice, amount=gross - credit, date=settled, reference="BACS 120991", user=user)
    else:
        services.record_payment(
            invoice, amount=gross, date=settled, method=Payment.Method.CARD, reference="Card", user=user
        )
