"""The files invoicing offers other apps through crm.registry (the email composer attaches
them): a pledge's agreement and an invoice, rendered exactly as their PDF pages are."""

from django.utils.text import slugify

from sponsors.models import Stage

PDF = "application/pdf"
#: A declined or withdrawn pledge has nothing to agree to.
NO_AGREEMENT_STAGES = (Stage.DECLINED, Stage.WITHDRAWN)


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
