"""Export columns of every list, defined once as django-import-export resources.

Each resource serves two paths that must agree cell for cell:

* the ordinary import-export path (``resource.export(queryset)``), through the
  fields and ``dehydrate_*`` methods below, for small sets and the admin;
* the fast path in crm/exports.py, which streams ``queryset.values_list(...)``.
  It reads ``value_paths``: export field → ORM path (or a tuple of paths) plus a
  formatter, so 100,000 rows never become 100,000 model instances.

Formatters return text, or a Decimal for money so spreadsheets get a number.
"""

from decimal import Decimal

from django.utils import timezone
from import_export import fields, resources

from crm.models import Contact, FollowUp, Interaction, Organisation
from crm.models.contacts import LawfulBasis
from crm.models.organisations import Role, Sector
from sponsors.models import Pledge, Stage

#: Marker in ``value_paths`` for the tag names, loaded per chunk (a many-to-many).
TAGS = "__tags__"
LIST_SEPARATOR = "; "


# -- formatters shared by both paths -------------------------------------------------------


def text(value) -> str:
    return "" if value is None else str(value)


def yes_no(value) -> str:
    return "Yes" if value else "No"


def day(value) -> str:
    return value.isoformat() if value else ""


def number(value):
    """Numbers stay numbers (an XLSX number cell; never neutralised)."""
    return value


def moment_in(zone):
    """A formatter for local wall-clock time to the minute, as people read it in the app."""

    def moment(value) -> str:
        return value.astimezone(zone).isoformat(" ", "minutes")[:16] if value else ""

    moment.zone_bound = True
    moment.zone = zone
    return moment


def naive_moment_in(zone, stored_zone):
    """``moment_in(zone)`` for datetimes read without Django's converters: naive ones are in ``stored_zone``."""

    def moment(value) -> str:
        if not value:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=stored_zone)
        return value.astimezone(zone).isoformat(" ", "minutes")[:16]

    moment.zone_bound = True
    moment.zone = zone
    return moment


def moment(value) -> str:
    return moment_in(timezone.get_current_timezone())(value)


CENT = Decimal("0.01")


def money(value):
    """A Decimal to the penny: CSV writes it plain ("1234.50", never "1E+3"), XLSX as a number."""
    if value is None:
        return None
    return (value if isinstance(value, Decimal) else Decimal(value)).quantize(CENT)


#: Formatters whose output can never start a formula (numbers, dates, Yes/No): not neutralised.
SAFE_FORMATTERS = {number, money, yes_no, day}


def labeller(choices):
    labels = dict(choices)
    return lambda value: labels.get(value, value or "")


def roles_text(is_sponsor, is_supplier, is_training_provider, is_public_body) -> str:
    flags = (is_sponsor, is_supplier, is_training_provider, is_public_body)
    order = (Role.SPONSOR, Role.SUPPLIER, Role.TRAINING_PROVIDER, Role.PUBLIC_BODY)
    return LIST_SEPARATOR.join(role.label for role, flag in zip(order, flags) if flag)


def person_name(first, last, email="") -> str:
    return " ".join(part for part in (first, last) if part) or (email or "")


def tags_text(names) -> str:
    return LIST_SEPARATOR.join(sorted(names, key=str.lower))


ROLE_PATHS = ("is_sponsor", "is_supplier", "is_training_provider", "is_public_body")


class ExportResource(resources.ModelResource):
    """Base: export-only resource whose columns also drive the streaming path."""

    #: export field name → (path or tuple of paths, formatter or None). Fields not listed
    #: read their ``attribute`` as is through ``text``.
    value_paths: dict = {}

    def stream_columns(self):
        """[(field name, header, paths tuple, formatter)] in export order, for the fast path."""
        by_field = {id(field): name for name, field in self.fields.items()}
        columns = []
        for field in self.get_export_fields():
            name = by_field[id(field)]
            paths, formatter = self.value_paths.get(name, (field.attribute, number if name == "id" else text))
            if isinstance(paths, str):
                paths = (paths,)
            columns.append((name, str(field.column_name), tuple(paths), formatter or text))
        return columns


def _field(column_name, attribute=None):
    return fields.Field(attribute=attribute, column_name=column_name, readonly=True)


