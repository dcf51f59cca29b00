"""Context functions for the panels the portal puts on other pages (crm.registry), each in a
fixed number of queries."""

from portal import selectors
from portal.models import LogoSubmission, SignedAgreement
from portal.services import INVITABLE_STAGES


def pledge_panel(pledge, request):
    """The pledge's portal: invited when, last visit, signed, each asset's state, and the buttons."""
    state = selectors.pledge_portal_state([pledge.pk])[pledge.pk]
    agreement = SignedAgreement.objects.filter(pledge=pledge, voided_at__isnull=True).defer("pdf").first()
    logos = list(LogoSubmission.objects.filter(pledge=pledge)[:3])
    user = request.user
    return {
        "state": state,
        "agreement": agreement,
        "logos": logos,
        "visits": selectors.visits(pledge),
        "can_invite": pledge.stage in INVITABLE_STAGES and user.has_perm("portal.add_portallink"),
        "too_early": pledge.stage not in INVITABLE_STAGES and not selectors.closed(pledge),
        "can_change": user.has_perm("portal.change_portallink"),
        "can_review": user.has_perm("portal.change_logosubmission"),
        "can_void": user.has_perm("portal.change_signedagreement"),
    }


def event_panel(event, request):
    """A link from the event page to its "What is missing" page."""
    return {"event": event}
