"""Forms of the import wizard: upload, column mapping and the confirm step."""

from django import forms
from django.conf import settings

from crm.forms.base import BootstrapFormMixin
from crm.models import ImportBatch, ImportMapping

MODE_CHOICES = [
    ("create_update", "Create new records and update existing ones"),
    ("create", "Create new records only (leave existing ones alone)"),
    ("update", "Update existing records only (create nothing)"),
]
IGNORE = ""
IGNORE_LABEL = "— ignore —"


class MappingSelect(forms.Select):
    """A select whose options carry data-target, so the page can show only the chosen target's mappings."""

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets or {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        key = getattr(value, "value", value)
        if key in self.targets:
            option["attrs"]["data-target"] = self.targets[key]
        return option


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    target = forms.ChoiceField(label="What the file contains", choices=ImportBatch.Target.choices)
    file = forms.FileField(
        label="CSV or Excel file",
        help_text="A CSV (comma, semicolon or tab separated) or an Excel .xlsx file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
    )
    mode = forms.ChoiceField(
        label="What to do with each row", choices=MODE_CHOICES, initial="create_update", widget=forms.RadioSelect
    )
    overwrite_blank = forms.BooleanField(
        label="Blank cells overwrite existing values",
        required=False,
        help_text="Off: a blank cell leaves the existing value as it is.",
    )
    saved_mapping = forms.ModelChoiceField(
        label="Saved mapping (optional)",
        required=False,
        queryset=ImportMapping.objects.none(),
        empty_label="— match the columns automatically —",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mappings = list(ImportMapping.objects.order_by("target", "name"))
        field = self.fields["saved_mapping"]
        field.queryset = ImportMapping.objects.order_by("target", "name")
        field.widget = MappingSelect(targets={m.pk: m.target for m in mappings}, attrs={"class": "form-select"})
        field.widget.choices = field.choices
        field.label_from_instance = lambda m: f"{m.name} ({m.get_target_display()})"
        field.widget.attrs["data-import-mapping-select"] = ""
        self.fields["target"].widget.attrs["data-import-target"] = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CRM_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {limit / 1024 / 1024:.0f} MB."
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        saved, target = cleaned.get("saved_mapping"), cleaned.get("target")
        if saved and target and saved.target != target:
            self.add_error(
                "saved_mapping",
                f"“{saved.name}” is a mapping for {saved.get_target_display().lower()}, "
                f"not {dict(ImportBatch.Target.choices)[target].lower()}.",
            )
        return cleaned


class ColumnMappingForm(BootstrapFormMixin, forms.Form):
    """One select per column of the file, plus an optional name to save the mapping under."""

    save_as = forms.CharField(
        label="Save this mapping as",
        max_length=100,
        required=False,
        help_text="Optional. Reuse it next time from the upload page; an existing name is updated.",
    )

    def __init__(self, *args, headers, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        self.target_fields = list(fields)
        choices = [(IGNORE, IGNORE_LABEL)] + [
            (f.name, f"{f.label} *" if f.required else f.label) for f in self.target_fields
        ]
        for index, header in enumerate(self.headers):
            self.fields[self.column_name(index)] = forms.ChoiceField(
                label=header or f"Column {index + 1}",
                choices=choices,
                required=False,
            )
        # BootstrapFormMixin styled the fields it saw in super().__init__; style the new selects too.
        for index in range(len(self.headers)):
            self.fields[self.column_name(index)].widget.attrs["class"] = "form-select"
        self.order_fields([self.column_name(i) for i in range(len(self.headers))] + ["save_as"])

    @staticmethod
    def column_name(index: int) -> str:
        return f"col_{index}"

    def column_fields(self):
        return [self[self.column_name(i)] for i in range(len(self.headers))]

    def mapping(self) -> dict:
        """Header → field name ("" = ignored), from the cleaned data."""
        result = {}
        for index, header in enumerate(self.headers):
            field = self.cleaned_data.get(self.column_name(index), IGNORE)
            if header in result and not field:
                continue  # a repeated header keeps its first non-ignored choice
            result[header] = field
        return result

    def clean(self):
        cleaned = super().clean()
        labels = {f.name: f.label for f in self.target_fields}
        chosen = {}
        for index, header in enumerate(self.headers):
            field = cleaned.get(self.column_name(index))
            if not field:
                continue
            if field in chosen:
                raise forms.ValidationError(
                    f"{labels.get(field, field)} is chosen for two columns, “{chosen[field]}” and “{header}”. "
                    "Pick one and set the other to “— ignore —”."
                )
            chosen[field] = header
        covered = set(chosen)
        if "full_name" in covered:
            covered |= {"first_name", "last_name"}
        missing = [f.label for f in self.target_fields if f.required and f.name not in covered]
        if missing:
            raise forms.ValidationError("Choose a column for each required field: " + ", ".join(missing) + ".")
        return cleaned


class ImportConfirmForm(forms.Form):
    skip_errors = forms.BooleanField(required=False)

    def __init__(self, *args, error_count=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_count = error_count
        self.fields[
            "skip_errors"
        ].label = f"Import the valid rows and skip the {error_count} row{'s' if error_count != 1 else ''} with errors"
        self.fields["skip_errors"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        cleaned = super().clean()
        if self.error_count and not cleaned.get("skip_errors"):
            raise forms.ValidationError(
                "Some rows have errors. Tick the box to import the valid rows and leave those out, "
                "or go back and fix the file."
            )
        return cleaned
