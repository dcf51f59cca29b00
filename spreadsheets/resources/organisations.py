"""Organisations: matched on the normalised name (case, punctuation, Ltd/Limited, &/and, “The”)."""

from __future__ import annotations

from django.utils import timezone
from import_export import fields

from crm.models import Organisation
from crm.models.organisations import Role, Sector
from crm.normalise import organisation_key

from .base import (
    ImportResource,
    apply_updates,
    bulk_create,
    ensure_tags,
    jsonable,
    record_history,
    shown,
    tag_ids_by_record,
)
from .contacts import _touch, bulk_create_ignore
from .widgets import ChoiceWidget, ListWidget, RolesWidget, TextWidget

COLUMNS = {"name": "name", "sector": "sector", "website": "website", "city": "city", "notes": "notes"}
ROLE_FIELDS = {role.value: attname for role, attname in Organisation.ROLE_FIELDS.items()}


class OrganisationResource(ImportResource):
    target = "organisations"

    name = fields.Field(attribute="name", column_name="name", widget=TextWidget(200))
    roles = fields.Field(attribute=None, column_name="roles", widget=RolesWidget(Role.choices))
    sector = fields.Field(attribute="sector", column_name="sector", widget=ChoiceWidget(Sector.choices, "sector"))
    website = fields.Field(attribute="website", column_name="website", widget=TextWidget(200))
    city = fields.Field(attribute="city", column_name="city", widget=TextWidget(100))
    tags = fields.Field(attribute=None, column_name="tags", widget=ListWidget())
    notes = fields.Field(attribute="notes", column_name="notes", widget=TextWidget())

    class Meta:
        model = Organisation
        fields = ("name", "roles", "sector", "website", "city", "tags", "notes")
        import_id_fields = ("name",)

    def clean_cell(self, name, raw):
        value = super().clean_cell(name, raw)
        if name == "name" and not organisation_key(value):
            raise ValueError(f"“{raw}” is not an organisation name.")
        if name == "website" and value and "." not in value:
            raise ValueError(f"“{raw}” is not a web address.")
        if name == "website" and value and not value.lower().startswith(("http://", "https://")):
            value = "https://" + value
        return value

    def prepare(self, mapping_fields):
        super().prepare(mapping_fields)
        self.attnames = [f.attname for f in Organisation._meta.concrete_fields]
        self.by_key = {}
        for row in Organisation.objects.values_list(*self.attnames).iterator(chunk_size=5000):
            snap = dict(zip(self.attnames, row))
            self.by_key[snap["name_key"]] = snap
        self.tags_of = (
            tag_ids_by_record(Organisation.tags.through, "organisation_id") if "tags" in mapping_fields else {}
        )
        from crm.models import Tag

        self.tag_names = {name.lower(): pk for pk, name in Tag.objects.values_list("pk", "name")}

    def complete(self, values):
        if not values.get("name"):
            return [("name", "The organisation needs a name.")]
        return []

    def keys(self, values):
        return [organisation_key(values["name"])]

    def find(self, values):
        return self.by_key.get(organisation_key(values["name"]))

    def label(self, values, snapshot=None):
        return (snapshot or {}).get("name") or values.get("name", "")

    def changes(self, snap, values, overwrite_blank=False):
        result = {}
        for name, value in values.items():
            if name == "name":
                continue  # same normalised name: keep the stored spelling
            if name == "roles":
                added = [r for r in (value or []) if not snap[ROLE_FIELDS[r]]]
                if added:
                    result["roles"] = ("", ", ".join(Role(r).label for r in added))
                continue
            if name == "tags":
                have = self.tags_of.get(snap["id"], set())
                new = [t for t in (value or []) if self.tag_names.get(t.lower()) not in have]
                if new:
                    result["tags"] = ("", ", ".join(new))
                continue
            if value is None:
                if not overwrite_blank:
                    continue
                value = ""
            if value != snap[COLUMNS[name]]:
                result[name] = (shown(snap[COLUMNS[name]]), shown(value))
        return result

    def write(self, plan, batch, user):
        now = timezone.now()
        reason = f"import #{batch.pk}"
        new_rows = [r for r in plan.rows if r.action == "new"]
        upd_rows = [r for r in plan.rows if r.action == "updated"]
        orgs = []
        for r in new_rows:
            v = r.values
            org = Organisation(
                name=v["name"],
                name_key=organisation_key(v["name"]),
                sector=v.get("sector") or "",
                website=v.get("website") or "",
                city=v.get("city") or "",
                notes=v.get("notes") or "",
                source=reason,
            )
            org.set_roles(v.get("roles") or [])
            orgs.append(org)
        bulk_create(Organisation, orgs)
        record_history(Organisation, orgs, user=user, reason=reason, now=now)

        tag_links, updates, changed, history_objs, touched = [], [], [], [], []
        for org, r in zip(orgs, new_rows):
            tag_links += [(org.pk, t) for t in r.values.get("tags") or []]
        for r in upd_rows:
            snap, new_values, previous = r.snapshot, {}, {}
            for name in r.changes:
                if name == "roles":
                    for role in r.values["roles"]:
                        attname = ROLE_FIELDS[role]
                        if not snap[attname]:
                            new_values[attname], previous[attname] = True, False
                elif name == "tags":
                    previous["tags"] = sorted(self.tags_of.get(snap["id"], set()))
                    tag_links += [(snap["id"], t) for t in r.values["tags"]]
                else:
                    value = r.values.get(name)
                    new_values[COLUMNS[name]] = "" if value is None else value
                    previous[COLUMNS[name]] = jsonable(snap[COLUMNS[name]])
            if new_values:
                updates.append((snap["id"], new_values))
            else:
                touched.append(snap["id"])
            changed.append(
                {"model": "crm.organisation", "id": snap["id"], "previous": previous, "updated_at": now.isoformat()}
            )
            history_objs.append({**snap, **new_values})
        apply_updates(Organisation, updates, now)
        _touch(Organisation, touched, now)
        record_history(Organisation, history_objs, user=user, reason=reason, now=now, update=True)
        if tag_links:
            ids = ensure_tags({t for _, t in tag_links})
            through = Organisation.tags.through
            links = {(oid, ids[t.lower()]) for oid, t in tag_links}
            bulk_create_ignore(through, [through(organisation_id=o, tag_id=t) for o, t in links])
        created = {"crm.organisation": [o.pk for o in orgs]} if orgs else {}
        return created, changed
