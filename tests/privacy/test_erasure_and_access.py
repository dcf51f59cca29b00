"""Personal data: subject access export, erasure, the retention report, and import links in history."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import CharField, Sum, TextField
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, FollowUp, ImportBatch, Interaction, Tag
from crm.templatetags.audit import history_reason
from partners.models import Favour
from sponsors.models import InKindContribution, Pledge
from sponsors.services import create_pledge
from spreadsheets.importing import auto_map, commit_import, plan_import, read_table
from tests.crm import factories

pytestmark = pytest.mark.django_db


def run_import(text, user):
    table = read_table(text.encode(), "people.csv")
    plan = plan_import("contacts", table, auto_map("contacts", table.headers))
    return commit_import(plan, user=user, file_name="people.csv")


@pytest.fixture
def person(organiser):
    """Ada, created by one import and changed by another, then edited by hand, with linked records."""
    ev = factories.event(name="Summit")
    org = factories.organisation(name="Zeta Systems")
    created = run_import(
        "Email,First Name,Last Name,Company,Phone\nada@lovelace.example,Ada,Lovelace,Zeta Systems,0113 496 0000\n",
        organiser,
    )
    ada = Contact.objects.get(email="ada@lovelace.example")
    changed = run_import("Email,First Name,Last Name\nada@lovelace.example,Adeline,Lovelace\n", organiser)
    ada.refresh_from_db()
    ada.job_title = "Head of Digital"
    ada.notes = "Prefers calls"
    ada.tags.add(Tag.objects.create(name="Speaker"))
    ada.save()
    Interaction.objects.create(
        organisation=org,
        contact=ada,
        summary="Called Adeline Lovelace",
        outcome="Ada will ask her board",
        logged_by=organiser,
    )
    FollowUp.objects.create(
        organisation=org,
        contact=ada,
        title="Chase Adeline Lovelace",
        notes="ada@lovelace.example",
        due_date=timezone.localdate(),
        assignee=organiser,
    )
    Favour.objects.create(
        organisation=org,
        contact=ada,
        event=ev,
        direction="we_asked",
        status="done",
        description="Room booking",
        estimated_value=Decimal("400"),
    )
    Favour.objects.create(
        organisation=org,
        contact=ada,
        direction="we_owe",
        status="done",
        description="Logo on site",
        estimated_value=Decimal("150"),
    )
    create_pledge(organisation=org, event=ev, amount=Decimal("2500"), stage="verbal", user=organiser)
    InKindContribution.objects.create(
        organisation=org, event=ev, category="venue", description="Hall", estimated_value=Decimal("800")
    )
    return {"contact": ada, "org": org, "event": ev, "created": created, "changed": changed}


# Subject access ---------------------------------------------------------------------------------


def test_sar_json_holds_everything(client, organiser, person):
    ada = person["contact"]
    client.force_login(organiser)
    response = client.get(reverse("privacy:contact_sar", args=[ada.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="subject-access-{ada.pk}-{stamp}.json"'
    data = json.loads(response.content)
    assert data["contact"]["email"] == "ada@lovelace.example"
    assert data["contact"]["first_name"] == "Adeline"
    assert data["contact"]["job_title"] == "Head of Digital"
    assert data["contact"]["organisation"] == "Zeta Systems"
    assert data["contact"]["tags"] == ["Speaker"]
    assert data["contact"]["lawful_basis_label"] == "Legitimate interests"
    assert [i["summary"] for i in data["interactions"]] == ["Called Adeline Lovelace"]
    assert [f["title"] for f in data["follow_ups"]] == ["Chase Adeline Lovelace"]
    assert sorted(f["description"] for f in data["favours"]) == ["Logo on site", "Room booking"]
    reasons = [v["reason"] for v in data["history"]]
    assert reasons[:2] == [f"import #{person['created'].pk}", f"import #{person['changed'].pk}"]
    assert data["history"][1]["changed_fields"]["first_name"] == {"old": "Ada", "new": "Adeline"}
    assert data["history"][-1]["user"] is None or isinstance(data["history"][-1]["user"], str)
    assert "job_title" in data["history"][-1]["changed_fields"]
    batches = {b["id"]: b["actions"] for b in data["import_batches"]}
    assert batches == {person["created"].pk: ["created"], person["changed"].pk: ["changed"]}
    assert any("not tracked" in note for note in data["notes"])


def test_sar_csv_has_one_row_per_datum(client, staff, person):
    ada = person["contact"]
    client.force_login(staff)
    response = client.get(reverse("privacy:contact_sar", args=[ada.pk]), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith(f'-{timezone.localdate().isoformat()}.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "field", "value"]
    assert all(len(row) == 3 for row in rows)
    cells = {(section.split("#")[0], field, value) for section, field, value in rows[1:]}
    assert ("contact", "email", "ada@lovelace.example") in cells
    assert ("contact", "tags", "Speaker") in cells
    assert ("interactions", "summary", "Called Adeline Lovelace") in cells
    assert ("follow_ups", "title", "Chase Adeline Lovelace") in cells
    assert ("favours", "description", "Room booking") in cells
    assert ("history", "first_name", "Ada → Adeline") in cells
    assert ("import_batches", "id", str(person["created"].pk)) in cells
    assert any(section == "notes" for section, _, _ in cells)


def test_sar_queries_do_not_grow_with_records(organiser, person):
    from privacy.selectors import subject_access

    ada = person["contact"]
    with CaptureQueriesContext(connection) as few:
        subject_access(ada.pk)
    for n in range(10):
        Interaction.objects.create(contact=ada, summary=f"Note {n}", logged_by=organiser)
        FollowUp.objects.create(contact=ada, title=f"Do {n}", due_date=timezone.localdate(), assignee=organiser)
        Favour.objects.create(organisation=person["org"], contact=ada, direction="we_asked", description=f"F{n}")
        ada.phone = f"0113 000 00{n:02d}"
        ada.save()
    with CaptureQueriesContext(connection) as many:
        subject_access(ada.pk)
    assert len(many) == len(few)


# Erasure ----------------------------------------------------------------------------------------


def totals(org, ev):
    favours = Favour.objects.filter(organisation=org)
    return {
        "pledges_org": Pledge.objects.filter(organisation=org).aggregate(s=Sum("amount"))["s"],
        "pledges_event": Pledge.objects.filter(event=ev).aggregate(s=Sum("amount"))["s"],
        "in_kind_org": InKindContribution.objects.filter(organisation=org).aggregate(s=Sum("estimated_value"))["s"],
        "in_kind_event": InKindContribution.objects.filter(event=ev).aggregate(s=Sum("estimated_value"))["s"],
        "favours_received": favours.received().aggregate(s=Sum("estimated_value"))["s"],
        "favours_returned": favours.returned().aggregate(s=Sum("estimated_value"))["s"],
        "favours": favours.count(),
        "interactions": Interaction.objects.count(),
        "followups": FollowUp.objects.count(),
    }


def traces(*needles):
    """Every text column of the places a person's details live, searched for each needle."""
    models = [Contact, Contact.history.model, Interaction, FollowUp, FollowUp.history.model]
    found = []
    for model in models:
        for field in model._meta.concrete_fields:
            if isinstance(field, (CharField, TextField)):
                for needle in needles:
                    if model._default_manager.filter(**{f"{field.attname}__icontains": needle}).exists():
                        found.append((model.__name__, field.attname, needle))
    for batch in ImportBatch.objects.all():
        blob = json.dumps([batch.changed_records, batch.created_records, batch.errors]).lower()
        found += [("ImportBatch", batch.pk, n) for n in needles if n.lower() in blob]
    # The search index: on PostgreSQL a table of its own holds copies of names and emails.
    from crm.selectors.search import search

    found += [("search", n) for n in needles if search(n)["contacts"]]
    return found


