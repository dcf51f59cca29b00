from django.apps import AppConfig


class PublicPagesConfig(AppConfig):
    name = "publicpages"
    verbose_name = "Public pages"

    def ready(self):
        from crm.registry import (
            DemoStep,
            Panel,
            register_demo_step,
            register_erasure_hook,
            register_event_type,
            register_panel,
            register_role_rules,
            register_subject_access_section,
        )
        from publicpages import demo, panels, services

        # The organiser edits the pages; the committee and staff read who applied.
        register_role_rules("publicpages")
        register_event_type(services.APPLIED_EVENT, "A sponsor applied through the public form")
        register_panel(
            Panel(
                slot="event",
                name="public_pages",
                template="publicpages/panels/event.html",
                context=panels.event_panel,
                permission="publicpages.view_application",
                order=40,
            )
        )
        # Committee and staff see who applied: on the pledge itself, and on the pipeline board.
        register_panel(
            Panel(
                slot="pledge",
                name="public_application",
                template="publicpages/panels/pledge.html",
                context=panels.pledge_panel,
                permission="publicpages.view_application",
                order=12,
            )
        )
        register_panel(
            Panel(
                slot="dashboard_pipeline",
                name="public_applications",
                template="publicpages/panels/pipeline.html",
                context=panels.pipeline_panel,
                permission="publicpages.view_application",
                order=40,
            )
        )
        register_erasure_hook("publicpages", services.erase_contact_applications)
        register_subject_access_section("sponsor_applications", services.subject_access_rows)
        register_demo_step(DemoStep(name="public_pages", run=demo.run, order=60))

        from publicpages import api_fields, merge_hooks, wallcache

        merge_hooks.register()
        # The API shows and filters by a pledge's source (the public form) without importing this app.
        api_fields.register()
        # The walls are cached per version: any write to what they show moves it.
        wallcache.connect()
