"""“This looks like X” before a new record is saved: the form asks the duplicate checks other
apps register (crm.registry.register_duplicate_check) and, when one answers, shows the likely
matches with links and a box to save anyway. Without a registered check it does nothing."""

from typing import TYPE_CHECKING, Any

from django import forms

from crm import registry

if TYPE_CHECKING:

    class _ModelFormBase(forms.BaseModelForm):
        """What the mixin uses of the ModelForm it is mixed into, for mypy only."""

        fields: dict[str, Any]

        def clean(self) -> dict[str, Any]: ...
else:
    _ModelFormBase = object

SAVE_ANYWAY = "save_anyway"


class DuplicateWarningMixin(_ModelFormBase):
    """For a ModelForm of a model with registered duplicate checks; new records only."""

    duplicate_model = ""  # "crm.contact" or "crm.organisation"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.possible_duplicates: list[registry.PossibleDuplicate] = []
        if self.checks_duplicates:
            self.fields[SAVE_ANYWAY] = forms.BooleanField(
                required=False, widget=forms.HiddenInput, label="It is not one of these: save it anyway"
            )

    @property
    def checks_duplicates(self) -> bool:
        return not self.instance.pk and bool(self.duplicate_model)

    def duplicate_values(self, data: dict) -> dict:
        return dict(data)

    def clean(self):
        data = super().clean()
        if not self.checks_duplicates or self.errors or data.get(SAVE_ANYWAY):
            return data
        self.possible_duplicates = registry.possible_duplicates(self.duplicate_model, self.duplicate_values(data))
        if self.possible_duplicates:
            self.fields[SAVE_ANYWAY].widget = forms.CheckboxInput(attrs={"class": "form-check-input"})
            noun = self._meta.model._meta.verbose_name
            raise forms.ValidationError(
                f"This looks like a {noun} you already have (below). Open it instead, or tick “save it anyway”.",
                code="possible_duplicate",
            )
        return data
