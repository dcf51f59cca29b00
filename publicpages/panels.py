"""The event page's panel: its public pages, their addresses and the applications received."""

from django.urls import reverse

from publicpages.models import Application, PublicPage


def event_panel(event, request) -> dict:
    """Two queries: the page, and its applications' count."""
    page = PublicPage.objects.filter(event=event).first()
    context = {
        "page": page,
        "can_edit": request.user.has_perm("publicpages.change_publicpage"),
        "applications": Application.objects.filter(page=page).count() if page else 0,
    }
    if page:
        context["links"] = [
            (
                "Prospectus and application",
                reverse("public:prospectus", args=[page.slug]),
                page.prospectus_on or page.application_on,
            ),
            ("Prospectus PDF", reverse("public:prospectus_pdf", args=[page.slug]), page.prospectus_on),
            ("Sponsor wall", reverse("public:wall", args=[page.slug]), page.wall_on),
            ("Sponsor wall (JSON)", reverse("public:wall_json", args=[page.slug]), page.wall_on),
        ]
    return context


def pledge_panel(pledge, request) -> dict | None:
    """On a pledge that came through the public form: what the applicant sent, and when (one query).
    Hidden on every other pledge."""
    application = Application.objects.filter(pledge=pledge).select_related("page", "contact").first()
    if application is None:
        return None
    return {"application": application, "submitted": application.submitted, "event_id": application.page.event_id}


#: How far back the pipeline's "new applications" panel looks, and how many it lists.
RECENT_DAYS = 30
RECENT_SHOWN = 5


def pipeline_panel(event, request) -> dict | None:
    """On the pipeline board: the latest applications through the public form for the event it
    shows (or every event), newest first. Two queries; hidden when there are none."""
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(days=RECENT_DAYS)
    recent = Application.objects.filter(submitted_at__gte=since)
    if event is not None:
        recent = recent.filter(page__event=event)
    count = recent.count()
    if not count:
        return None
    latest = list(
        recent.select_related("pledge__tier", "organisation", "page").order_by("-submitted_at", "-id")[:RECENT_SHOWN]
    )
    return {"count": count, "latest": latest, "event": event, "days": RECENT_DAYS}
