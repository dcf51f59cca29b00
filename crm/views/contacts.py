from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from crm import services
from crm.filters import ContactFilter
from crm.forms import ContactForm
from crm.models import Contact
from crm.selectors.history import record_history
from crm.selectors.records import contact_list_rows, contact_page
from crm.selectors.timeline import contact_timeline, timeline_limit
from crm.tables import ContactTable
from crm.typing import ModelFormViewMixinBase


class ContactListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "crm.view_contact"
    table_class = ContactTable
    filterset_class = ContactFilter
    table_pagination = {"per_page": 50}
    template_name = "crm/contact_list.html"

    def get_queryset(self):
        return contact_list_rows()


class ContactDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "crm.view_contact"
    model = Contact
    template_name = "crm/contact_detail.html"

    def get_queryset(self):
        return Contact.objects.select_related("organisation", "owner").prefetch_related("tags")

    def get_context_data(self, **kwargs):
        contact = self.object
        timeline = contact_timeline(contact, limit=timeline_limit(self.request))
        return super().get_context_data(
            **contact_page(contact),
            timeline=timeline,
            history=record_history(contact),
            **kwargs,
        )


class ContactFormMixin(PermissionRequiredMixin, ModelFormViewMixinBase):
    model = Contact
    form_class: type[ContactForm] | None = ContactForm
    template_name: str | None = "crm/contact_form.html"

    def form_valid(self, form):
        contact = form.save(commit=False)
        services.save_contact(contact, tags=form.cleaned_data["tags"], user=self.request.user)
        messages.success(self.request, f"Saved {contact}.")
        return redirect(contact)


class ContactCreateView(ContactFormMixin, CreateView):
    permission_required = "crm.add_contact"

    def get_initial(self):
        return {"organisation": self.request.GET.get("organisation")}


class ContactUpdateView(ContactFormMixin, UpdateView):
    permission_required = "crm.change_contact"


class ContactDeleteView(PermissionRequiredMixin, DeleteView):
    permission_required = "crm.delete_contact"
    model = Contact
    template_name = "crm/confirm_delete.html"
    success_url = reverse_lazy("crm:contact_list")

    def form_valid(self, form):
        name = str(self.object)
        self.object.delete()
        messages.success(self.request, f"Deleted {name}.")
        return redirect(self.success_url)
