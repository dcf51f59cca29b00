"""Which fields each import target has, and which column headers mean which field.

The aliases cover the exports people actually bring: Outlook, Google Contacts
(old and new CSV shapes), LinkedIn connections, other CRMs and plain spreadsheets.
Matching ignores case, spaces and punctuation ("E-mail Address" == "email address").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm.normalise import split_salutation

TARGETS = ("contacts", "organisations", "pledges", "interactions")
IGNORE = ""


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


_FIELDS: dict[str, list[Field]] = {
    "contacts": [
        Field(
            "first_name",
            "First name",
            aliases=("first name", "given name", "firstname", "forename", "forenames", "first", "christian name"),
        ),
        Field("last_name", "Last name", aliases=("last name", "family name", "surname", "lastname", "last")),
        Field(
            "salutation",
            "Salutation (Dr, Cllr, Ms…)",
            aliases=("salutation", "honorific", "prefix", "name prefix", "courtesy title", "form of address"),
        ),
        Field(
            "full_name",
            "Full name (split into salutation, first and last)",
            aliases=("full name", "name", "contact name", "display name", "contact", "person", "fullname"),
        ),
        Field(
            "email",
            "Email",
            aliases=(
                "email",
                "e-mail",
                "email address",
                "e-mail address",
                "e-mail 1 - value",
                "email 1 - value",
                "e-mail 1 address",
                "primary email",
                "work email",
                "email (work)",
                "mail",
                "emailaddress1",
            ),
        ),
        Field(
            "phone",
            "Phone",
            aliases=(
                "phone",
                "business phone",
                "phone 1 - value",
                "mobile",
                "mobile phone",
                "telephone",
                "tel",
                "phone number",
                "primary phone",
                "work phone",
                "telephone number",
                "mobile number",
            ),
        ),
        Field(
            "job_title",
            "Job title",
            aliases=(
                "job title",
                "position",
                "organization 1 - title",
                "organization title",
                "organisation title",
                "jobtitle",
                "role",
                "job",
            ),
        ),
        Field(
            "organisation",
            "Organisation (linked or created by name)",
            aliases=(
                "organisation",
                "organization",
                "company",
                "organization 1 - name",
                "organization name",
                "organisation name",
                "company name",
                "employer",
                "account",
                "account name",
                "org",
            ),
        ),
        Field("tags", "Tags (comma-separated)", aliases=("tags", "labels", "categories", "groups", "tag")),
        Field("notes", "Notes", aliases=("notes", "note", "comments", "comment")),
        Field("lawful_basis", "Lawful basis", aliases=("lawful basis", "legal basis")),
        Field("consent_date", "Consent date", aliases=("consent date", "consented on", "consent")),
        Field("do_not_contact", "Do not contact", aliases=("do not contact", "dnc", "opted out", "unsubscribed")),
    ],
    "organisations": [
        Field(
            "name",
            "Name",
            required=True,
            aliases=(
                "name",
                "organisation",
                "organization",
                "company",
                "organisation name",
                "organization name",
                "company name",
                "account name",
                "account",
            ),
        ),
        Field(
            "roles",
            "Roles (sponsor, supplier, training provider, public body)",
            aliases=("roles", "role", "type", "types", "relationship"),
        ),
        Field("sector", "Sector", aliases=("sector", "industry")),
        Field("website", "Website", aliases=("website", "web site", "web page", "url", "web", "homepage")),
        Field("city", "City / region", aliases=("city", "town", "region", "city / region", "location")),
        Field("tags", "Tags (comma-separated)", aliases=("tags", "labels", "categories", "tag")),
        Field("notes", "Notes", aliases=("notes", "note", "comments", "description")),
    ],
    "pledges": [
        Field(
            "organisation",
            "Organisation (must exist)",
            required=True,
            aliases=("organisation", "organization", "company", "sponsor", "organisation name", "organization name"),
        ),
        Field("event", "Event (must exist)", required=True, aliases=("event", "event name")),
        Field(
            "amount",
            "Amount (GBP)",
            required=True,
            aliases=("amount", "amount (gbp)", "amount gbp", "value", "pledge", "pledged", "sum"),
        ),
        Field("stage", "Stage", aliases=("stage", "status", "pipeline stage")),
        Field("tier", "Tier", aliases=("tier", "level", "package", "sponsorship tier")),
        Field("expected_date", "Expected date", aliases=("expected date", "expected", "close date", "due date")),
        Field("notes", "Notes", aliases=("notes", "note", "comments")),
    ],
    "interactions": [
        Field(
            "organisation",
            "Organisation (must exist)",
            aliases=("organisation", "organization", "company", "organisation name", "organization name"),
        ),
        Field(
            "contact",
            "Contact email (must exist)",
            aliases=("contact", "contact email", "email", "e-mail", "email address", "person"),
        ),
        Field("kind", "Kind (call, email, meeting…)", aliases=("kind", "type", "channel", "interaction type")),
        Field("direction", "Direction (outbound/inbound)", aliases=("direction",)),
        Field(
            "occurred_at",
            "Date",
            required=True,
            aliases=("occurred at", "date", "when", "date time", "datetime", "occurred", "occurred on"),
        ),
        Field("summary", "Summary", required=True, aliases=("summary", "subject", "title", "what")),
        Field("outcome", "Outcome", aliases=("outcome", "notes", "details", "result")),
    ],
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise_header(text: str) -> str:
    return _NON_ALNUM.sub("", (text or "").lower())


def target_fields(target: str) -> list[Field]:
    if target not in _FIELDS:
        raise ValueError(f"Unknown import target {target!r}; choose one of {', '.join(TARGETS)}.")
    return list(_FIELDS[target])


def field_names(target: str) -> list[str]:
    return [f.name for f in target_fields(target)]


_ALIAS_INDEX = {
    target: {normalise_header(alias): f.name for f in fields for alias in (f.name, f.label, *f.aliases)}
    for target, fields in _FIELDS.items()
}
_KNOWN = set().union(*(set(index) for index in _ALIAS_INDEX.values())) | {
    # common export columns that are not fields but show that a row is a header row
    normalise_header(h)
    for h in (
        "middle name",
        "title",
        "suffix",
        "nickname",
        "department",
        "home phone",
        "e-mail 2 address",
        "e-mail display name",
        "connected on",
        "url",
        "birthday",
        "address",
        "postcode",
        "country",
        "e-mail 2 - value",
        "phone 1 - type",
        "e-mail 1 - type",
        "group membership",
        "notes",
    )
}


def is_known_header(text: str) -> bool:
    return normalise_header(text) in _KNOWN


#: Share of a "Title" column's values that must be honorifics for it to mean the salutation.
HONORIFIC_SHARE = 0.6


def title_meaning(values) -> str:
    """A "Title" column is a job title in Salesforce and HubSpot exports and an honorific
    (Mr, Dr, Cllr) in Outlook's: decided from what the column holds."""
    filled = [v for v in values if (v or "").strip()]
    if not filled:
        return IGNORE
    honorifics = sum(1 for v in filled if split_salutation(f"{v} x")[0])
    return "salutation" if honorifics >= HONORIFIC_SHARE * len(filled) else "job_title"


