"""The pages: the list (constant queries), find now, not duplicates, the merge screen and its
refusals, the merge's page and undo, the rules."""

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import Contact, Interaction
from duplicates import services
from duplicates.models import CandidatePair, Merge, NotDuplicate, Rule
from tests.crm import factories

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def many_pairs(council):
    for i in range(30):
        Contact.objects.create(first_name=f"Person{i}", last_name="Twin", email=f"a{i}@x.org", organisation=council)
        Contact.objects.create(first_name=f"Person{i}", last_name="Twin", email=f"b{i}@y.org", organisation=council)
    services.find_duplicates("contacts")


def test_the_list_shows_pairs_best_first_with_their_rules(pair, staff):
    services.find_duplicates("contacts")
    page = client_for(staff).get(reverse("duplicates:candidate_list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Same name in the same organisation" in html and "Same phone number" in html
    assert "priya.shah.home@gmail.com" in html and "priya.shah@leeds.example.org" in html
    assert CandidatePair.objects.get().merge_url() in html.replace("&amp;", "&")
    assert "<title>Likely duplicates: contacts" in html


def test_the_list_costs_the_same_queries_for_25_pairs_as_for_2(many_pairs, staff, django_assert_max_num_queries):
    client = client_for(staff)
    client.get(reverse("duplicates:candidate_list"))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        page = client.get(reverse("duplicates:candidate_list") + "?target=contacts&min_score=60")
    assert page.content.decode().count("Not duplicates<") == 25


def test_committee_reads_the_list_but_has_no_merge_buttons(pair, committee):
    services.find_duplicates("contacts")
    html = client_for(committee).get(reverse("duplicates:candidate_list")).content.decode()
    assert "Priya Shah" in html and "Find now" not in html and ">Merge<" not in html


def test_organisation_pairs_and_a_record_filter(council, staff):
    short = factories.organisation(name="Leeds CC")
    factories.organisation(name="Acme")
    services.find_duplicates("organisations")
    client = client_for(staff)
    html = client.get(reverse("duplicates:candidate_list") + "?target=organisations").content.decode()
    assert "Leeds CC" in html and "Similar name or initials" in html
    html = client.get(
        reverse("duplicates:candidate_list") + f"?target=organisations&record={short.pk}"
    ).content.decode()
    assert "Leeds CC" in html
    assert client.get(reverse("duplicates:candidate_list") + "?target=nonsense&min_score=x").status_code == 200


def test_find_now_and_not_duplicates(pair, staff):
    client = client_for(staff)
    response = client.post(reverse("duplicates:find_now"), {"target": "contacts"}, follow=True)
    assert "1 likely duplicate pairs" in response.content.decode()
    pair_row = CandidatePair.objects.get()
    client.post(reverse("duplicates:not_duplicates"), {"target": "contacts", "a": pair_row.a_id, "b": pair_row.b_id})
    assert NotDuplicate.objects.exists() and not CandidatePair.objects.exists()
    response = client.post(reverse("duplicates:not_duplicates"), {"target": "contacts", "a": "x"}, follow=True)
    assert response.status_code == 200 and "Choose the two records" in response.content.decode()


def test_find_now_runs_in_the_background_over_many_records(pair, staff, settings):
    settings.DUPLICATES_BACKGROUND_RECORDS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    response = client_for(staff).post(reverse("duplicates:find_now"), {"target": "contacts"}, follow=True)
    assert "in the background" in response.content.decode()
    assert CandidatePair.objects.count() == 1  # the immediate backend ran it at once


def merge_url(kept, merged):
    return reverse("duplicates:merge_contacts") + f"?ids={kept.pk}&ids={merged.pk}"


def test_the_merge_screen_shows_both_with_the_fuller_value_chosen_and_what_moves(pair, staff):
    kept, merged = pair
    page = client_for(staff).get(merge_url(kept, merged))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="field_job_title" id="field_job_title_{merged.pk}" value="{merged.pk}" checked' in html
    assert f'name="field_email" id="field_email_{kept.pk}" value="{kept.pk}" checked' in html
    assert "Interactions: 5" in html and "Emails: 2" in html and "Follow-ups: 1" in html
    assert "Yes (one of them asked)" in html


def form_data(kept, merged, **extra):
    plan = services.merge_plan("contacts", kept.pk, [merged.pk])
    data = {"keep": kept.pk, "ids": [merged.pk]}
    data.update({f"version_{pk}": v for pk, v in plan.versions.items()})
    data.update({f"field_{row.name}": row.chosen for row in plan.fields})
    data.update(extra)
    return data


def test_merging_on_the_screen_then_undoing_it(pair, staff):
    kept, merged = pair
    client = client_for(staff)
    response = client.post(merge_url(kept, merged), form_data(kept, merged, field_email=merged.pk), follow=True)
    merge = Merge.objects.get()
    assert response.redirect_chain[-1][0] == merge.get_absolute_url()
    assert "You can undo this for 30 days" in response.content.decode()
    assert Contact.objects.get().email == "priya.shah.home@gmail.com"
    # The kept person's page shows both histories.
    html = client.get(kept.get_absolute_url()).content.decode()
    assert f"Call 0 with {kept.pk}" in html and f"Call 0 with {merged.pk}" in html
    response = client.post(reverse("duplicates:merge_undo", args=[merge.pk]), follow=True)
    assert "Merge undone" in response.content.decode()
    assert Contact.objects.count() == 2
    assert Interaction.objects.filter(contact_id=merged.pk).count() == 5


def test_a_stale_screen_is_shown_again_with_a_message(pair, staff):
    kept, merged = pair
    data = form_data(kept, merged)
    Contact.objects.get(pk=kept.pk).save()
    response = client_for(staff).post(merge_url(kept, merged), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "since this screen was opened" in html and 'data-testid="merge-form"' in html
    assert Contact.objects.count() == 2


def test_merging_into_itself_or_a_deleted_record_says_so(pair, staff):
    kept, merged = pair
    client = client_for(staff)
    response = client.get(reverse("duplicates:merge_contacts") + f"?ids={kept.pk}&ids={kept.pk}")
    assert "Choose at least one other contact" in response.content.decode()
    data = form_data(kept, merged)
    Contact.objects.filter(pk=merged.pk).delete()
    response = client.post(merge_url(kept, merged), data)
    assert response.status_code == 400 and "no longer exists" in response.content.decode()
    assert client.get(reverse("duplicates:merge_contacts")).status_code == 200


def test_the_merge_screen_asks_which_pledge_to_keep(organiser, staff):
    from decimal import Decimal

    from sponsors.services import create_pledge

    event = factories.event()
    a, b = factories.organisation(name="Leeds City Council"), factories.organisation(name="Leeds CC")
    create_pledge(organisation=a, event=event, amount=Decimal("100"), stage="approached")
    create_pledge(organisation=b, event=event, amount=Decimal("200"), stage="approached")
    client = client_for(staff)
    url = reverse("duplicates:merge_organisations") + f"?ids={a.pk}&ids={b.pk}"
    html = client.get(url).content.decode()
    assert "Both organisations have a pledge for" in html and "Keep both pledges" in html
    plan = services.merge_plan("organisations", a.pk, [b.pk])
    data = {"keep": a.pk, "ids": [b.pk], **{f"version_{k}": v for k, v in plan.versions.items()}}
    response = client.post(url, data)
    assert response.status_code == 409 and "Answer the question below" in response.content.decode()
    key = next(iter(plan.conflicts))
    response = client.post(url, {**data, f"conflict_{key}": "both"})
    assert response.status_code == 302 and Merge.objects.exists()


def test_the_rules_are_read_by_all_and_changed_by_the_organiser(organiser, committee):
    html = client_for(committee).get(reverse("duplicates:rules")).content.decode()
    assert "Same phone number" in html and "Save these rules" not in html
    assert client_for(committee).post(reverse("duplicates:rules"), {"target": "contacts"}).status_code == 403
    client = client_for(organiser)
    data = {"target": "contacts", "contacts-threshold": "70"}
    for rule in Rule.objects.filter(ruleset__target="contacts"):
        data[f"contacts-weight_{rule.kind}"] = "55" if rule.kind == "phone" else str(rule.weight)
        data[f"contacts-enabled_{rule.kind}"] = "on"
    assert client.post(reverse("duplicates:rules"), data).status_code == 302
    assert Rule.objects.get(ruleset__target="contacts", kind="phone").weight == 55
    data["contacts-threshold"] = "0"
    assert client.post(reverse("duplicates:rules"), data).status_code == 400


def test_three_contacts_on_one_merge_screen(pair, staff):
    kept, merged = pair
    third = Contact.objects.create(first_name="Priya", last_name="Shah", email="ps@leeds.example.org")
    client = client_for(staff)
    url = reverse("duplicates:merge_contacts") + f"?ids={kept.pk}&ids={merged.pk}&ids={third.pk}"
    html = client.get(url).content.decode()
    assert html.count('name="field_email"') == 3 and "Keep this one instead" in html
    plan = services.merge_plan("contacts", kept.pk, [merged.pk, third.pk])
    data = {"keep": kept.pk, "ids": [merged.pk, third.pk], **{f"version_{k}": v for k, v in plan.versions.items()}}
    assert client.post(url, data).status_code == 302
    assert Contact.objects.count() == 1 and Merge.objects.get().merged_ids == [merged.pk, third.pk]
