"""Reads for planning the next event: who is carried forward, and who may be asked again."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from crm.models import Event
from sponsors.comparisons import GIVEN_IN_KIND
from sponsors.models import CLOSED_LOST_STAGES, PLEDGED_STAGES, InKindContribution, Pledge

ZERO = Decimal("0.00")


@dataclass
class Candidate:
    """An organisation from the last event and what it gave (or was asked for) then."""

    organisation_id: int
    organisation: str
    amount: Decimal  # money pledged (verbal or firmer); for a lapsed sponsor, what it was asked for
    tier_id: int | None  # the tier of its largest pledge
    tier: str
    owner_id: int | None  # that pledge's owner, else the in-kind's, else the organisation's
    in_kind: Decimal
    in_kind_what: str
    stage: str  # the declined or withdrawn stage, for the lapsed

    @property
    def last_time(self) -> str:
        """What it gave last time, in words (the follow-up's note)."""
        parts = []
        if self.amount:
            parts.append(f"{self.tier + ', ' if self.tier else ''}£{self.amount:,.2f} pledged")
        if self.in_kind_what:
            parts.append(f"in kind: {self.in_kind_what} (£{self.in_kind:,.2f})")
        return "; ".join(parts) or "nothing recorded"


@dataclass
class CarryForward:
    carried: list[Candidate]  # pledged (verbal or firmer) or gave in kind: a new pledge each
    lapsed: list[Candidate]  # declined or withdrawn only: listed to choose from


def carry_forward(event: Event) -> CarryForward:
    """Who the next event starts from, largest first (two queries)."""
    pledges = (
        Pledge.objects.filter(event=event)
        .order_by("-amount", "pk")
        .values_list(
            "organisation_id",
            "organisation__name",
            "organisation__owner_id",
            "stage",
            "amount",
            "tier_id",
            "tier__name",
            "owner_id",
        )
    )
    in_kind = (
        InKindContribution.objects.filter(event=event, status__in=GIVEN_IN_KIND)
        .order_by("-estimated_value", "pk")
        .values_list(
            "organisation_id",
            "organisation__name",
            "organisation__owner_id",
            "estimated_value",
            "owner_id",
            "description",
        )
    )
    carried: dict[int, Candidate] = {}
    declined: dict[int, Candidate] = {}
    for org_id, name, org_owner, stage, amount, tier_id, tier_name, owner_id in pledges:
        if stage in PLEDGED_STAGES:
            found = carried.get(org_id)
            if found is None:  # the largest pledge gives the tier and owner
                carried[org_id] = Candidate(
                    org_id, name, amount, tier_id, tier_name or "", owner_id or org_owner, ZERO, "", ""
                )
            else:
                found.amount += amount
        elif stage in CLOSED_LOST_STAGES and org_id not in declined:
            declined[org_id] = Candidate(
                org_id, name, amount, tier_id, tier_name or "", owner_id or org_owner, ZERO, "", stage
            )
    for org_id, name, org_owner, value, owner_id, what in in_kind:
        found = carried.get(org_id)
        if found is None:
            found = carried[org_id] = Candidate(org_id, name, ZERO, None, "", owner_id or org_owner, ZERO, "", "")
        found.in_kind += value
        found.in_kind_what = f"{found.in_kind_what}, {what}" if found.in_kind_what else what
    lapsed = [c for org_id, c in declined.items() if org_id not in carried]

    def order(c):
        return (-(c.amount + c.in_kind), c.organisation.lower(), c.organisation_id)

    return CarryForward(sorted(carried.values(), key=order), sorted(lapsed, key=order))
