"""The organisation timeline's invoicing entries (crm.registry timeline sources): invoices
raised, credit notes and payments received — one query per source."""

import datetime

from django.utils import timezone


def _noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _who(user):
    return (user.get_full_name() or user.username) if user else ""


def invoices(organisation=None, contact=None):
    from crm.selectors.timeline import Entry
    from invoicing.models import Invoice

    if organisation is None:
        return
    for inv in Invoice.objects.filter(pledge__organisation=organisation).select_related("created_by"):
        yield Entry(
            when=inv.created_at,
            kind="invoice",
            icon="receipt",
            title=f"Invoice {inv.number} raised",
            detail=f"£{inv.gross_total:,.2f}" + (f", PO {inv.po_number}" if inv.po_number else ""),
            who=_who(inv.created_by),
            url=inv.get_absolute_url(),
        )


def payments(organisation=None, contact=None):
    from crm.selectors.timeline import Entry
    from invoicing.models import Payment

    if organisation is None:
        return
    for p in Payment.objects.filter(invoice__pledge__organisation=organisation).select_related(
        "invoice", "recorded_by"
    ):
        yield Entry(
            when=_noon(p.date),
            kind="invoice",
            icon="cash-coin",
            title=f"£{p.amount:,.2f} received on {p.invoice.number}",
            detail=p.get_method_display() + (f", {p.reference}" if p.reference else ""),
            who=_who(p.recorded_by),
            url=p.invoice.get_absolute_url(),
        )
