from django import forms

from crm.forms.base import BootstrapFormMixin
from crm.models import Organisation, Role


class OrganisationForm(BootstrapFormMixin, forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False,
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
