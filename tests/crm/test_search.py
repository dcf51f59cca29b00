"""The global search: grouped, capped, every word must match, a fixed number of queries."""

import pytest
from django.urls import reverse

from crm.models import Contact, Organisation
from crm.selectors.search import search

URL = reverse("crm:search")


@pytest.fixture
def records(db):
    leeds = Organisation.objects.create(name="Leeds Digital", is_sponsor=True, is_supplier=True, city="Leeds")
    york = Organisation.objects.create(name="York Code Club", is_training_provider=True, city="York")
    Contact.objects.create(first_name="Jane", last_name="Smith", email="jane@leeds.test", organisation=leeds)
    Contact.objects.create(first_name="Jane", last_name="Doe", email="jd@york.test", organisation=york)
    Contact.objects.create(first_name="Raj", last_name="Patel", email="raj@example.test", organisation=leeds)
    return leeds, york


def test_every_word_must_match_case_insensitively(records):
    _leeds, _ = records
    result = search("JANE leeds")
    assert [c.last_name for c in result["contacts"]] == ["Smith"]
    assert result["organisations"] == []
    assert [o.name for o in search("  digital LEEDS ")["organisations"]] == ["Leeds Digital"]


def test_contacts_match_on_name_email_or_organisation(records):
    assert {c.last_name for c in search("leeds")["contacts"]} == {"Smith", "Patel"}
    assert [c.last_name for c in search("jd@york")["contacts"]] == ["Doe"]
    assert {c.last_name for c in search("jane")["contacts"]} == {"Smith", "Doe"}


def test_results_page_groups_organisations_and_contacts(client, organiser, records):
    client.force_login(organiser)
    text = client.get(URL, {"q": "leeds"}).content.decode()
    assert "Organisations" in text and "Contacts" in text
    assert "Leeds Digital" in text and "Sponsor, Supplier" in text and "Jane Smith" in text and "Raj Patel" in text
    assert "York Code Club" not in text


def test_empty_query_prompts_and_no_results_is_friendly(client, committee, records):
    client.force_login(committee)
    assert "Type a name, an email or an organisation" in client.get(URL).content.decode()
    assert "Nothing matches “zebra”" in client.get(URL, {"q": "zebra"}).content.decode()


def test_search_needs_view_organisation(client, django_user_model, db):
    client.force_login(django_user_model.objects.create_user("norole", password="x"))
    assert client.get(URL, {"q": "a"}).status_code == 403


def test_nav_has_a_search_form(client, staff, db):
    client.force_login(staff)
    text = client.get(URL).content.decode()
    assert (
        'role="search"' in text
        and 'name="q"' in text
        and '<label class="visually-hidden" for="nav-search-q">Search</label>' in text
    )


def test_groups_are_capped_at_25_with_the_full_count(client, organiser, db):
    for i in range(30):
        org = Organisation.objects.create(name=f"Acme {i:02}")
        Contact.objects.create(first_name="Pat", last_name=f"Acme{i:02}", organisation=org)
    result = search("acme")
    assert len(result["organisations"]) == 25 and result["organisations_count"] == 30
    assert len(result["contacts"]) == 25 and result["contacts_count"] == 30
    client.force_login(organiser)
    assert "Showing the first 25 of 30" in client.get(URL, {"q": "acme"}).content.decode()


def make_matches(n, start=0):
    for i in range(start, start + n):
        org = Organisation.objects.create(name=f"Widget Works {i}", city="Hull", is_sponsor=True)
        Contact.objects.create(first_name="Wendy", last_name=f"Widget{i}", email=f"w{i}@widget.test", organisation=org)


def test_query_count_does_not_grow_with_matches(client, organiser, django_assert_max_num_queries):
    client.force_login(organiser)
    make_matches(10)
    client.get(URL, {"q": "widget"})  # warm the session and permission caches the same way
    # PostgreSQL looks up matching organisations and contacts' ids first, and the page's organisations
    # after; and sets its planner around the interactions' count (crm.selectors.search.count_interactions).
    with django_assert_max_num_queries(17) as small:
        assert client.get(URL, {"q": "widget"}).status_code == 200
    make_matches(50, start=10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL, {"q": "widget"})
    assert response.context["results"]["contacts_count"] == 60


def test_the_index_follows_every_write(db):
    """Created, renamed and deleted records are found (or not) at once: the database keeps the index."""
    acme = Organisation.objects.create(name="Acme Widgets")
    assert [o.name for o in search("widgets")["organisations"]] == ["Acme Widgets"]
    acme.name = "Acme Gadgets"
    acme.save()
    assert search("widgets")["organisations"] == []
    assert [o.name for o in search("gadget")["organisations"]] == ["Acme Gadgets"]
    person = Contact.objects.create(first_name="Priya", last_name="Shah", email="priya@acme.test", organisation=acme)
    Contact.objects.filter(pk=person.pk).update(last_name="Sharma")  # a bulk UPDATE, no save() signals
    assert [c.last_name for c in search("sharma")["contacts"]] == ["Sharma"]
    assert search("shah")["contacts"] == []
    person.delete()
    assert search("sharma")["contacts"] == []


