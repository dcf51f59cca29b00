"""Reads for personal-data duties: what we hold about one person, and who has gone stale."""

import calendar
import datetime

from django.conf import settings
from django.db.models import DateTimeField, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from crm import registry
from crm.models import Contact, FollowUp, ImportBatch, Interaction
from partners.models import Favour
from privacy import contact_activity

CONTACT_FIELDS = [
    "id",
    "salutation",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "lawful_basis",
    "consent_date",
    "do_not_contact",
    "source",
    "notes",
    "created_at",
    "updated_at",
]
HISTORY_FIELDS = [
    "salutation",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "organisation_id",
    "owner_id",
    "lawful_basis",
    "consent_date",
    "do_not_contact",
    "source",
    "notes",
]
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
NOTES = [
    (
        "Exports are not tracked per person: we cannot say which CSV or Excel exports included this person. "
        "Exports leave out people marked do-not-contact."
    ),
    (
        "Interactions, follow-ups and favours are listed when they are linked to this person; organisation-level "
        "records that only mention them by name are not found automatically."
    ),
    "Pledges and in-kind contributions belong to the organisation, not to a person, and are not included.",
]


def _user(user) -> str | None:
    return user.get_username() if user else None


def subject_access(contact_id: int) -> dict:
    """Everything held about one person, as plain data (JSON-ready with DjangoJSONEncoder).

    A fixed number of queries: the contact, its tags, interactions, follow-ups, favours, history
    and contact import batches — never one per related row.
    """
    contact = Contact.objects.select_related("organisation", "owner").prefetch_related("tags").get(pk=contact_id)
    person = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    person["lawful_basis_label"] = contact.get_lawful_basis_display()
    person["organisation"] = contact.organisation.name if contact.organisation else None
    person["owner"] = _user(contact.owner)
    person["tags"] = sorted(tag.name for tag in contact.tags.all())

    interactions = [
        {
            "id": i.pk,
            "occurred_at": i.occurred_at,
            "kind": i.get_kind_display(),
            "direction": i.get_direction_display() if i.direction else "",
            "summary": i.summary,
            "outcome": i.outcome,
            "organisation": i.organisation.name if i.organisation else None,
            "logged_by": _user(i.logged_by),
        }
        for i in Interaction.objects.filter(contact=contact)
        .select_related("organisation", "logged_by")
        .order_by("occurred_at", "id")
    ]
    follow_ups = [
        {
            "id": f.pk,
            "title": f.title,
            "notes": f.notes,
            "due_date": f.due_date,
            "status": f.get_status_display(),
            "assignee": _user(f.assignee),
            "organisation": f.organisation.name if f.organisation else None,
            "completed_at": f.completed_at,
            "created_at": f.created_at,
        }
        for f in FollowUp.objects.filter(contact=contact)
        .select_related("organisation", "assignee")
        .order_by("created_at", "id")
    ]
    favours = [
        {
            "id": f.pk,
            "direction": f.get_direction_display(),
            "description": f.description,
            "estimated_value": f.estimated_value,
            "status": f.get_status_display(),
            "occurred_on": f.occurred_on,
            "organisation": f.organisation.name,
            "event": f.event.name if f.event else None,
            "created_at": f.created_at,
        }
        for f in Favour.objects.filter(contact=contact)
        .select_related("organisation", "event")
        .order_by("created_at", "id")
    ]
    document = {
        "subject": {"contact_id": contact.pk, "name": contact.full_name, "generated_at": timezone.now()},
        "contact": person,
        "interactions": interactions,
        "follow_ups": follow_ups,
        "favours": favours,
        "history": _history(contact),
        "import_batches": _import_batches(contact.pk),
    }
    # What other feature apps hold about the person (emails...), each a section of its own.
    for name, section in registry.subject_access_sections().items():
        document[name] = section(contact)
    document["notes"] = NOTES
    return document


def _history(contact) -> list[dict]:
    """Each stored version, oldest first, with the fields that changed from the version before."""
    records = contact.history.select_related("history_user").order_by("history_date", "history_id")
    versions, previous = [], None
    for record in records:
        changed = {}
        for name in HISTORY_FIELDS:
            new = getattr(record, name)
            if previous is None:
                if new not in ("", None, False):
                    changed[name] = {"old": None, "new": new}
            elif getattr(previous, name) != new:
                changed[name] = {"old": getattr(previous, name), "new": new}
        versions.append(
            {
                "date": record.history_date,
                "user": _user(record.history_user),
                "action": HISTORY_TYPES.get(record.history_type, record.history_type),
                "reason": record.history_change_reason or "",
                "changed_fields": changed,
            }
        )
        previous = record
    return versions


