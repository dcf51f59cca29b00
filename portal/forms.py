"""The sponsor's forms (the services validate again: these give labels, sizes and error places)."""

from django import forms

from portal.models import LogoSubmission, PortalSettings


class Styled:
    """Bootstrap's classes on every widget (the sponsor's pages have no other styling)."""

    def style(self):
        for field in self.fields.values():
            widget = field.widget
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control"
            widget.attrs["class"] = css


class SignForm(Styled, forms.Form):
    name = forms.CharField(label="Your full name", max_length=200)
    title = forms.CharField(label="Your job title", max_length=200)
    email = forms.EmailField(label="Your email address", required=False, max_length=254)
    authorised = forms.BooleanField(label="I am authorised to sign for my organisation", required=False)

    def __init__(self, *args, organisation: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if organisation:
            self.fields["authorised"].label = f"I am authorised to sign for {organisation}"
        self.style()
        for name in ("name", "title", "email"):
            self.fields[name].widget.attrs["autocomplete"] = {"name": "name", "title": "organization-title"}.get(
                name, "email"
            )


class BillingForm(Styled, forms.Form):
    billing_contact = forms.CharField(label="Billing contact", max_length=200)
    billing_email = forms.EmailField(label="Billing email address", max_length=254)
    billing_address = forms.CharField(
        label="Billing address", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    po_number = forms.CharField(
        label="Purchase-order number", max_length=60, required=False, help_text="If your organisation uses them."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class AssetsForm(Styled, forms.Form):
    description = forms.CharField(label="Company description", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    website = forms.CharField(label="Website", required=False, max_length=300)
    speaker_name = forms.CharField(label="Speaker's name", required=False, max_length=200)
    speaker_title = forms.CharField(label="Speaker's job title", required=False, max_length=200)
    talk_title = forms.CharField(label="Talk title", required=False, max_length=300)
    talk_abstract = forms.CharField(label="Abstract", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    stand_needs = forms.CharField(
        label="Stand requirements",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Power, table, space, anything you are bringing.",
    )

    def __init__(self, *args, benefits: dict | None = None, word_limit: int = 150, **kwargs):
        super().__init__(*args, **kwargs)
        benefits = benefits or {}
        self.fields["description"].help_text = f"At most {word_limit} words, for the programme and the website."
        if not benefits.get("speaking"):
            for name in ("speaker_name", "speaker_title", "talk_title", "talk_abstract"):
                del self.fields[name]
        if not benefits.get("stand"):
            del self.fields["stand_needs"]
        self.style()


class LogoForm(Styled, forms.Form):
    logo = forms.FileField(
        label="Logo file", help_text="PNG or JPEG at least 500 pixels wide, or SVG; at most 5 MB.", required=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()
        self.fields["logo"].widget.attrs["accept"] = "image/png,image/jpeg,image/svg+xml,.png,.jpg,.jpeg,.svg"


class VoidForm(forms.Form):
    reason = forms.CharField(label="Why is the agreement voided?", widget=forms.Textarea(attrs={"rows": 3}))


class LogoReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(label="Note to the sponsor", required=False, max_length=500)


class PortalSettingsForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = ["raise_invoice_on_po", "description_word_limit"]


LOGO_STATES = LogoSubmission.Status
