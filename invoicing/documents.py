"""The files invoicing offers other apps through crm.registry (the email composer attaches
them): a pledge's agreement and an invoice, rendered exactly as their PDF pages are."""

from django.utils.text import slugify

from sponsors.models import Stage

PDF = "application/pdf"
#: A declined or withdrawn pledge has nothing to agree to.
NO_AGREEMENT_STAGES = (Stage.DECLINED, Stage.WITHDRAWN)


def network_details() -> dict:
    """The network's name, address and email as printed on its documents (a plain dict, for apps
    that may not import invoicing: crm.registry action "invoicing.network_details")."""
    from invoicing import services

    details = services.network_details()
    return {"name": details.name, "address": details.address, "email": details.email}


def agreement_filename(pledge) -> str:
    name = slugify(pledge.organisation.name)[:40] or "sponsor"
    return f"agreement-{name}-{pledge.pk}.pdf"


def agreement_available(pledge) -> bool:
    return pledge.stage not in NO_AGREEMENT_STAGES


def render_agreement(pledge) -> tuple[str, bytes, str]:
    from invoicing import pdf, selectors, services

    context = selectors.agreement_context(pledge, services.network_details())
    return agreement_filename(pledge), pdf.render_pdf("invoicing/pdf/agreement.html", context), PDF


def render_invoice(invoice) -> tuple[str, bytes, str]:
    """The invoice as its PDF page shows it (figures read again, so they are current)."""
    from invoicing import pdf, selectors, services

    full = selectors.invoice_detail(invoice.number)
    context = {"invoice": full, "details": services.network_details(), "document": "Invoice"}
    return f"{full.number}.pdf", pdf.render_pdf("invoicing/pdf/invoice.html", context), PDF


def pledge_has_invoice(pledge) -> bool:
    return pledge.invoices.exists()


def render_pledge_invoice(pledge) -> tuple[str, bytes, str]:
    """A pledge's invoice, offered on the pledge so its email panel can send it with a template
    (a pledge is invoiced once; should there be more, the latest)."""
    return render_invoice(pledge.invoices.order_by("-issue_date", "-id").first())


def pledge_documents(pledge) -> list[dict]:
    """A pledge's invoices and credit notes as the sponsor portal lists them: number, kind, dates,
    amount, status and balance (2 queries, whatever their number)."""
    from invoicing import selectors
    from invoicing.models import CreditNote

    invoices = selectors.pledge_invoices(pledge)
    rows = []
    for invoice in invoices:
        rows.append(
            {
                "kind": "Invoice",
                "number": invoice.number,
                "issue_date": invoice.issue_date,
                "due_date": invoice.due_date,
                "amount": invoice.gross_total,
                "status": invoice.status.label,
                "balance": invoice.balance,
                "po_number": invoice.po_number,
            }
        )
    notes = CreditNote.objects.filter(invoice__in=[i.pk for i in invoices]).order_by("issue_date", "number")
    for note in notes if invoices else ():
        rows.append(
            {
                "kind": "Credit note",
                "number": note.number,
                "issue_date": note.issue_date,
                "due_date": None,
                "amount": note.amount,
                "status": "Issued",
                "balance": None,
                "po_number": "",
            }
        )
    return rows


def render_pledge_document(pledge, number: str) -> tuple[str, bytes, str] | None:
    """The PDF of one of the pledge's invoices or credit notes, or None when the number is not
    the pledge's (a sponsor's link never reaches another sponsor's papers)."""
    from invoicing import pdf, services
    from invoicing.models import CreditNote, Invoice

    if Invoice.objects.filter(pledge=pledge, number=number).exists():
        return render_invoice(Invoice.objects.get(number=number))
    note = (
        CreditNote.objects.select_related("invoice__pledge__organisation")
        .filter(invoice__pledge=pledge, number=number)
        .first()
    )
    if note is None:
        return None
    context = {"note": note, "invoice": note.invoice, "details": services.network_details()}
    return f"{note.number}.pdf", pdf.render_pdf("invoicing/pdf/credit_note.html", context), PDF
