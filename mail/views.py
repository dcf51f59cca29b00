"""Email pages: triage, a message, attachment downloads, uploads, templates, sending, merges."""

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, UpdateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from crm import registry
from crm.filters import ContactFilter
from crm.models import Contact, Organisation
from crm.selectors.records import contact_rows
from crm.selectors.search import contacts_matching, terms_of
from mail import outbound, selectors, services
from mail.filters import TriageFilter
from mail.forms import ComposeForm, ContactSearchForm, EmailTemplateForm, MergeForm, NewContactForm, UploadForm
from mail.models import EmailAttachment, EmailMessage, EmailTemplate, MailMerge
from mail.tables import TriageTable


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


class TriageView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "mail.view_emailmessage"
    table_class = TriageTable
    filterset_class = TriageFilter
    table_pagination = {"per_page": 50}
    template_name = "mail/triage.html"

    def get_queryset(self):
        return selectors.triage_queryset()

    def get_context_data(self, **kwargs):
        # A lost connection the reading recovered from is worth a line for a day.
        recent = timezone.now() - datetime.timedelta(days=1)
        return super().get_context_data(mailbox=selectors.mailbox_state(), recent=recent, **kwargs)


class MessageDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "mail.view_emailmessage"
    model = EmailMessage
    template_name = "mail/message_detail.html"
    context_object_name = "message"

    def get_context_data(self, **kwargs):
        message = self.object
        filings = list(message.filings.select_related("contact", "contact__organisation"))
        candidates = []
        search = ContactSearchForm(self.request.GET or None)
        if message.status == EmailMessage.Status.UNMATCHED and search.is_valid() and search.cleaned_data["q"]:
            candidates = list(contacts_matching(terms_of(search.cleaned_data["q"]))[:20])
        address, name = services._counterpart(message)
        first, _, last = (name or "").partition(" ")
        organisations = selectors.organisations_for_address(address)
        looks_like = []
        if message.status == EmailMessage.Status.UNMATCHED and (address or name):
            # "This looks like X" before "create contact" makes a second record of someone we know.
            looks_like = registry.possible_duplicates(
                "crm.contact",
                {
                    "first_name": first,
                    "last_name": last,
                    "email": address,
                    "organisation": organisations[0].pk if organisations else None,
                },
            )
        return super().get_context_data(
            send_state=outbound.already_sent(message) if message.status == EmailMessage.Status.SENDING else "",
            possible_duplicates=looks_like,
            filings=filings,
            attachments=list(message.attachments.all()),
            search=search,
            candidates=candidates,
            searched=bool(search.is_bound and search.is_valid() and search.cleaned_data["q"]),
            new_contact=NewContactForm(
                initial={"email": address, "first_name": first, "last_name": last},
                organisations=organisations,
            ),
            **kwargs,
        )


class AttachmentDownloadView(PermissionRequiredMixin, View):
    """Attachments are never public: each download checks the reader's permission."""

    permission_required = "mail.view_emailmessage"

    def get(self, request, pk):
        attachment = get_object_or_404(EmailAttachment, pk=pk)
        if not attachment.file:
            raise Http404("This attachment was not stored.")
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404("The attachment's file is missing.") from None
        response = FileResponse(handle, as_attachment=True, filename=attachment.filename)
        response["Content-Type"] = "application/octet-stream"  # never rendered by the browser
        response["X-Content-Type-Options"] = "nosniff"
        return response


class FileOnContactView(PermissionRequiredMixin, View):
    permission_required = "mail.change_emailmessage"

    def post(self, request, pk):
        message = get_object_or_404(EmailMessage, pk=pk)
        try:
            contact = Contact.objects.get(pk=int(request.POST.get("contact", "")))
        except (ValueError, Contact.DoesNotExist):
            messages.error(request, "Choose a contact to file the message on.")
            return redirect(message)
        try:
            services.file_on_contact(message, contact, user=request.user)
        except ValidationError as error:
            messages.error(request, _errors(error))
            return redirect(message)
        messages.success(request, f"Filed “{message}” on {contact}.")
        return redirect("mail:triage")


