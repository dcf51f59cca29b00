"""What the email app adds to the core through crm.registry (called from MailConfig.ready)."""
from crm.registry import (
    Panel, register_erasure_hook, register_panel, register_role_rules, register_subject_access_section,
    register_interaction_links,
)


def _upload_panel(obj, request):
    """The drop zone for saved messages, and a link to write an email (organisers)."""
    from crm.models import Contact
    from mail.forms import UploadForm
    from mail.models import EmailMessage

    kind = "contact" if isinstance(obj, Contact) else "organisation"
    return {"form": UploadForm(), "kind": kind, "pk": obj.pk, "next": request.path,
            "waiting": EmailMessage.objects.filter(status=EmailMessage.Status.UNMATCHED).count()}


def _pledge_panel(obj, request):
    return {"pk": obj.pk}


def register():
    from mail import selectors, services

    # Staff import and file email as they log interactions; templates, sending and merges
    # are the organiser's.
    register_role_rules("mail", staff_editable={"emailmessage", "emailattachment", "filedemail", "mailboxstate"})
    register_interaction_links("mail", selectors.interaction_links)
    for slot in ("organisation", "contact"):
        register_panel(Panel(slot=slot, name="mail_upload", template="mail/_upload_panel.html",
                             context=_upload_panel, permission="mail.add_emailmessage", order=50))
    register_panel(Panel(slot="pledge", name="mail_compose", template="mail/_pledge_panel.html",
                         context=_pledge_panel, permission="mail.add_emailtemplate", order=50))
    register_erasure_hook("mail", services.erase_contact_emails)
    register_subject_access_section("emails", services.subject_access_rows)
