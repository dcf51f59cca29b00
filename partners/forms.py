from django import forms

from crm.forms.base import BootstrapFormMixin, LookupChoicesMixin
from crm.models import Contact
from partners.models import Favour


class FavourForm(LookupChoicesMixin, BootstrapFormMixin, forms.ModelForm):
    lookup_fields = {"organisation": "organisation", "contact": "contact"}
    narrowed_fields = {"in_kind": "organisation"}

    class Meta:
        model = Favour
        fields = [
            "organisation",
            "direction",
            "description",
            "estimated_value",
            "status",
            "occurred_on",
            "contact",
            "event",
            "in_kind",
        ]
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "estimated_value": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.select_related("organisation")
        # The in-kind gift a favour produced belongs to sponsors; reach it through the relation
        # rather than importing that app (partners and sponsors stay independent).
        self.fields["in_kind"].queryset = self.fields["in_kind"].queryset.select_related("organisation")
        self.setup_lookups()

    def clean(self):
        data = super().clean()
        org, contact = data.get("organisation"), data.get("contact")
        if org and contact and contact.organisation_id not in (None, org.pk):
            self.add_error("contact", f"{contact} is not at {org}.")
        return data
