"""What the email app adds to the core through crm.registry (called from MailConfig.ready)."""

from crm.registry import (
    Panel,
    register_erasure_hook,
    register_interaction_links,
    register_panel,
    register_role_rules,
    register_subject_access_section,
)


def _upload_panel(obj, request):
    """The drop zone for saved messages, and a link to write an email (organisers)."""
    from crm.models import Contact
    from mail.forms import UploadForm
    from mail.models import EmailMessage

    kind = "contact" if isinstance(obj, Contact) else "organisation"
    return {
        "form": UploadForm(),
        "kind": kind,
        "pk": obj.pk,
        "next": request.path,
        "waiting": EmailMessage.objects.filter(status=EmailMessage.Status.UNMATCHED).count(),
    }


#: The template each document is sent with (seeded by migration 0002, editable like any other),
#: and the button that sends it. Other documents get a generic button and no template.
DOCUMENT_TEMPLATES = {
    "agreement": ("Sponsorship agreement", "Send the agreement by email"),
    "invoice": ("Sponsorship invoice", "Send the invoice by email"),
}


def _pledge_panel(obj, request):
    """ "Write about this pledge", and a button per document the pledge offers (its agreement, its
    invoice) when one of its organisation's contacts has an email address (a fixed few queries)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from crm.models import Contact
    from mail.models import EmailTemplate
    from mail.outbound import documents_offered

    sends = []
    offered = documents_offered(obj, request.user)
    if offered and Contact.objects.filter(organisation_id=obj.organisation_id).exclude(email="").exists():
        names = {name for name, _ in DOCUMENT_TEMPLATES.values()}
        templates = dict(EmailTemplate.objects.filter(name__in=names).values_list("name", "pk"))
        for doc in offered:
            template_name, text = DOCUMENT_TEMPLATES.get(doc.name, ("", f"Send by email: {doc.label}"))
            query = {"pledge": obj.pk, "document": doc.name}
            if template_name in templates:
                query["template"] = templates[template_name]
            sends.append({"text": text, "url": reverse("mail:compose") + "?" + urlencode(query), "name": doc.name})
    return {"pk": obj.pk, "sends": sends}


def _stopped_merges_panel(obj, request):
    """On My follow-ups: the user's merges that stopped and wait for them, and messages interrupted
    while sending (hidden when none)."""
    from mail.selectors import interrupted_sends, stopped_merges

    merges, interrupted = stopped_merges(request.user), interrupted_sends(request.user)
    return {"merges": merges, "interrupted": interrupted} if merges or interrupted else None


def register():
    from mail import selectors, services

    # Staff import and file email as they log interactions; templates, sending and merges
    # are the organiser's.
    register_role_rules("mail", staff_editable={"emailmessage", "emailattachment", "filedemail", "mailboxstate"})
    register_interaction_links("mail", selectors.interaction_links)
    for slot in ("organisation", "contact"):
        register_panel(
            Panel(
                slot=slot,
                name="mail_upload",
                template="mail/_upload_panel.html",
                context=_upload_panel,
                permission="mail.add_emailmessage",
                order=50,
            )
        )
    register_panel(
        Panel(
            slot="pledge",
            name="mail_compose",
            template="mail/_pledge_panel.html",
            context=_pledge_panel,
            permission="mail.add_emailtemplate",
            order=50,
        )
    )
    register_panel(
        Panel(
            slot="followups",
            name="stopped_merges",
            template="mail/_stopped_merges_panel.html",
            context=_stopped_merges_panel,
            permission="mail.add_mailmerge",
            order=60,
        )
    )
    register_erasure_hook("mail", services.erase_contact_emails)
    from mail import merge_hooks

    merge_hooks.register()
    register_subject_access_section("emails", services.subject_access_rows)