def test_an_import_is_searchable_at_once(db):
    from spreadsheets.importing import auto_map, commit_import, plan_import, read_table

    table = read_table(b"Name,Email,Organisation\nZanele Mokoena,zanele@kestrel.test,Kestrel Analytics\n", "p.csv")
    commit_import(plan_import("contacts", table, auto_map("contacts", table.headers)), user=None, file_name="p.csv")
    assert [c.email for c in search("mokoena")["contacts"]] == ["zanele@kestrel.test"]
    assert [o.name for o in search("kestrel")["organisations"]] == ["Kestrel Analytics"]


def test_a_re_import_that_renames_is_searchable_and_one_that_does_not_keeps_the_name(db):
    """The import's bulk UPDATE … FROM: a changed surname is found at once; a changed job title
    alone leaves the name searchable (on PostgreSQL it never touches the search table)."""
    from spreadsheets.importing import auto_map, commit_import, plan_import, read_table

    def run(csv):
        table = read_table(csv, "p.csv")
        commit_import(plan_import("contacts", table, auto_map("contacts", table.headers)), user=None, file_name="p.csv")

    run(b"First name,Last name,Email,Job title\nZanele,Mokoena,zanele@kestrel.test,Analyst\n")
    run(b"First name,Last name,Email,Job title\nZanele,Dlamini,zanele@kestrel.test,Analyst\n")
    assert [c.last_name for c in search("dlamini")["contacts"]] == ["Dlamini"]
    assert search("mokoena")["contacts"] == []
    run(b"First name,Last name,Email,Job title\nZanele,Dlamini,zanele@kestrel.test,Lead analyst\n")
    assert [c.job_title for c in search("dlamini")["contacts"]] == ["Lead analyst"]


def test_a_wildcard_in_a_word_is_a_literal_character(db):
    Contact.objects.create(first_name="Ann", last_name="Lee", email="pa_ul@example.test")
    Contact.objects.create(first_name="Paxul", last_name="Lee", email="paxul@example.test")
    Contact.objects.create(first_name="Bo", last_name="Lee", email="bo100%@example.test")
    assert [c.email for c in search("pa_ul")["contacts"]] == ["pa_ul@example.test"]
    assert [c.email for c in search("0%@")["contacts"]] == ["bo100%@example.test"]


def test_a_moved_contact_is_found_by_its_new_organisations_name(db):
    leeds = Organisation.objects.create(name="Leeds Digital")
    york = Organisation.objects.create(name="York Code Club")
    person = Contact.objects.create(first_name="Ann", last_name="Bell", organisation=leeds)
    person.organisation = york
    person.save()
    assert search("leeds")["contacts"] == []
    assert [c.last_name for c in search("york")["contacts"]] == ["Bell"]
    york.delete()  # the contact stays, with no organisation
    assert search("york")["contacts"] == []
    assert [c.last_name for c in search("bell")["contacts"]] == ["Bell"]


@pytest.mark.parametrize("url_name", ["crm:search", "crm:contact_list", "crm:organisation_list"])
def test_a_query_of_a_thousand_words_is_answered_from_its_first_ten(client, organiser, records, url_name):
    client.force_login(organiser)
    query = "jane " + " ".join(f"word{i}" for i in range(1500))
    response = client.get(reverse(url_name), {"q": query})
    assert response.status_code == 200  # not SQLite's "expression tree is too large"
    if url_name == "crm:search":
        assert response.context["results"]["terms"] == ["jane"] + [f"word{i}" for i in range(9)]


