"""Reads for the global search and the search-as-you-type lookups.

Every word of the query must match (so "jane leeds" finds Jane at Leeds Digital),
case-insensitively, anywhere in a name, email or interaction text; each group is capped
so a one-letter query stays cheap. Words of three letters or more are looked up in the
full-text index (crm migration 0010): SQLite's FTS5 trigram tables, or PostgreSQL's
pg_trgm indexes, which serve the same icontains lookups; shorter words scan.
"""
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from crm.models import Contact, Interaction, Organisation

SEARCH_LIMIT = 25
LOOKUP_LIMIT = 10
#: The trigram index finds words of at least this many characters.
INDEXED_LENGTH = 3


def _indexed(term: str) -> bool:
    return connection.vendor == "sqlite" and len(term) >= INDEXED_LENGTH


def _matching_ids(table: str, term: str) -> RawSQL:
    """Ids of `table`'s rows whose indexed text contains `term` (SQLite FTS5, trigram)."""
    phrase = '"' + term.replace('"', '""') + '"'
    return RawSQL(f"SELECT rowid FROM {table}_search WHERE {table}_search MATCH %s", [phrase])


def _organisation_has(term: str) -> Q:
    if _indexed(term):
        return Q(pk__in=_matching_ids("crm_organisation", term))
    return Q(name__icontains=term)


def terms_of(query) -> list[str]:
    """The words of a query; control characters (a NUL breaks both databases' text matching) are spaces."""
    text = "".join(ch if ch >= " " else " " for ch in (query or ""))
    return text.split()


def organisations_matching(terms):
    """Organisations whose name contains every term."""
    condition = Q()
    for term in terms:
        condition &= _organisation_has(term)
    return Organisation.objects.filter(condition).order_by("name", "id")


def contacts_matching(terms):
    """Contacts where each term is in their name, email or their organisation's name.

    The organisation test is a subquery (organisations whose name matches, found once)
    rather than a join tested on every contact row.
    """
    condition = Q()
    for term in terms:
        if _indexed(term):
            person = Q(pk__in=_matching_ids("crm_contact", term))
        else:
            person = Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        condition &= person | Q(organisation__in=Organisation.objects.filter(_organisation_has(term)).values("pk"))
    return (
        Contact.objects.filter(condition).select_related("organisation")
        .order_by("last_name", "first_name", "id")
    )


def _match_all(terms) -> str:
    """An FTS5 query matching rows that contain every term (each a quoted phrase: no operators)."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def interactions_matching(terms):
    """Interactions whose summary or outcome contains every term, most recently logged first.

    Logged order (the primary key) rather than occurred_at: the index hands matches over in
    that order, so the first 25 of 25,000 matches cost no sort.
    """
    indexed = [term for term in terms if _indexed(term)]
    queryset = Interaction.objects.all()
    if indexed:
        queryset = queryset.filter(pk__in=RawSQL(
            "SELECT rowid FROM crm_interaction_search WHERE crm_interaction_search MATCH %s", [_match_all(indexed)]))
    for term in terms:
        if term not in indexed:
            queryset = queryset.filter(Q(summary__icontains=term) | Q(outcome__icontains=term))
    return queryset.select_related("organisation", "contact").order_by("-id")


def count_interactions(terms, queryset) -> int:
    """Counted in the index itself when every term is in it (a third of the time of a join)."""
    if terms and all(_indexed(term) for term in terms):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM crm_interaction_search WHERE crm_interaction_search MATCH %s",
                           [_match_all(terms)])
            return cursor.fetchone()[0]
    return queryset.count()


def search(query, *, limit=SEARCH_LIMIT, include_contacts=True, include_interactions=False) -> dict:
    """The grouped results for the search page: a fixed handful of queries whatever the match count."""
    terms = terms_of(query)
    result = {
        "query": " ".join(terms), "terms": terms,
        "organisations": [], "organisations_count": 0, "contacts": [], "contacts_count": 0,
        "interactions": [], "interactions_count": 0, "limit": limit,
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
    if include_interactions:
        interactions = interactions_matching(terms)
        result["interactions"] = list(interactions[:limit])
        result["interactions_count"] = count_interactions(terms, interactions)
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
