"""Personal data pages: subject access download, erasure on request, the retention report."""

import csv
import io
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from crm.forms.base import BootstrapFormMixin
from crm.models import Contact
from crm.tables.pagination import OnePassPaginator, with_total
from privacy import selectors
from privacy.services import erase_contact
from privacy.tables import RetentionTable


class SubjectAccessView(PermissionRequiredMixin, View):
    """A download is a disclosure of personal data: organisers and staff only (not committee)."""

    permission_required = ("crm.view_contact", "crm.change_contact")

    def get(self, request, pk):
        contact = get_object_or_404(Contact, pk=pk)
        document = selectors.subject_access(contact.pk)
        stamp = timezone.localdate().isoformat()
        if request.GET.get("format", "json").lower() == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["section", "field", "value"])
            writer.writerows(selectors.flatten(document))
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            extension = "csv"
        else:
            body = json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
            extension = "json"
        response["Content-Disposition"] = f'attachment; filename="subject-access-{contact.pk}-{stamp}.{extension}"'
        response["Cache-Control"] = "no-store"
        return response


class EraseForm(BootstrapFormMixin, forms.Form):
    confirmation = forms.CharField(
        label="Type the person's name, or ERASE, to confirm",
        max_length=250,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label="Reason (optional, no personal details)",
        max_length=80,
        required=False,
        help_text="For example: request by email on 3 March.",
    )

    def __init__(self, *args, contact, **kwargs):
        self.contact = contact
        super().__init__(*args, **kwargs)

    def clean_confirmation(self):
        typed = " ".join(self.cleaned_data["confirmation"].split())
        accepted = {"erase"}
        for value in (self.contact.full_name, self.contact.email):
            if value:
                accepted.add(" ".join(value.split()).casefold())
        if typed.casefold() not in accepted:
            raise forms.ValidationError("That does not match. Type the person's name as shown, or ERASE.")
        return typed


class EraseContactView(PermissionRequiredMixin, View):
    permission_required = "crm.delete_contact"
    template_name = "privacy/erase_confirm.html"

    def get_contact(self, pk):
        return get_object_or_404(Contact.objects.select_related("organisation"), pk=pk)

    def render_page(self, contact, form, status=200):
        counts = {
            "interactions": contact.interactions.count(),
            "followups": contact.followups.count(),
            "favours": contact.favours.count(),
        }
        return render(self.request, self.template_name, {"contact": contact, "form": form, **counts}, status=status)

    def get(self, request, pk):
        contact = self.get_contact(pk)
        return self.render_page(contact, EraseForm(contact=contact))

    def post(self, request, pk):
        contact = self.get_contact(pk)
        form = EraseForm(request.POST, contact=contact)
        if not form.is_valid():
            return self.render_page(contact, form, status=400)
        erase_contact(contact, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"Erased the person's details. The record is kept as “Erased person #{contact.pk}”.")
        return redirect(reverse("crm:contact_detail", args=[contact.pk]))


class RetentionReportView(PermissionRequiredMixin, SingleTableMixin, TemplateView):
    permission_required = ("crm.view_contact", "crm.change_contact")
    template_name = "privacy/retention_report.html"
    table_class = RetentionTable
    paginate_by = 50
    paginator_class = OnePassPaginator  # the "no recent activity" filter is the cost: evaluate it once

    def get_months(self):
        return selectors.retention_months(self.request.GET.get("months"))

    def get_table_data(self):
        return with_total(selectors.stale_contacts(self.get_months()))

    def get_table_kwargs(self):
        return {"can_erase": self.request.user.has_perm("crm.delete_contact")}

    def get_context_data(self, **kwargs):
        months = self.get_months()
        return super().get_context_data(
            months=months,
            cutoff=selectors.retention_cutoff(months),
            other_sections=self.other_sections(),
            **kwargs,
        )

    def other_sections(self) -> list[dict]:
        """Personal data other apps keep past its time (crm.registry retention sections), e.g.
        sponsors' guest lists after the event."""
        from crm.registry import retention_sections

        user = self.request.user
        return [
            {"title": section.title, "rows": section.rows(None)}
            for section in retention_sections()
            if not section.permission or user.has_perm(section.permission)
        ]
