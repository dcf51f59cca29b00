import django_tables2 as tables

from crm.models import Event
from crm.tables.columns import DateColumn, MoneyColumn


class EventTable(tables.Table):
    name = tables.Column(linkify=True)
    date = DateColumn(format="d M Y", default="no date yet")
    venue = tables.Column(default="—")
    capacity = tables.Column(verbose_name="Capacity")
    sponsorship_target = MoneyColumn(verbose_name="Sponsorship target")

    class Meta:
        model = Event
        fields = ["name", "date", "venue", "capacity", "sponsorship_target"]
        empty_text = "No events yet."
