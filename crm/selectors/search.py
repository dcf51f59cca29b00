"""Reads for the global search and the search-as-you-type lookups.

Every word of the query must match (so "jane leeds" finds Jane at Leeds Digital),
case-insensitively; each group is capped so a one-letter query stays cheap.
"""
from django.db.models import Q

from crm.models import Contact, Organisation

SEARCH_LIMIT = 25
LOOKUP_LIMIT = 10


def terms_of(query) -> list[str]:
    return (query or "").split()


def organisations_matching(terms):
    """Organisations whose name contains every term."""
    condition = Q()
    for term in terms:
        condition &= Q(name__icontains=term)
    return Organisation.objects.filter(condition).order_by("name", "id")


def contacts_matching(terms):
    """Contacts where each term is in their name, email or their organisation's name.

    The organisation test is a subquery (organisations whose name matches, found once)
    rather than a join tested on every contact row.
    """
    condition = Q()
    for term in terms:
        condition &= (
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
            | Q(organisation__in=Organisation.objects.filter(name__icontains=term).values("pk"))
        )
    return (
        Contact.objects.filter(condition).select_related("organisation")
        .order_by("last_name", "first_name", "id")
    )


def search(query, *, limit=SEARCH_LIMIT, include_contacts=True) -> dict:
    """The grouped results for the search page: a fixed handful of queries whatever the match count."""
    terms = terms_of(query)
    result = {
        "query": " ".join(terms), "terms": terms,
        "organisations": [], "organisations_count": 0, "contacts": [], "contacts_count": 0, "limit": limit,
    }
    if not terms:
        return result
    organisations = organisations_matching(terms)
    result["organisations"] = list(organisations[:limit])
    result["organisations_count"] = organisations.count()
    if include_contacts:
        contacts = contacts_matching(terms)
        result["contacts"] = list(contacts[:limit])
        result["contacts_count"] = contacts.count()
    return result


def contact_label(contact) -> str:
    """How a contact reads in pickers: name (organisation)."""
    name = str(contact)
    return f"{name} ({contact.organisation.name})" if contact.organisation_id else name


def lookup(query, kind, *, limit=LOOKUP_LIMIT) -> list[dict]:
    """Up to `limit` {id, label} matches for a search-as-you-type picker."""
    terms = terms_of(query)
    if not terms:
        return []
    if kind == "organisation":
        return [{"id": o.pk, "label": o.name} for o in organisations_matching(terms)[:limit]]
    if kind == "contact":
        return [
            {
                "id": c.pk, "label": contact_label(c),
                "organisation": (
                    {"id": c.organisation_id, "label": c.organisation.name} if c.organisation_id else None
                ),
            }
            for c in contacts_matching(terms)[:limit]
        ]
    raise ValueError(f"Unknown lookup type {kind!r}")
