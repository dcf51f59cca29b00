"""The "Plan the next event" form: the event's facts, its tiers (a formset of editable copies),
and the sponsors who declined or withdrew last time, to choose from."""

from __future__ import annotations

import datetime
import re

from django import forms

from crm.forms.base import BootstrapFormMixin
from crm.models import Event
from renewals.selectors import Candidate
from renewals.services import TierPlan


def suggested_name(event: Event) -> str:
    """The last event's name with its year moved on ("Network Launch 2026" → "… 2027")."""
    match = re.search(r"(19|20)\d\d(?!.*\d)", event.name)
    if not match:
        return ""
    year = int(match.group(0))
    name = f"{event.name[: match.start()]}{year + 1}{event.name[match.end() :]}"
    return "" if Event.objects.filter(name__iexact=name).exists() else name


def suggested_date(event: Event, today: datetime.date) -> datetime.date | None:
    if event.date is None:
        return None
    try:
        day = event.date.replace(year=event.date.year + 1)
    except ValueError:  # 29 February
        day = event.date + datetime.timedelta(days=365)
    return day if day > today else None


class PlanNextEventForm(BootstrapFormMixin, forms.ModelForm):
    include_lapsed = forms.MultipleChoiceField(
        label="Also ask these sponsors, who declined or withdrew last time",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Event
        fields = ["name", "date", "venue", "capacity", "sponsorship_target", "in_kind_target"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, lapsed: list[Candidate] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].required = True
        self.fields["include_lapsed"].choices = [
            (str(c.organisation_id), f"{c.organisation} ({c.last_time.replace(' pledged', '')}, {c.stage})")
            for c in lapsed
        ]
        # The service checks the name (case-insensitively) and says so; the model's check is skipped.
        self._validate_unique = False

    def validate_unique(self):
        pass


class TierForm(BootstrapFormMixin, forms.Form):
    source_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=100)
    price = forms.DecimalField(label="Price (£)", max_digits=12, decimal_places=2, min_value=0)
    slots = forms.IntegerField(min_value=0, initial=1)
    ticket_allocation = forms.IntegerField(label="Tickets", min_value=0, initial=0)
    stand = forms.BooleanField(required=False)
    logo = forms.BooleanField(label="Logo", required=False)
    speaking_slot = forms.BooleanField(label="Speaking slot", required=False)
    other_benefits = forms.CharField(
        label="Other benefits (one a line)", required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    def plan(self) -> TierPlan:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        return TierPlan(**data)


TierFormSet = forms.formset_factory(TierForm, extra=1, can_delete=True, max_num=30, validate_max=True)


def tier_initial(plans: list[TierPlan]) -> list[dict]:
    return [vars(p).copy() for p in plans]
