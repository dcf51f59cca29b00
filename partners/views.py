"""The favours ledger and the partner list. Views stay thin; partners.services writes."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from crm.models import Organisation
from crm.typing import FormViewMixinBase
from crm.views.redirects import safe_next
from partners import selectors, services
from partners.filters import FavourFilter, PartnerFilter
from partners.forms import FavourForm
from partners.models import Favour
from partners.tables import FavourTable, PartnerTable


class FavourListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    """Every favour, with a tab for what we still owe and a balance per organisation."""

    permission_required = "partners.view_favour"
    model = Favour
    table_class = FavourTable
    filterset_class = FavourFilter
    table_pagination = {"per_page": 50}
    template_name = "partners/favour_list.html"

    def get_queryset(self):
        return Favour.objects.select_related("organisation", "event")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()
        orgs = Organisation.objects.filter(name__icontains=q) if q else None
        context["balances"] = selectors.favour_balances(orgs)[:25]
        context["show"] = self.request.GET.get("show", "")
        context["owed_count"] = Favour.objects.owed().count()
        return context


class FavourFormMixin(PermissionRequiredMixin, FormViewMixinBase):
    form_class: type[FavourForm] | None = FavourForm
    template_name: str | None = "partners/favour_form.html"

    def success(self, favour, verb):
        messages.success(self.request, f"{verb} favour for {favour.organisation}: {favour.description}.")
        return redirect(safe_next(self.request, reverse("partners:favour_list")))


class FavourCreateView(FavourFormMixin, FormView):
    permission_required = "partners.add_favour"

    def get_initial(self):
        initial = super().get_initial()
        org_id = self.request.GET.get("organisation")
        if org_id and org_id.isdigit():
            initial["organisation"] = org_id
        direction = self.request.GET.get("direction")
        if direction in Favour.Direction.values:
            initial["direction"] = direction
        return initial

    def form_valid(self, form):
        try:
            favour = services.record_favour(user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return self.success(favour, "Logged")


class FavourUpdateView(FavourFormMixin, FormView):
    permission_required = "partners.change_favour"

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(Favour.objects.select_related("organisation"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def form_valid(self, form):
        try:
            favour = services.update_favour(self.object, user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return self.success(favour, "Saved")


class PartnerListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    """Suppliers and training providers with what they offer and where the favours stand."""

    permission_required = "partners.view_partnerprofile"
    model = Organisation
    table_class = PartnerTable
    filterset_class = PartnerFilter
    table_pagination = {"per_page": 50}
    template_name = "partners/partner_list.html"

    def get_queryset(self):
        partners = Organisation.objects.filter(Q(is_supplier=True) | Q(is_training_provider=True))
        return selectors.with_favour_balances(partners.select_related("partner_profile")).order_by("name")
