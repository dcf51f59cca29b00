"""Reads the duplicates pages share: the candidate pairs a page at a time, and the key fields of
the records on that page, in a fixed number of queries whatever the page size."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Q, QuerySet

from crm.models import Contact, Organisation
from duplicates.models import CandidatePair, Merge, RuleSet, Target

#: The key fields the list shows of each record of a pair, by target.
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    Target.CONTACTS: ("salutation", "first_name", "last_name", "email", "phone", "organisation__name"),
    Target.ORGANISATIONS: ("name", "website", "city"),
}


def candidate_pairs(target: str) -> QuerySet[CandidatePair, Any]:
    """The pairs, best first, as rows of id, target, score, rules, a_id and b_id.

    No joins: the list pages these in SQL (the candidate_best_first index gives the order and
    the count), then loads the key fields of the records on its page only (record_key_fields).
    Joining both records and their organisations made even the page's COUNT join four tables."""
    prefix = "contact" if target == Target.CONTACTS else "organisation"
    return (
        CandidatePair.objects.filter(target=target)
        .order_by("-score", "id")
        .values("id", "target", "score", "rules", a_id=F(f"{prefix}_a_id"), b_id=F(f"{prefix}_b_id"))
    )


def pairs_of(queryset: QuerySet[CandidatePair, Any], target: str, record_id: int) -> QuerySet[CandidatePair, Any]:
    a, b = ("contact_a_id", "contact_b_id") if target == Target.CONTACTS else ("organisation_a_id", "organisation_b_id")
    return queryset.filter(Q(**{a: record_id}) | Q(**{b: record_id}))


def record_key_fields(target: str, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """id → the record's key fields (KEY_FIELDS, organisation__name as organisation_name), in one query."""
    model = Contact if target == Target.CONTACTS else Organisation
    fields = {path.replace("__", "_"): F(path) for path in KEY_FIELDS[target] if "__" in path}
    plain = [path for path in KEY_FIELDS[target] if "__" not in path]
    rows = model.objects.filter(pk__in=set(ids)).order_by().values("id", *plain, **fields)
    return {row["id"]: row for row in rows}


def last_runs() -> dict[str, RuleSet]:
    return {r.target: r for r in RuleSet.objects.all()}


def merges() -> QuerySet[Merge]:
    return Merge.objects.select_related("merged_by", "undone_by").defer("merged_rows", "hook_records", "kept_before")
