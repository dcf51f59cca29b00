from django import forms

from crm.forms.base import BootstrapFormMixin
from crm.models import Event


class EventForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = ["name", "date", "venue", "capacity", "sponsorship_target", "in_kind_target"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"capacity": "Tickets in all, including those given to sponsors."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
