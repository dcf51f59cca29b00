"""Interactions: each row is one entry of contact history; an identical entry already stored is unchanged."""

from __future__ import annotations

from import_export import fields

from crm.models import Contact, Interaction
from crm.normalise import email_key

from .base import ImportResource, bulk_create
from .widgets import ChoiceWidget, FlexibleDateTimeWidget, LookupWidget, OrganisationWidget, TextWidget


class InteractionResource(ImportResource):
    target = "interactions"

    organisation = fields.Field(attribute="organisation", column_name="organisation", widget=OrganisationWidget())
    contact = fields.Field(
        attribute="contact",
        column_name="contact",
        widget=LookupWidget(Contact, "email", "contact with the email", normalise=email_key),
    )
    kind = fields.Field(
        attribute="kind", column_name="kind", widget=ChoiceWidget(Interaction.Kind.choices, "kind of interaction")
    )
    direction = fields.Field(
        attribute="direction", column_name="direction", widget=ChoiceWidget(Interaction.Direction.choices, "direction")
    )
    occurred_at = fields.Field(attribute="occurred_at", column_name="occurred_at", widget=FlexibleDateTimeWidget())
    summary = fields.Field(attribute="summary", column_name="summary", widget=TextWidget(300))
    outcome = fields.Field(attribute="outcome", column_name="outcome", widget=TextWidget())

    class Meta:
        model = Interaction
        fields = ("organisation", "contact", "kind", "direction", "occurred_at", "summary", "outcome")

    def prepare(self, mapping_fields):
        super().prepare(mapping_fields)
        self.existing = {
            (org, contact, when, summary.lower()): pk
            for pk, org, contact, when, summary in Interaction.objects.values_list(
                "pk", "organisation_id", "contact_id", "occurred_at", "summary"
            ).iterator(chunk_size=5000)
        }

    def complete(self, values):
        problems = []
        if values.get("organisation") is None and values.get("contact") is None:
            problems.append(("organisation", "Give an organisation or a contact email."))
        for name in ("occurred_at", "summary"):
            if not values.get(name):
                problems.append((name, f"The interaction needs a {'date' if name == 'occurred_at' else name}."))
        return problems

    def _key(self, values):
        org = values.get("organisation")
        return (org.pk if org else None, values.get("contact"), values["occurred_at"], values["summary"].lower())

    def keys(self, values):
        return [self._key(values)]

    def find(self, values):
        pk = self.existing.get(self._key(values))
        return {"id": pk} if pk else None

    def label(self, values, snapshot=None):
        return values.get("summary", "")

    def write(self, plan, batch, user):
        objs = []
        for r in plan.rows:
            if r.action != "new":
                continue
            v = r.values
            objs.append(
                Interaction(
                    organisation_id=v["organisation"].pk if v.get("organisation") else None,
                    contact_id=v.get("contact"),
                    kind=v.get("kind") or Interaction.Kind.NOTE,
                    direction=v.get("direction") or "",
                    occurred_at=v["occurred_at"],
                    summary=v["summary"],
                    outcome=v.get("outcome") or "",
                    logged_by=user,
                )
            )
        bulk_create(Interaction, objs)
        return ({"crm.interaction": [o.pk for o in objs]} if objs else {}), []