class CreateContactView(PermissionRequiredMixin, View):
    permission_required = ("mail.change_emailmessage", "crm.add_contact")

    def post(self, request, pk):
        message = get_object_or_404(EmailMessage, pk=pk)
        address, _ = services._counterpart(message)
        form = NewContactForm(
            request.POST, organisations=selectors.organisations_for_address(request.POST.get("email") or address)
        )
        if not form.is_valid():
            messages.error(
                request,
                "Check the new contact's details: " + " ".join(e for errors in form.errors.values() for e in errors),
            )
            return redirect(message)
        try:
            filed = services.create_contact_and_file(message, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _errors(error))
            return redirect(message)
        messages.success(request, f"Created {filed.contact} and filed the message on them.")
        return redirect("mail:triage")


class DiscardView(PermissionRequiredMixin, View):
    permission_required = "mail.change_emailmessage"

    def get(self, request, pk):
        message = get_object_or_404(EmailMessage, pk=pk)
        return render(request, "mail/confirm_discard.html", {"message": message})

    def post(self, request, pk):
        message = get_object_or_404(EmailMessage, pk=pk)
        try:
            services.discard_message(message, user=request.user)
        except ValidationError as error:
            messages.error(request, _errors(error))
            return redirect(message)
        messages.success(request, f"Discarded “{message}”.")
        return redirect("mail:triage")


class UploadView(PermissionRequiredMixin, View):
    """Saved messages from the drop zone on organisation and contact pages."""

    permission_required = "mail.add_emailmessage"
    http_method_names = ["post"]

    def post(self, request):
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("mail:triage")
        back = back or reverse("mail:triage")
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("files", ["Choose a file."])))
            return redirect(back)
        result = services.ImportResult()
        user_emails = services.crm_user_emails()
        for upload in form.cleaned_data["files"]:
            services.import_bytes(
                upload.read(),
                upload.name,
                user=request.user,
                source=EmailMessage.Source.UPLOAD,
                result=result,
                user_emails=user_emails,
            )
        text = (
            f"Filed {result.logged}, {result.unmatched} waiting in Email to file, "
            f"{result.duplicates} already received, {result.errors} with problems."
        )
        (messages.success if not result.errors else messages.warning)(request, text)
        for problem in result.problems[:10]:
            messages.error(request, problem)
        return redirect(back)


class FetchNowView(PermissionRequiredMixin, View):
    permission_required = "mail.add_emailmessage"
    http_method_names = ["post"]

    def post(self, request):
        from mail.tasks import fetch_mail

        fetch_mail.enqueue()
        messages.success(request, "Checking the mailbox in the background: new mail appears here in a minute.")
        return redirect("mail:triage")


# --- templates and sending (organiser) --------------------------------------------------------


class TemplateListView(PermissionRequiredMixin, ListView):
    permission_required = "mail.view_emailtemplate"
    model = EmailTemplate
    template_name = "mail/template_list.html"
    paginate_by = 50


class TemplateFormMixin(PermissionRequiredMixin):
    model = EmailTemplate
    form_class = EmailTemplateForm
    template_name = "mail/template_form.html"

    def form_valid(self, form):
        with transaction.atomic():
            template = form.save()
        messages.success(self.request, f"Saved the template “{template}”.")
        return redirect("mail:template_list")

    def get_context_data(self, **kwargs):
        return super().get_context_data(merge_fields=outbound.MERGE_FIELDS, **kwargs)


class TemplateCreateView(TemplateFormMixin, CreateView):
    permission_required = "mail.add_emailtemplate"


class TemplateUpdateView(TemplateFormMixin, UpdateView):
    permission_required = "mail.change_emailtemplate"


