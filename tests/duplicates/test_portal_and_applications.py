"""A contact or organisation merged into another takes its sponsor-portal links, signed
agreements' contact and public applications along (portal and publicpages merge hooks); undo
puts them back."""

import datetime
from decimal import Decimal

from django.utils import timezone

from duplicates import services
from portal.models import PortalLink
from publicpages.models import Application, PublicPage
from sponsors.services import create_pledge
from tests.crm import factories


def test_portal_links_and_applications_follow_the_merge_and_its_undo(organiser):
    org = factories.organisation(name="Acme Digital")
    kept = factories.contact(org, first_name="Priya", last_name="Shah", email="priya@acme.example")
    merged = factories.contact(org, first_name="Priya", last_name="Shah", email="p.shah@acme.example")
    event = factories.event(name="Launch")
    pledge = create_pledge(organisation=org, event=event, amount=Decimal("1000"), stage="verbal")
    link = PortalLink.objects.create(
        pledge=pledge, token_hash="a" * 64, contact=merged, expires_at=timezone.now() + datetime.timedelta(days=60)
    )
    page = PublicPage.objects.create(event=event, slug="launch", application_on=True)
    application = Application.objects.create(page=page, pledge=pledge, organisation=org, contact=merged, submitted={})

    moves = services.merge_plan("contacts", kept.pk, [merged.pk]).moves
    assert (moves["portal links"], moves["applications"]) == (1, 1)  # the merge screen says so
    merge = services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    link.refresh_from_db()
    application.refresh_from_db()
    assert (link.contact_id, application.contact_id) == (kept.pk, kept.pk)

    services.undo_merge(merge, user=organiser)
    link.refresh_from_db()
    application.refresh_from_db()
    assert (link.contact_id, application.contact_id) == (merged.pk, merged.pk)
