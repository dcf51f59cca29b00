"""Pledges: the organisation and event must exist; one pledge per organisation and event is matched."""

from __future__ import annotations

from import_export import fields

from crm.models import Event
from sponsors.models import Pledge, SponsorshipTier, Stage

from .base import ImportResource, jsonable, shown
from .widgets import ChoiceWidget, FlexibleDateWidget, LookupWidget, MoneyWidget, OrganisationWidget, TextWidget

COLUMNS = {"amount": "amount", "stage": "stage", "expected_date": "expected_date", "notes": "notes", "tier": "tier_id"}


class PledgeResource(ImportResource):
    target = "pledges"

    organisation = fields.Field(attribute="organisation", column_name="organisation", widget=OrganisationWidget())
    event = fields.Field(attribute="event", column_name="event", widget=LookupWidget(Event, "name", "event called"))
    amount = fields.Field(attribute="amount", column_name="amount", widget=MoneyWidget())
    stage = fields.Field(attribute="stage", column_name="stage", widget=ChoiceWidget(Stage.choices, "stage"))
    tier = fields.Field(attribute=None, column_name="tier", widget=TextWidget(100))
    expected_date = fields.Field(attribute="expected_date", column_name="expected_date", widget=FlexibleDateWidget())
    notes = fields.Field(attribute="notes", column_name="notes", widget=TextWidget())

    class Meta:
        model = Pledge
        fields = ("organisation", "event", "amount", "stage", "tier", "expected_date", "notes")

    def prepare(self, mapping_fields):
        super().prepare(mapping_fields)
        self.attnames = [f.attname for f in Pledge._meta.concrete_fields]
        self.by_pair: dict[tuple, list] = {}
        for row in Pledge.objects.values_list(*self.attnames):
            snap = dict(zip(self.attnames, row))
            self.by_pair.setdefault((snap["organisation_id"], snap["event_id"]), []).append(snap)
        self.tiers = {
            (e, n.lower()): (pk, n) for pk, e, n in SponsorshipTier.objects.values_list("pk", "event_id", "name")
        }
        self.tier_names = {pk: n for (e, _), (pk, n) in self.tiers.items()}
        self.event_names = dict(Event.objects.values_list("pk", "name"))

    def complete(self, values):
        problems = []
        for name in ("organisation", "event"):
            if values.get(name) is None:
                problems.append((name, f"The pledge needs an {name}."))
        if values.get("tier") and values.get("event"):
            tier = self.tiers.get((values["event"], values["tier"].lower()))
            if tier is None:
                problems.append(("tier", f"No tier “{values['tier']}” for this event."))
            else:
                values["tier"] = tier[0]
        elif values.get("tier"):
            values["tier"] = None
        if values.get("amount") is None and not values.get("tier"):
            problems.append(("amount", "The pledge needs an amount (or a tier with a price)."))
        if values.get("stage") in (Stage.DECLINED, Stage.WITHDRAWN):
            problems.append(("stage", "Declined or withdrawn pledges need a reason: record them in the app."))
        return problems

    def keys(self, values):
        return [(values["organisation"].pk, values["event"])]

    def find(self, values):
        found = self.by_pair.get((values["organisation"].pk, values["event"]), [])
        return found[0] if len(found) == 1 else None

    def label(self, values, snapshot=None):
        return f"{values['organisation'].name} → {self.event_names.get(values['event'], '')}"

    def changes(self, snap, values, overwrite_blank=False):
        result = {}
        for name, value in values.items():
            if name in ("organisation", "event"):
                continue
            if value is None:
                if not overwrite_blank or name in ("amount", "stage"):
                    continue
                value = "" if name == "notes" else None
            old = snap[COLUMNS[name]]
            if value != old:
                if name == "tier":
                    result[name] = (self.tier_names.get(old, ""), self.tier_names.get(value, ""))
                else:
                    result[name] = (shown(old), shown(value))
        return result

    def write(self, plan, batch, user):
        from sponsors.services import create_pledge, move_pledge

        created, changed = [], []
        for r in plan.rows:
            v = r.values
            if r.action == "new":
                pledge = create_pledge(
                    user=user,
                    organisation_id=v["organisation"].pk,
                    event_id=v["event"],
                    amount=v.get("amount"),
                    stage=v.get("stage") or Stage.PROSPECT,
                    tier_id=v.get("tier"),
                    expected_date=v.get("expected_date"),
                    notes=v.get("notes") or "",
                    owner=user,
                )
                created.append(pledge.pk)
            elif r.action == "updated":
                pledge = Pledge.objects.get(pk=r.snapshot["id"])
                previous = {}
                for name in r.changes:
                    attname = COLUMNS[name]
                    previous[attname] = jsonable(getattr(pledge, attname))
                    value = v.get(name)
                    if value is None and name == "notes":
                        value = ""
                    if name != "stage":
                        setattr(pledge, attname, value)
                pledge.full_clean()
                pledge.save()
                if "stage" in r.changes:
                    pledge = move_pledge(pledge, v["stage"], user=user, note=f"import #{batch.pk}")
                pledge.refresh_from_db(fields=["updated_at"])
                changed.append(
                    {
                        "model": "sponsors.pledge",
                        "id": pledge.pk,
                        "previous": previous,
                        "updated_at": pledge.updated_at.isoformat(),
                    }
                )
        return ({"sponsors.pledge": created} if created else {}), changed
