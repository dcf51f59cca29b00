""" "This looks like X": the rules run against the few existing records that could match one new
record (same email, same last name, same organisation; same name start or website), before it is
saved. Registered as crm.registry duplicate checks, so the core's forms, the quick log, email
triage and the import's dry run ask without importing this app."""

from __future__ import annotations

from django.db.models import Q

from crm.models import Contact, Organisation
from crm.registry import PossibleDuplicate
from duplicates import finding, matching
from duplicates.models import RuleKind, RuleSet, Target

#: The most records a check looks at, and warns about.
LIMIT = 200
SHOWN = 3
NEW = 0  # the id the new record takes in the rules' pairs


def _weights(target: str) -> tuple[dict[str, int], int]:
    from duplicates.models import DEFAULT_RULES, DEFAULT_THRESHOLD

    ruleset = RuleSet.objects.filter(target=target).first()
    if ruleset is None:
        return {str(k): w for k, w in DEFAULT_RULES[target].items()}, DEFAULT_THRESHOLD
    return dict(ruleset.rules.filter(enabled=True).values_list("kind", "weight")), ruleset.threshold


def _matches(target, pairs, weights, threshold, records) -> list[PossibleDuplicate]:
    labels = dict(RuleKind.choices)
    found = []
    for f in pairs.scored(weights, threshold, set()):
        if f.a != NEW:
            continue
        obj = records[f.b]
        found.append(
            PossibleDuplicate(
                pk=obj.pk,
                label=str(obj) + (f" <{obj.email}>" if target == Target.CONTACTS and obj.email else ""),
                url=obj.get_absolute_url(),
                reasons=tuple(labels.get(r, r) for r in f.rules),
                score=f.score,
            )
        )
    return found[:SHOWN]


def contact_check(values: dict) -> list[PossibleDuplicate]:
    weights, threshold = _weights(Target.CONTACTS)
    first, last = (values.get("first_name") or "").strip(), (values.get("last_name") or "").strip()
    email = matching.email_key(values.get("email") or "")
    organisation = values.get("organisation")
    organisation_id = getattr(organisation, "pk", organisation)
    organisation_id = int(organisation_id) if str(organisation_id or "").isdigit() else None
    near = Q(pk__in=[])
    if email:
        near |= Q(email=email) | Q(email__startswith=email.split("@")[0].split("+")[0] + "+")
        near |= Q(email__istartswith=matching.email_without_plus(email).split("@")[0])
    if last:
        near |= Q(last_name__iexact=last)
    if organisation_id:
        near |= Q(organisation_id=organisation_id)
    if not (email or last or organisation_id):
        return []
    records = {c.pk: c for c in Contact.objects.filter(near).order_by("-pk")[:LIMIT]}
    exclude = values.get("pk")
    rows = [(NEW, first, last, email, values.get("phone") or "", organisation_id)]
    rows += [
        (c.pk, c.first_name, c.last_name, c.email, c.phone, c.organisation_id)
        for c in records.values()
        if c.pk != exclude
    ]
    pairs = finding.contact_pairs(set(weights), rows)
    return _matches(Target.CONTACTS, pairs, weights, threshold, records)


def organisation_check(values: dict) -> list[PossibleDuplicate]:
    weights, threshold = _weights(Target.ORGANISATIONS)
    name = (values.get("name") or "").strip()
    website = values.get("website") or ""
    base = matching.organisation_base(name)
    if not base:
        return []
    first_word = name.split()[0] if name.split() else name
    near = Q(name__istartswith=first_word[:4])
    domain = matching.website_domain(website)
    if domain:
        near |= Q(website__icontains=domain)
    records = {o.pk: o for o in Organisation.objects.filter(near).order_by("-pk")[:LIMIT]}
    exclude = values.get("pk")
    rows = [(NEW, name, website)] + [(o.pk, o.name, o.website) for o in records.values() if o.pk != exclude]
    pairs = finding.organisation_pairs(set(weights) - {RuleKind.ORG_EMAIL_DOMAIN}, rows, people=[])
    return _matches(Target.ORGANISATIONS, pairs, weights, threshold, records)
