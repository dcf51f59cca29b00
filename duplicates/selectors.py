"""Reads the duplicates pages share: the candidate pairs with both records, in a fixed number of
queries whatever the page size."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from duplicates.models import CandidatePair, Merge, RuleSet, Target


def candidate_pairs(target: str) -> QuerySet[CandidatePair]:
    queryset = CandidatePair.objects.filter(target=target)
    if target == Target.CONTACTS:
        return queryset.select_related(
            "contact_a", "contact_b", "contact_a__organisation", "contact_b__organisation"
        ).order_by("-score", "id")
    return queryset.select_related("organisation_a", "organisation_b").order_by("-score", "id")


def pairs_of(queryset: QuerySet[CandidatePair], target: str, record_id: int) -> QuerySet[CandidatePair]:
    a, b = ("contact_a_id", "contact_b_id") if target == Target.CONTACTS else ("organisation_a_id", "organisation_b_id")
    return queryset.filter(Q(**{a: record_id}) | Q(**{b: record_id}))


def last_runs() -> dict[str, RuleSet]:
    return {r.target: r for r in RuleSet.objects.all()}


def merges() -> QuerySet[Merge]:
    return Merge.objects.select_related("merged_by", "undone_by").defer("merged_rows", "hook_records", "kept_before")