class ContactExportResource(ExportResource):
    id = _field("ID", "id")
    salutation = _field("Salutation", "salutation")
    first_name = _field("First name", "first_name")
    last_name = _field("Last name", "last_name")
    email = _field("Email", "email")
    phone = _field("Phone", "phone")
    job_title = _field("Job title", "job_title")
    organisation = _field("Organisation")
    owner = _field("Owner")
    tags = _field("Tags")
    lawful_basis = _field("Lawful basis")
    consent_date = _field("Consent date")
    do_not_contact = _field("Do not contact")
    source = _field("Source", "source")
    notes = _field("Notes", "notes")
    created_at = _field("Created")

    value_paths = {
        "organisation": ("organisation__name", text),
        "owner": ("owner__username", text),
        "tags": (TAGS, tags_text),
        "lawful_basis": ("lawful_basis", labeller(LawfulBasis.choices)),
        "consent_date": ("consent_date", day),
        "do_not_contact": ("do_not_contact", yes_no),
        "created_at": ("created_at", moment),
    }

    class Meta:
        model = Contact
        fields = export_order = (
            "id",
            "salutation",
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "organisation",
            "owner",
            "tags",
            "lawful_basis",
            "consent_date",
            "do_not_contact",
            "source",
            "notes",
            "created_at",
        )

    def dehydrate_organisation(self, contact):
        return contact.organisation.name if contact.organisation_id else ""

    def dehydrate_owner(self, contact):
        return contact.owner.username if contact.owner_id else ""

    def dehydrate_tags(self, contact):
        return tags_text(tag.name for tag in contact.tags.all())

    def dehydrate_lawful_basis(self, contact):
        return contact.get_lawful_basis_display()

    def dehydrate_consent_date(self, contact):
        return day(contact.consent_date)

    def dehydrate_do_not_contact(self, contact):
        return yes_no(contact.do_not_contact)

    def dehydrate_created_at(self, contact):
        return moment(contact.created_at)


class OrganisationExportResource(ExportResource):
    id = _field("ID", "id")
    name = _field("Name", "name")
    roles = _field("Roles")
    sector = _field("Sector")
    city = _field("City / region", "city")
    website = _field("Website", "website")
    owner = _field("Owner")
    tags = _field("Tags")
    source = _field("Source", "source")
    notes = _field("Notes", "notes")
    created_at = _field("Created")

    value_paths = {
        "roles": (ROLE_PATHS, roles_text),
        "sector": ("sector", labeller(Sector.choices)),
        "owner": ("owner__username", text),
        "tags": (TAGS, tags_text),
        "created_at": ("created_at", moment),
    }

    class Meta:
        model = Organisation
        fields = export_order = (
            "id",
            "name",
            "roles",
            "sector",
            "city",
            "website",
            "owner",
            "tags",
            "source",
            "notes",
            "created_at",
        )

    def dehydrate_roles(self, organisation):
        return roles_text(*(getattr(organisation, path) for path in ROLE_PATHS))

    def dehydrate_sector(self, organisation):
        return organisation.get_sector_display() if organisation.sector else ""

    def dehydrate_owner(self, organisation):
        return organisation.owner.username if organisation.owner_id else ""

    def dehydrate_tags(self, organisation):
        return tags_text(tag.name for tag in organisation.tags.all())

    def dehydrate_created_at(self, organisation):
        return moment(organisation.created_at)


class PledgeExportResource(ExportResource):
    id = _field("ID", "id")
    organisation = _field("Organisation")
    event = _field("Event")
    tier = _field("Tier")
    amount = _field("Amount (GBP)")
    stage = _field("Stage")
    stage_changed_at = _field("Stage changed")
    expected_date = _field("Expected date")
    owner = _field("Owner")
    lost_reason = _field("Lost reason", "lost_reason")
    notes = _field("Notes", "notes")
    created_at = _field("Created")

    value_paths = {
        "organisation": ("organisation__name", text),
        "event": ("event__name", text),
        "tier": ("tier__name", text),
        "amount": ("amount", money),
        "stage": ("stage", labeller(Stage.choices)),
        "stage_changed_at": ("stage_changed_at", moment),
        "expected_date": ("expected_date", day),
        "owner": ("owner__username", text),
        "created_at": ("created_at", moment),
    }

    class Meta:
        model = Pledge
        fields = export_order = (
            "id",
            "organisation",
            "event",
            "tier",
            "amount",
            "stage",
            "stage_changed_at",
            "expected_date",
            "owner",
            "lost_reason",
            "notes",
            "created_at",
        )

    def dehydrate_organisation(self, pledge):
        return pledge.organisation.name

    def dehydrate_event(self, pledge):
        return pledge.event.name

    def dehydrate_tier(self, pledge):
        return pledge.tier.name if pledge.tier_id else ""

    def dehydrate_amount(self, pledge):
        return money(pledge.amount)

    def dehydrate_stage(self, pledge):
        return pledge.get_stage_display()

    def dehydrate_stage_changed_at(self, pledge):
        return moment(pledge.stage_changed_at)

    def dehydrate_expected_date(self, pledge):
        return day(pledge.expected_date)

    def dehydrate_owner(self, pledge):
        return pledge.owner.username if pledge.owner_id else ""

    def dehydrate_created_at(self, pledge):
        return moment(pledge.created_at)


