"""The board's cards, written in Python (sponsors.templatetags.pledge_board.pledge_card):
what a person reads on each card, escaped, and the Move form only for those who may move."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Event, Organisation
from sponsors import services
from sponsors.models import SponsorshipTier, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(organiser):
    event = Event.objects.create(name="Launch <2027>", sponsorship_target=Decimal("10000"))
    gold = SponsorshipTier.objects.create(event=event, name="Gold & Co", price=Decimal("2500"))
    old = timezone.now() - datetime.timedelta(days=45)
    services.create_pledge(
        organisation=Organisation.objects.create(name='<script>alert("x")</script> Ltd'),
        event=event,
        tier=gold,
        amount=Decimal("2500"),
        stage=Stage.APPROACHED,
        owner=organiser,
        changed_at=old,
    )
    services.create_pledge(
        organisation=Organisation.objects.create(name="Yesterday Bank"),
        event=event,
        amount=Decimal("300"),
        stage=Stage.PROSPECT,
        changed_at=timezone.now() - datetime.timedelta(days=1, hours=1),
    )
    services.create_pledge(
        organisation=Organisation.objects.create(name="Lost Cause Ltd"),
        event=event,
        amount=Decimal("800"),
        stage=Stage.DECLINED,
        lost_reason="No budget",
        changed_at=old,
    )
    return event


def cards(html):
    return [part.split("</article>")[0] for part in html.split('<article class="card pledge-card')[1:]]


def test_each_card_says_who_what_and_how_long_escaped(client, organiser, board):
    organiser.first_name, organiser.last_name = "Olivia", "Okafor"
    organiser.save()
    client.force_login(organiser)
    html = client.get(reverse("sponsors:pledge_board")).content.decode()
    escaped, prospect, lost = sorted(cards(html), key=lambda c: ("Lost" in c, "Yesterday" in c))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Ltd</a>" in escaped
    assert "£2,500" in escaped and "Gold &amp; Co · Launch &lt;2027&gt;" in escaped
    assert "Olivia Okafor" in escaped
    assert 'text-nowrap text-danger fw-semibold" title="Days in this stage">45 days' in escaped
    assert 'title="Days in this stage">1 day</span>' in prospect and "No owner" in prospect
    assert 'stage-badge stage-declined">Declined</span>' in lost
    assert "text-danger" not in lost  # a closed pledge is not late, however long ago it closed
    assert all('name="to_stage"' in card for card in (escaped, prospect, lost))


def test_a_committee_member_sees_the_cards_without_move_forms(client, committee, board):
    client.force_login(committee)
    found = cards(client.get(reverse("sponsors:pledge_board")).content.decode())
    assert len(found) == 3 and not any("<form" in card for card in found)
