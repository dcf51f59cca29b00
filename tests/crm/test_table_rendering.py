"""The core's list rendering: date columns without per-cell templates, rows rendered in Python."""

import datetime

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory

from crm.models import Event, FollowUp
from crm.tables.columns import DateColumn, DateTimeColumn
from crm.tables.speedups import remembered_signature
from tests.crm import factories

pytestmark = pytest.mark.django_db


class EventDates(tables.Table):
    when = DateColumn(accessor="date", format="j M Y", default="no date", verbose_name="When")

    class Meta:
        model = Event
        fields = ["name", "date"]
        attrs = {"class": "table"}


def render(table):
    table.paginate(per_page=50)
    request = RequestFactory().get("/")
    return Template("{% load django_tables2 %}{% render_table table %}").render(
        Context({"table": table, "request": request})
    )


def test_model_date_fields_get_the_core_date_column():
    assert isinstance(EventDates.base_columns["date"], DateColumn)

    class Stamped(tables.Table):
        class Meta:
            model = FollowUp
            fields = ["created_at"]

    assert isinstance(Stamped.base_columns["created_at"], DateTimeColumn)


def test_dates_render_as_the_date_filter_would_with_a_default_for_none(settings):
    factories.event(name="Launch", date=datetime.date(2027, 3, 7))
    factories.event(name="Undated")
    html = render(EventDates(Event.objects.order_by("name")))
    assert '<td data-label="When">7 Mar 2027</td>' in html
    assert '<td data-label="When">no date</td>' in html
    assert '<td data-label="Date">07/03/2027</td>' in html  # a model date field: the short date format


def test_a_datetime_is_shown_in_the_local_time_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    column = DateTimeColumn(format="j M Y H:i")
    summer_evening_utc = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    assert column.render(summer_evening_utc) == "2 Jul 2026 00:30"  # BST is UTC+1
    assert column.value(summer_evening_utc) == "2026-07-01 23:30:00+00:00"


def test_cell_attributes_computed_from_the_record_are_computed_per_row():
    class Flagged(tables.Table):
        name = tables.Column(attrs={"td": {"data-undated": lambda record: "yes" if record.date is None else "no"}})

        class Meta:
            model = Event
            fields = ["name"]

    factories.event(name="A", date=datetime.date(2027, 1, 1))
    factories.event(name="B")
    html = render(Flagged(Event.objects.order_by("name")))
    assert '<td data-undated="no" data-label="Name">A</td>' in html
    assert '<td data-undated="yes" data-label="Name">B</td>' in html


def test_signatures_are_read_once_per_function_and_stay_right_for_bound_methods():
    class Renderer:
        def render(self, value, record):
            return value

    first, second = Renderer().render, Renderer().render
    assert remembered_signature(first) == (("value", "record"), None)
    assert remembered_signature(second) is remembered_signature(first)
    assert remembered_signature(Renderer.render) == (("self", "value", "record"), None)


def test_the_sorted_column_shows_its_direction_to_eyes_and_screen_readers(client, organiser):
    import re

    factories.contact(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    client.force_login(organiser)
    headers = {}
    for sort in ("email", "-email", ""):
        html = client.get("/contacts/", {"sort": sort} if sort else {}).content.decode()
        thead = html[html.index("<thead") : html.index("</thead>")]
        headers[sort] = re.findall(
            r'<th [^>]*?(?:aria-sort="(\w+)")?>\s*<a [^>]*>([^<]*[^<\s])\s*(<i class="bi bi-caret-(\w+)-fill")?', thead
        )
    assert ("ascending", "Email", '<i class="bi bi-caret-up-fill"', "up") in headers["email"]
    assert ("descending", "Email", '<i class="bi bi-caret-down-fill"', "down") in headers["-email"]
    for sort, columns in headers.items():  # only the sorted column says so; unsorted, none does
        assert [c for c in columns if c[0]] == ([] if not sort else [c for c in columns if c[1] == "Email"])
    assert ("", "Name", "", "") in headers[""]


def test_list_counts_are_written_with_thousands_separators(client, organiser):
    from crm.models import Contact

    Contact.objects.bulk_create(Contact(first_name=f"P{i}", last_name="Person") for i in range(1001))
    client.force_login(organiser)
    assert "1,001 found" in client.get("/contacts/").content.decode()
