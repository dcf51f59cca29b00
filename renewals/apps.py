"""Renewals: plan the next event from the last one's sponsors, and see who came back.

No models of its own: it reads pledges and in-kind gifts (sponsors.comparisons) and writes
through the core's and sponsors' services. Its pieces reach the core's pages through
crm.registry: the event page's "Plan the next event" button, the organisation page's giving
across events, the API's /api/events/{id}/renewals/, the demo's second event and the
synthetic past events.
"""

from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = "Renewals"

    def ready(self):
        from renewals import registrations

        registrations.register()
