from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self):
        from crm.registry import (
            DataStep,
            DemoStep,
            Document,
            Panel,
            register_action,
            register_data_step,
            register_demo_step,
            register_document,
            register_panel,
            register_role_rules,
            register_subject_access_section,
            register_timeline_source,
        )
        from invoicing import demo, documents, panels, selectors, services, synthetic, timeline

        register_role_rules("invoicing")
        register_subject_access_section("invoices", selectors.subject_access_rows)
        register_timeline_source("invoices", timeline.invoices)
        register_timeline_source("payments", timeline.payments)
        register_panel(
            Panel(
                slot="pledge",
                name="invoicing",
                template="invoicing/panels/pledge.html",
                context=panels.pledge_panel,
                permission="invoicing.view_invoice",
                order=20,
            )
        )
        register_panel(
            Panel(
                slot="followups",
                name="overdue_invoices",
                template="invoicing/panels/followups.html",
                context=panels.followups_panel,
                permission="invoicing.view_invoice",
                order=50,
            )
        )
        register_panel(
            Panel(
                slot="dashboard_pipeline",
                name="money_owed",
                template="invoicing/panels/money_owed.html",
                context=panels.money_owed_panel,
                permission="invoicing.view_invoice",
                order=50,
            )
        )
        register_document(
            Document(
                model="sponsors.pledge",
                name="agreement",
                label="Sponsorship agreement (PDF)",
                render=documents.render_agreement,
                permission="sponsors.view_pledge",
                available=documents.agreement_available,
            )
        )
        register_document(
            Document(
                model="sponsors.pledge",
                name="invoice",
                label="Invoice (PDF)",
                render=documents.render_pledge_invoice,
                permission="invoicing.view_invoice",
                available=documents.pledge_has_invoice,
            )
        )
        register_document(
            Document(
                model="invoicing.invoice",
                name="invoice",
                label="Invoice (PDF)",
                render=documents.render_invoice,
                permission="invoicing.view_invoice",
            )
        )
        # The network's public details for other apps' documents (the public prospectus PDF).
        register_action("invoicing.network_details", documents.network_details)
        register_data_step(DataStep(name="invoices", run=synthetic.run, clear=synthetic.clear, order=50))
        register_demo_step(DemoStep(name="invoices", run=demo.run, order=900))  # after every step's pledges

        from crm.registry import register_action

        # Other apps (the sponsor portal) raise an invoice and show a pledge's invoices without importing this one.
        register_action("invoicing.raise_invoice", services.raise_invoice)
        register_action("invoicing.pledge_documents", documents.pledge_documents)
        register_action("invoicing.render_pledge_document", documents.render_pledge_document)

        from invoicing import merge_hooks

        merge_hooks.register()

        from invoicing import api as rest_api  # /api/invoices/, credit-notes/, payments/ (the API app routes them)

        rest_api.register()
