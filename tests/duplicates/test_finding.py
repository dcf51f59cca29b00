"""Finding duplicates: each rule, weights and the threshold, "not duplicates", the command."""

import re

import pytest
from django.core.management import call_command

from crm.models import Contact
from duplicates import matching, services
from duplicates.models import CandidatePair, NotDuplicate, Rule, RuleSet
from tests.crm import factories

pytestmark = pytest.mark.django_db


# --- normal forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["0113 496 0044", "+44 113 496 0044", "+44 (0)113 496 0044", "0044 113 4960044", "(0113) 496-0044"],
)
def test_uk_numbers_written_any_way_are_one_number(raw):
    assert matching.phone_key(raw) == "+441134960044"


def test_other_numbers_and_non_numbers():
    assert matching.phone_key("+1 202-555-0143") == "+12025550143"
    assert matching.phone_key("n/a") == "" and matching.phone_key("") == "" and matching.phone_key("12") == ""
    assert matching.phone_key("07700 900123") == "+447700900123"


def test_emails_plus_addressing_and_gmail_dots():
    assert matching.email_without_plus("Jo+Events@Example.org") == "jo@example.org"
    assert matching.gmail_key("priya.shah+crm@googlemail.com") == "priyashah@gmail.com"
    assert matching.gmail_key("priya.shah@example.org") == ""


def test_names():
    assert matching.person_key("Dr. Priya", "Shah") == matching.person_key("priya", "SHAH") == "priya shah"
    assert matching.person_key("Zoë", "O’Brien") == "zoe obrien"
    assert matching.organisation_base("Leeds City Council (Digital)") == "leeds city council"
    assert (
        matching.organisation_initials("Leeds City Council") == matching.organisation_initials("Leeds CC") == "leeds cc"
    )
    assert matching.organisation_initials("Department for Education") == "department e"
    assert matching.organisation_initials("Acme") == ""
    assert matching.website_domain("https://www.Leeds.gov.uk/digital") == "leeds.gov.uk"
    assert matching.website_domain("leeds.gov.uk") == "leeds.gov.uk"


# --- rules ---------------------------------------------------------------------------------------


def pairs(target="contacts"):
    return {frozenset((p.a_id, p.b_id)): (p.score, p.rules) for p in CandidatePair.objects.filter(target=target)}


def test_each_contact_rule_finds_its_pairs_and_nothing_else():
    org, other = factories.organisation(name="Leeds City Council"), factories.organisation(name="Acme")
    c = lambda first, last, email="", phone="", o=org: Contact.objects.create(  # noqa: E731
        first_name=first, last_name=last, email=email, phone=phone, organisation=o
    )
    plus = (c("Jo", "Bloggs", "jo@leeds.example.org"), c("Joanne", "Smith", "jo+events@leeds.example.org", o=other))
    gmail = (c("Sam", "Khan", "sam.khan@gmail.com", o=None), c("S", "K", "samkhan@googlemail.com", o=None))
    phone = (c("Ann", "Lee", "", "0113 496 0044", o=None), c("Bob", "Ray", "", "+44 113 496 0044", o=None))
    same_name = (c("Priya", "Shah", "p1@a.org"), c("Dr Priya", "Shah", "p2@b.org"))
    similar = (c("Jonathan", "Barker", "j1@a.org"), c("Jonathon", "Barker", "j2@b.org"))
    domain = (
        c("Katherine", "Moss", "kath@acme.example", o=None),
        c("Kathryn", "Moss", "k.moss@acme.example", o=None),
    )
    strangers = (c("Usman", "Iqbal", "u@x.org"), c("Tess", "Nowak", "t@x.org"))  # same organisation only

    services.find_duplicates("contacts", min_score=1)
    found = pairs()
    expect = {
        plus: ["email_plus"],
        gmail: ["email_gmail"],
        same_name: ["name_org"],
        similar: ["similar_name_org"],
    }
    for (a, b), rules in expect.items():
        assert found[frozenset((a.pk, b.pk))][1] == rules, rules
    # Below the threshold (60) a pair is listed by --min-score but not stored: phone alone (40), a
    # similar name at one email domain (30).
    assert frozenset((phone[0].pk, phone[1].pk)) not in found
    assert frozenset(p.pk for p in strangers) not in found
    result = services.find_duplicates("contacts", min_score=1)
    listed = {frozenset((f.a, f.b)): f.rules for f in result.found}
    assert listed[frozenset((phone[0].pk, phone[1].pk))] == ["phone"]
    assert listed[frozenset((domain[0].pk, domain[1].pk))] == ["similar_name_domain"]
    assert frozenset(p.pk for p in strangers) not in listed


