"""Exports: exactly what the list's filters show, safe to open in a spreadsheet, same from web and CLI."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from crm.cells import neutralise
from crm.models import Contact, Event, FollowUp, Interaction, Organisation, Tag
from sponsors.models import Pledge, Stage
from spreadsheets import exports
from tests.conftest import make_user

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]


def url(target, **params):
    from urllib.parse import urlencode

    return reverse("spreadsheets:export", args=[target]) + ("?" + urlencode(params) if params else "")


def csv_rows(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so Excel reads accents right"
    return exports.read_csv_rows(body)


def xlsx_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def client_in(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def world(db, organiser, staff):
    acme = Organisation.objects.create(
        name="Acme Ltd", is_sponsor=True, is_supplier=True, city="Leeds", owner=organiser
    )
    beta = Organisation.objects.create(name="Beta Trust", is_public_body=True, city="York", owner=staff)
    nhs, launch = Tag.objects.create(name="nhs"), Tag.objects.create(name="Launch")
    ann = Contact.objects.create(
        first_name="Ann", last_name="Able", email="ann@acme.test", organisation=acme, owner=organiser
    )
    ann.tags.set([nhs, launch])
    bob = Contact.objects.create(
        first_name="Bob", last_name="Baker", email="bob@acme.test", organisation=acme, owner=staff
    )
    cat = Contact.objects.create(
        first_name="Cat", last_name="Cole", email="cat@beta.test", organisation=beta, owner=staff
    )
    dan = Contact.objects.create(
        first_name="Dan",
        last_name="Dee",
        email="dan@beta.test",
        organisation=beta,
        owner=organiser,
        do_not_contact=True,
    )
    event = Event.objects.create(name="Launch 2026")
    p1 = Pledge.objects.create(
        organisation=acme, event=event, amount=Decimal("1234.50"), stage=Stage.VERBAL, owner=organiser
    )
    p2 = Pledge.objects.create(organisation=beta, event=event, amount=Decimal("500"), stage=Stage.PROSPECT)
    call = Interaction.objects.create(
        organisation=acme, contact=ann, kind=Interaction.Kind.CALL, summary="Rang", logged_by=organiser
    )
    note = Interaction.objects.create(organisation=beta, kind=Interaction.Kind.NOTE, summary="Noted", logged_by=staff)
    today = datetime.date(2026, 11, 25)
    f1 = FollowUp.objects.create(title="Chase Acme", due_date=today, assignee=organiser, organisation=acme, pledge=p1)
    f2 = FollowUp.objects.create(
        title="Thank Beta", due_date=today, assignee=staff, organisation=beta, status=FollowUp.Status.DONE
    )
    return locals()


# -- each target exports exactly what its filter shows ----------------------------------------------------


def test_contacts_filtered_by_organisation_city_and_formatted(client_in, world):
    rows = csv_rows(client_in.get(url("contacts", city="Leeds")))
    assert rows[0][:5] == ["ID", "Salutation", "First name", "Last name", "Email"]
    assert column(rows, "Email") == ["ann@acme.test", "bob@acme.test"]
    ann = rows[1]
    assert ann[rows[0].index("Organisation")] == "Acme Ltd"
    assert ann[rows[0].index("Owner")] == "org"
    assert ann[rows[0].index("Tags")] == "Launch; nhs"
    assert ann[rows[0].index("Do not contact")] == "No"


def test_contacts_export_their_salutation(client_in, world):
    Contact.objects.filter(email="ann@acme.test").update(salutation="Dr")
    rows = csv_rows(client_in.get(url("contacts", city="Leeds")))
    assert column(rows, "Salutation") == ["Dr", ""]


def test_contacts_filtered_by_owner(client_in, world, staff):
    rows = csv_rows(client_in.get(url("contacts", owner=staff.pk)))
    assert column(rows, "Email") == ["bob@acme.test", "cat@beta.test"]


def test_do_not_contact_left_out_unless_asked(client_in, world):
    rows = csv_rows(client_in.get(url("contacts")))
    assert "dan@beta.test" not in column(rows, "Email")
    assert len(rows) == 4
    rows = csv_rows(client_in.get(url("contacts", include_do_not_contact=1)))
    assert "dan@beta.test" in column(rows, "Email")
    rows = csv_rows(client_in.get(url("contacts", include_do_not_contact=1, do_not_contact="true")))
    assert column(rows, "Email") == ["dan@beta.test"]
    assert column(rows, "Do not contact") == ["Yes"]


def test_organisations_filtered_with_roles(client_in, world):
    rows = csv_rows(client_in.get(url("organisations", city="Leeds")))
    assert column(rows, "Name") == ["Acme Ltd"]
    assert column(rows, "Roles") == ["Sponsor; Supplier"]
    rows = csv_rows(client_in.get(url("organisations")))
    assert column(rows, "Name") == ["Acme Ltd", "Beta Trust"]
    assert column(rows, "Roles")[1] == "Public body"


def test_pledges_filtered_by_stage_with_labels_and_plain_amounts(client_in, world):
    rows = csv_rows(client_in.get(url("pledges", stage="verbal")))
    assert column(rows, "ID") == [str(world["p1"].pk)]
    assert column(rows, "Stage") == ["Verbal pledge"]
    assert column(rows, "Amount (GBP)") == ["1234.50"]
    rows = csv_rows(client_in.get(url("pledges")))
    assert column(rows, "Amount (GBP)") == ["1234.50", "500.00"]  # list order: largest first


def test_interactions_filtered_by_kind(client_in, world):
    rows = csv_rows(client_in.get(url("interactions", kind="call")))
    assert column(rows, "Summary") == ["Rang"]
    assert column(rows, "Contact") == ["Ann Able"]
    assert column(rows, "Kind") == ["Call"]


def test_followups_filtered_by_status_and_assignee(client_in, world, staff):
    rows = csv_rows(client_in.get(url("followups", who="all", status="open")))
    assert column(rows, "What") == ["Chase Acme"]
    assert column(rows, "Pledge ID") == [str(world["p1"].pk)]
    rows = csv_rows(client_in.get(url("followups", assignee=staff.pk, status="")))
    assert column(rows, "What") == ["Thank Beta"]
    assert column(rows, "Status") == ["Done"]


def test_followups_export_defaults_to_what_my_followups_shows(client_in, world, organiser):
    """Without filters the page shows my open follow-ups, and so does its export."""
    mine = FollowUp.objects.open().filter(assignee=organiser)
    rows = csv_rows(client_in.get(url("followups")))
    assert column(rows, "What") == [f.title for f in mine.order_by("due_date", "id")]


@pytest.mark.parametrize("target", list(exports.TARGETS))
def test_every_target_matches_its_filterset(client_in, world, target):
    spec = exports.get_target(target)
    data = {
        "contacts": {"q": "acme"},
        "organisations": {"city": "leeds"},
        "pledges": {"q": "acme"},
        "interactions": {"organisation": world["acme"].pk},
        "followups": {"organisation": world["acme"].pk},
    }[target]
    expected = list(spec.filterset_class()(data, queryset=spec.base_queryset()).qs.values_list("pk", flat=True))
    rows = csv_rows(client_in.get(url(target, **data)))
    assert [int(pk) for pk in column(rows, "ID")] == expected
    assert expected, "the filter keeps something"


def test_page_and_sort_do_not_filter(client_in, world):
    rows = csv_rows(client_in.get(url("contacts", city="Leeds", page=2, sort="-email")))
    assert column(rows, "Email") == ["ann@acme.test", "bob@acme.test"]


def test_invalid_filter_is_a_clear_400(client_in, world):
    response = client_in.get(url("contacts", owner=999999))
    assert response.status_code == 400
    assert "Invalid filter" in response.content.decode()


def test_filename_and_content_type(client_in, world):
    response = client_in.get(url("contacts"))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    assert response["Content-Disposition"].endswith('.csv"')


# -- formula injection -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", DANGEROUS)
def test_formula_neutralised_in_csv(client_in, world, prefix):
    Contact.objects.filter(pk=world["ann"].pk).update(job_title=f"{prefix}cmd|'/C calc'!A0", notes="@SUM(1)")
    rows = csv_rows(client_in.get(url("contacts", city="Leeds")))
    assert column(rows, "Job title")[0] == f"'{prefix}cmd|'/C calc'!A0"
    assert column(rows, "Notes")[0] == "'@SUM(1)"


@pytest.mark.parametrize("prefix", DANGEROUS)
def test_formula_neutralised_in_xlsx(client_in, world, prefix):
    Contact.objects.filter(pk=world["ann"].pk).update(job_title=f"{prefix}1+1")
    Organisation.objects.filter(pk=world["acme"].pk).update(name=f'{prefix}HYPERLINK("http://x")')
    response = client_in.get(url("contacts", city="Leeds", format="xlsx"))
    assert response.status_code == 200
    rows = xlsx_rows(b"".join(response.streaming_content))
    cells = column(rows, "Job title")[0], column(rows, "Organisation")[0]
    # Neutralised means the cell starts with a quote, then the original text; a bare
    # carriage return may come back as a line feed depending on the XML writer.
    for cell, original in zip(cells, (f"{prefix}1+1", f'{prefix}HYPERLINK("http://x")')):
        assert cell.startswith("'")
        assert cell[1:].replace("\r", "\n") == original.replace("\r", "\n")


def test_safe_text_untouched(client_in, world):
    rows = csv_rows(client_in.get(url("contacts", city="Leeds")))
    assert column(rows, "First name") == ["Ann", "Bob"]


class _Stream:
    """A stand-in RowStream with hand-made cells."""

    class target:
        name = "pledges"

    headers = ["Amount", "Text"]

    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        for row in self.rows:
            yield [neutralise(value) for value in row]


def test_negative_decimal_stays_a_number_but_negative_text_is_neutralised():
    stream = _Stream([[Decimal("-5.00"), "-5"], [Decimal("1234.50"), "ok"]])
    assert exports.read_csv_rows(b"".join(exports.iter_csv(_Stream(stream.rows)))) == [
        ["Amount", "Text"],
        ["-5.00", "'-5"],
        ["1234.50", "ok"],
    ]
    buffer = io.BytesIO()
    exports.write_xlsx(stream, buffer)
    rows = xlsx_rows(buffer.getvalue())
    assert rows[1] == [-5, "'-5"]
    assert isinstance(rows[1][0], (int, float)) and rows[2][0] == 1234.5


def test_pledge_amount_is_a_number_in_xlsx(client_in, world):
    response = client_in.get(url("pledges", format="xlsx"))
    rows = xlsx_rows(b"".join(response.streaming_content))
    assert column(rows, "Amount (GBP)") == [1234.5, 500]


def test_xlsx_opens_with_header_row(client_in, world):
    response = client_in.get(url("organisations", format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response["Content-Disposition"]
    rows = xlsx_rows(b"".join(response.streaming_content))
    assert rows[0] == exports.get_target("organisations").resource().get_export_headers()
    assert column(rows, "Name") == ["Acme Ltd", "Beta Trust"]


def test_fast_path_matches_import_export_resource(world):
    """The streamed cells are what django-import-export's own export() gives for the same resource."""
    for name, spec in exports.TARGETS.items():
        queryset = exports.filtered_queryset(spec, {}, include_do_not_contact=True)
        streamed = [[str(cell) for cell in row] for row in exports.RowStream(spec, queryset)]
        dataset = spec.resource().export(queryset)
        assert list(dataset.headers) == exports.RowStream(spec, queryset).headers, name
        expected = [[str(neutralise(cell)) if cell is not None else "" for cell in row] for row in dataset]
        assert streamed == expected, name


