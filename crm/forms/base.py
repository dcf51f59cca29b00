from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

if TYPE_CHECKING:

    class _FormBase(forms.BaseForm):
        """What the mixins below use of the form they are mixed into, for mypy only."""

        # A form sets its fields' own attributes (a picker's queryset, a select's choices) by name.
        fields: dict[str, Any]

        # BaseForm.clean() returns cleaned_data, which the stubs allow to be None; it never is here.
        def clean(self) -> dict[str, Any]: ...

else:
    _FormBase = object


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """A picker's options from one plain query. Django reads them with queryset.iterator(), which on
    PostgreSQL is a server-side cursor (declare, fetch, close: three round trips) for a dozen rows;
    pickers of records that grow with the data list at most a few hundred (LookupChoicesMixin)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class BootstrapFormMixin(_FormBase):
    """Give each widget Bootstrap's class and mark invalid fields for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.iterator = ListedChoiceIterator
                field.widget.choices = field.choices  # the widget keeps its own iterator
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


class LookupChoicesMixin(_FormBase):
    """Pickers of records that grow with the data render only the chosen option once there are many.

    A <select> of 100,000 contacts takes seconds to send and to scroll; above RENDER_ALL_UP_TO
    records a picker lists only its chosen option and static/crm/autocomplete.js offers the rest
    as you type (the lookup URL). `lookup_fields` maps a field to its lookup type ("organisation",
    "contact"). `narrowed_fields` maps a field with no lookup (a follow-up's pledge) to the field
    whose choice narrows it: above the limit it lists that organisation's records only. Call
    `setup_lookups()` at the end of __init__; the form's template loads crm/autocomplete.js.
    """

    RENDER_ALL_UP_TO = 300
    #: Search as you type even when every option is listed (the quick log, made for speed).
    always_search = False
    lookup_fields: dict[str, str] = {}
    narrowed_fields: dict[str, str] = {}

    def setup_lookups(self):
        from django.urls import reverse

        for name, kind in self.lookup_fields.items():
            if name not in self.fields:
                continue
            limited = self._limit_rendered_choices(name)
            if limited or self.always_search:
                self.fields[name].widget.attrs.update(
                    {
                        "data-autocomplete": kind,
                        "data-lookup-url": f"{reverse('crm:lookup')}?type={kind}",
                    }
                )
        for name, by in self.narrowed_fields.items():
            if name in self.fields:
                self._limit_rendered_choices(name, narrow_by=by, lookup=False)

    def _chosen(self, name):
        field = self.fields[name]
        if self.is_bound:
            chosen = self.data.get(self.add_prefix(name))
        else:
            chosen = self.initial.get(name, field.initial)
        chosen = getattr(chosen, "pk", chosen)
        return str(chosen) if chosen not in (None, "") and str(chosen).isdigit() else None

    def _limit_rendered_choices(self, name, narrow_by=None, lookup=True):
        field = self.fields[name]
        if field.queryset.count() <= self.RENDER_ALL_UP_TO:
            return False
        chosen = self._chosen(name)
        shown = models.Q(pk=chosen) if chosen else models.Q(pk__in=[])
        owner = self._chosen(narrow_by) if narrow_by else None
        if owner:
            shown |= models.Q(**{f"{narrow_by}_id": owner})
        elif narrow_by:
            field.help_text = f"Lists the chosen {narrow_by}'s records: choose the {narrow_by} first."
        field.widget.choices = [("", field.empty_label)] + [
            (obj.pk, field.label_from_instance(obj)) for obj in field.queryset.filter(shown)[: self.RENDER_ALL_UP_TO]
        ]
        if lookup:
            field.widget.attrs["data-lookup-only"] = "true"
        return True