def auto_map(target: str, headers: list[str], rows: list[list[str]] | None = None) -> dict[str, str]:
    """Header → field name, or "" to ignore. Each field is used by the first header that means it.

    With the file's rows, a contacts column headed "Title" maps by its values (title_meaning).
    """
    target_fields(target)  # unknown target → ValueError
    index = _ALIAS_INDEX[target]
    mapping, used = {}, set()
    for position, header in enumerate(headers):
        name = index.get(normalise_header(header), IGNORE)
        if target == "contacts" and normalise_header(header) == "title" and rows is not None:
            name = title_meaning(row[position] if position < len(row) else "" for row in rows[:500])
        if name and name in used:
            name = IGNORE
        if name:
            used.add(name)
        mapping[header] = name
    return mapping


def parse_map_options(
    options: list[str], headers: list[str], target: str, rows: list[list[str]] | None = None
) -> dict[str, str]:
    """CLI --map "Header=field" overrides on top of auto_map; unknown names are an error."""
    from .reading import ImportRejected

    mapping = auto_map(target, headers, rows)
    valid = set(field_names(target))
    by_norm = {normalise_header(h): h for h in headers}
    for option in options or []:
        if "=" not in option:
            raise ImportRejected(f"--map needs Header=field, not “{option}”.")
        header, name = (part.strip() for part in option.split("=", 1))
        actual = header if header in mapping else by_norm.get(normalise_header(header))
        if actual is None:
            raise ImportRejected(f"--map: the file has no column “{header}”.")
        if name and name not in valid:
            raise ImportRejected(f"--map: “{name}” is not a {target} field; use one of {', '.join(sorted(valid))}.")
        if name:
            for other, used in mapping.items():
                if used == name and other != actual:
                    mapping[other] = IGNORE
        mapping[actual] = name
    return mapping
