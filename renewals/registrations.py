"""What renewals adds to the core's pages and duties (crm.registry), from RenewalsConfig.ready()."""

from crm import registry
from renewals import demo, synthetic
from sponsors.comparisons import organisation_giving


def _plan_button(event, request) -> dict:
    return {}


def _giving(organisation, request) -> dict | None:
    """The organisation's giving across events; hidden for an organisation that never gave."""
    rows = organisation_giving(organisation)
    if not rows:
        return None
    return {"rows": rows}


def register() -> None:
    registry.register_panel(
        registry.Panel(
            slot="event",
            name="renewals.plan_next",
            template="renewals/panels/plan_next.html",
            context=_plan_button,
            permission="crm.add_event",
            order=5,
        )
    )
    registry.register_panel(
        registry.Panel(
            slot="organisation",
            name="renewals.giving",
            template="renewals/panels/giving.html",
            context=_giving,
            permission="sponsors.view_pledge",
            order=15,
        )
    )

    # generate_data's three past events come before the invoices step (50), so their paid sponsors
    # are invoiced like any other and every paid pledge has its invoice; seed_demo's second event
    # comes last, after the other apps' demo steps.
    registry.register_data_step(registry.DataStep(name="renewals", run=synthetic.run, clear=synthetic.clear, order=40))
    registry.register_demo_step(registry.DemoStep(name="renewals", run=demo.run, order=200))

    from renewals import api

    api.register()
