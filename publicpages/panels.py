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
