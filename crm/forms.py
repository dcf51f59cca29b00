from django import forms

from crm.models import Organisation, Role


class OrganisationForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False,
    )

    class Meta:
        model = Organisation
        fields = ["name", "roles", "sector", "website", "city", "owner", "tags", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = self.instance.roles
        self.fields["name"].widget.attrs["autofocus"] = True