# -- CLI on the same code path ----------------------------------------------------------------------


def test_cli_writes_the_same_rows_as_the_web_view(client_in, world, tmp_path, capsys):
    web = csv_rows(client_in.get(url("contacts", city="Leeds")))
    out = tmp_path / "contacts.csv"
    call_command("export_csv", "contacts", "-o", str(out), "--filter", "city=Leeds")
    assert exports.read_csv_rows(out.read_bytes()) == web
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert f"Exported 2 rows to {out}" in capsys.readouterr().err


def test_cli_stdout_and_do_not_contact_flag(world):
    stdout = io.StringIO()
    call_command("export_csv", "contacts", "--filter", "do_not_contact=true", stdout=stdout)
    assert exports.read_csv_rows(stdout.getvalue().encode())[1:] == []
    stdout = io.StringIO()
    call_command("export_csv", "contacts", "--filter", "do_not_contact=true", "--include-do-not-contact", stdout=stdout)
    rows = exports.read_csv_rows(stdout.getvalue().encode())
    assert column(rows, "Email") == ["dan@beta.test"]


def test_cli_xlsx_and_bad_filter(world, tmp_path):
    out = tmp_path / "pledges.xlsx"
    call_command("export_csv", "pledges", "--format", "xlsx", "-o", str(out), stderr=io.StringIO())
    assert column(xlsx_rows(out.read_bytes()), "Amount (GBP)") == [1234.5, 500]
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="FIELD=VALUE"):
        call_command("export_csv", "pledges", "--filter", "nonsense")
    with pytest.raises(CommandError, match="Invalid filter"):
        call_command("export_csv", "contacts", "--filter", "owner=999999")


