"""Pledge pipeline and in-kind pages. Views stay thin: forms validate, services write."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from crm.models import Organisation
from crm.typing import FormViewMixinBase, ModelFormViewMixinBase
from crm.views.redirects import safe_next
from sponsors import selectors, services
from sponsors.filters import InKindFilter, PledgeFilter
from sponsors.forms import BenefitDeliveryForm, InKindForm, PledgeForm, PledgeMoveForm, TicketAllocationForm
from sponsors.models import BenefitDelivery, InKindContribution, Pledge, TicketAllocation
from sponsors.tables import InKindTable, PledgeTable

# --- Pledges -------------------------------------------------------------------


class PledgeListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "sponsors.view_pledge"
    model = Pledge
    table_class = PledgeTable
    filterset_class = PledgeFilter
    table_pagination = {"per_page": 50}
    template_name = "sponsors/pledge_list.html"

    def get_queryset(self):
        return Pledge.objects.select_related("organisation", "event", "tier", "owner")


class PledgeBoardView(PermissionRequiredMixin, FilterView):
    """The pipeline as columns of cards; the event/owner/tier filters still apply."""

    permission_required = "sponsors.view_pledge"
    model = Pledge
    filterset_class = PledgeFilter
    template_name = "sponsors/pledge_board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = selectors.pledge_board(self.object_list)
        context["can_move"] = self.request.user.has_perm("sponsors.change_pledge")
        return context


class PledgeDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "sponsors.view_pledge"
    model = Pledge
    template_name = "sponsors/pledge_detail.html"

    def get_queryset(self):
        return Pledge.objects.select_related("organisation", "event", "tier", "owner")

    def get_context_data(self, **kwargs):
        pledge = self.object
        stage_changes = pledge.stage_changes.select_related("changed_by")
        benefits = pledge.benefits.all()
        records = list(pledge.history.select_related("history_user").order_by("-history_date", "-history_id"))
        history = []
        for record, previous in zip(records, [*records[1:], None]):
            changes = record.diff_against(previous).changes if previous else []
            history.append({"record": record, "changes": changes})
        tickets = TicketAllocation.objects.filter(pledge=pledge).first()
        ticket_form = TicketAllocationForm(
            initial={
                "allocated": tickets.allocated if tickets else (pledge.tier.ticket_allocation if pledge.tier else 0),
                "claimed": tickets.claimed if tickets else 0,
            }
        )
        return super().get_context_data(
            stage_changes=stage_changes,
            benefits=benefits,
            history=history,
            tickets=tickets,
            ticket_form=ticket_form,
            move_form=PledgeMoveForm(initial={"to_stage": pledge.stage}),
            **kwargs,
        )


class PledgeFormMixin(PermissionRequiredMixin, FormViewMixinBase):
    form_class: type[PledgeForm] | None = PledgeForm
    template_name: str | None = "sponsors/pledge_form.html"


class PledgeCreateView(PledgeFormMixin, FormView):
    permission_required = "sponsors.add_pledge"

    def get_initial(self):
        initial = super().get_initial()
        org_id = self.request.GET.get("organisation")
        if org_id and org_id.isdigit() and Organisation.objects.filter(pk=org_id).exists():
            initial["organisation"] = org_id
        initial["owner"] = self.request.user.pk
        for name in ("event", "tier"):
            value = self.request.GET.get(name)
            if value and value.isdigit():
                initial[name] = value
        return initial

    def form_valid(self, form):
        try:
            pledge = services.create_pledge(user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Recorded a £{pledge.amount:,.0f} pledge from {pledge.organisation}.")
        return redirect(safe_next(self.request, pledge.get_absolute_url()))


class PledgeUpdateView(PledgeFormMixin, FormView):
    permission_required = "sponsors.change_pledge"

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(Pledge.objects.select_related("organisation"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def form_valid(self, form):
        try:
            pledge = services.update_pledge(self.object, user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved the pledge from {pledge.organisation}.")
        return redirect(pledge)


class PledgeMoveView(PermissionRequiredMixin, View):
    """Move a pledge to another stage (the board's and detail page's "Move to" forms post here)."""

    permission_required = "sponsors.change_pledge"
    template_name = "sponsors/pledge_move.html"

    def dispatch(self, request, *args, **kwargs):
        self.pledge = get_object_or_404(Pledge.objects.select_related("organisation", "event"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, status=200):
        context = {"pledge": self.pledge, "form": form, "next": safe_next(self.request, "")}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        to_stage = request.GET.get("to_stage") or self.pledge.stage
        return self.render_form(PledgeMoveForm(initial={"to_stage": to_stage}))

    def post(self, request, pk):
        form = PledgeMoveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                pledge = services.move_pledge(
                    self.pledge,
                    data["to_stage"],
                    user=request.user,
                    reason=data["reason"],
                    note=data["note"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("reason" if "declined" in message else None, message)
            else:
                messages.success(request, f"Moved {pledge.organisation} to {pledge.get_stage_display()}")
                return redirect(safe_next(request, pledge.get_absolute_url()))
        messages.error(
            request, "The pledge was not moved: " + " ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return self.render_form(form, status=400)


class BenefitUpdateView(PermissionRequiredMixin, View):
    """Tick a benefit off the pledge's checklist (the pledge page's checklist posts here)."""

    permission_required = "sponsors.change_benefitdelivery"

    def dispatch(self, request, *args, **kwargs):
        self.benefit = get_object_or_404(BenefitDelivery.objects.select_related("pledge"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return redirect(self.benefit.pledge)

    def post(self, request, pk):
        form = BenefitDeliveryForm(request.POST)
        if form.is_valid():
            try:
                benefit = services.record_benefit_delivery(self.benefit, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                messages.error(request, f"{self.benefit.benefit}: " + " ".join(error.messages))
            else:
                state = f"delivered on {benefit.delivered_on:%d %b %Y}" if benefit.delivered else "not delivered yet"
                messages.success(request, f"{benefit.benefit}: {state}.")
        else:
            messages.error(
                request,
                f"{self.benefit.benefit}: " + " ".join(str(e) for errors in form.errors.values() for e in errors),
            )
        return redirect(self.benefit.pledge)


class TicketAllocationView(PermissionRequiredMixin, View):
    """Set a sponsor's tickets from the pledge page; refused beyond the event's capacity."""

    permission_required = ("sponsors.add_ticketallocation", "sponsors.change_ticketallocation")

    def dispatch(self, request, *args, **kwargs):
        self.pledge = get_object_or_404(Pledge.objects.select_related("organisation", "event"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return redirect(self.pledge)

    def post(self, request, pk):
        form = TicketAllocationForm(request.POST)
        if form.is_valid():
            try:
                tickets = services.allocate_tickets(self.pledge, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                messages.error(request, "Tickets not changed: " + " ".join(error.messages))
            else:
                messages.success(
                    request,
                    f"{self.pledge.organisation}: {tickets.allocated} tickets allocated, {tickets.claimed} claimed.",
                )
        else:
            messages.error(
                request, "Tickets not changed: " + " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        return redirect(self.pledge)


class EventTicketsView(PermissionRequiredMixin, View):
    """An event's capacity, the tickets sponsors were given and claimed, and what is left to sell."""

    permission_required = "sponsors.view_ticketallocation"

    def get(self, request, pk):
        from crm.models import Event

        event = get_object_or_404(Event, pk=pk)
        return render(request, "sponsors/event_tickets.html", {"event": event, **selectors.event_tickets(event)})


