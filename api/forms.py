"""Forms of the token and webhook pages."""

from django import forms

from api.models import Webhook, event_choices
from crm.forms.base import BootstrapFormMixin
from crm.forms.fields import LocalDateTimeField, https_formfield


class TokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “ticketing sync”.")
    expires_at = LocalDateTimeField(
        label="Expires",
        required=False,
        help_text="Optional. Leave empty for a token that lasts until revoked.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class WebhookForm(BootstrapFormMixin, forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=(), widget=forms.CheckboxSelectMultiple, help_text="What the target is told about."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = event_choices()

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "active"]
        formfield_callback = https_formfield
        help_texts = {"url": "A public http:// or https:// address; each delivery is a signed JSON POST."}


class CodeForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or a recovery code.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
