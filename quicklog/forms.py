"""The quick log: one short form for a call, email, meeting, note or favour,
with an optional follow-up. Sections the user may not use are left out entirely."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.forms.base import BootstrapFormMixin, LookupChoicesMixin
from crm.forms.fields import LocalDateTimeField
from crm.models import Contact, Interaction, Organisation
from crm.selectors.search import contact_label
from partners.models import Favour
from quicklog.services import FAVOUR

KIND_CHOICES = [*Interaction.Kind.choices, (FAVOUR, "Favour")]
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
FOLLOWUP_FIELDS = ("followup_due", "followup_title", "followup_assignee")
FAVOUR_FIELDS = ("also_favour", "favour_direction", "favour_description", "favour_value", "favour_status")


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return contact_label(obj)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class QuickLogForm(LookupChoicesMixin, BootstrapFormMixin, forms.Form):
    lookup_fields = {"organisation": "organisation", "contact": "contact"}
    always_search = True

    kind = forms.ChoiceField(choices=KIND_CHOICES, initial=Interaction.Kind.CALL)
    organisation = forms.ModelChoiceField(
        Organisation.objects.order_by("name"),
        required=False,
        empty_label="— None —",
        help_text="Type to search, or leave empty if you pick a contact.",
    )
    contact = ContactChoiceField(
        Contact.objects.select_related("organisation").order_by("last_name", "first_name"),
        required=False,
        empty_label="— None —",
        help_text="Their organisation is filled in for you.",
    )
    occurred_at = LocalDateTimeField(
        label="When",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    summary = forms.CharField(
        max_length=300,
        required=False,
        help_text="One line: what happened.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    outcome = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    direction = forms.ChoiceField(
        choices=Interaction.Direction.choices,
        required=False,
        initial=Interaction.Direction.OUTBOUND,
    )

    followup_due = forms.DateField(
        label="Follow up by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for no follow-up.",
    )
    followup_title = forms.CharField(
        label="What to do",
        max_length=300,
        required=False,
        help_text="Defaults to “Follow up: <summary>”.",
    )
    followup_assignee = UserChoiceField(
        get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username"),
        label="Assign to",
        required=False,
        empty_label=None,
    )

    also_favour = forms.BooleanField(label="Also record a favour", required=False)
    favour_direction = forms.ChoiceField(label="Favour direction", choices=Favour.Direction.choices, required=False)
    favour_description = forms.CharField(label="What was the favour?", max_length=300, required=False)
    favour_value = forms.DecimalField(
        label="Estimated value (£)",
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    favour_status = forms.ChoiceField(
        label="Favour status",
        choices=Favour.Status.choices,
        required=False,
        initial=Favour.Status.ASKED,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.can_followup = user.has_perm("crm.add_followup")
        self.can_favour = user.has_perm("partners.add_favour")
        if not self.can_followup:
            for name in FOLLOWUP_FIELDS:
                del self.fields[name]
        else:
            self.fields["followup_assignee"].initial = user.pk
        if not self.can_favour:
            for name in FAVOUR_FIELDS:
                del self.fields[name]
            self.fields["kind"].choices = Interaction.Kind.choices
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["kind"].widget.attrs["autofocus"] = True
        self.fields["contact"].widget.attrs["data-fills"] = "id_organisation"
        self.setup_lookups()

    # Layout: (legend or None, [(field name, column classes)]); the template loops over it.
    LAYOUT = [
        (
            None,
            [
                ("kind", "col-12 col-md-4"),
                ("organisation", "col-12 col-md-4"),
                ("contact", "col-12 col-md-4"),
                ("summary", "col-12"),
                ("occurred_at", "col-12 col-sm-6 col-md-4"),
                ("direction", "col-12 col-sm-6 col-md-4"),
                ("outcome", "col-12"),
            ],
        ),
        (
            "followup",
            [
                ("followup_due", "col-12 col-md-4"),
                ("followup_title", "col-12 col-md-5"),
                ("followup_assignee", "col-12 col-md-3"),
            ],
        ),
        (
            "favour",
            [
                ("favour_direction", "col-12 col-sm-6 col-md-3"),
                ("favour_description", "col-12 col-md-5"),
                ("favour_value", "col-12 col-sm-6 col-md-2"),
                ("favour_status", "col-12 col-sm-6 col-md-2"),
            ],
        ),
    ]

    def sections(self):
        """Present sections as (key, [(bound field, columns)]), skipping fields this user lacks."""
        out = []
        for key, fields in self.LAYOUT:
            present = [(self[name], cols) for name, cols in fields if name in self.fields]
            if present:
                out.append((key, present))
        return out

    def wants_favour(self) -> bool:
        data = self.cleaned_data
        return data.get("kind") == FAVOUR or bool(data.get("also_favour"))

    def clean(self):
        data = super().clean()
        # Fields a role may not use are absent from the form; refuse rather than silently drop them.
        if not self.can_followup and any(self.data.get(name) for name in ("followup_due", "followup_title")):
            raise forms.ValidationError("You do not have permission to add follow-ups.", code="permission")
        if not self.can_favour and (self.data.get("also_favour") or self.data.get("favour_description")):
            raise forms.ValidationError("You do not have permission to record favours.", code="permission")

        organisation, contact = data.get("organisation"), data.get("contact")
        if organisation is None and contact is not None and contact.organisation_id:
            organisation = contact.organisation
        if organisation is None and contact is None and "organisation" not in self.errors:
            self.add_error("organisation", "Choose an organisation or a contact.")

        favour = self.can_favour and self.wants_favour()
        if favour:
            if organisation is None and "organisation" not in self.errors:
                self.add_error("organisation", "A favour needs an organisation: choose one (or a contact who has one).")
            if not data.get("favour_description"):
                self.add_error("favour_description", "Describe the favour.")
            if not data.get("summary") and data.get("favour_description"):
                data["summary"] = f"Favour: {data['favour_description']}"[:300]
        if not data.get("summary"):
            self.add_error("summary", "Write a one-line summary.")

        if self.can_followup and data.get("followup_title") and not data.get("followup_due"):
            self.add_error("followup_due", "Give the follow-up a due date (or clear its title).")
        return data

    def service_kwargs(self) -> dict:
        """The log_interaction keyword arguments for this (valid) form."""
        data = self.cleaned_data
        kwargs = {
            "organisation": data.get("organisation"),
            "contact": data.get("contact"),
            "kind": data["kind"],
            "occurred_at": data["occurred_at"],
            "summary": data["summary"],
            "outcome": data.get("outcome", ""),
            "direction": data.get("direction", ""),
            "followup": None,
            "favour": None,
        }
        if self.can_followup and data.get("followup_due"):
            kwargs["followup"] = {
                "due_date": data["followup_due"],
                "title": data.get("followup_title", ""),
                "assignee": data.get("followup_assignee") or self.user,
            }
        if self.can_favour and self.wants_favour():
            kwargs["favour"] = {
                "direction": data.get("favour_direction") or Favour.Direction.WE_ASKED,
                "description": data.get("favour_description", ""),
                "estimated_value": data.get("favour_value") or Decimal("0"),
                "status": data.get("favour_status") or Favour.Status.ASKED,
            }
        return kwargs
