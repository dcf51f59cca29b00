"""Forms for pledges and in-kind offers; writes go through sponsors.services."""

from django import forms
from django.contrib.auth import get_user_model

from crm.forms.base import BootstrapFormMixin, LookupChoicesMixin
from sponsors.models import CLOSED_LOST_STAGES, InKindContribution, Pledge, SponsorshipTier, Stage


class PledgeForm(LookupChoicesMixin, BootstrapFormMixin, forms.ModelForm):
    """Create or edit a pledge. The stage is chosen on create only; later it changes by a move."""

    lookup_fields = {"organisation": "organisation"}

    class Meta:
        model = Pledge
        fields = ["organisation", "event", "tier", "amount", "stage", "expected_date", "owner", "notes"]
        widgets = {
            "expected_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "amount": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        }
        help_texts = {"amount": "Leave blank to use the tier's price."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].required = False
        tiers = SponsorshipTier.objects.select_related("event")
        self.fields["tier"].queryset = tiers
        # Lets static/sponsors/pledge_form.js fill the amount from the chosen tier.
        self.fields["amount"].widget.attrs["data-tier-prices"] = ",".join(f"{t.pk}:{t.price}" for t in tiers)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["stage"].choices = [c for c in Stage.choices if c[0] not in CLOSED_LOST_STAGES]
        if self.instance.pk:
            del self.fields["stage"]
        self.setup_lookups()

    def clean(self):
        data = super().clean()
        tier, event = data.get("tier"), data.get("event")
        if tier and event and tier.event_id != event.pk:
            self.add_error("tier", f"{tier.name} is a tier of {tier.event}, not {event}.")
        if data.get("amount") is None:
            if tier:
                data["amount"] = tier.price
            else:
                self.add_error("amount", "Enter an amount or choose a tier.")
        return data

    def _post_clean(self):
        # Model validation happens in the service; skip ModelForm's so a blank
        # amount (filled from the tier) is not rejected here.
        pass


class PledgeMoveForm(BootstrapFormMixin, forms.Form):
    to_stage = forms.ChoiceField(label="Move to", choices=Stage.choices)
    reason = forms.CharField(
        label="Reason (needed for declined or withdrawn)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("to_stage") in CLOSED_LOST_STAGES and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the pledge was declined or withdrawn.")
        return data


class InKindForm(LookupChoicesMixin, BootstrapFormMixin, forms.ModelForm):
    lookup_fields = {"organisation": "organisation"}

    class Meta:
        model = InKindContribution
        fields = [
            "organisation",
            "event",
            "category",
            "description",
            "quantity",
            "estimated_value",
            "valuation_basis",
            "owner",
        ]
        widgets = {"estimated_value": forms.NumberInput(attrs={"step": "0.01", "min": "0"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.setup_lookups()


class BenefitDeliveryForm(BootstrapFormMixin, forms.Form):
    """One line of a pledge's benefits checklist."""

    delivered = forms.BooleanField(required=False)
    delivered_on = forms.DateField(
        label="Delivered on", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    notes = forms.CharField(max_length=300, required=False)


class TicketAllocationForm(BootstrapFormMixin, forms.Form):
    allocated = forms.IntegerField(label="Tickets allocated", min_value=0, max_value=100000)
    claimed = forms.IntegerField(
        label="Tickets claimed",
        min_value=0,
        max_value=100000,
        initial=0,
        help_text="How many the sponsor has named attendees for.",
    )
