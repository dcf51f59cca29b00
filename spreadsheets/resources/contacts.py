"""Contacts: matched on email, or on first + last name within the same organisation."""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone
from import_export import fields

from crm.models import Contact, Organisation
from crm.models.contacts import LawfulBasis
from crm.normalise import honorific, split_salutation

from .base import (
    ImportResource,
    apply_updates,
    bulk_create,
    ensure_tags,
    fetch_values,
    jsonable,
    record_history,
    shown,
    tag_ids_by_record,
)
from .widgets import (
    ChoiceWidget,
    EmailWidget,
    FlexibleDateWidget,
    ListWidget,
    OrganisationWidget,
    TextWidget,
    YesNoWidget,
)

# import field → model attname for the plain columns
COLUMNS = {
    "salutation": "salutation",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "job_title": "job_title",
    "organisation": "organisation_id",
    "notes": "notes",
    "lawful_basis": "lawful_basis",
    "consent_date": "consent_date",
    "do_not_contact": "do_not_contact",
}
BLANK = {"organisation": None, "consent_date": None, "do_not_contact": False}
NOT_BLANKABLE = {"email", "first_name", "last_name", "lawful_basis"}


def split_full_name(text: str) -> tuple[str, str, str]:
    """(salutation, first, last): “Dr Priya Shah” → (Dr, Priya, Shah); “Lovelace, Ada” → ("", Ada,
    Lovelace); “Shah, Dr Priya” → (Dr, Priya, Shah); “Cher” → ("", Cher, "")."""
    text = " ".join(text.split())
    if "," in text:
        last, _, first = text.partition(",")
        salutation, first = split_salutation(first.strip())
        return salutation, first, last.strip()
    salutation, text = split_salutation(text)
    first, _, last = text.rpartition(" ")
    return (salutation, first, last) if first else (salutation, last, "")


