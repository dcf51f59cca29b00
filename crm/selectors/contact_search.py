"""PostgreSQL's contact search, over the crm_contact_search table (crm migration 0012).

Why a table of its own: its trigram index (names and emails) once sat on crm_contact, and
every row an import updated wrote a new entry in it, even for a changed job title. The
table holds what the search reads (names, email, organisation); triggers keep it current.

Why ids first: one query on this table answers every word (name, email or the name of
the contact's organisation), and the matching ids go on as one array parameter, which the
planner can count. Conditions on crm_contact across a join or a subquery made it guess
and read far more rows than match.
"""

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from crm.models import Organisation

#: Up to this many matching contacts are handed on as ids; past that, as a subquery.
IDS_LIMIT = 5000
#: Up to this many matching organisations per word are handed to the table as ids.
ORGANISATION_IDS_LIMIT = 1000
#: The trigram index finds words of at least this many characters; shorter ones scan the table.
INDEXED_LENGTH = 3

PERSON = (
    "UPPER(first_name::text) LIKE UPPER(%s) OR UPPER(last_name::text) LIKE UPPER(%s) "
    "OR UPPER(email::text) LIKE UPPER(%s)"
)


class AnyOf(Func):
    """``column = ANY(%s)`` with one array parameter (``IN (…)`` would bind each id apart)."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _organisations(term: str, pattern: str) -> tuple[str, list]:
    """The condition on organisation_id for organisations whose name contains `term`.

    Looked up first by the organisation name's trigram index and handed over as ids: the
    ids join the name and email bitmaps, where a subquery in the OR reads every row.
    """
    if len(term) >= INDEXED_LENGTH:
        ids = list(
            Organisation.objects.filter(name__icontains=term).values_list("pk", flat=True)[: ORGANISATION_IDS_LIMIT + 1]
        )
        if len(ids) <= ORGANISATION_IDS_LIMIT:
            return "organisation_id = ANY(%s)", [ids]
    return "organisation_id IN (SELECT id FROM crm_organisation WHERE UPPER(name::text) LIKE UPPER(%s))", [pattern]


def _matching_sql(terms) -> tuple[str, list]:
    conditions, params = [], []
    for term in terms:
        pattern = f"%{connection.ops.prep_for_like_query(term)}%"
        works_at, works_at_params = _organisations(term, pattern)
        conditions.append(f"({PERSON} OR {works_at})")
        params += [pattern] * 3 + works_at_params
    return f"SELECT id FROM crm_contact_search WHERE {' AND '.join(conditions)}", params


def organisation_ids(term: str) -> RawSQL:
    """Ids of the organisations with a contact whose name or email contains `term`."""
    pattern = f"%{connection.ops.prep_for_like_query(term)}%"
    return RawSQL(
        f"SELECT organisation_id FROM crm_contact_search WHERE organisation_id IS NOT NULL AND ({PERSON})",
        [pattern] * 3,
    )


def organisation_list_ids(term: str) -> RawSQL:
    """Ids of the organisations whose name contains `term` or that have a contact whose name or
    email does: each from its own trigram index (a word of INDEXED_LENGTH or more). As an OR of
    the two on the organisations, PostgreSQL tested the name of each of 20,000 of them (10 ms a
    query, twice a list page)."""
    pattern = f"%{connection.ops.prep_for_like_query(term)}%"
    return RawSQL(
        f"SELECT id FROM crm_organisation WHERE UPPER(name::text) LIKE UPPER(%s) UNION "
        f"SELECT organisation_id FROM crm_contact_search WHERE organisation_id IS NOT NULL AND ({PERSON})",
        [pattern] * 4,
    )


def matching(terms) -> tuple[Q, bool]:
    """The condition on Contact for contacts matching every term, and whether it is a list of ids."""
    if not terms:
        return Q(), False
    sql, params = _matching_sql(terms)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT {IDS_LIMIT + 1}", params)
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) <= IDS_LIMIT:
        return Q(AnyOf(F("pk"), Value(ids))), True
    return Q(pk__in=RawSQL(sql, params)), False


def ordering(listed: bool) -> list:
    """Name order; for a list of ids, one the name index cannot hand over.

    Matches of a surname cluster in that index ("smith" under S): walking it from A to find
    25 read 17,000 rows (210 ms), where sorting the ~2,000 matches takes 3 ms. Past the id
    limit matches are many, and the walk soon finds 25.
    """
    if listed:
        return [Concat("last_name", Value("")), "first_name", "id"]
    return ["last_name", "first_name", "id"]
