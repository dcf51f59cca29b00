from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from mail.models import EmailTemplate
from mail.outbound import MERGE_FIELDS, validate_template_text

ACCEPTED = (".eml", ".msg", ".mbox", ".mbx")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            if not data:
                return single(None, initial)
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    """Saved messages dropped (or chosen) on an organisation or contact page."""

    files = MultipleFileField(
        label="Saved email files (.eml, .msg, mbox)",
        error_messages={
            "required": "Choose at least one saved email file (.eml, .msg or mbox).",
            "empty": "That file is empty.",
        },
        widget=MultipleFileInput(attrs={"accept": ",".join(ACCEPTED), "class": "form-control"}),
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if not files:
            raise forms.ValidationError("Choose at least one file.")
        total = sum(f.size for f in files)
        if total > settings.MAIL_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"These files come to {filesizeformat(total)}; the limit is "
                f"{filesizeformat(settings.MAIL_UPLOAD_MAX_BYTES)} per upload."
            )
        return files


class ContactSearchForm(forms.Form):
    q = forms.CharField(
        label="Find the contact",
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )


class NewContactForm(forms.Form):
    first_name = forms.CharField(
        max_length=100, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    last_name = forms.CharField(max_length=100, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"class": "form-control"}))
    organisation = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args, organisations=(), **kwargs):
        """`organisations`: those whose contacts share the sender's email domain (the likely employer)."""
        super().__init__(*args, **kwargs)
        self.organisations = {org.pk: org for org in organisations}
        self.fields["organisation"].choices = [("", "No organisation")] + [(o.pk, o.name) for o in organisations]
        if organisations and not self.is_bound:
            self.initial.setdefault("organisation", organisations[0].pk)

    def clean_organisation(self):
        pk = self.cleaned_data.get("organisation")
        return self.organisations.get(pk) if pk else None


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "subject", "body"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "subject": forms.TextInput(attrs={"class": "form-control"}),
            "body": forms.Textarea(attrs={"class": "form-control", "rows": 12}),
        }
        help_texts = {"body": "Merge fields: " + ", ".join(f"{{{{ {f} }}}}" for f in MERGE_FIELDS)}

    def clean(self):
        data = super().clean()
        try:
            validate_template_text(data.get("subject", ""), data.get("body", ""))
        except forms.ValidationError as error:
            self.add_error("body", error)
        return data


class ComposeForm(forms.Form):
    contact = forms.TypedChoiceField(label="To", coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    template = forms.ModelChoiceField(
        EmailTemplate.objects.all(),
        required=False,
        label="Start from a template",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    subject = forms.CharField(max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    body = forms.CharField(
        required=False, label="Message", widget=forms.Textarea(attrs={"class": "form-control", "rows": 10})
    )
    #: The page's idempotency key (outbound.new_send_key): sending the same page twice sends once.
    key = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.contacts = {c.pk: c for c in contacts}
        self.fields["contact"].choices = [(c.pk, f"{c} <{c.email}>") for c in contacts]

    def clean(self):
        data = super().clean()
        try:
            validate_template_text(data.get("subject", ""), data.get("body", ""))
        except forms.ValidationError as error:
            self.add_error("body", error)
        return data


class MergeForm(forms.Form):
    template = forms.ModelChoiceField(EmailTemplate.objects.all(), widget=forms.Select(attrs={"class": "form-select"}))
