"""Finding candidate pairs without comparing every record with every other.

Each rule builds blocks of records sharing a key (an email, a phone number, an organisation, a
domain); pairs are only formed inside a block, and similar-name rules compare names (Jaro–Winkler,
rapidfuzz) only inside their block. A pair's score is the sum of the weights of the rules it
matched.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from crm.models import Contact, Organisation
from duplicates import matching
from duplicates.models import RuleKind

#: Names this similar (Jaro–Winkler, 0–1) or more match a similar-name rule; organisations' names
#: must also be this close as a whole (edit-distance ratio, 0–100).
SIMILARITY = 0.92
ORGANISATION_RATIO = 90
#: A key shared by more records than this (a switchboard number, a web host) is no evidence.
MAX_EXACT_BLOCK = 12
#: Similar names are compared inside blocks up to this size, in slices (memory stays small).
MAX_SIMILAR_BLOCK = 10_000
SLICE = 400


@dataclass
class Pairs:
    """Pair (low id, high id) → the rules it matched."""

    rules: dict[tuple[int, int], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, a: int, b: int, rule: str) -> None:
        if a != b:
            self.rules[(a, b) if a < b else (b, a)].add(rule)

    def add_block(self, ids: list[int], rule: str, limit: int = MAX_EXACT_BLOCK) -> None:
        if 1 < len(ids) <= limit:
            for a, b in itertools.combinations(ids, 2):
                self.add(a, b, rule)

    def scored(self, weights: dict[str, int], threshold: int, exclude: set[tuple[int, int]]) -> list[Found]:
        found = []
        for pair, rules in self.rules.items():
            if pair in exclude:
                continue
            score = sum(weights.get(rule, 0) for rule in rules)
            if score >= threshold and score > 0:
                found.append(Found(pair[0], pair[1], score, sorted(rules, key=lambda r: (-weights.get(r, 0), r))))
        found.sort(key=lambda f: (-f.score, f.a, f.b))
        return found


@dataclass(frozen=True)
class Found:
    a: int
    b: int
    score: int
    rules: list[str]


def _blocks(items: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for key, pk in items:
        if key:
            blocks[key].append(pk)
    return blocks


def _similar_in_block(
    pairs: Pairs, ids: list[int], names: list[str], rule: str, *, skip_equal: bool, min_ratio: float = 0
) -> None:
    """Pairs of the block whose names are similar (and, with skip_equal, not the same).

    `min_ratio` (0–100, edit-distance ratio) also asks the whole names to be close: Jaro–Winkler
    favours a shared start, which organisations of one town ("Harrogate Academy Company" /
    "Harrogate Academy Factory") all have."""
    n = len(ids)
    if n < 2 or n > MAX_SIMILAR_BLOCK:
        return

    def close(i: int, j: int) -> bool:
        return not (skip_equal and names[i] == names[j]) and (
            not min_ratio or fuzz.ratio(names[i], names[j]) >= min_ratio
        )

    if n <= 3:
        for i, j in itertools.combinations(range(n), 2):
            if close(i, j) and JaroWinkler.normalized_similarity(names[i], names[j]) >= SIMILARITY:
                pairs.add(ids[i], ids[j], rule)
        return
    for start in range(0, n, SLICE):
        scores = process.cdist(
            names[start : start + SLICE], names, scorer=JaroWinkler.normalized_similarity, score_cutoff=SIMILARITY
        )
        rows, cols = scores.nonzero()
        for r, c in zip(rows.tolist(), cols.tolist()):
            i = start + r
            if i < c and close(i, c):
                pairs.add(ids[i], ids[c], rule)


def contact_pairs(enabled: set[str], rows: Iterable[tuple] | None = None) -> Pairs:
    """rows: (pk, first_name, last_name, email, phone, organisation_id), all contacts by default."""
    if rows is None:
        rows = Contact.objects.order_by().values_list(
            "pk", "first_name", "last_name", "email", "phone", "organisation_id"
        )
    rows = list(rows)
    pairs = Pairs()
    emails = {r[0]: matching.email_key(r[3]) for r in rows}
    if RuleKind.EMAIL in enabled:
        for ids in _blocks((emails[r[0]], r[0]) for r in rows).values():
            pairs.add_block(ids, RuleKind.EMAIL)
    if RuleKind.EMAIL_PLUS in enabled:
        # Only addresses whose plus-less form is someone's plus-address can pair.
        plus = {pk: matching.email_without_plus(e) for pk, e in emails.items() if "+" in e.partition("@")[0]}
        wanted = set(plus.values())
        keys = ((plus.get(pk) or (e if e in wanted else ""), pk) for pk, e in emails.items())
        for ids in _blocks(keys).values():
            _add_if_differ(pairs, ids, emails, RuleKind.EMAIL_PLUS)
    if RuleKind.EMAIL_GMAIL in enabled:
        gmail = (
            (matching.gmail_key(e) if e.endswith(("@gmail.com", "@googlemail.com")) else "", pk)
            for pk, e in emails.items()
        )
        for ids in _blocks(gmail).values():
            _add_if_differ(pairs, ids, emails, RuleKind.EMAIL_GMAIL)
    if RuleKind.PHONE in enabled:
        for ids in _blocks((matching.phone_key(r[4]), r[0]) for r in rows).values():
            pairs.add_block(ids, RuleKind.PHONE)
    names = {r[0]: matching.person_key(r[1], r[2]) for r in rows}
    if RuleKind.NAME_ORG in enabled:
        keys = ((f"{r[5]}|{names[r[0]]}" if r[5] and names[r[0]] else "", r[0]) for r in rows)
        for ids in _blocks(keys).values():
            pairs.add_block(ids, RuleKind.NAME_ORG)
    if RuleKind.SIMILAR_NAME_ORG in enabled:
        for ids in _blocks((str(r[5]) if r[5] and names[r[0]] else "", r[0]) for r in rows).values():
            _similar_in_block(pairs, ids, [names[i] for i in ids], RuleKind.SIMILAR_NAME_ORG, skip_equal=True)
    if RuleKind.SIMILAR_NAME_DOMAIN in enabled:

        def domain(email: str) -> str:
            found = matching.email_domain(email)
            return "" if found in matching.FREE_MAIL_DOMAINS else found

        for ids in _blocks((domain(r[3]) if names[r[0]] else "", r[0]) for r in rows).values():
            _similar_in_block(pairs, ids, [names[i] for i in ids], RuleKind.SIMILAR_NAME_DOMAIN, skip_equal=False)
    return pairs


def _add_if_differ(pairs: Pairs, ids: list[int], emails: dict[int, str], rule: str) -> None:
    """A loose email rule counts only where the addresses are not simply the same."""
    if 1 < len(ids) <= MAX_EXACT_BLOCK:
        for a, b in itertools.combinations(ids, 2):
            if emails[a] != emails[b]:
                pairs.add(a, b, rule)


def organisation_pairs(
    enabled: set[str], rows: Iterable[tuple] | None = None, people: Iterable[tuple] | None = None
) -> Pairs:
    """rows: (pk, name, website); people: (organisation_id, email)."""
    if rows is None:
        rows = Organisation.objects.order_by().values_list("pk", "name", "website")
    rows = list(rows)
    pairs = Pairs()
    bases = {r[0]: matching.organisation_base(r[1]) for r in rows}
    if RuleKind.ORG_NAME in enabled:
        for ids in _blocks((bases[r[0]], r[0]) for r in rows).values():
            pairs.add_block(ids, RuleKind.ORG_NAME)
    if RuleKind.ORG_SIMILAR_NAME in enabled:
        # Initials: "Leeds CC" and "Leeds City Council", when one of them is written with an acronym.
        acronym = {r[0] for r in rows if matching.has_acronym(r[1])}
        for ids in _blocks((matching.organisation_initials(r[1]), r[0]) for r in rows).values():
            for a, b in itertools.combinations(ids, 2) if len(ids) <= MAX_EXACT_BLOCK else ():
                if bases[a] != bases[b] and (a in acronym or b in acronym):
                    pairs.add(a, b, RuleKind.ORG_SIMILAR_NAME)
        # Similar spellings, compared among names that start alike.
        by_start = _blocks((bases[r[0]][:4], r[0]) for r in rows)
        for ids in by_start.values():
            _similar_in_block(
                pairs,
                ids,
                [bases[i] for i in ids],
                RuleKind.ORG_SIMILAR_NAME,
                skip_equal=True,
                min_ratio=ORGANISATION_RATIO,
            )
    if RuleKind.ORG_WEBSITE in enabled:
        for ids in _blocks((matching.website_domain(r[2]), r[0]) for r in rows).values():
            pairs.add_block(ids, RuleKind.ORG_WEBSITE)
    if RuleKind.ORG_EMAIL_DOMAIN in enabled:
        if people is None:
            people = (
                Contact.objects.order_by()
                .filter(organisation__isnull=False)
                .exclude(email="")
                .values_list("organisation_id", "email")
            )
        orgs_by_domain: dict[str, set[int]] = defaultdict(set)
        for org_id, email in people:
            domain = matching.email_domain(email)
            if domain and domain not in matching.FREE_MAIL_DOMAINS:
                orgs_by_domain[domain].add(org_id)
        for ids in orgs_by_domain.values():
            pairs.add_block(sorted(ids), RuleKind.ORG_EMAIL_DOMAIN)
    return pairs
