"""Reads for the global search and the search-as-you-type lookups.

Every word of the query must match (so "jane leeds" finds Jane at Leeds Digital),
case-insensitively, anywhere in a name, email or interaction text; each group is capped
so a one-letter query stays cheap. Words of three letters or more are looked up in the
full-text index (crm migration 0010): SQLite's FTS5 trigram tables, or PostgreSQL's
pg_trgm indexes, which serve the same icontains lookups (contacts' in a table of their
own: crm/selectors/contact_search.py); shorter words scan.
"""

from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from crm.models import Contact, Interaction, Organisation
from crm.selectors import contact_search

SEARCH_LIMIT = 25
LOOKUP_LIMIT = 10
#: The trigram index finds words of at least this many characters (both databases' index).
INDEXED_LENGTH = contact_search.INDEXED_LENGTH
#: A search with a word too short for the index counts no further than this ("more than 1,000"):
#: an exact count of a two-letter word read every row. Indexed words are counted exactly, by the
#: index (a LIMIT there made PostgreSQL scan the table instead: 47 ms rather than 10 for "digital").
COUNT_CAP = 1000
#: Words of a query looked at; every one must match, so more narrow nothing a person would type.
MAX_TERMS = 10


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
    """The first MAX_TERMS words of a query; control characters (a NUL breaks both databases' text
    matching) are spaces. Each word is a condition: 1,500 of them broke SQLite's expression depth."""
    text = "".join(max(ch, " ") for ch in (query or ""))
    return text.split()[:MAX_TERMS]


def organisations_matching(terms):
    """Organisations whose name contains every term."""
    condition = Q()
    for term in terms:
        condition &= _organisation_has(term)
    return Organisation.objects.filter(condition).order_by("name", "id")


def _person_has(term: str) -> Q:
    """Contacts whose name or email contains `term` (SQLite)."""
    if _indexed(term):
        return Q(pk__in=_matching_ids("crm_contact", term))
    return Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)


def _contact_condition(terms) -> tuple[Q, bool]:
    """Each term in the contact's name, email or organisation's name; and whether it is a list of ids.

    PostgreSQL reads them from their own search table (crm/selectors/contact_search.py);
    SQLite from its FTS5 table, or by scanning for words too short for it.
    """
    if connection.vendor == "postgresql":
        return contact_search.matching(terms)
    condition = Q()
    for term in terms:
        organisations = Organisation.objects.filter(_organisation_has(term)).values("pk")
        condition &= _person_has(term) | Q(organisation__in=organisations)
    return condition, False


def contacts_matching(terms):
    """Contacts where each term is in their name, email or their organisation's name."""
    condition, listed = _contact_condition(terms)
    if connection.vendor == "postgresql":
        # Organisations after the first page is cut, not joined before: PostgreSQL hashed all
        # 20,000 of them to sort 1,600 "smith"s (19 of 26 ms).
        return (
            Contact.objects.filter(condition)
            .prefetch_related("organisation")
            .order_by(*contact_search.ordering(listed))
        )
    return Contact.objects.filter(condition).select_related("organisation").order_by("last_name", "first_name", "id")


def contact_list_condition(terms) -> Q:
    """The contact list's search box: each term in the name, email or organisation's name, by the index."""
    return _contact_condition(terms)[0]


def organisation_list_condition(terms) -> Q:
    """The organisation list's search box: each term in the name or a contact's name or email, by the index."""
    condition = Q()
    for term in terms:
        if connection.vendor == "postgresql" and len(term) >= INDEXED_LENGTH:
            condition &= Q(pk__in=contact_search.organisation_list_ids(term))
            continue
        people: RawSQL | QuerySet[Contact, Any]
        if connection.vendor == "postgresql":  # too short for the indexes: both tables are read anyway
            people = contact_search.organisation_ids(term)
        else:
            people = Contact.objects.filter(_person_has(term), organisation__isnull=False).values("organisation_id")
        condition &= _organisation_has(term) | Q(pk__in=people)
    return condition


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
        queryset = queryset.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM crm_interaction_search WHERE crm_interaction_search MATCH %s", [_match_all(indexed)]
            )
        )
    for term in terms:
        if term not in indexed:
            queryset = queryset.filter(Q(summary__icontains=term) | Q(outcome__icontains=term))
    return queryset.select_related("organisation", "contact").order_by("-id")


def capped_count(queryset, cap: int | None) -> int:
    """How many rows match, counting no further than cap + 1 when there is a cap (the database stops there)."""
    return queryset.count() if cap is None else queryset.order_by()[: cap + 1].count()


def count_interactions(terms, queryset) -> int:
    """How many interactions match, counting no further than COUNT_CAP + 1 ("more than 1,000").

    An exact count of a common word read every match: 25,000 for "catering", 25 ms of a 50 ms
    budget on PostgreSQL. SQLite stops reading its index at the cap. PostgreSQL is kept on its
    trigram index for the capped count: with a LIMIT its planner expects to meet matches early
    in the table and may read all 500,000 rows instead when they are few or clustered.
    """
    if terms and all(_indexed(term) for term in terms):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT rowid FROM crm_interaction_search "
                "WHERE crm_interaction_search MATCH %s LIMIT %s)",
                [_match_all(terms), COUNT_CAP + 1],
            )
            return cursor.fetchone()[0]
    if connection.vendor != "postgresql":
        return capped_count(queryset, COUNT_CAP)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            count = capped_count(queryset, COUNT_CAP)
        except DatabaseError:
            # In a transaction the failure's rollback undoes the SET (and a RESET now would fail).
            if not connection.in_atomic_block:
                cursor.execute("RESET enable_seqscan")
            raise
        cursor.execute("RESET enable_seqscan")
    return count


def search(query, *, limit=SEARCH_LIMIT, include_contacts=True, include_interactions=False) -> dict:
    """The grouped results for the search page: a fixed handful of queries whatever the match count.

    When a word is too short for the index, counts stop at COUNT_CAP: a count of COUNT_CAP + 1
    then means "more than COUNT_CAP" (the page says so). Interactions are always counted so
    (`interactions_count_cap`): there are five times as many, and their text is long.
    """
    terms = terms_of(query)
    cap = COUNT_CAP if any(len(term) < INDEXED_LENGTH for term in terms) else None
    result = {
        "query": " ".join(terms),
        "terms": terms,
        "organisations": [],
        "organisations_count": 0,
        "contacts": [],
        "contacts_count": 0,
        "interactions": [],
        "interactions_count": 0,
        "limit": limit,
        "count_cap": cap,
        "interactions_count_cap": COUNT_CAP,
    }
    if not terms:
        return result
    organisations = organisations_matching(terms)
    result["organisations"] = list(organisations[:limit])
    result["organisations_count"] = capped_count(organisations, cap)
    if include_contacts:
        contacts = contacts_matching(terms)
        result["contacts"] = list(contacts[:limit])
        result["contacts_count"] = capped_count(contacts, cap)
    if include_interactions and not any(len(term) >= INDEXED_LENGTH for term in terms):
        # Text is searched by its index, which needs a word of three letters or more: a search
        # for "jo" alone would read all 500,000 notes (a third of a second) to find nothing.
        result["interactions_need_a_longer_word"] = True
    elif include_interactions:
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
                "id": c.pk,
                "label": contact_label(c),
                "organisation": (
                    {"id": c.organisation_id, "label": c.organisation.name} if c.organisation_id else None
                ),
            }
            for c in contacts_matching(terms)[:limit]
        ]
    raise ValueError(f"Unknown lookup type {kind!r}")
