from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from crm import services
from crm.filters import OrganisationFilter
from crm.forms import OrganisationForm
from crm.models import Organisation
from crm.selectors.history import record_history
from crm.selectors.records import organisation_page, organisation_rows
from crm.selectors.timeline import organisation_timeline, timeline_limit
from crm.tables import OrganisationTable
from crm.typing import ModelFormViewMixinBase


class OrganisationListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "crm.view_organisation"
    table_class = OrganisationTable
    filterset_class = OrganisationFilter
    table_pagination = {"per_page": 50}
    template_name = "crm/organisation_list.html"

    def get_queryset(self):
        return organisation_rows()


class OrganisationDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "crm.view_organisation"
    model = Organisation
    template_name = "crm/organisation_detail.html"

    def get_queryset(self):
        return Organisation.objects.select_related("owner").prefetch_related("tags")

    def get_context_data(self, **kwargs):
        organisation = self.object
        timeline = organisation_timeline(organisation, limit=timeline_limit(self.request))
        return super().get_context_data(
            **organisation_page(organisation),
            timeline=timeline,
            history=record_history(organisation),
            **kwargs,
        )


class OrganisationFormMixin(PermissionRequiredMixin, ModelFormViewMixinBase):
    model = Organisation
    form_class: type[OrganisationForm] | None = OrganisationForm
    template_name: str | None = "crm/organisation_form.html"

    def form_valid(self, form):
        organisation = form.save(commit=False)
        services.save_organisation(
            organisation,
            roles=form.cleaned_data["roles"],
            tags=form.cleaned_data["tags"],
            user=self.request.user,
        )
        messages.success(self.request, f"Saved {organisation.name}.")
        return redirect(organisation)


class OrganisationCreateView(OrganisationFormMixin, CreateView):
    permission_required = "crm.add_organisation"


class OrganisationUpdateView(OrganisationFormMixin, UpdateView):
    permission_required = "crm.change_organisation"


class OrganisationDeleteView(PermissionRequiredMixin, DeleteView):
    """Asks first; refuses plainly when pledges or in-kind offers still point at it."""

    permission_required = "crm.delete_organisation"
    model = Organisation
    template_name = "crm/confirm_delete.html"
    success_url = reverse_lazy("crm:organisation_list")

    def form_valid(self, form):
        name = self.object.name
        try:
            self.object.delete()
        except ProtectedError:
            messages.error(self.request, f"{name} has pledges or in-kind offers; remove those first.")
            return redirect(self.object)
        messages.success(self.request, f"Deleted {name}.")
        return redirect(self.success_url)