# -- query count ---------------------------------------------------------------------------------------


def _make_contacts(count, org, owner, tag):
    contacts = Contact.objects.bulk_create(
        [
            Contact(first_name=f"P{n}", last_name="Q", email=f"p{n}@x.test", organisation=org, owner=owner)
            for n in range(count)
        ],
    )
    Contact.tags.through.objects.bulk_create([Contact.tags.through(contact_id=c.pk, tag_id=tag.pk) for c in contacts])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_does_not_grow_with_rows(client_in, organiser, django_assert_max_num_queries, fmt):
    org = Organisation.objects.create(name="Many Ltd", owner=organiser, city="Hull")
    tag = Tag.objects.create(name="bulk")
    counts = []
    for size in (10, 100):
        Contact.objects.all().delete()
        _make_contacts(size, org, organiser, tag)
        with CaptureQueriesContext(connection) as queries:
            response = client_in.get(url("contacts", city="Hull", format=fmt))
            body = b"".join(response.streaming_content)
        assert body
        counts.append(len(queries))
        with django_assert_max_num_queries(counts[0]):
            response = client_in.get(url("contacts", city="Hull", format=fmt))
            b"".join(response.streaming_content)
    assert counts[0] == counts[1]


# -- permissions and bad requests ------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(url("contacts"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("target", list(exports.TARGETS))
def test_every_role_may_export(client, committee, world, target):
    client.force_login(committee)
    response = client.get(url(target))
    assert response.status_code == 200
    b"".join(response.streaming_content)


