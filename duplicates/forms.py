"""The rules form: one weight and an on/off switch per rule, and the threshold."""

from django import forms

from crm.forms.base import BootstrapFormMixin
from duplicates.models import RuleSet


class RulesForm(BootstrapFormMixin, forms.Form):
    threshold = forms.IntegerField(
        min_value=1,
        max_value=1000,
        help_text="A pair whose matched rules' weights add up to this or more is listed.",
    )

    def __init__(self, *args, ruleset: RuleSet, **kwargs):
        self.ruleset = ruleset
        self.rules = list(ruleset.rules.all())
        super().__init__(*args, initial={"threshold": ruleset.threshold}, **kwargs)
        for rule in self.rules:
            self.fields[f"weight_{rule.kind}"] = forms.IntegerField(
                label=f"{rule.get_kind_display()}: weight", min_value=0, max_value=1000, initial=rule.weight
            )
            self.fields[f"enabled_{rule.kind}"] = forms.BooleanField(
                label=f"{rule.get_kind_display()}: in use", required=False, initial=rule.enabled
            )
        # The mixin styled the fields it saw; style the rule fields too.
        for name, field in self.fields.items():
            if name.startswith("weight_"):
                field.widget.attrs["class"] = "form-control"
            elif name.startswith("enabled_"):
                field.widget.attrs["class"] = "form-check-input"

    def rule_rows(self):
        return [(rule, self[f"weight_{rule.kind}"], self[f"enabled_{rule.kind}"]) for rule in self.rules]

    def weights(self) -> dict[str, int]:
        return {rule.kind: self.cleaned_data[f"weight_{rule.kind}"] for rule in self.rules}

    def enabled(self) -> dict[str, bool]:
        return {rule.kind: self.cleaned_data[f"enabled_{rule.kind}"] for rule in self.rules}
