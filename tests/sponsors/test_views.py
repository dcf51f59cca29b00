"""Pledge list, board, create/edit/move and in-kind pages as a user sees them."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Event, Organisation
from sponsors import services
from sponsors.models import STAGE_PROBABILITY, InKindContribution, Pledge, PledgeStageChange, SponsorshipTier, Stage


@pytest.fixture
def event(db):
    return Event.objects.create(name="Launch", sponsorship_target=Decimal("25000"))


@pytest.fixture
def org(db):
    return Organisation.objects.create(name="Acme Ltd", is_sponsor=True)


@pytest.fixture
def pledge(event, org, organiser):
    return services.create_pledge(organisation=org, event=event, amount=Decimal("5000"), user=organiser)


@pytest.fixture
def item(event, org):
    return InKindContribution.objects.create(
        organisation=org, event=event, category="catering", description="Lunch for 200", estimated_value=Decimal("2400")
    )


def make_pledges(event, n, owner=None):
    tier = SponsorshipTier.objects.create(event=event, name=f"Tier {n}", price=Decimal("1000"))
    stages = list(Stage)
    for i in range(n):
        org = Organisation.objects.create(name=f"Org {n}-{i}", is_sponsor=True)
        stage = stages[i % len(stages)]
        services.create_pledge(
            organisation=org,
            event=event,
            tier=tier,
            owner=owner,
            amount=Decimal(100 + i),
            stage=stage,
            lost_reason="no" if stage in ("declined", "withdrawn") else "",
        )


# --- lists and board -------------------------------------------------------------


def test_list_filters_by_stage_and_name(client, organiser, event):
    a = Organisation.objects.create(name="Alpha Bank")
    b = Organisation.objects.create(name="Beta Co")
    services.create_pledge(organisation=a, event=event, amount=Decimal("100"), stage=Stage.VERBAL)
    services.create_pledge(organisation=b, event=event, amount=Decimal("200"))
    client.force_login(organiser)
    url = reverse("sponsors:pledge_list")
    page = client.get(url, {"stage": ["verbal", "paid"]}).content.decode()
    assert "Alpha Bank" in page and "Beta Co" not in page
    page = client.get(url, {"q": "beta", "sort": "-amount"}).content.decode()
    assert "Beta Co" in page and "Alpha Bank" not in page


def test_board_columns_and_totals(client, organiser, event):
    for name, amount, stage in [
        ("A", "1000", Stage.VERBAL),
        ("B", "3000", Stage.VERBAL),
        ("C", "500", Stage.PAID),
        ("D", "800", Stage.DECLINED),
    ]:
        org = Organisation.objects.create(name=f"Org {name}")
        services.create_pledge(
            organisation=org,
            event=event,
            amount=Decimal(amount),
            stage=stage,
            lost_reason="No budget" if stage == Stage.DECLINED else "",
        )
    client.force_login(organiser)
    response = client.get(reverse("sponsors:pledge_board"))
    assert response.status_code == 200
    columns = {c.key: c for c in response.context["columns"]}
    assert list(columns) == [
        "prospect",
        "approached",
        "in_discussion",
        "verbal",
        "confirmed",
        "invoiced",
        "paid",
        "lost",
    ]
    assert (columns["verbal"].count, columns["verbal"].total, columns["verbal"].weighted) == (
        2,
        Decimal("4000"),
        Decimal("2800.00"),
    )
    assert (columns["paid"].count, columns["paid"].total) == (1, Decimal("500"))
    assert columns["lost"].count == 1
    html = response.content.decode()
    assert "£4,000" in html and "£2,800" in html and "Org D" in html


@pytest.mark.clock
def test_board_shows_days_in_stage(client, organiser, event, org):
    services.create_pledge(
        organisation=org, event=event, amount=Decimal("100"), changed_at=timezone.now() - datetime.timedelta(days=12)
    )
    client.force_login(organiser)
    assert "12 days" in client.get(reverse("sponsors:pledge_board")).content.decode()


@pytest.mark.parametrize("url_name", ["sponsors:pledge_list", "sponsors:pledge_board", "sponsors:inkind_list"])
def test_list_pages_use_constant_queries(client, organiser, event, django_assert_max_num_queries, url_name):
    client.force_login(organiser)
    for n in (10, 60):
        make_pledges(event, n - Pledge.objects.count(), owner=organiser)
        orgs = list(Organisation.objects.all()[:n])
        InKindContribution.objects.bulk_create(
            InKindContribution(
                organisation=orgs[i], event=event, category="av", description=f"AV {i}", estimated_value=Decimal("10")
            )
            for i in range(InKindContribution.objects.count(), n)
        )
        # The board adds one query per column for its cards (7 columns), whatever the number of pledges.
        with django_assert_max_num_queries(21 if url_name == "sponsors:pledge_board" else 14):
            response = client.get(reverse(url_name))
        assert response.status_code == 200


def test_board_columns_total_every_pledge_but_show_the_first_cards(client, organiser, event, settings):
    from sponsors import selectors

    make_pledges(event, 30, owner=organiser)  # 3–4 per stage, so columns overflow
    client.force_login(organiser)
    everyone = list(Pledge.objects.all())
    columns = selectors.pledge_board(Pledge.objects.all(), cards_per_column=2)
    assert sum(c.count for c in columns) == len(everyone)
    assert sum(c.total for c in columns) == sum(p.amount for p in everyone)
    by_stage = {}
    for p in everyone:
        by_stage[p.stage] = by_stage.get(p.stage, Decimal("0")) + p.amount
    assert sum(c.weighted for c in columns) == sum(
        (total * STAGE_PROBABILITY[Stage(stage)]).quantize(Decimal("0.01")) for stage, total in by_stage.items()
    )
    assert all(len(c.cards) <= 2 and c.hidden == c.count - len(c.cards) for c in columns)
    assert any(c.hidden for c in columns)


# --- create / edit ----------------------------------------------------------------


def test_create_prefills_organisation_and_uses_tier_price(client, organiser, event, org):
    tier = SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("7500"))
    client.force_login(organiser)
    url = reverse("sponsors:pledge_create")
    form = client.get(url, {"organisation": org.pk}).context["form"]
    assert str(form.initial["organisation"]) == str(org.pk)
    response = client.post(
        url,
        {
            "organisation": org.pk,
            "event": event.pk,
            "tier": tier.pk,
            "amount": "",
            "stage": "approached",
            "owner": organiser.pk,
        },
    )
    pledge = Pledge.objects.get()
    assert response.status_code == 302 and response.url == pledge.get_absolute_url()
    assert (pledge.amount, pledge.stage) == (Decimal("7500"), Stage.APPROACHED)
    change = PledgeStageChange.objects.get()
    assert (change.to_stage, change.changed_by) == (Stage.APPROACHED, organiser)


def test_create_needs_amount_or_tier(client, organiser, event, org):
    client.force_login(organiser)
    response = client.post(
        reverse("sponsors:pledge_create"), {"organisation": org.pk, "event": event.pk, "stage": "prospect"}
    )
    assert response.status_code == 200 and "Enter an amount or choose a tier" in response.content.decode()
    assert not Pledge.objects.exists()


def test_edit_has_no_stage_field_and_saves(client, organiser, pledge, event, org):
    client.force_login(organiser)
    url = reverse("sponsors:pledge_update", args=[pledge.pk])
    assert "stage" not in client.get(url).context["form"].fields
    response = client.post(
        url, {"organisation": org.pk, "event": event.pk, "amount": "6000", "stage": "paid", "notes": "Raised"}
    )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.amount, pledge.stage, pledge.notes) == (Decimal("6000"), Stage.PROSPECT, "Raised")


# --- move -----------------------------------------------------------------------


def test_move_records_user_and_says_so(client, organiser, pledge):
    client.force_login(organiser)
    board = reverse("sponsors:pledge_board")
    response = client.post(
        reverse("sponsors:pledge_move", args=[pledge.pk]),
        {"to_stage": "verbal", "note": "Said yes on the phone", "next": board},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == board
    assert "Moved Acme Ltd to Verbal pledge" in response.content.decode()
    change = pledge.stage_changes.first()
    assert (change.from_stage, change.to_stage, change.changed_by, change.note) == (
        "prospect",
        "verbal",
        organiser,
        "Said yes on the phone",
    )


def test_board_card_move_form_posts_back_to_the_same_board(client, organiser, event):
    org = Organisation.objects.create(name="Smith & <Jones>")
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("900"), stage=Stage.VERBAL)
    client.force_login(organiser)
    board = f"{reverse('sponsors:pledge_board')}?event={event.pk}"
    html = client.get(board).content.decode()
    card = html.split(f'data-pledge="{pledge.pk}"', 1)[1].split("</article>", 1)[0]
    assert f'action="{reverse("sponsors:pledge_move", args=[pledge.pk])}"' in card
    assert 'name="csrfmiddlewaretoken" value="' in card
    assert f'name="next" value="{board.replace("&", "&amp;")}"' in card
    assert '<option value="verbal" selected>Verbal pledge</option>' in card
    assert card.count(" selected") == 1 and card.count("<option") == len(Stage)
    assert "Move Smith &amp; &lt;Jones&gt; to" in card and "<Jones>" not in card

    response = client.post(reverse("sponsors:pledge_move", args=[pledge.pk]), {"to_stage": "confirmed", "next": board})
    assert response.status_code == 302 and response["Location"] == board
    assert Pledge.objects.get().stage == Stage.CONFIRMED


def test_move_ignores_unsafe_next(client, organiser, pledge):
    client.force_login(organiser)
    response = client.post(
        reverse("sponsors:pledge_move", args=[pledge.pk]), {"to_stage": "approached", "next": "https://evil.example/"}
    )
    assert response.url == pledge.get_absolute_url()


def test_decline_without_reason_shows_error_and_changes_nothing(client, organiser, pledge):
    client.force_login(organiser)
    url = reverse("sponsors:pledge_move", args=[pledge.pk])
    response = client.post(url, {"to_stage": "declined", "reason": ""})
    assert response.status_code == 400
    assert "Say why the pledge was declined or withdrawn." in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.stage == Stage.PROSPECT and pledge.stage_changes.count() == 1
    response = client.post(url, {"to_stage": "declined", "reason": "No budget"})
    pledge.refresh_from_db()
    assert (pledge.stage, pledge.lost_reason) == (Stage.DECLINED, "No budget")


def test_move_page_get_shows_form(client, organiser, pledge):
    client.force_login(organiser)
    html = client.get(reverse("sponsors:pledge_move", args=[pledge.pk]), {"to_stage": "declined"}).content.decode()
    assert 'name="reason"' in html and 'value="declined" selected' in html


def test_detail_shows_history_and_benefits(client, organiser, event, org):
    tier = SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("5000"), stand=True)
    pledge = services.create_pledge(organisation=org, event=event, tier=tier, amount=Decimal("5000"), user=organiser)
    services.move_pledge(pledge, Stage.CONFIRMED, user=organiser, note="Signed")
    client.force_login(organiser)
    html = client.get(pledge.get_absolute_url()).content.decode()
    for text in (
        "Acme Ltd",
        "£5,000.00",
        "£4,500.00",
        "Confirmed in writing",
        "Exhibition stand",
        "Prospect → Confirmed in writing",
        "Signed",
        "Olivia Organiser",
    ):
        assert text in html, text


# --- permissions ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["committee", "staff"])
def test_committee_and_staff_cannot_write(client, request, who, pledge, item, event, org):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("sponsors:pledge_list")).status_code == 200
    assert client.get(reverse("sponsors:pledge_board")).status_code == 200
    assert client.get(pledge.get_absolute_url()).status_code == 200
    assert client.get(reverse("sponsors:inkind_list")).status_code == 200
    forbidden = [
        ("get", reverse("sponsors:pledge_create"), {}),
        ("post", reverse("sponsors:pledge_create"), {"organisation": org.pk, "event": event.pk, "amount": "1"}),
        ("get", reverse("sponsors:pledge_update", args=[pledge.pk]), {}),
        ("post", reverse("sponsors:pledge_update", args=[pledge.pk]), {"amount": "1"}),
        ("get", reverse("sponsors:pledge_move", args=[pledge.pk]), {}),
        ("post", reverse("sponsors:pledge_move", args=[pledge.pk]), {"to_stage": "paid"}),
        ("get", reverse("sponsors:inkind_create"), {}),
        ("get", reverse("sponsors:inkind_update", args=[item.pk]), {}),
        ("post", reverse("sponsors:inkind_status", args=[item.pk]), {"status": "confirmed"}),
    ]
    for method, url, data in forbidden:
        assert getattr(client, method)(url, data).status_code == 403, url
    assert Pledge.objects.get().stage == Stage.PROSPECT
    assert InKindContribution.objects.get().status == "offered"
    html = client.get(reverse("sponsors:pledge_board")).content.decode()
    assert "New pledge" not in html and "Move" not in html.split("pipeline-board", 1)[1]


# --- in-kind ----------------------------------------------------------------------


def test_inkind_create_and_totals(client, organiser, event, org):
    client.force_login(organiser)
    response = client.post(
        reverse("sponsors:inkind_create"),
        {
            "organisation": org.pk,
            "event": event.pk,
            "category": "venue",
            "description": "Main hall",
            "quantity": 1,
            "estimated_value": "3000.50",
        },
    )
    assert response.status_code == 302
    item = InKindContribution.objects.get()
    assert item.status == "offered"
    response = client.get(reverse("sponsors:inkind_list"))
    totals = {t["status"]: t for t in response.context["totals"]}
    assert totals["offered"]["value"] == Decimal("3000.50") and totals["offered"]["count"] == 1
    assert totals["delivered"]["value"] == 0
    assert "Confirm" in response.content.decode()


def test_inkind_status_buttons_and_decline_confirmation(client, organiser, item):
    client.force_login(organiser)
    url = reverse("sponsors:inkind_status", args=[item.pk])
    response = client.post(url, {"status": "confirmed"}, follow=True)
    assert "is now confirmed" in response.content.decode()
    assert "Mark delivered" in response.content.decode()
    confirm = client.get(url, {"status": "declined"})
    assert confirm.status_code == 200 and "Yes, decline" in confirm.content.decode()
    item.refresh_from_db()
    assert item.status == "confirmed"  # the GET asked, it did not decline
    client.post(url, {"status": "declined"})
    item.refresh_from_db()
    assert item.status == "declined"


def test_inkind_invalid_transition_shows_error(client, organiser, item):
    client.force_login(organiser)
    response = client.post(reverse("sponsors:inkind_status", args=[item.pk]), {"status": "delivered"}, follow=True)
    assert "cannot be marked delivered" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "offered"