# --- In-kind -----------------------------------------------------------------


class InKindListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "sponsors.view_inkindcontribution"
    model = InKindContribution
    table_class = InKindTable
    filterset_class = InKindFilter
    table_pagination = {"per_page": 50}
    template_name = "sponsors/inkind_list.html"

    def get_queryset(self):
        return InKindContribution.objects.select_related("organisation", "event")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = selectors.in_kind_totals(self.object_list)
        return context


class InKindFormMixin(PermissionRequiredMixin, ModelFormViewMixinBase):
    model = InKindContribution
    form_class: type[InKindForm] | None = InKindForm
    template_name: str | None = "sponsors/inkind_form.html"

    def form_valid(self, form):
        try:
            item = services.save_in_kind(form.save(commit=False), user=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {item.get_category_display().lower()} from {item.organisation}.")
        return redirect(safe_next(self.request, reverse("sponsors:inkind_list")))


class InKindCreateView(InKindFormMixin, FormView):
    permission_required = "sponsors.add_inkindcontribution"

    def get_initial(self):
        initial = super().get_initial()
        org_id = self.request.GET.get("organisation")
        if org_id and org_id.isdigit():
            initial["organisation"] = org_id
        initial["owner"] = self.request.user.pk
        return initial


class InKindUpdateView(InKindFormMixin, FormView):
    permission_required = "sponsors.change_inkindcontribution"

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(InKindContribution, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


class InKindStatusView(PermissionRequiredMixin, View):
    """POST moves the status; GET shows a confirmation page (used before declining)."""

    permission_required = "sponsors.change_inkindcontribution"
    VERBS = {"confirmed": "Confirm", "delivered": "Mark delivered", "declined": "Decline"}

    def dispatch(self, request, *args, **kwargs):
        self.item = get_object_or_404(
            InKindContribution.objects.select_related("organisation", "event"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        status = request.GET.get("status", "")
        if status not in self.VERBS:
            raise Http404("Unknown status.")
        return render(
            request,
            "sponsors/inkind_status_confirm.html",
            {
                "item": self.item,
                "status": status,
                "verb": self.VERBS[status],
                "allowed": status in services.allowed_in_kind_statuses(self.item),
                "next": safe_next(request, ""),
            },
        )

    def post(self, request, pk):
        status = request.POST.get("status", "")
        try:
            item = services.set_in_kind_status(self.item, status, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{item.organisation}: {item.description} is now {item.get_status_display().lower()}."
            )
        return redirect(safe_next(request, reverse("sponsors:inkind_list")))
