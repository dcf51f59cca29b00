from django import forms


class BootstrapFormMixin:
    """Give each widget Bootstrap's class and mark invalid fields for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                attrs = field.widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                # The messages under the field (crm/_form_fields.html) are read with it, after its help.
                auto_id = self[name].auto_id
                described = [f"{auto_id}_helptext"] if field.help_text else []
                attrs["aria-describedby"] = " ".join([*described, f"{auto_id}_errors"])
