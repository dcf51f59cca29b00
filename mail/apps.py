from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    label = "mail"
    verbose_name = "Email"

    def ready(self):
        from crm.registry import DataStep, DemoStep, register_data_step, register_demo_step
        from mail import demo

        register_demo_step(DemoStep(name="email", run=demo.run, order=60))
        register_data_step(DataStep(name="email", run=demo.generate, clear=demo.clear, order=60))
        from mail import hooks

        hooks.register()
        from crm.registry import register_action
        from mail.outbound import send_template

        # Other apps send a templated email without importing this one (the sponsor portal's invitation).
        register_action("mail.send_template", send_template)
        from mail import api as rest_api  # /api/emails/ (the API app routes it)

        rest_api.register()
