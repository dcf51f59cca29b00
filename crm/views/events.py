"""Events: the list, an event's page (its facts and what other apps add: tickets, sponsorship), create, edit."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView, UpdateView
from django_tables2 import SingleTableView

from crm import services
from crm.forms import EventForm
from crm.models import Event
from crm.tables import EventTable
from crm.typing import ModelFormViewMixinBase


class EventListView(PermissionRequiredMixin, SingleTableView):
    permission_required = "crm.view_event"
    model = Event
    table_class = EventTable
    table_pagination = {"per_page": 50}
    template_name = "crm/event_list.html"


class EventDetailView(PermissionRequiredMixin, DetailView):
    """The event's facts; the panels in its "event" slot come from the apps above the core."""

    permission_required = "crm.view_event"
    model = Event
    template_name = "crm/event_detail.html"


class EventFormMixin(PermissionRequiredMixin, ModelFormViewMixinBase):
    model = Event
    form_class: type[EventForm] | None = EventForm
    template_name: str | None = "crm/event_form.html"

    def form_valid(self, form):
        event = services.save_event(form.save(commit=False), user=self.request.user)
        messages.success(self.request, f"Saved {event.name}.")
        return redirect(event)


class EventCreateView(EventFormMixin, CreateView):
    permission_required = "crm.add_event"


class EventUpdateView(EventFormMixin, UpdateView):
    permission_required = "crm.change_event"