def _compose_target(request):
    """(contacts to choose from, organisation, pledge, label) from ?contact= / ?organisation= / ?pledge=."""
    from sponsors.models import Pledge

    def pk(name):
        try:
            return int(request.GET.get(name) or request.POST.get(name) or 0)
        except ValueError:
            return 0

    if pk("pledge"):
        pledge = get_object_or_404(Pledge.objects.select_related("organisation", "event", "tier"), pk=pk("pledge"))
        contacts = Contact.objects.filter(organisation=pledge.organisation).exclude(email="").order_by("id")
        return list(contacts), pledge.organisation, pledge, f"{pledge.organisation}’s pledge to {pledge.event}"
    if pk("organisation"):
        org = get_object_or_404(Organisation, pk=pk("organisation"))
        return list(org.contacts.exclude(email="")), org, None, str(org)
    if pk("contact"):
        contact = get_object_or_404(Contact.objects.select_related("organisation"), pk=pk("contact"))
        return ([contact] if contact.email else []), contact.organisation, None, str(contact)
    return [], None, None, ""


class ComposeView(PermissionRequiredMixin, View):
    """Write (or start from a template), preview against the record, send — with the documents
    the record offers attached (?document=agreement on a pledge), which the organiser may untick."""

    permission_required = "mail.add_emailtemplate"

    def get(self, request):
        contacts, organisation, pledge, label = _compose_target(request)
        initial = {}
        template = None
        if request.GET.get("template"):
            template = (
                EmailTemplate.objects.filter(pk=request.GET["template"]).first()
                if request.GET["template"].isdigit()
                else None
            )
        if template:
            initial = {"template": template, "subject": template.subject, "body": template.body}
        initial["key"] = outbound.new_send_key()
        if contacts:
            initial["contact"] = contacts[0].pk  # a pledge's: its organisation's first contact with an address
        form = ComposeForm(initial=initial, contacts=contacts)
        attached, problems = request.GET.getlist("document"), []
        try:
            outbound.chosen_documents(pledge, attached, request.user)
        except ValidationError as error:
            problems = error.messages
            offered = {d.name for d in outbound.documents_offered(pledge, request.user)}
            attached = [name for name in attached if name in offered]
        return self._render(
            request, form, contacts, organisation, pledge, label, preview=None, attached=attached, problems=problems
        )

    def post(self, request):
        contacts, organisation, pledge, label = _compose_target(request)
        form = ComposeForm(request.POST, contacts=contacts)
        attached = request.POST.getlist("document")
        documents = []
        if form.is_valid():
            try:
                documents = outbound.chosen_documents(pledge, attached, request.user)
            except ValidationError as error:
                form.add_error(None, _errors(error))
        if not form.is_valid():
            return self._render(
                request, form, contacts, organisation, pledge, label, preview=None, attached=attached, status=400
            )
        contact = form.contacts[form.cleaned_data["contact"]]
        context = outbound.merge_context(contact=contact, organisation=organisation, pledge=pledge, user=request.user)
        subject = outbound.render(form.cleaned_data["subject"], context)
        body = outbound.render(form.cleaned_data["body"], context)
        preview = {"to": contact, "subject": subject, "body": body, "files": []}
        try:
            files = outbound.render_documents(pledge, documents)
            preview["files"] = [{"name": name, "size": len(content)} for name, content, _ in files]
            if "send" not in request.POST:
                return self._render(
                    request, form, contacts, organisation, pledge, label, preview=preview, attached=attached
                )
            outbound.send_to_contact(
                user=request.user,
                contact=contact,
                subject=subject,
                body=body,
                attachments=files,
                key=form.cleaned_data["key"],
            )
        except ValidationError as error:
            form.add_error(None, _errors(error))
            return self._render(
                request, form, contacts, organisation, pledge, label, preview=preview, attached=attached, status=400
            )
        sent_with = f" with {', '.join(f['name'] for f in preview['files'])}" if files else ""
        messages.success(request, f"Sent “{subject}” to {contact.email}{sent_with}; it is on the timeline.")
        if pledge is not None:
            return redirect(pledge)
        return redirect(organisation if request.GET.get("organisation") and organisation else contact)

    def _render(
        self, request, form, contacts, organisation, pledge, label, preview, attached=(), problems=(), status=200
    ):
        chosen = set(attached)
        documents = [
            {"name": d.name, "label": d.label, "checked": d.name in chosen}
            for d in outbound.documents_offered(pledge, request.user)
        ]
        return render(
            request,
            "mail/compose.html",
            {
                "form": form,
                "contacts": contacts,
                "organisation": organisation,
                "pledge": pledge,
                "label": label,
                "preview": preview,
                "merge_fields": outbound.MERGE_FIELDS,
                "documents": documents,
                "problems": problems,
                "target_query": request.GET.urlencode()
                if request.method == "GET"
                else request.META.get("QUERY_STRING", ""),
            },
            status=status,
        )


