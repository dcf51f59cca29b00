"""Forms of the token and webhook pages."""
from django import forms

from api.models import Event, Webhook
from crm.forms.base import BootstrapFormMixin


class TokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “ticketing sync”.")
    expires_at = forms.DateTimeField(
        label="Expires", required=False, help_text="Optional. Leave empty for a token that lasts until revoked.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class WebhookForm(BootstrapFormMixin, forms.ModelForm):
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple,
                                       help_text="What the target is told about.")

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "active"]
        help_texts = {"url": "A public http:// or https:// address; each delivery is a signed JSON POST."}