def test_erasure_anonymises_and_keeps_totals(client, organiser, person):
    ada, org, ev = person["contact"], person["org"], person["event"]
    needles = ("ada@lovelace.example", "Lovelace", "Adeline", "Head of Digital", "0113 496", "Prefers calls")
    assert traces(*needles)  # the search finds the details before erasure
    before = totals(org, ev)
    client.force_login(organiser)
    page = client.get(reverse("privacy:contact_erase", args=[ada.pk]))
    assert page.status_code == 200
    assert "cannot be undone" in page.content.decode()

    response = client.post(
        reverse("privacy:contact_erase", args=[ada.pk]),
        {"confirmation": "  adeline   LOVELACE ", "reason": "emailed request"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("crm:contact_detail", args=[ada.pk])
    assert "Erased the person" in response.content.decode()

    ada.refresh_from_db()
    assert (ada.first_name, ada.last_name, ada.email, ada.phone, ada.job_title, ada.notes) == (
        "Erased",
        f"person #{ada.pk}",
        "",
        "",
        "",
        "",
    )
    assert ada.do_not_contact and ada.consent_date is None and not ada.tags.exists()
    assert totals(org, ev) == before
    assert traces(*needles) == []
    assert Interaction.objects.get(contact=ada).summary == "[erased]"
    assert FollowUp.objects.get(contact=ada).title == "[erased]"
    assert Favour.objects.filter(organisation=org, contact__isnull=True).count() == 2
    history = list(ada.history.all())
    assert len(history) == 1
    assert history[0].history_change_reason.startswith("erased on request")
    assert history[0].history_user == organiser


def test_erasure_needs_confirmation(client, organiser, person):
    ada = person["contact"]
    client.force_login(organiser)
    for data in ({}, {"confirmation": "Ada Lovelace"}, {"confirmation": "yes"}):
        response = client.post(reverse("privacy:contact_erase", args=[ada.pk]), data)
        assert response.status_code == 400
        assert "does not match" in response.content.decode() or "required" in response.content.decode()
    ada.refresh_from_db()
    assert ada.email == "ada@lovelace.example" and ada.history.count() == 3
    # ERASE is accepted too.
    response = client.post(reverse("privacy:contact_erase", args=[ada.pk]), {"confirmation": "ERASE"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.first_name == "Erased"


def test_staff_may_erase_and_download(client, staff, person):
    ada = person["contact"]
    client.force_login(staff)
    assert client.get(reverse("privacy:contact_sar", args=[ada.pk])).status_code == 200
    assert client.get(reverse("privacy:retention_report")).status_code == 200
    assert client.post(reverse("privacy:contact_erase", args=[ada.pk]), {"confirmation": "ERASE"}).status_code == 302


def test_committee_is_refused(client, committee, person):
    ada = person["contact"]
    client.force_login(committee)
    assert client.get(reverse("privacy:contact_sar", args=[ada.pk])).status_code == 403
    assert client.get(reverse("privacy:contact_sar", args=[ada.pk]), {"format": "csv"}).status_code == 403
    assert client.get(reverse("privacy:contact_erase", args=[ada.pk])).status_code == 403
    assert client.post(reverse("privacy:contact_erase", args=[ada.pk]), {"confirmation": "ERASE"}).status_code == 403
    assert client.get(reverse("privacy:retention_report")).status_code == 403
    ada.refresh_from_db()
    assert ada.email == "ada@lovelace.example"


def test_anonymous_is_sent_to_login(client, person):
    response = client.get(reverse("privacy:contact_sar", args=[person["contact"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Retention --------------------------------------------------------------------------------------


def ago(months, days=0):
    return timezone.now() - datetime.timedelta(days=months * 31 + days)


def stale(months_ago, org=None):
    contact = factories.contact(org)
    Contact.objects.filter(pk=contact.pk).update(updated_at=ago(months_ago))
    return contact


@pytest.fixture
def retention_people(organiser):
    org = factories.organisation()
    people = {
        "stale": stale(30, org),
        "old_interaction": stale(30),
        "recent_edit": factories.contact(),
        "recent_interaction": stale(30),
        "recent_followup": stale(30),
        "recent_favour": stale(30),
    }
    Interaction.objects.create(contact=people["old_interaction"], summary="x", occurred_at=ago(26))
    Interaction.objects.create(contact=people["recent_interaction"], summary="x", occurred_at=ago(2))
    Interaction.objects.create(contact=people["recent_interaction"], summary="old", occurred_at=ago(40))
    followup = FollowUp.objects.create(contact=people["recent_followup"], title="x", due_date=timezone.localdate())
    FollowUp.objects.filter(pk=followup.pk).update(updated_at=ago(1))
    Favour.objects.create(organisation=org, contact=people["recent_favour"], direction="we_asked", description="x")
    return people


def listed(client, **params):
    response = client.get(reverse("privacy:retention_report"), params)
    assert response.status_code == 200
    return response, {row.record.pk for row in response.context["table"].rows}


@pytest.mark.clock
def test_retention_lists_exactly_the_stale_contacts(client, organiser, retention_people, settings):
    p = retention_people
    client.force_login(organiser)
    response, pks = listed(client, months=24)
    assert pks == {p["stale"].pk, p["old_interaction"].pk}
    html = response.content.decode()
    assert p["stale"].full_name in html and reverse("privacy:contact_erase", args=[p["stale"].pk]) in html
    assert "Legitimate interests" in html
    _, pks = listed(client, months=27)
    assert pks == {p["stale"].pk}
    _, pks = listed(client, months=60)
    assert pks == set()
    settings.CRM_RETENTION_MONTHS = 27
    response, pks = listed(client)
    assert pks == {p["stale"].pk} and response.context["months"] == 27
    _, pks = listed(client, months="nonsense")
    assert pks == {p["stale"].pk}


def test_retention_empty_state(client, organiser):
    client.force_login(organiser)
    response, pks = listed(client)
    assert pks == set()
    assert "No contacts have been untouched" in response.content.decode()


def _fill(n, organiser):
    for i in range(n):
        org = factories.organisation()
        contact = stale(30, org)
        Interaction.objects.create(contact=contact, summary="x", occurred_at=ago(28))
        FollowUp.objects.create(contact=contact, title="x", due_date=timezone.localdate())
        Favour.objects.create(organisation=org, contact=contact, direction="we_asked", description="x")
        FollowUp.objects.filter(contact=contact).update(updated_at=ago(27))
        Favour.objects.filter(contact=contact).update(updated_at=ago(27))
        contact.tags.add(Tag.objects.get_or_create(name=f"t{i % 3}")[0])


def test_retention_queries_constant(client, organiser):
    client.force_login(organiser)
    _fill(5, organiser)
    client.get(reverse("privacy:retention_report"))  # warm caches (permissions, session)
    with CaptureQueriesContext(connection) as few:
        _, pks = listed(client, months=24)
    assert len(pks) == 5
    _fill(35, organiser)
    with CaptureQueriesContext(connection) as many:
        _, pks = listed(client, months=24)
    assert len(pks) == 40
    assert len(many) == len(few)


def test_retention_command(organiser, retention_people):
    out = io.StringIO()
    call_command("retention_report", "--months", "24", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("2 contacts untouched for 24 months")
    rows = list(csv.DictReader(lines[1:]))
    assert {int(r["id"]) for r in rows} == {retention_people["stale"].pk, retention_people["old_interaction"].pk}
    assert rows[0]["lawful_basis"] == "Legitimate interests"


# Audit link -------------------------------------------------------------------------------------


def test_history_reason_filter():
    assert (
        history_reason("import #12") == f'<a href="{reverse("spreadsheets:import_detail", args=[12])}">import #12</a>'
    )
    assert history_reason("undo import #12") == "undo import #12"
    assert history_reason("import #12 <script>") == "import #12 &lt;script&gt;"
    assert history_reason("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert history_reason(None) == ""


def test_contact_history_links_to_import_batch(client, organiser):
    batch = run_import("Email,First Name,Last Name\ngrace@hopper.example,Grace,Hopper\n", organiser)
    grace = Contact.objects.get(email="grace@hopper.example")
    client.force_login(organiser)
    html = client.get(reverse("crm:contact_detail", args=[grace.pk])).content.decode()
    assert f'<a href="{reverse("spreadsheets:import_detail", args=[batch.pk])}">import #{batch.pk}</a>' in html


def on_page(client, **params):
    response = client.get(reverse("privacy:retention_report"), params)
    assert response.status_code == 200
    return response, {row.record.pk for row in response.context["table"].page.object_list}


def test_retention_pages_count_and_order_with_one_pass(client, organiser):
    """55 stale people over two pages of 50: the total, the stalest first, and a page past the end
    shows the last page; the page's query carries the total, so no separate count runs."""
    people = [stale(30 + i) for i in range(55)]  # people[-1] is the stalest
    client.force_login(organiser)
    client.get(reverse("privacy:retention_report"))  # warm caches (permissions, session)
    with CaptureQueriesContext(connection) as queries:
        response, first = on_page(client, months=24)
    assert not [q for q in queries if "COUNT(*) AS" in q["sql"] and "crm_contact" in q["sql"]]
    assert "55 contacts" in response.content.decode()
    assert len(first) == 50
    assert response.context["table"].page.object_list[0].record.pk == people[-1].pk
    _, second = on_page(client, months=24, page=2)
    assert second == {p.pk for p in people[:5]}
    _, past_the_end = on_page(client, months=24, page=99)
    assert past_the_end == second
    _, not_a_number = on_page(client, months=24, page="x")
    assert not_a_number == first
    _, below_one = on_page(client, months=24, page=-1)  # refused like past the end: the last page
    assert below_one == second
    _, by_name = on_page(client, months=24, sort="name", page=2)
    assert len(by_name) == 5