class InteractionExportResource(ExportResource):
    id = _field("ID", "id")
    occurred_at = _field("When")
    kind = _field("Kind")
    direction = _field("Direction")
    organisation = _field("Organisation")
    contact = _field("Contact")
    summary = _field("Summary", "summary")
    outcome = _field("Outcome", "outcome")
    logged_by = _field("Logged by")

    value_paths = {
        "occurred_at": ("occurred_at", moment),
        "kind": ("kind", labeller(Interaction.Kind.choices)),
        "direction": ("direction", lambda value: labeller(Interaction.Direction.choices)(value) if value else ""),
        "organisation": ("organisation__name", text),
        "contact": (("contact__first_name", "contact__last_name", "contact__email"), person_name),
        "logged_by": ("logged_by__username", text),
    }

    class Meta:
        model = Interaction
        fields = export_order = (
            "id",
            "occurred_at",
            "kind",
            "direction",
            "organisation",
            "contact",
            "summary",
            "outcome",
            "logged_by",
        )

    def dehydrate_occurred_at(self, interaction):
        return moment(interaction.occurred_at)

    def dehydrate_kind(self, interaction):
        return interaction.get_kind_display()

    def dehydrate_direction(self, interaction):
        return interaction.get_direction_display() if interaction.direction else ""

    def dehydrate_organisation(self, interaction):
        return interaction.organisation.name if interaction.organisation_id else ""

    def dehydrate_contact(self, interaction):
        contact = interaction.contact
        return person_name(contact.first_name, contact.last_name, contact.email) if contact else ""

    def dehydrate_logged_by(self, interaction):
        return interaction.logged_by.username if interaction.logged_by_id else ""


class FollowUpExportResource(ExportResource):
    id = _field("ID", "id")
    title = _field("What", "title")
    due_date = _field("Due date")
    status = _field("Status")
    assignee = _field("Assignee")
    organisation = _field("Organisation")
    contact = _field("Contact")
    pledge = _field("Pledge ID")
    notes = _field("Notes", "notes")
    completed_at = _field("Completed")
    created_at = _field("Created")

    value_paths = {
        "due_date": ("due_date", day),
        "status": ("status", labeller(FollowUp.Status.choices)),
        "assignee": ("assignee__username", text),
        "organisation": ("organisation__name", text),
        "contact": (("contact__first_name", "contact__last_name", "contact__email"), person_name),
        "pledge": ("pledge_id", text),
        "completed_at": ("completed_at", moment),
        "created_at": ("created_at", moment),
    }

    class Meta:
        model = FollowUp
        fields = export_order = (
            "id",
            "title",
            "due_date",
            "status",
            "assignee",
            "organisation",
            "contact",
            "pledge",
            "notes",
            "completed_at",
            "created_at",
        )

    def dehydrate_due_date(self, followup):
        return day(followup.due_date)

    def dehydrate_status(self, followup):
        return followup.get_status_display()

    def dehydrate_assignee(self, followup):
        return followup.assignee.username if followup.assignee_id else ""

    def dehydrate_organisation(self, followup):
        return followup.organisation.name if followup.organisation_id else ""

    def dehydrate_contact(self, followup):
        contact = followup.contact
        return person_name(contact.first_name, contact.last_name, contact.email) if contact else ""

    def dehydrate_pledge(self, followup):
        return text(followup.pledge_id)

    def dehydrate_completed_at(self, followup):
        return moment(followup.completed_at)

    def dehydrate_created_at(self, followup):
        return moment(followup.created_at)