def test_weights_add_up_and_the_threshold_decides():
    org = factories.organisation(name="Leeds City Council")
    a = Contact.objects.create(first_name="Priya", last_name="Shah", phone="0113 496 0044", organisation=org)
    b = Contact.objects.create(first_name="Priya", last_name="Shah", phone="+441134960044", organisation=org)
    services.find_duplicates("contacts")
    assert pairs()[frozenset((a.pk, b.pk))] == (120, ["name_org", "phone"])
    ruleset = RuleSet.objects.get(target="contacts")
    services.save_rules("contacts", threshold=130, weights={}, enabled={})
    services.find_duplicates("contacts")
    assert not pairs()
    Rule.objects.filter(ruleset=ruleset, kind="phone").update(weight=50)
    services.find_duplicates("contacts")
    assert pairs()[frozenset((a.pk, b.pk))][0] == 130
    Rule.objects.filter(ruleset=ruleset, kind="name_org").update(enabled=False)
    services.find_duplicates("contacts")
    assert not pairs()


def test_organisation_rules():
    leeds = factories.organisation(name="Leeds City Council", website="https://www.leeds.example.org")
    short = factories.organisation(name="Leeds CC")
    digital = factories.organisation(name="Leeds City Council (Digital)")
    site = factories.organisation(name="Yorkshire Digital Services", website="http://leeds.example.org/yds")
    similar = factories.organisation(name="Yorkshire Digital Service Ltd.")
    people_a, people_b = factories.organisation(name="Alpha"), factories.organisation(name="Omega")
    factories.contact(people_a, email="a@shared.example")
    factories.contact(people_b, email="b@shared.example")
    factories.contact(people_a, email="a@gmail.com")
    factories.contact(leeds, email="x@gmail.com")  # free mail: no evidence
    result = services.find_duplicates("organisations", min_score=1)
    found = {frozenset((f.a, f.b)): f.rules for f in result.found}
    assert found[frozenset((leeds.pk, short.pk))] == ["org_similar_name"]
    assert found[frozenset((leeds.pk, digital.pk))] == ["org_name"]
    assert found[frozenset((leeds.pk, site.pk))] == ["org_website"]
    assert "org_similar_name" in found[frozenset((site.pk, similar.pk))]
    assert found[frozenset((people_a.pk, people_b.pk))] == ["org_email_domain"]
    assert frozenset((people_a.pk, leeds.pk)) not in found


def test_not_duplicates_is_remembered_and_never_shown_again(organiser):
    org = factories.organisation(name="Leeds City Council")
    a = Contact.objects.create(first_name="Priya", last_name="Shah", organisation=org)
    b = Contact.objects.create(first_name="Priya", last_name="Shah", email="other@x.org", organisation=org)
    services.find_duplicates("contacts")
    assert CandidatePair.objects.count() == 1
    services.mark_not_duplicates("contacts", b.pk, a.pk, user=organiser)
    assert not CandidatePair.objects.exists()
    services.find_duplicates("contacts", min_score=0)
    assert not CandidatePair.objects.exists()
    assert NotDuplicate.objects.get().decided_by == organiser
    with pytest.raises(services.MergeError):
        services.mark_not_duplicates("contacts", a.pk, a.pk, user=organiser)


def test_the_command_prints_a_line_per_pair_and_pairs_last(capsys):
    org = factories.organisation(name="Leeds City Council")
    a = Contact.objects.create(first_name="Priya", last_name="Shah", email="priya@leeds.example.org", organisation=org)
    b = Contact.objects.create(
        salutation="Dr", first_name="Priya", last_name="Shah", phone="0113 496 0044", organisation=org
    )
    call_command("find_duplicates", "contacts")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "pairs=1"
    assert re.fullmatch(
        rf"score=80 contacts {a.pk} {b.pk} rules=name_org  Priya Shah / priya@leeds\.example\.org  ~  Dr Priya Shah / 0113 496 0044",
        lines[0],
    )
    call_command("find_duplicates", "organisations", "--min-score", "200")
    assert capsys.readouterr().out.strip().splitlines() == ["pairs=0"]


def test_organisations_of_one_town_with_different_names_are_not_pairs():
    """Jaro–Winkler likes a shared start and initials repeat by chance: neither alone makes a pair."""
    for name in ("Harrogate Academy Company", "Harrogate Academy Factory", "Lune Museums Trust", "Lune Marquees Trust"):
        factories.organisation(name=name)
    typo = (
        factories.organisation(name="West Yorkshire Combined Authority"),
        factories.organisation(name="West Yorks Combined Authority"),
    )
    result = services.find_duplicates("organisations", min_score=1)
    assert [{f.a, f.b} for f in result.found] == [{o.pk for o in typo}]
