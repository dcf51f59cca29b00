"""The prospectus page and PDF: the event, each tier with its price, benefits and slots left, live."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from sponsors.services import create_pledge, move_pledge
from tests.crm import factories

URL = "/sponsor/launch-2027/"


def test_the_prospectus_shows_the_event_and_each_tier_with_slots_left(page, tiers, organiser):
    for name in ("Northern Rail", "Leeds Council"):
        create_pledge(
            organisation=factories.organisation(name=name),
            event=page.event,
            tier=tiers["Gold"],
            stage="in_discussion",
            user=organiser,
        )
    response = Client().get(URL)
    text = response.text
    assert response.status_code == 200
    assert "<title>Sponsorship prospectus · Launch 2027</title>" in text
    assert "Thursday 18 March 2027" in text and "Civic Hall, Leeds" in text and "250 people" in text
    assert text.index("Headline") < text.index("Gold") < text.index("Supporter")  # dearest first
    assert "£8,000" in text and "£4,000" in text and "£750" in text
    assert "1 of 3 places left" in text and "1 of 1 place left" in text and "10 of 10 places left" in text
    assert "10 tickets" in text and "Exhibition stand" in text and "Newsletter mention" in text


def test_a_full_tier_shows_sold_out_and_cannot_be_chosen_and_a_lost_pledge_frees_its_slot(page, tiers, organiser):
    pledge = create_pledge(
        organisation=factories.organisation(name="Big Co"),
        event=page.event,
        tier=tiers["Headline"],
        stage="verbal",
        user=organiser,
    )
    text = Client().get(URL).text
    assert "Sold out" in text and "Headline — £8,000 (sold out)" in text
    radio = text[
        text.index(f'value="{tiers["Headline"].pk}"') - 120 : text.index(f'value="{tiers["Headline"].pk}"') + 80
    ]
    assert "disabled" in radio
    move_pledge(pledge, "withdrawn", reason="Budget cut", user=organiser)
    text = Client().get(URL).text
    assert "Sold out" not in text and "1 of 1 place left" in text


def test_nothing_private_is_on_the_public_pages(page, tiers, organiser):
    org = factories.organisation(name="Secretive Sponsor Ltd", owner=organiser)
    create_pledge(organisation=org, event=page.event, tier=tiers["Gold"], amount=123456, stage="paid", user=organiser)
    page.event.sponsorship_target = 98765
    page.event.save()
    for url in (URL, "/sponsors/launch-2027/", "/sponsors/launch-2027.json"):
        text = Client().get(url).text
        for private in ("olivia@network.example", "Olivia", "Organiser", "123,456", "123456", "98,765", "98765"):
            assert private not in text, f"{private} on {url}"


@pytest.mark.parametrize(
    "switch, urls",
    [
        ("prospectus_on", ["/sponsor/launch-2027/prospectus.pdf"]),
        ("wall_on", ["/sponsors/launch-2027/", "/sponsors/launch-2027.json"]),
    ],
)
def test_pages_that_are_off_answer_404(page, switch, urls):
    setattr(page, switch, False)
    page.save()
    for url in urls:
        assert Client().get(url).status_code == 404


def test_the_prospectus_page_is_404_only_when_both_prospectus_and_form_are_off(page):
    page.prospectus_on = False
    page.save()
    response = Client().get(URL)
    assert response.status_code == 200 and "Apply to sponsor Launch 2027" in response.text
    assert "prospectus.pdf" not in response.text
    page.application_on = False
    page.save()
    assert Client().get(URL).status_code == 404
    assert Client().get("/sponsor/no-such-event/").status_code == 404


def test_the_prospectus_pdf_has_the_tiers_and_the_networks_details(page, tiers, organiser):
    from invoicing.services import network_details, save_network_details

    details = network_details()
    details.name, details.address, details.email = (
        "Yorkshire Digital Network",
        "1 Civic Way\nLeeds",
        "hello@ydn.example",
    )
    save_network_details(details)
    create_pledge(
        organisation=factories.organisation(), event=page.event, tier=tiers["Headline"], stage="verbal", user=organiser
    )
    response = Client().get("/sponsor/launch-2027/prospectus.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="sponsorship-launch-2027.pdf"' in response["Content-Disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Sponsor Launch 2027",
        "Yorkshire Digital Network",
        "hello@ydn.example",
        "Headline",
        "£8,000",
        "Sold out",
        "Gold",
        "3 of 3 places left",
        "Civic Hall, Leeds",
        "250 people",
        "/sponsor/launch-2027/",
        "The events team",
    ):
        assert expected in text, expected


def test_the_prospectus_page_reads_in_a_fixed_number_of_queries(page, tiers, organiser, django_assert_max_num_queries):
    for i in range(30):
        create_pledge(
            organisation=factories.organisation(),
            event=page.event,
            tier=tiers["Supporter"],
            stage="verbal" if i % 2 else "declined",
            lost_reason="x",
            user=organiser,
        )
    with django_assert_max_num_queries(4):
        assert Client().get(URL).status_code == 200
