"""The core's extension points: what an app registers shows on the core's pages, to whom it should."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import registry
from crm.selectors.timeline import Entry, organisation_timeline
from tests.crm import factories


@pytest.fixture
def clean_registry(monkeypatch):
    """Registrations made by a test vanish with it; the apps' own stay."""
    monkeypatch.setattr(registry, "_panels", {slot: dict(p) for slot, p in registry._panels.items()})
    monkeypatch.setattr(registry, "_timeline_sources", dict(registry._timeline_sources))
    return registry


def test_an_unknown_slot_is_refused_at_registration(clean_registry):
    with pytest.raises(ValueError, match="Unknown panel slot"):
        registry.register_panel(registry.Panel("sidebar", "x", "x.html", lambda obj, request: {}))


def test_a_registered_panel_shows_on_the_organisation_page_only_to_users_with_its_permission(
    clean_registry, client, organiser, committee, settings, tmp_path
):
    (tmp_path / "probe.html").write_text('<p data-testid="probe">Probe for {{ panel.name }}</p>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    registry.register_panel(
        registry.Panel(
            slot="organisation",
            name="test.probe",
            template="probe.html",
            context=lambda organisation, request: {"name": organisation.name},
            permission="sponsors.add_pledge",
        )
    )
    acme = factories.organisation(name="Acme Ltd")
    url = reverse("crm:organisation_detail", args=[acme.pk])

    client.force_login(organiser)
    assert "Probe for Acme Ltd" in client.get(url).content.decode()
    client.force_login(committee)
    assert "Probe for" not in client.get(url).content.decode()


def test_a_panel_whose_context_is_none_is_left_out(clean_registry, rf, organiser):
    registry.register_panel(registry.Panel("followups", "test.hidden", "x.html", lambda obj, request: None))
    registry.register_panel(registry.Panel("followups", "test.shown", "x.html", lambda obj, request: {}))
    request = rf.get("/")
    request.user = organiser
    names = [p.name for p in registry.render_panels("followups", None, request)]
    assert "test.shown" in names and "test.hidden" not in names


def test_a_registered_timeline_source_joins_the_organisation_timeline_in_date_order(clean_registry, db):
    acme = factories.organisation(name="Acme Ltd")
    when = timezone.now() - datetime.timedelta(days=3)

    def source(organisation=None, contact=None):
        if organisation is not None:
            yield Entry(when, "probe", "bi-envelope", f"Probe entry for {organisation.name}")

    registry.register_timeline_source("test.probe", source)
    titles = [entry.title for entry in organisation_timeline(acme)]
    assert "Probe entry for Acme Ltd" in titles


def test_the_apps_fill_the_core_registry():
    """sponsors and partners contribute to the organisation page, list and timeline; the core names neither."""
    organisation_panels = {panel.name for panel in registry.panels("organisation")}
    assert {"sponsors.pledges", "partners.favours"} <= organisation_panels
    assert {"sponsors", "partners"} <= {ext.name for ext in registry.list_extensions("organisation")}
    assert {"sponsors", "partners", "crm", "dashboards"} <= set(registry.role_rules())
    assert registry.admin_inlines("crm.organisation")
