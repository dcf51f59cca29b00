"""The public application form (with its abuse checks) and the organiser's settings form."""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import MaxLengthValidator

from crm.forms.base import BootstrapFormMixin
from publicpages.models import PublicPage
from publicpages.selectors import TierOffer
from publicpages.services import ApplicationData

SIGNER_SALT = "publicpages.application.started"
#: A person takes longer than this to fill in the form; a script posting at once does not.
MIN_FILL_SECONDS_DEFAULT = 3
#: A form left open longer than this is refused (its timestamp is stale): load the page again.
MAX_FILL_SECONDS = 24 * 60 * 60
HONEYPOT = "fax_number"  # a field people never see, so never fill in

LIMITS = {
    "organisation": 200,
    "contact_name": 150,
    "email": 254,
    "phone": 40,
    "website": 200,
    "billing_address": 500,
    "po_number": 50,
    "message": 2000,
}


def min_fill_seconds() -> int:
    return int(getattr(settings, "PUBLICPAGES_MIN_FILL_SECONDS", MIN_FILL_SECONDS_DEFAULT))


def started_token(now: float | None = None) -> str:
    return signing.dumps(int(now if now is not None else time.time()), salt=SIGNER_SALT)


class TierChoiceWidget(forms.RadioSelect):
    """Radio buttons, one per tier; a sold-out tier's button is disabled."""

    def __init__(self, *args, sold_out=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sold_out = set(sold_out)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.sold_out:
            option["attrs"]["disabled"] = True
        return option


class ApplicationForm(BootstrapFormMixin, forms.Form):
    """What an applicant tells us. Every field has a size limit; the honeypot and the signed start
    time catch scripts; the tier must have a slot left."""

    organisation = forms.CharField(label="Organisation")
    contact_name = forms.CharField(label="Your name")
    email = forms.EmailField(label="Email")
    phone = forms.CharField(label="Phone", required=False)
    website = forms.URLField(label="Website", required=False, assume_scheme="https")
    tier = forms.TypedChoiceField(label="Package", coerce=int, widget=forms.RadioSelect)
    billing_address = forms.CharField(
        label="Billing address", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="If you know it."
    )
    po_number = forms.CharField(label="Purchase order (PO) number", required=False, help_text="If you have one.")
    message = forms.CharField(
        label="Anything you would like us to know", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    consent = forms.BooleanField(
        label="You may contact me about this application and about sponsoring the event.",
        error_messages={"required": "Tick the box to agree that we may contact you about your application."},
    )
    fax_number = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, tiers: list[TierOffer], **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = tiers
        sold_out = [str(t.id) for t in tiers if t.sold_out]
        field = self.fields["tier"]
        field.choices = [(t.id, f"{t.name} — £{t.price:,.0f}" + (" (sold out)" if t.sold_out else "")) for t in tiers]
        field.widget = TierChoiceWidget(choices=field.choices, sold_out=sold_out, attrs={"class": "form-check-input"})
        for name, limit in LIMITS.items():
            self.fields[name].max_length = limit
            self.fields[name].validators.append(
                MaxLengthValidator(limit, f"Keep this to {limit:,} characters or fewer.")
            )
            self.fields[name].widget.attrs["maxlength"] = str(limit)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["website"].widget.attrs["autocomplete"] = "url"
        self.fields["billing_address"].widget.attrs["autocomplete"] = "street-address"
        if not self.is_bound:
            self.initial["started"] = started_token()
        self.refusal = ""  # why the form was refused as a whole (honeypot, too fast, stale)

    def clean_fax_number(self):
        if self.cleaned_data.get(HONEYPOT):
            self.refusal = (
                "Your application was not sent: a field meant to stay empty was filled in "
                "(browsers' auto-fill sometimes does this). It is empty again now: please send the form again."
            )
            raise forms.ValidationError("Leave this field empty.")
        return ""

    def clean_started(self):
        value = self.cleaned_data.get("started", "")
        try:
            started = int(signing.loads(value, salt=SIGNER_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            self.refusal = "This form could not be checked. We have refreshed it: please send it again."
            raise forms.ValidationError("Bad form.") from None
        if time.time() - started > MAX_FILL_SECONDS:
            self.refusal = "This form was open for more than a day. We have refreshed it: please send it again."
            raise forms.ValidationError("Stale form.")
        if time.time() - started < min_fill_seconds():
            self.refusal = (
                "That was quicker than a person can fill in the form, so we did not send it. "
                "Please check your answers and send it again."
            )
            raise forms.ValidationError("Too fast.")
        return value

    def clean_tier(self):
        tier_id = self.cleaned_data["tier"]
        offer = next((t for t in self.tiers if t.id == tier_id), None)
        if offer is None:
            raise forms.ValidationError("Choose one of the packages listed.")
        if offer.sold_out:
            raise forms.ValidationError(f"The {offer.name} package is sold out. Please choose another.")
        return tier_id

    def data_for_service(self) -> ApplicationData:
        c = self.cleaned_data
        return ApplicationData(
            organisation=c["organisation"].strip(),
            contact_name=c["contact_name"].strip(),
            email=c["email"].strip(),
            phone=c["phone"].strip(),
            tier_id=c["tier"],
            billing_address=c["billing_address"].strip(),
            po_number=c["po_number"].strip(),
            message=c["message"].strip(),
            consent=c["consent"],
            website=c["website"].strip(),
        )


class PublicPageForm(BootstrapFormMixin, forms.ModelForm):
    credited = forms.MultipleChoiceField(
        label="In-kind suppliers credited on the wall",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only confirmed or delivered offers appear, and only for suppliers who agreed to be credited.",
    )

    class Meta:
        model = PublicPage
        fields = [
            "slug",
            "prospectus_on",
            "application_on",
            "wall_on",
            "invite_on_application",
            "owner",
            "public_contact",
            "intro",
            "thank_you",
            "ack_subject",
            "ack_body",
        ]
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "thank_you": forms.Textarea(attrs={"rows": 2}),
            "ack_body": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, offers=(), owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credited"].choices = [
            (str(o.pk), f"{o.organisation.name}: {o.get_category_display()} ({o.get_status_display().lower()})")
            for o in offers
        ]
        self.fields["credited"].initial = [
            str(o.pk) for o in offers if getattr(getattr(o, "public_credit", None), "credit_publicly", False)
        ]
        if owners is not None:
            self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.username
        self.fields["ack_body"].help_text = "Merge fields: " + ", ".join(
            "{{ %s }}" % f  # noqa: UP031
            for f in ("first_name", "last_name", "organisation", "tier", "event", "network", "portal_link")
        )