def _import_batches(contact_id: int) -> list[dict]:
    """Contact imports that created or changed this person (ids live in the batch's JSON)."""
    found = []
    batches = ImportBatch.objects.filter(target=ImportBatch.Target.CONTACTS).select_related("created_by")
    for batch in batches.order_by("created_at", "id"):
        actions = []
        if contact_id in (batch.created_records or {}).get("crm.contact", []):
            actions.append("created")
        if any(
            entry.get("model") == "crm.contact" and entry.get("id") == contact_id
            for entry in batch.changed_records or []
        ):
            actions.append("changed")
        if actions:
            found.append(
                {
                    "id": batch.pk,
                    "file_name": batch.file_name,
                    "created_at": batch.created_at,
                    "created_by": _user(batch.created_by),
                    "status": batch.get_status_display(),
                    "actions": actions,
                }
            )
    return found


def flatten(document: dict) -> list[tuple[str, str, str]]:
    """(section, field, value) rows: one per datum, for the CSV form of a subject access export."""
    rows = []

    def text(value):
        if value is None:
            return ""
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, (list, tuple)):
            return "; ".join(text(v) for v in value)
        return str(value)

    for section in ("subject", "contact"):
        rows += [(section, key, text(value)) for key, value in document[section].items()]
    listed = ("interactions", "follow_ups", "favours", "import_batches", *registry.subject_access_sections())
    for section in listed:
        for item in document[section]:
            label = f"{section}#{item['id']}"
            rows += [(label, key, text(value)) for key, value in item.items()]
    for number, version in enumerate(document["history"], start=1):
        label = f"history#{number}"
        rows += [(label, key, text(version[key])) for key in ("date", "user", "action", "reason")]
        for name, change in version["changed_fields"].items():
            rows.append((label, name, f"{text(change['old'])} → {text(change['new'])}"))
    rows += [("notes", str(number), note) for number, note in enumerate(document["notes"], start=1)]
    return rows


def retention_months(value=None) -> int:
    """The period asked for, else settings.CRM_RETENTION_MONTHS (24); kept within 1–600."""
    default = getattr(settings, "CRM_RETENTION_MONTHS", 24)
    try:
        months = int(value) if value not in (None, "") else int(default)
    except (TypeError, ValueError):
        months = int(default)
    return min(max(months, 1), 600)


def retention_cutoff(months: int, now=None) -> datetime.datetime:
    """The same moment `months` calendar months ago (31 March − 1 month → 28/29 February)."""
    now = now or timezone.now()
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _latest(model, field: str):
    """The contact's latest `field`: one probe of the (contact, field) index, or of the contact's few rows."""
    return Subquery(
        model.objects.filter(contact=OuterRef("pk")).order_by(f"-{field}").values(field)[:1],
        output_field=DateTimeField(),
    )


def with_last_activity(queryset=None):
    """Annotate last_activity: the latest of edit, interaction, follow-up and favour (one query).

    The three latest dates are aliases, so each subquery appears once in the SQL (inside
    Greatest) rather than once selected and again inside Greatest.
    """
    queryset = Contact.objects.all() if queryset is None else queryset
    return queryset.alias(
        last_interaction=_latest(Interaction, "occurred_at"),
        last_followup=_latest(FollowUp, "updated_at"),
        last_favour=_latest(Favour, "updated_at"),
    ).annotate(
        # Coalesce to updated_at (never null) so one missing kind of activity does not hide the rest.
        last_activity=Greatest(
            F("updated_at"),
            Coalesce("last_interaction", "updated_at"),
            Coalesce("last_followup", "updated_at"),
            Coalesce("last_favour", "updated_at"),
        ),
    )


def stale_contacts(months: int, now=None):
    """Contacts with no edit, interaction, follow-up or favour within the period, stalest first.

    On PostgreSQL the latest activity of each contact is kept (privacy.contact_activity), so
    the quiet ones come from one index. Elsewhere they are found by what they lack (no recent
    row of each kind: an index probe per contact) rather than by comparing every contact's
    computed last activity, which at 100,000 contacts took seconds. Either way the last
    activity is then worked out for the stale ones only.
    """
    cutoff = retention_cutoff(months, now)
    quiet = contact_activity.quiet_since(cutoff)
    if quiet is not None:
        stale = Contact.objects.select_related("organisation").filter(pk__in=quiet)
        return with_last_activity(stale).order_by("last_activity", "id")

    def recent(model, field):
        return Exists(model.objects.filter(contact=OuterRef("pk"), **{f"{field}__gte": cutoff}))

    stale = (
        Contact.objects.select_related("organisation")
        .filter(updated_at__lt=cutoff)
        .exclude(recent(Interaction, "occurred_at"))
        .exclude(recent(FollowUp, "updated_at"))
        .exclude(recent(Favour, "updated_at"))
    )
    return with_last_activity(stale).order_by("last_activity", "id")