def test_user_without_view_permission_is_refused(client, django_user_model, db):
    client.force_login(make_user(django_user_model, "nobody"))
    assert client.get(url("contacts")).status_code == 403


def test_unknown_target_is_404(client_in):
    assert client_in.get(url("favours")).status_code == 404


def test_bad_format_is_400_with_message(client_in):
    response = client_in.get(url("contacts", format="pdf"))
    assert response.status_code == 400
    assert "choose csv or xlsx" in response.content.decode()


# -- buttons ------------------------------------------------------------------------------------------


def test_buttons_carry_filters_without_page_or_sort(organiser):
    request = RequestFactory().get("/contacts/", {"organisation": "3", "page": "2", "sort": "name", "q": "a&b"})
    request.user = organiser
    html = render_to_string("spreadsheets/_export_buttons.html", {"panel": {"target": "contacts"}, "request": request})
    base = reverse("spreadsheets:export", args=["contacts"])
    assert f'href="{base}?format=csv&amp;organisation=3&amp;q=a%26b"' in html
    assert f'href="{base}?format=xlsx&amp;organisation=3&amp;q=a%26b"' in html
    assert "include_do_not_contact=1" in html
    assert "page=" not in html and "sort=" not in html
    assert "Export CSV" in html and "Export Excel" in html


def test_buttons_for_other_lists_have_no_do_not_contact_variant(organiser):
    request = RequestFactory().get("/pledges/")
    html = render_to_string("spreadsheets/_export_buttons.html", {"panel": {"target": "pledges"}, "request": request})
    assert reverse("spreadsheets:export", args=["pledges"]) + "?format=csv" in html
    assert "include_do_not_contact" not in html