class ContactResource(ImportResource):
    target = "contacts"

    salutation = fields.Field(attribute="salutation", column_name="salutation", widget=TextWidget(30))
    first_name = fields.Field(attribute="first_name", column_name="first_name", widget=TextWidget(100))
    last_name = fields.Field(attribute="last_name", column_name="last_name", widget=TextWidget(100))
    full_name = fields.Field(attribute=None, column_name="full_name", widget=TextWidget(201))
    email = fields.Field(attribute="email", column_name="email", widget=EmailWidget())
    phone = fields.Field(attribute="phone", column_name="phone", widget=TextWidget(40))
    job_title = fields.Field(attribute="job_title", column_name="job_title", widget=TextWidget(150))
    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=OrganisationWidget(create_missing=True)
    )
    tags = fields.Field(attribute=None, column_name="tags", widget=ListWidget())
    notes = fields.Field(attribute="notes", column_name="notes", widget=TextWidget())
    lawful_basis = fields.Field(
        attribute="lawful_basis", column_name="lawful_basis", widget=ChoiceWidget(LawfulBasis.choices, "lawful basis")
    )
    consent_date = fields.Field(attribute="consent_date", column_name="consent_date", widget=FlexibleDateWidget())
    do_not_contact = fields.Field(attribute="do_not_contact", column_name="do_not_contact", widget=YesNoWidget())

    class Meta:
        model = Contact
        fields = (
            "salutation",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "job_title",
            "organisation",
            "tags",
            "notes",
            "lawful_basis",
            "consent_date",
            "do_not_contact",
        )
        import_id_fields = ("email",)

    # --- loading ------------------------------------------------------------------------------
    def prepare(self, mapping_fields):
        super().prepare(mapping_fields)
        # updated_at is neither compared nor kept in the history (HistoricalRecords excludes it)
        self.attnames = [f.attname for f in Contact._meta.concrete_fields if f.attname != "updated_at"]
        self.by_email, self.by_name = {}, {}
        self.snapshots = {}
        # Rows are read unsorted (SQLite: in id order; PostgreSQL: in table order), a cheap
        # scan rather than a sort on the Meta.ordering (on PostgreSQL, half a second of a
        # 100,000-contact dry run: a collation-aware sort spilling to disk). A name shared by
        # several contacts goes, as before, to the first of them in (last_name, first_name,
        # id) order: SQLite compares as Python does, so it is decided here; elsewhere the
        # database's collation decides, asked afterwards about the few shared names only.
        by_id = connection.vendor == "sqlite"
        queryset = Contact.objects.order_by("pk") if by_id else Contact.objects.order_by()
        by_email, by_name, snapshots = self.by_email, self.by_name, self.snapshots
        attnames = self.attnames
        shared = []  # ids of contacts whose name key another contact has too (not SQLite)
        for row in fetch_values(queryset, attnames):
            snap = dict(zip(attnames, row))
            snapshots[snap["id"]] = snap
            if snap["email"]:
                by_email[snap["email"].lower()] = snap
            key = (snap["first_name"].lower(), snap["last_name"].lower(), snap["organisation_id"])
            other = by_name.get(key)
            if other is None:
                by_name[key] = snap
            elif by_id:
                if (snap["last_name"], snap["first_name"]) < (other["last_name"], other["first_name"]):
                    by_name[key] = snap
            else:
                shared += (other["id"], snap["id"])
        if shared:
            self._first_by_name(shared)
        self.org_names = dict(Organisation.objects.values_list("pk", "name"))
        self.tags_of = tag_ids_by_record(Contact.tags.through, "contact_id") if "tags" in mapping_fields else {}
        self.tag_names = {}
        if "tags" in mapping_fields:
            from crm.models import Tag

            self.tag_names = {name.lower(): pk for pk, name in Tag.objects.values_list("pk", "name")}

    def _first_by_name(self, ids):
        """Point each shared name key at the first of its contacts in the database's (last_name,
        first_name, id) order: one sorted query over those contacts only."""
        decided = set()
        ids = sorted(set(ids))
        # PostgreSQL: the ids as one array parameter, however many contacts share names.
        wanted = RawSQL("SELECT unnest(%s::bigint[])", [ids]) if connection.vendor == "postgresql" else ids
        ordered = (
            Contact.objects.filter(pk__in=wanted).order_by("last_name", "first_name", "id").values_list("pk", flat=True)
        )
        for pk in ordered:
            snap = self.snapshots[pk]
            key = (snap["first_name"].lower(), snap["last_name"].lower(), snap["organisation_id"])
            if key not in decided:
                decided.add(key)
                self.by_name[key] = snap

    # --- row rules ----------------------------------------------------------------------------
    def complete(self, values):
        full = values.pop("full_name", None)
        if full and not values.get("first_name") and not values.get("last_name"):
            salutation, first, last = split_full_name(full)
            values["first_name"], values["last_name"] = first[:100], last[:100]
            if salutation and not values.get("salutation"):
                values["salutation"] = salutation
        elif values.get("first_name"):
            # "Dr Priya" in a first-name column: the honorific is the salutation, not her name.
            salutation, first = split_salutation(values["first_name"])
            if salutation:
                values["first_name"] = first
                values["salutation"] = values.get("salutation") or salutation
        if values.get("salutation"):
            values["salutation"] = " ".join(honorific(w) or w for w in values["salutation"].split())
        if not values.get("email") and not values.get("first_name") and not values.get("last_name"):
            return [("email", "Give the contact a name or an email.")]
        return []

    def _name_key(self, values):
        org = values.get("organisation")
        return (
            (values.get("first_name") or "").lower(),
            (values.get("last_name") or "").lower(),
            org.key if org else None,
        )

    def keys(self, values):
        if values.get("email"):
            return [("email", values["email"])]
        return [("name", *self._name_key(values))]

    def find(self, values):
        if values.get("email"):
            return self.by_email.get(values["email"])
        org = values.get("organisation")
        if org is not None and org.pk is None:
            return None
        return self.by_name.get(
            ((values.get("first_name") or "").lower(), (values.get("last_name") or "").lower(), org.pk if org else None)
        )

    def label(self, values, snapshot=None):
        name = " ".join(p for p in (values.get("first_name"), values.get("last_name")) if p)
        if snapshot and not name:
            name = " ".join(p for p in (snapshot["first_name"], snapshot["last_name"]) if p)
        return name or values.get("email") or (snapshot or {}).get("email", "")

    def changes(self, snap, values, overwrite_blank=False):
        result = {}
        for name, value in values.items():
            if name == "tags":
                if value:
                    have = self.tags_of.get(snap["id"], set())
                    new = [t for t in value if self.tag_names.get(t.lower()) not in have]
                    if new:
                        result["tags"] = ("", ", ".join(new))
                continue
            attname = COLUMNS[name]
            old = snap[attname]
            if value is None:
                if not overwrite_blank or name in NOT_BLANKABLE:
                    continue
                value = BLANK.get(name, "")
            if name == "organisation":
                new_pk = value.pk if value else None
                if new_pk != old or (value is not None and value.pk is None):
                    result[name] = (self.org_names.get(old, ""), value.name if value else "")
                continue
            if value != old:
                result[name] = (shown(old), shown(value))
        return result

    # --- writing ------------------------------------------------------------------------------
    def write(self, plan, batch, user):
        now = timezone.now()
        reason = f"import #{batch.pk}"
        new_rows = [r for r in plan.rows if r.action == "new"]
        upd_rows = [r for r in plan.rows if r.action == "updated"]

        needed = {}
        for r in new_rows + upd_rows:
            ref = r.values.get("organisation")
            if ref is not None and ref.pk is None:
                needed.setdefault(ref.key, ref.name)
        orgs = [Organisation(name=name, name_key=key, source=reason) for key, name in needed.items()]
        bulk_create(Organisation, orgs)
        record_history(Organisation, orgs, user=user, reason=reason, now=now)
        org_ids = {o.name_key: o.pk for o in orgs}

        def org_pk(ref):
            return None if ref is None else (ref.pk or org_ids[ref.key])

        contacts = []
        append = contacts.append
        default_basis = LawfulBasis.LEGITIMATE_INTERESTS
        for r in new_rows:
            get = r.values.get
            org = get("organisation")  # an OrganisationRef: (key, name, pk)
            append(
                {
                    "salutation": get("salutation") or "",
                    "first_name": get("first_name") or "",
                    "last_name": get("last_name") or "",
                    "email": get("email") or "",
                    "phone": get("phone") or "",
                    "job_title": get("job_title") or "",
                    "organisation_id": None if org is None else (org[2] or org_ids[org[0]]),
                    "notes": get("notes") or "",
                    "consent_date": get("consent_date"),
                    "do_not_contact": bool(get("do_not_contact")),
                    "source": reason,
                    "owner_id": None,
                    "lawful_basis": get("lawful_basis") or default_basis,
                }
            )
        bulk_create(Contact, contacts)
        record_history(Contact, contacts, user=user, reason=reason, now=now)

        updates, changed, history_objs = [], [], []
        tag_links = []  # (contact_id, tag name)
        stamp = now.isoformat()
        for r in upd_rows:
            snap = r.snapshot
            new_values, previous = {}, {}
            for name in r.changes:
                if name == "tags":
                    continue
                value = r.values.get(name)
                if value is None:
                    value = BLANK.get(name, "")
                attname = COLUMNS[name]
                new_values[attname] = org_pk(value) if name == "organisation" else value
                previous[attname] = jsonable(snap[attname])
            if "tags" in r.changes:
                previous["tags"] = sorted(self.tags_of.get(snap["id"], set()))
                tag_links += [(snap["id"], t) for t in r.values["tags"]]
            if new_values:
                updates.append((snap["id"], new_values))
            changed.append({"model": "crm.contact", "id": snap["id"], "previous": previous, "updated_at": stamp})
            history_objs.append({**snap, **new_values})
        apply_updates(Contact, updates, now)
        if len(updates) != len(upd_rows):  # tag-only changes still count as an edit
            tag_only = [(c["id"], {}) for c in changed if set(c["previous"]) == {"tags"}]
            _touch(Contact, [pk for pk, _ in tag_only], now)
        record_history(Contact, history_objs, user=user, reason=reason, now=now, update=True)

        for contact, r in zip(contacts, new_rows):
            tag_links += [(contact["id"], t) for t in r.values.get("tags") or []]
        if tag_links:
            ids = ensure_tags({t for _, t in tag_links})
            through = Contact.tags.through
            links = {(cid, ids[t.lower()]) for cid, t in tag_links}
            bulk_create_ignore(through, [through(contact_id=c, tag_id=t) for c, t in links])

        created = {}
        if orgs:
            created["crm.organisation"] = [o.pk for o in orgs]
        if contacts:
            created["crm.contact"] = [c["id"] for c in contacts]
        return created, changed


def _touch(model, ids, now):
    for start in range(0, len(ids), 1000):
        model._default_manager.filter(pk__in=ids[start : start + 1000]).update(updated_at=now)


def bulk_create_ignore(model, objs):
    for start in range(0, len(objs), 1000):
        model._default_manager.bulk_create(objs[start : start + 1000], ignore_conflicts=True)