class MergeListView(PermissionRequiredMixin, ListView):
    permission_required = "mail.view_mailmerge"
    model = MailMerge
    template_name = "mail/merge_list.html"
    paginate_by = 50

    def get_queryset(self):
        return MailMerge.objects.select_related("template", "created_by")


class MergeCreateView(PermissionRequiredMixin, View):
    """Pick a template and filter the contact list (the contact list's own filters)."""

    permission_required = "mail.add_mailmerge"

    def _filter(self, request):
        # The list is always the one in the address (the form posts back to it), so what is
        # sent is exactly what was counted on the page.
        return ContactFilter(request.GET, queryset=contact_rows(), request=request)

    def get(self, request):
        contact_filter = self._filter(request)
        qs = contact_filter.qs if contact_filter.is_bound else Contact.objects.none()
        return render(
            request,
            "mail/merge_form.html",
            {
                "filter": contact_filter,
                "form": MergeForm(),
                "count": qs.count(),
                "skipped": qs.filter(outbound.skipped_condition()).count() if contact_filter.is_bound else 0,
                "query": request.GET.urlencode(),
            },
        )

    def post(self, request):
        contact_filter = self._filter(request)
        form = MergeForm(request.POST)
        if not form.is_valid() or not contact_filter.is_valid():
            messages.error(request, "Choose a template for the merge.")
            return redirect(reverse("mail:merge_create") + "?" + request.GET.urlencode())
        description = ", ".join(f"{k}={v}" for k, v in contact_filter.form.cleaned_data.items() if v) or "all contacts"
        try:
            merge = outbound.create_merge(
                user=request.user,
                template=form.cleaned_data["template"],
                contacts=contact_filter.qs,
                description=description,
            )
        except ValidationError as error:
            messages.error(request, _errors(error))
            return redirect(reverse("mail:merge_create") + "?" + request.GET.urlencode())
        transaction.on_commit(lambda: outbound.start_merge(merge))
        messages.success(request, "The merge is sending in the background.")
        return redirect(merge)


class MergeDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "mail.view_mailmerge"
    model = MailMerge
    template_name = "mail/merge_detail.html"
    context_object_name = "merge"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        recipients = self.object.recipients.select_related("contact").exclude(status="sent")[:500]
        return super().get_context_data(progress=outbound.merge_progress(self.object), problems=recipients, **kwargs)


class MergeResumeView(PermissionRequiredMixin, View):
    permission_required = "mail.add_mailmerge"
    http_method_names = ["post"]

    def post(self, request, pk):
        merge = get_object_or_404(MailMerge, pk=pk)
        try:
            outbound.resume_merge(user=request.user, merge=merge)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, "The merge is sending again; nobody gets the message twice.")
        return redirect(merge)


class MergeStatusView(PermissionRequiredMixin, View):
    permission_required = "mail.view_mailmerge"
    http_method_names = ["get", "head"]

    def get(self, request, pk):
        merge = get_object_or_404(MailMerge, pk=pk)
        return JsonResponse(outbound.merge_progress(merge))
