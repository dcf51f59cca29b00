"""The quick log: one short form for a call, email, meeting, note or favour,
with an optional follow-up. Sections the user may not use are left out entirely."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm import registry
from crm.forms.base import BootstrapFormMixin, LookupChoicesMixin
from crm.forms.fields import LocalDateTimeField
from crm.models import Contact, Interaction, Organisation
from crm.selectors.search import contact_label
from partners.models import Favour
from quicklog.services import FAVOUR

KIND_CHOICES = [*Interaction.Kind.choices, (FAVOUR, "Favour")]
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
FOLLOWUP_FIELDS = ("followup_due", "followup_title", "followup_assignee")
NEW_CONTACT_FIELDS = ("new_first_name", "new_last_name", "new_email", "new_phone")
#: The "same as" answer that keeps the new contact although it looks like someone already there.
ADD_NEW = "new"
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
    # Someone not in the CRM yet: added with the call, after a "this looks like X" check.
    new_first_name = forms.CharField(label="First name", max_length=100, required=False)
    new_last_name = forms.CharField(label="Last name", max_length=100, required=False)
    new_email = forms.EmailField(label="Email", required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    new_phone = forms.CharField(
        label="Phone",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    # Offered (its choices set) only when the new contact looks like someone already in the CRM.
    same_as = forms.CharField(
        label="Is it one of them?", required=False, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
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
        self.can_add_contact = user.has_perm("crm.add_contact")
        self.possible_duplicates: list[registry.PossibleDuplicate] = []
        if not self.can_add_contact:
            for name in (*NEW_CONTACT_FIELDS, "same_as"):
                del self.fields[name]
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
            ],
        ),
        (
            "new_contact",
            [
                ("new_first_name", "col-12 col-sm-6 col-md-3"),
                ("new_last_name", "col-12 col-sm-6 col-md-3"),
                ("new_email", "col-12 col-sm-6 col-md-3"),
                ("new_phone", "col-12 col-sm-6 col-md-3"),
            ],
        ),
        (
            None,
            [
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

    def wants_new_contact(self) -> bool:
        """Whether any of the new contact's fields is filled in (as typed, before cleaning)."""
        return self.can_add_contact and any(
            (self.data.get(self.add_prefix(n)) or "").strip() for n in NEW_CONTACT_FIELDS
        )

    def new_contact_open(self) -> bool:
        """The new-contact section starts open when it holds something or has something to say."""
        return self.is_bound and (
            self.wants_new_contact() or any(name in self.errors for name in (*NEW_CONTACT_FIELDS, "same_as"))
        )

    def _clean_new_contact(self, data: dict, organisation) -> None:
        """A new contact instead of a chosen one: refused when it is nobody, and, when it looks like
        someone already in the CRM (crm.registry duplicate checks), shown them to choose from
        first. Choosing one logs the call with them; "add new" keeps the new contact."""
        if data.get("contact") is not None:
            self.add_error("contact", "Choose a contact or add a new one below, not both.")
            return
        values = {
            "first_name": data.get("new_first_name", "").strip(),
            "last_name": data.get("new_last_name", "").strip(),
            "email": data.get("new_email", ""),
            "phone": data.get("new_phone", "").strip(),
            "organisation": organisation.pk if organisation is not None else None,
        }
        if not (values["first_name"] or values["last_name"] or values["email"]):
            if "new_email" not in self.errors:
                self.add_error("new_first_name", "Give the new contact a name or an email.")
            return
        if any(name in self.errors for name in NEW_CONTACT_FIELDS):
            return
        self.possible_duplicates = registry.possible_duplicates("crm.contact", values)
        chosen = data.get("same_as") or ""
        if chosen == ADD_NEW or not self.possible_duplicates:
            data["new_contact"] = values
            return
        match = next((m for m in self.possible_duplicates if str(m.pk) == chosen), None)
        if match is not None:
            contact = Contact.objects.select_related("organisation").filter(pk=match.pk).first()
            if contact is not None:
                data["contact"] = contact
                return
        name = " ".join(part for part in (values["first_name"], values["last_name"]) if part) or values["email"]
        self.fields["same_as"].widget.choices = [
            *((str(m.pk), m.label) for m in self.possible_duplicates),
            (ADD_NEW, f"None of these: add {name} as a new contact"),
        ]
        self.add_error(
            "same_as",
            "This looks like someone already in the CRM: log it with them, or add a new contact.",
        )

    def same_as_options(self) -> list[tuple]:
        """(radio, the record it names, or None for "add new") for the look-alike warning."""
        if not self.possible_duplicates or "same_as" not in self.fields:
            return []
        matches = [*self.possible_duplicates, None]
        return list(zip(self["same_as"], matches, strict=False))

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
        if not self.can_add_contact and any(self.data.get(name) for name in NEW_CONTACT_FIELDS):
            raise forms.ValidationError("You do not have permission to add contacts.", code="permission")

        if self.wants_new_contact():
            self._clean_new_contact(data, data.get("organisation"))
        organisation, contact = data.get("organisation"), data.get("contact")
        if organisation is None and contact is not None and contact.organisation_id:
            organisation = contact.organisation
        if (
            organisation is None
            and contact is None
            and not self.wants_new_contact()
            and "organisation" not in self.errors
        ):
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
            "new_contact": data.get("new_contact"),
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
