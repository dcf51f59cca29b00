"""Invoices name their billing contact as a snapshot (name and email as issued), not as a link:
an issued invoice is never changed, so a merge moves nothing here. The merge screen still says
how many invoices were billed to the merged person, so nobody is surprised to find them
under the old address. Registered in InvoicingConfig.ready()."""

from __future__ import annotations

from crm.registry import MergeHook, register_merge_hook
from invoicing.models import Invoice


def _preview(losing, keeping) -> dict[str, int]:
    if not losing.email:
        return {}
    return {
        "invoices billed to them (kept as issued)": Invoice.objects.filter(billing_email__iexact=losing.email).count()
    }


def register() -> None:
    register_merge_hook(
        MergeHook(
            name="invoicing.billing_contact",
            model="crm.contact",
            preview=_preview,
            move=lambda losing, keeping, resolutions: {},
            undo=lambda losing, keeping, record: None,
        )
    )
