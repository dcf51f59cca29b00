"""Context functions for the panels this app puts on other apps' pages (crm.registry).
Each reads in a fixed number of queries."""

from invoicing import selectors
from invoicing.documents import agreement_available
from invoicing.services import INVOICEABLE_STAGES
from sponsors.models import Stage


def pledge_panel(pledge, request):
    """The pledge's invoices, the agreement link and the "Raise invoice" button (2 queries)."""
    invoices = selectors.pledge_invoices(pledge)
    can_raise = not invoices and pledge.stage in INVOICEABLE_STAGES and request.user.has_perm("invoicing.add_invoice")
    return {
        "invoices": invoices,
        "can_raise": can_raise,
        "agreement": agreement_available(pledge),
        "needs_confirmation": not invoices
        and pledge.stage not in INVOICEABLE_STAGES
        and pledge.stage not in (Stage.DECLINED, Stage.WITHDRAWN, Stage.PAID),
    }


def followups_panel(obj, request):
    """Overdue invoices on the user's pledges (and unowned ones); hidden when there are none."""
    invoices = selectors.overdue_invoices(request.user)
    return {"invoices": invoices} if invoices else None


def money_owed_panel(event, request):
    """Money owed for the event the pipeline board shows (the slot's record: its criteria's event,
    the next one when none is chosen), or for every event when it shows them all."""
    return {**selectors.money_owed(event=event), "event": event}
