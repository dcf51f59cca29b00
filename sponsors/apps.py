from django.apps import AppConfig


class SponsorsConfig(AppConfig):
    name = "sponsors"
    verbose_name = "Sponsorship"

    def ready(self):
        from crm.registry import Panel, register_panel, register_role_rules
        from sponsors import merge_hooks, record_pages, selectors

        register_role_rules("sponsors")
        record_pages.register()
        merge_hooks.register()
        # The event page: pledged against the target, then the tickets given to sponsors.
        register_panel(
            Panel(
                slot="event",
                name="sponsorship",
                template="sponsors/panels/event_sponsorship.html",
                context=lambda event, request: selectors.event_sponsorship(event),
                permission="sponsors.view_pledge",
                order=20,
            )
        )
        register_panel(
            Panel(
                slot="event",
                name="sponsor_tickets",
                template="sponsors/panels/event_tickets.html",
                context=lambda event, request: selectors.event_tickets(event),
                permission="sponsors.view_ticketallocation",
                order=30,
            )
        )
