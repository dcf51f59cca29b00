"""Forms for follow-ups: create/edit, and the three row actions (done, snooze, reassign)."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation
from crm.services.followups import COMPLETION_KINDS, assignable_users

from .base import BootstrapFormMixin, LookupChoicesMixin


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


class FollowUpForm(LookupChoicesMixin, BootstrapFormMixin, forms.ModelForm):
    """Create or edit a follow-up; the organisation is filled in from the contact or pledge when left blank."""

    assignee = UserChoiceField(queryset=get_user_model().objects.none(), required=False, label="Assigned to")

    lookup_fields = {"organisation": "organisation", "contact": "contact"}
    narrowed_fields = {"pledge": "organisation", "favour": "organisation"}

    class Meta:
        model = FollowUp
        fields = ["title", "due_date", "assignee", "organisation", "contact", "pledge", "favour", "notes"]
        widgets = {"due_date": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        self.fields["contact"].queryset = Contact.objects.select_related("organisation").order_by(
            "last_name", "first_name"
        )
        self.fields["pledge"].queryset = self.fields["pledge"].queryset.select_related("organisation", "event")
        self.fields["favour"].queryset = self.fields["favour"].queryset.select_related("organisation")
        self.setup_lookups()

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        contact, pledge, favour = cleaned.get("contact"), cleaned.get("pledge"), cleaned.get("favour")
        if organisation is None:
            for linked in (pledge, favour, contact):
                if linked is not None and getattr(linked, "organisation_id", None):
                    cleaned["organisation"] = organisation = linked.organisation
                    self.instance.organisation = organisation
                    break
        if organisation is not None:
            for name, linked in (("contact", contact), ("pledge", pledge), ("favour", favour)):
                if linked is not None and linked.organisation_id and linked.organisation_id != organisation.pk:
                    self.add_error(name, f"This {name} belongs to another organisation.")
        return cleaned


class CompleteFollowUpForm(BootstrapFormMixin, forms.Form):
    outcome = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional; when given it is logged on the timeline.",
    )
    kind = forms.ChoiceField(
        label="Log as",
        choices=[(k.value, k.label) for k in COMPLETION_KINDS],
        initial=Interaction.Kind.CALL,
        required=False,
    )

    def clean_kind(self):
        return self.cleaned_data.get("kind") or Interaction.Kind.CALL


class SnoozeFollowUpForm(BootstrapFormMixin, forms.Form):
    """Snooze to a preset (tomorrow, next week) or a chosen date, never one in the past."""

    PRESETS = {"tomorrow": 1, "next_week": 7}

    preset = forms.ChoiceField(
        required=False,
        choices=[("", "A chosen date"), ("tomorrow", "Tomorrow"), ("next_week", "Next week")],
    )
    until = forms.DateField(required=False, label="Until", widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        preset = cleaned.get("preset")
        if preset:
            cleaned["until"] = today + datetime.timedelta(days=self.PRESETS[preset])
        elif cleaned.get("until") is None:
            if "until" not in self.errors:
                self.add_error("until", "Choose a date.")
        elif cleaned["until"] < today:
            self.add_error("until", "Choose today or a later date, not one in the past.")
        return cleaned


class ReassignFollowUpForm(BootstrapFormMixin, forms.Form):
    assignee = UserChoiceField(
        queryset=get_user_model().objects.none(),
        label="Reassign to",
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()
