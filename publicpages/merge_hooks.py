"""Applications from the public form follow the contact or organisation they were matched to when
that record is merged into another (crm.registry merge hooks)."""

from crm.merge_hooks import fk_hook
from crm.registry import register_merge_hook
from publicpages.models import Application


def register() -> None:
    for model_label, field in (("crm.contact", "contact_id"), ("crm.organisation", "organisation_id")):
        register_merge_hook(
            fk_hook("publicpages.applications", model_label, Application, field, "applications", history=False)
        )
