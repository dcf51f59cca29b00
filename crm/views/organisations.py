from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView, UpdateView
from django_tables2 import SingleTableView

from crm import services
from crm.forms import OrganisationForm
from crm.models import Organisation
from crm.tables import OrganisationTable


class OrganisationListView(PermissionRequiredMixin, SingleTableView):
    permission_required = "crm.view_organisation"
    model = Organisation
    table_class = OrganisationTable
    paginate_by = 50
    template_name = "crm/organisation_list.html"

    def get_queryset(self):
        return Organisation.objects.select_related("owner")


class OrganisationDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "crm.view_organisation"
    model = Organisation
    template_name = "crm/organisation_detail.html"

    def get_queryset(self):
        return Organisation.objects.select_related("owner").prefetch_related("tags", "contacts")


class OrganisationFormMixin(PermissionRequiredMixin):
    model = Organisation
    form_class = OrganisationForm
    template_name = "crm/organisation_form.html"

    def form_valid(self, form):
        organisation = form.save(commit=False)
        services.save_organisation(
            organisation, roles=form.cleaned_data["roles"], tags=form.cleaned_data["tags"], user=self.request.user,
        )
        messages.success(self.request, f"Saved {organisation.name}.")
        return redirect(organisation)


class OrganisationCreateView(OrganisationFormMixin, CreateView):
    permission_required = "crm.add_organisation"


class OrganisationUpdateView(OrganisationFormMixin, UpdateView):
    permission_required = "crm.change_organisation"