def test_every_search_index_has_its_triggers_after_migrating(db):
    """SQLite drops a table's triggers when a migration alters one of its columns (it copies the
    table), which would leave its search index stale; each migration that does so makes them again."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = {
                f"{table}_search_{suffix}"
                for table in ("crm_organisation", "crm_contact", "crm_interaction")
                for suffix in ("ai", "ad", "au")
            }
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'crm_contact'::regclass "
                "AND tgname LIKE 'crm_contact_search_%%'"
            )
            expected = {f"crm_contact_search_{suffix}" for suffix in ("ai", "ad", "au", "at")}
        assert {row[0] for row in cursor.fetchall()} >= expected


def test_interaction_text_is_searched_and_shown_to_those_who_may_read_it(client, organiser, records):
    from django.utils import timezone

    from crm.models import Interaction

    leeds, _ = records
    Interaction.objects.create(
        organisation=leeds,
        kind="call",
        occurred_at=timezone.now(),
        summary="Discussed the lanyards order",
        outcome="They will print 250",
    )
    Interaction.objects.create(organisation=leeds, kind="call", occurred_at=timezone.now(), summary="Catering")
    result = search("lanyards 250", include_interactions=True)
    assert [i.summary for i in result["interactions"]] == ["Discussed the lanyards order"]
    assert search("lanyards")["interactions"] == []  # only when asked for
    client.force_login(organiser)
    text = client.get(URL, {"q": "lanyard"}).content.decode()
    assert "Discussed the lanyards order" in text and "Catering" not in text


@pytest.mark.parametrize("query", ['"quoted"', "o'brien", "a*b", "NEAR(x y)", "-", "ab"])
def test_odd_queries_are_just_text(client, organiser, records, query):
    Organisation.objects.create(name='The "quoted" O\'Brien a*b NEAR(x y) co')
    client.force_login(organiser)
    assert client.get(URL, {"q": query}).status_code == 200
    assert search(query)["organisations_count"] >= (0 if query in ("-", "ab") else 1)


@pytest.mark.parametrize("query", ["leeds\x00", "\x00", "lee\x07ds"])
def test_control_characters_in_a_query_are_spaces_not_a_server_error(client, organiser, records, query):
    client.force_login(organiser)
    assert client.get(URL, {"q": query}).status_code == 200
    assert client.get(reverse("crm:lookup"), {"q": query, "type": "contact"}).status_code == 200
    if query == "leeds\x00":
        assert [o.name for o in search(query)["organisations"]] == ["Leeds Digital"]


def test_counts_stop_past_the_cap_for_a_short_word_and_say_so(client, organiser, db, monkeypatch):
    """A word too short for the index is counted no further than the cap; an indexed word exactly."""
    from crm.selectors import search as selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 40)
    make_matches(42)
    short = search("wi")
    assert short["contacts_count"] == 41 and short["organisations_count"] == 41  # stopped one past the cap
    assert search("widget")["contacts_count"] == 42
    client.force_login(organiser)
    text = client.get(URL, {"q": "wi"}).content.decode()
    assert "Showing the first 25 of more than 40" in text
    assert "more than 40 organisations, more than 40 contacts" in text
    assert "Showing the first 25 of 42" in client.get(URL, {"q": "widget"}).content.decode()


def test_a_short_word_alone_does_not_read_every_note(client, organiser, records):
    from django.utils import timezone

    from crm.models import Interaction

    leeds, _ = records
    Interaction.objects.create(organisation=leeds, kind="call", occurred_at=timezone.now(), summary="Jo said yes")
    result = search("jo", include_interactions=True)
    assert result["interactions"] == [] and result["interactions_need_a_longer_word"]
    assert search("jo said", include_interactions=True)["interactions_count"] == 1  # a longer word beside it
    client.force_login(organiser)
    text = client.get(URL, {"q": "ja"}).content.decode()  # Jane matches; notes were not searched
    assert "Jane" in text and "searched for words of three letters or more" in text


def test_a_contact_is_found_by_its_organisations_name_among_many_organisations(db, monkeypatch):
    """Past the id lists' limits (PostgreSQL) organisations and contacts are matched by subqueries: same answer."""
    from crm.selectors import contact_search
    from crm.selectors.search import contacts_matching

    leeds = Organisation.objects.create(name="Leeds Digital")
    Contact.objects.create(first_name="Ann", last_name="Bell", organisation=leeds)
    Contact.objects.create(first_name="Leeds", last_name="Person")
    Contact.objects.create(first_name="Ann", last_name="Other")
    for limit in (1000, 0):
        monkeypatch.setattr(contact_search, "ORGANISATION_IDS_LIMIT", limit)
        monkeypatch.setattr(contact_search, "IDS_LIMIT", limit)
        assert [c.last_name for c in contacts_matching(["leeds"])] == ["Bell", "Person"]
        assert [c.last_name for c in contacts_matching(["ann", "leeds"])] == ["Bell"]
        assert [c.last_name for c in contacts_matching(["an"])] == ["Bell", "Other"]


def test_interactions_are_counted_to_the_cap_and_the_page_says_more_than(client, organiser, records, monkeypatch):
    """Interactions are counted no further than the cap even for a long word; the other groups exactly."""
    from django.db import connection
    from django.utils import timezone

    from crm.models import Interaction
    from crm.selectors import search as selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 40)
    leeds, _ = records
    Interaction.objects.bulk_create(
        [
            Interaction(organisation=leeds, kind="call", occurred_at=timezone.now(), summary=f"Catering quote {i}")
            for i in range(45)
        ]
    )
    result = search("catering", include_interactions=True)
    assert result["interactions_count"] == 41 and len(result["interactions"]) == 25
    assert search("catering quote 44", include_interactions=True)["interactions_count"] == 1  # few: exact
    if connection.vendor == "postgresql":  # the count's planner setting ends with it
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone()[0] == "on"
    client.force_login(organiser)
    text = client.get(URL, {"q": "catering"}).content.decode()
    assert "Showing the 25 most recently logged of more than 40" in text
    assert "0 organisations, 0 contacts and more than 40 interactions found." in text
