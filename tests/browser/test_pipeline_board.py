"""The organiser moves a card on the pipeline board and sees it in the next column."""

import os
from decimal import Decimal

import pytest

from crm.models import Event, Organisation
from sponsors import services
from sponsors.models import SponsorshipTier, Stage

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def pipeline(db, organiser):
    event = Event.objects.create(name="Launch 2026", sponsorship_target=Decimal("25000"))
    gold = SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("5000"))
    rows = [
        ("Northern Digital Ltd", Stage.APPROACHED),
        ("City Council Innovation", Stage.IN_DISCUSSION),
        ("Pennine Cloud", Stage.VERBAL),
        ("Moorland Bank", Stage.PAID),
        ("Valley Print", Stage.PROSPECT),
    ]
    for i, (name, stage) in enumerate(rows):
        org = Organisation.objects.create(name=name, is_sponsor=True)
        services.create_pledge(
            organisation=org, event=event, tier=gold, amount=Decimal(5000 + 1000 * i), stage=stage, owner=organiser
        )
    return event


def test_organiser_moves_card_to_next_stage(sign_in, live_server, organiser, pipeline, screenshot_dir):
    page = sign_in(organiser)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/pledges/board/")
    card = (
        page.get_by_test_id("column-approached").get_by_test_id("pledge-card").filter(has_text="Northern Digital Ltd")
    )
    card.get_by_label("Move Northern Digital Ltd to").select_option("in_discussion")
    card.get_by_role("button", name="Move").click()
    page.wait_for_load_state()
    assert page.get_by_text("Moved Northern Digital Ltd to In discussion").is_visible()
    target = page.get_by_test_id("column-in_discussion")
    assert target.get_by_role("link", name="Northern Digital Ltd").is_visible()
    assert target.get_by_test_id("column-count").inner_text() == "2"
    assert page.get_by_test_id("column-approached").get_by_role("link", name="Northern Digital Ltd").count() == 0
    page.screenshot(path=os.path.join(screenshot_dir, "pipeline_board_1400.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/pledges/board/")
    board = page.get_by_test_id("pipeline-board")
    # The board scrolls sideways inside itself; the page does not.
    assert board.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=os.path.join(screenshot_dir, "pipeline_board_390.png"), full_page=True)
