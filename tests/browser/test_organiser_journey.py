"""The organiser's day: log a call with a follow-up, chase it, close it, see it all on the timeline."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Contact, FollowUp, Interaction, Organisation

pytestmark = pytest.mark.browser


def test_log_a_call_then_close_its_follow_up(organiser, sign_in, page, live_server, screenshot_dir):
    acme = Organisation.objects.create(name="Acme Digital", is_sponsor=True, city="Leeds", owner=organiser)
    Contact.objects.create(first_name="Jane", last_name="Smith", email="jane@acme.test", organisation=acme)
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(organiser)

    # From the organisation page, the quick log opens pre-filled.
    page.goto(f"{live_server.url}/organisations/{acme.pk}/")
    page.get_by_role("link", name="Log a call or favour").click()
    expect(page.get_by_label("Organisation")).to_have_value("Acme Digital")
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Summary").fill("Talked about the Gold package")
    page.get_by_label("Outcome").fill("Keen; wants the pack")
    page.get_by_role("button", name="Tomorrow").click()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    expect(page.get_by_label("Follow up by")).to_have_value(tomorrow.isoformat())
    page.get_by_label("What to do").fill("Send the Gold pack")
    page.screenshot(path=f"{screenshot_dir}/journey-1-quick-log.png", full_page=True)
    page.get_by_role("button", name="Save").click()

    # Back on the organisation page, with a confirmation.
    expect(page).to_have_url(f"{live_server.url}/organisations/{acme.pk}/")
    expect(page.get_by_role("status").filter(has_text="Logged call")).to_be_visible()
    followup = FollowUp.objects.get(title="Send the Gold pack")
    assert followup.due_date == tomorrow and followup.assignee == organiser
    assert Interaction.objects.filter(organisation=acme, summary="Talked about the Gold package").exists()

    # My follow-ups lists it under This week.
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Follow-ups").click()
    row = page.get_by_test_id(f"followup-{followup.pk}")
    expect(row).to_contain_text("Send the Gold pack")
    expect(row).to_contain_text("due tomorrow")
    page.screenshot(path=f"{screenshot_dir}/journey-2-my-followups.png", full_page=True)

    # Mark it done, logging what happened.
    row.get_by_text("Done", exact=True).click()
    row.get_by_label("Outcome (optional)").fill("Pack sent by email")
    row.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status").first).to_be_visible()
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.DONE

    # The organisation's timeline shows the call and the completed follow-up.
    page.goto(f"{live_server.url}/organisations/{acme.pk}/")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Call: Talked about the Gold package")
    expect(timeline).to_contain_text("Follow-up done: Send the Gold pack")
    expect(timeline).to_contain_text("Pack sent by email")
    page.screenshot(path=f"{screenshot_dir}/journey-3-timeline.png", full_page=True)
