from django import forms

from crm.forms.base import BootstrapFormMixin, LookupChoicesMixin
from crm.forms.duplicates import DuplicateWarningMixin
from crm.models import Contact, Organisation, Role


class OrganisationForm(DuplicateWarningMixin, BootstrapFormMixin, forms.ModelForm):
    duplicate_model = "crm.organisation"

    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "roles", "sector", "website", "city", "owner", "tags", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = self.instance.roles
        self.fields["name"].widget.attrs["autofocus"] = True


class ContactForm(DuplicateWarningMixin, LookupChoicesMixin, BootstrapFormMixin, forms.ModelForm):
    lookup_fields = {"organisation": "organisation"}
    duplicate_model = "crm.contact"

    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "salutation",
            "email",
            "phone",
            "job_title",
            "organisation",
            "owner",
            "tags",
            "lawful_basis",
            "consent_date",
            "do_not_contact",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "consent_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autofocus"] = True
        self.fields["organisation"].queryset = Organisation.objects.only("id", "name")
        self.setup_lookups()

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if email and Contact.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another contact already has this email.")
        return email
