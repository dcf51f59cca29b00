"""Writes of the duplicates app: find candidate pairs, say two records are not duplicates, merge
records (one kept, one or more merged into it) and undo a merge within 30 days.

A merge moves every row that points at a merged record through the merge hooks each app
registers (crm.registry.register_merge_hook), then deletes the merged record; the core never
names those apps, and neither does this one.
"""

from __future__ import annotations

import datetime
import decimal
import time
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from crm import registry
from crm.merging import acting, note_history, restore, snapshot
from crm.models import Contact, Organisation
from duplicates import finding
from duplicates.models import (
    DEFAULT_RULES,
    DEFAULT_THRESHOLD,
    MODEL_LABELS,
    CandidatePair,
    Merge,
    NotDuplicate,
    Rule,
    RuleSet,
    Target,
)

#: The fields a person chooses between on the merge screen, in the order shown.
CHOICE_FIELDS: dict[str, list[str]] = {
    Target.CONTACTS: [
        "salutation",
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "organisation",
        "owner",
        "source",
        "notes",
    ],
    Target.ORGANISATIONS: ["name", "sector", "website", "city", "owner", "source", "notes"],
}
ROLE_FIELDS = ["is_sponsor", "is_supplier", "is_training_provider", "is_public_body"]
CONSENT_FIELDS = ["lawful_basis", "consent_date", "do_not_contact"]


class MergeError(Exception):
    """A merge or undo that cannot happen; the message says why, in words a person reads."""


class StaleRecords(MergeError):
    """A record changed since the merge screen was opened."""


class ConflictsUnresolved(MergeError):
    """The merge needs decisions first (crm.registry.MergeConflict), keyed "<merged id>:<key>"."""

    def __init__(self, message: str, conflicts: dict[str, registry.MergeConflict]):
        super().__init__(message)
        self.conflicts = conflicts


def model_for(target: str) -> Any:
    if target not in MODEL_LABELS:
        raise MergeError(f"Unknown kind of record “{str(target)[:30]}”: choose contacts or organisations.")
    return apps.get_model(MODEL_LABELS[target])


# --- rules ---------------------------------------------------------------------------------------


def ensure_rules(target: str) -> RuleSet:
    """The rule set of `target`, created with the default weights the first time."""
    ruleset, _ = RuleSet.objects.get_or_create(target=target, defaults={"threshold": DEFAULT_THRESHOLD})
    existing = set(ruleset.rules.values_list("kind", flat=True))
    missing = [
        Rule(ruleset=ruleset, kind=kind, weight=w) for kind, w in DEFAULT_RULES[target].items() if kind not in existing
    ]
    if missing:
        Rule.objects.bulk_create(missing)
    return ruleset


@transaction.atomic
def save_rules(target: str, *, threshold: int, weights: dict[str, int], enabled: dict[str, bool]) -> RuleSet:
    ruleset = ensure_rules(target)
    ruleset.threshold = threshold
    ruleset.save(update_fields=["threshold", "updated_at"])
    for rule in ruleset.rules.all():
        rule.weight = weights.get(rule.kind, rule.weight)
        rule.enabled = enabled.get(rule.kind, rule.enabled)
        rule.save(update_fields=["weight", "enabled"])
    return ruleset


# --- finding -------------------------------------------------------------------------------------


@dataclass
class FindResult:
    target: str
    found: list[finding.Found]
    stored: int
    seconds: float


def _excluded(target: str) -> set[tuple[int, int]]:
    return set(NotDuplicate.objects.filter(target=target).values_list("low_id", "high_id"))


def find_duplicates(target: str, *, min_score: int | None = None) -> FindResult:
    """Run the rules over every record of `target` and store the candidate pairs (score at or
    above the threshold) in place of the last search's. Returns the pairs at or above
    `min_score` (the threshold when not given), best first."""
    model_for(target)
    started = time.perf_counter()
    ruleset = ensure_rules(target)
    rules = list(ruleset.rules.filter(enabled=True))
    weights = {rule.kind: rule.weight for rule in rules}
    enabled = set(weights)
    pairs = finding.contact_pairs(enabled) if target == Target.CONTACTS else finding.organisation_pairs(enabled)
    floor = ruleset.threshold if min_score is None else min(min_score, ruleset.threshold)
    found = pairs.scored(weights, floor, _excluded(target))
    keep = [f for f in found if f.score >= ruleset.threshold]
    a, b = ("contact_a_id", "contact_b_id") if target == Target.CONTACTS else ("organisation_a_id", "organisation_b_id")
    now = timezone.now()
    with transaction.atomic():
        CandidatePair.objects.filter(target=target).delete()
        CandidatePair.objects.bulk_create(
            [
                CandidatePair(target=target, score=f.score, rules=f.rules, found_at=now, **{a: f.a, b: f.b})
                for f in keep
            ],
            batch_size=2000,
        )
        seconds = time.perf_counter() - started
        RuleSet.objects.filter(pk=ruleset.pk).update(
            last_run_at=now, last_run_seconds=round(seconds, 3), last_pair_count=len(keep)
        )
    shown = found if min_score is None else [f for f in found if f.score >= min_score]
    return FindResult(target, shown, len(keep), seconds)


@transaction.atomic
def mark_not_duplicates(target: str, a_id: int, b_id: int, *, user) -> NotDuplicate:
    """Remember that these two are different people (or organisations): the pair is never shown
    again, by this search or the next."""
    model_for(target)
    low, high = sorted((int(a_id), int(b_id)))
    if low == high:
        raise MergeError("A record is always the same as itself: choose two different records.")
    decision, _ = NotDuplicate.objects.get_or_create(
        target=target, low_id=low, high_id=high, defaults={"decided_by": user}
    )
    a, b = ("contact_a_id", "contact_b_id") if target == Target.CONTACTS else ("organisation_a_id", "organisation_b_id")
    CandidatePair.objects.filter(target=target).filter(
        models.Q(**{a: low, b: high}) | models.Q(**{a: high, b: low})
    ).delete()
    return decision


# --- the merge screen's plan ---------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def field_values(obj: Any) -> dict:
    """The record's concrete fields (attname → JSON-ready value)."""
    return {f.attname: _jsonable(f.value_from_object(obj)) for f in obj._meta.concrete_fields}


def version_of(obj: Any) -> str:
    return obj.updated_at.isoformat() if obj.updated_at else ""


def _display(obj: Any, name: str) -> str:
    value = getattr(obj, name)
    if value is None or value == "":
        return ""
    field: Any = obj._meta.get_field(name)
    if field.choices:
        return getattr(obj, f"get_{name}_display")()
    return str(value)


def _fullness(obj: models.Model, name: str) -> int:
    return len(_display(obj, name))


@dataclass
class FieldRow:
    name: str
    label: str
    values: list[tuple[int, str]]  # (record pk, shown value), kept record first
    chosen: int

    @property
    def differ(self) -> bool:
        return len({v for _, v in self.values}) > 1


@dataclass
class MergePlan:
    target: str
    kept: Any
    merged: list[Any]
    fields: list[FieldRow]
    fixed: list[tuple[str, str]]
    moves: dict[str, int]
    conflicts: dict[str, registry.MergeConflict]
    versions: dict[int, str] = field(default_factory=dict)

    @property
    def records(self) -> list[Any]:
        return [self.kept, *self.merged]


def _load(target: str, keep_id, merge_ids, *, lock: bool = False) -> tuple[Any, list[Any]]:
    model: Any = model_for(target)
    noun = str(model._meta.verbose_name)
    try:
        keep_id = int(keep_id)
        merge_ids = [int(pk) for pk in merge_ids]
    except (TypeError, ValueError):
        raise MergeError(f"Choose the {noun}s to merge by their numbers.") from None
    merge_ids = list(dict.fromkeys(pk for pk in merge_ids))
    if keep_id in merge_ids:
        raise MergeError(f"A {noun} cannot be merged into itself: choose a different {noun} to keep.")
    if not merge_ids:
        raise MergeError(f"Choose at least one other {noun} to merge into the one kept.")
    queryset = model._default_manager.filter(pk__in=[keep_id, *merge_ids]).order_by("pk")
    queryset = (
        queryset.select_related("owner", "organisation")
        if target == Target.CONTACTS
        else queryset.select_related("owner")
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = {obj.pk: obj for obj in queryset}
    missing = [pk for pk in [keep_id, *merge_ids] if pk not in found]
    if missing:
        which = ", ".join(f"#{pk}" for pk in missing)
        raise MergeError(
            f"{noun.capitalize()} {which} no longer exists (deleted, or already merged into another). "
            "Go back to the list and search again."
        )
    return found[keep_id], [found[pk] for pk in merge_ids]


def _default_choices(target: str, kept, merged) -> dict[str, int]:
    """The fuller value of each field (longest shown text; the kept record's on a tie)."""
    choices = {}
    for name in CHOICE_FIELDS[target]:
        best = kept
        for other in merged:
            if _fullness(other, name) > _fullness(best, name):
                best = other
        choices[name] = best.pk
    return choices


def _consent(records: list) -> dict:
    """The stricter consent wins: do-not-contact if any record says so; the latest consent date
    with the lawful basis given with it (the kept record's basis when none has a date)."""
    dated = [r for r in records if r.consent_date]
    latest = max(dated, key=lambda r: r.consent_date) if dated else None
    return {
        "do_not_contact": any(r.do_not_contact for r in records),
        "consent_date": latest.consent_date if latest else None,
        "lawful_basis": latest.lawful_basis if latest else records[0].lawful_basis,
    }


def _conflicts(target: str, kept, merged) -> dict[str, registry.MergeConflict]:
    found = {}
    for loser in merged:
        for hook in registry.merge_hooks(MODEL_LABELS[target]):
            for conflict in hook.conflicts(loser, kept):
                found[f"{loser.pk}:{conflict.key}"] = conflict
    return found


def merge_plan(target: str, keep_id, merge_ids, choices: dict | None = None) -> MergePlan:
    """What the merge screen shows: each field's values side by side with the fuller chosen,
    what is decided by rule (consent, roles), what moves, and the questions to answer."""
    kept, merged = _load(target, keep_id, merge_ids)
    records = [kept, *merged]
    chosen = _default_choices(target, kept, merged)
    for name, pk in (choices or {}).items():
        if name in chosen and any(r.pk == pk for r in records):
            chosen[name] = pk
    model: Any = records[0]._meta
    rows = [
        FieldRow(
            name=name,
            label=str(model.get_field(name).verbose_name).capitalize(),
            values=[(r.pk, _display(r, name)) for r in records],
            chosen=chosen[name],
        )
        for name in CHOICE_FIELDS[target]
    ]
    fixed = []
    if target == Target.CONTACTS:
        consent = _consent(records)
        basis = dict(model.get_field("lawful_basis").choices)[consent["lawful_basis"]]
        fixed = [
            ("Do not contact", "Yes (one of them asked)" if consent["do_not_contact"] else "No"),
            (
                "Consent date",
                consent["consent_date"].strftime("%-d %b %Y") if consent["consent_date"] else "None given",
            ),
            ("Lawful basis", basis),
        ]
    else:
        labels = [str(model.get_field(f).verbose_name) for f in ROLE_FIELDS if any(getattr(r, f) for r in records)]
        fixed = [("Roles", ", ".join(labels).capitalize() if labels else "None")]
    moves: dict[str, int] = {}
    for loser in merged:
        for hook in registry.merge_hooks(MODEL_LABELS[target]):
            for label, count in hook.preview(loser, kept).items():
                moves[label] = moves.get(label, 0) + count
    return MergePlan(
        target=target,
        kept=kept,
        merged=merged,
        fields=rows,
        fixed=fixed,
        moves={label: n for label, n in moves.items() if n},
        conflicts=_conflicts(target, kept, merged),
        versions={r.pk: version_of(r) for r in records},
    )


# --- merging -------------------------------------------------------------------------------------


def _still_pointing(obj: Any) -> list[str]:
    """Rows that would be deleted or unlinked with the record (no merge hook moved them), hidden
    relations (related_name="+") included.

    History rows (DO_NOTHING, no constraint) and the record's own many-to-many links (kept with
    its row) are not counted."""
    left = []
    for relation in obj._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        related: Any = relation.related_model
        if related._meta.auto_created or relation.on_delete is models.DO_NOTHING:
            continue
        count = related._base_manager.filter(**{relation.field.name: obj.pk}).count()
        if count:
            left.append(f"{count} {related._meta.verbose_name_plural} ({related._meta.label})")
    return left


def _apply(target: str, kept, records: list, choices: dict[str, int]) -> None:
    by_pk = {r.pk: r for r in records}
    for name in CHOICE_FIELDS[target]:
        source = by_pk[choices[name]]
        field: Any = kept._meta.get_field(name)
        attname = field.attname
        setattr(kept, attname, getattr(source, attname))
    if target == Target.CONTACTS:
        for name, value in _consent(records).items():
            setattr(kept, name, value)
    else:
        for name in ROLE_FIELDS:
            setattr(kept, name, any(getattr(r, name) for r in records))


def _validate(kept) -> None:
    try:
        if isinstance(kept, Organisation):
            kept.clean()
        kept.validate_constraints()
    except ValidationError as error:
        raise MergeError(" ".join(error.messages)) from None


def _label(obj) -> str:
    text = str(obj)
    if isinstance(obj, Contact):
        text = f"{obj.salutation} {text}".strip()
        if obj.email and obj.email != str(obj):
            text = f"{text} <{obj.email}>"
    return f"{text} (#{obj.pk})"


def merge_records(
    target: str,
    keep_id,
    merge_ids,
    *,
    user,
    choices: dict[str, int] | None = None,
    versions: dict | None = None,
    resolutions: dict[str, str] | None = None,
) -> Merge:
    """Merge `merge_ids` into `keep_id`, in one transaction with every record locked.

    `choices` says, per field, whose value the kept record takes (the fuller value by default);
    `versions` ({pk: updated_at as the screen saw it}) refuses the merge when a record changed
    since; `resolutions` answers the hooks' conflicts ("<merged id>:<key>" → choice). Refused
    merges change nothing.
    """
    model = model_for(target)
    with transaction.atomic(), acting(user):
        kept, merged = _load(target, keep_id, merge_ids, lock=True)
        records = [kept, *merged]
        if versions is not None:
            changed = [r for r in records if str(versions.get(r.pk, versions.get(str(r.pk), ""))) != version_of(r)]
            if changed:
                names = ", ".join(_label(r) for r in changed)
                raise StaleRecords(
                    f"Someone changed {names} since this screen was opened. Check the values below and merge again."
                )
        conflicts = _conflicts(target, kept, merged)
        resolutions = {k: str(v) for k, v in (resolutions or {}).items()}
        unanswered = {
            key: c for key, c in conflicts.items() if resolutions.get(key) not in {value for value, _ in c.choices}
        }
        if unanswered:
            raise ConflictsUnresolved(
                "Answer the question" + ("s" if len(unanswered) > 1 else "") + " below before merging.", unanswered
            )
        chosen = _default_choices(target, kept, merged)
        for name, pk in (choices or {}).items():
            if name in chosen:
                try:
                    pk = int(pk)
                except (TypeError, ValueError):
                    raise MergeError(f"Choose whose {name.replace('_', ' ')} to keep.") from None
                if pk not in {r.pk for r in records}:
                    raise MergeError(f"Choose whose {name.replace('_', ' ')} to keep from the records being merged.")
                chosen[name] = pk

        kept_before = field_values(kept)
        summary = f"{', '.join(_label(r) for r in merged)} merged into {_label(kept)}"[:300]
        hooks = registry.merge_hooks(MODEL_LABELS[target])
        merged_rows, hook_records = [], {}
        try:
            for loser in merged:
                merged_rows += snapshot(model._default_manager.filter(pk=loser.pk))
                mine = {k.split(":", 1)[1]: v for k, v in resolutions.items() if k.startswith(f"{loser.pk}:")}
                hook_records[str(loser.pk)] = {hook.name: hook.move(loser, kept, mine) for hook in hooks}
                left = _still_pointing(loser)
                if left:
                    raise MergeError(
                        f"Nothing was merged: {_label(loser)} still has {', '.join(left)} that no app moves. "
                        "Tell whoever looks after the system."
                    )
                note_history(loser, f"merged into #{kept.pk}", user)
                pk = loser.pk
                loser.delete()
                loser.pk = pk
            _apply(target, kept, records, chosen)
            _validate(kept)
            note_history(kept, "merged with " + ", ".join(f"#{r.pk}" for r in merged), user)
            kept.save()
        except IntegrityError as error:
            raise MergeError(f"Nothing was merged: the database refused it ({error}).") from None
        merge = Merge.objects.create(
            target=target,
            kept_id=kept.pk,
            merged_ids=[r.pk for r in merged],
            summary=summary,
            kept_before=kept_before,
            kept_after=field_values(kept),
            merged_rows=merged_rows,
            hook_records=hook_records,
            merged_by=user,
        )
        event = "contact.merged" if target == Target.CONTACTS else "organisation.merged"
        registry.publish_event(event, lambda: _event_payload(merge))
    return merge


def _event_payload(merge: Merge) -> dict:
    return {
        "merge": merge.pk,
        "kept": merge.kept_id,
        "merged": list(merge.merged_ids),
        "merged_at": merge.merged_at.isoformat(),
    }


# --- undo ----------------------------------------------------------------------------------------


def undo_merge(merge_or_id: Merge | int, *, user, now: datetime.datetime | None = None) -> Merge:
    """Put the merged records back (same primary keys, their own rows) and revert the fields the
    merge set on the kept record, unless someone has changed them since. Within 30 days."""
    pk = merge_or_id.pk if isinstance(merge_or_id, Merge) else int(merge_or_id)
    with transaction.atomic(), acting(user):
        found = Merge.objects.select_for_update().filter(pk=pk).first()
        if found is None:
            raise MergeError("That merge does not exist.")
        merge = found
        if merge.undone_at:
            raise MergeError(f"This merge was already undone on {timezone.localtime(merge.undone_at):%-d %b %Y %H:%M}.")
        if not merge.can_undo(now):
            raise MergeError(
                f"A merge can be undone for 30 days; this one was on {timezone.localtime(merge.merged_at):%-d %b %Y}."
            )
        model = model_for(merge.target)
        kept = model._default_manager.select_for_update(of=("self",)).filter(pk=merge.kept_id).first()
        if kept is None:
            raise MergeError(
                f"The kept {model._meta.verbose_name} (#{merge.kept_id}) no longer exists: it was deleted or merged "
                "into another since. Undo that first."
            )
        if model._default_manager.filter(pk__in=merge.merged_ids).exists():
            raise MergeError("A merged record exists again already; nothing was changed.")

        fields = {f.attname: f for f in model._meta.concrete_fields}
        current = field_values(kept)
        for name, after in merge.kept_after.items():
            before = merge.kept_before.get(name)
            if name in ("updated_at", "created_at", "id") or before == after or name not in fields:
                continue
            if current.get(name) == after:
                setattr(kept, name, fields[name].to_python(before))
        _validate(kept)
        note_history(kept, f"merge undone: {', '.join(f'#{i}' for i in merge.merged_ids)} restored", user)
        kept.save()

        try:
            for item in _deserialise(merge.merged_rows):
                _validate_restore(item)
            restore(merge.merged_rows)
        except IntegrityError as error:
            raise MergeError(f"The merged records could not be restored ({error}); nothing was changed.") from None
        losers = {obj.pk: obj for obj in model._default_manager.filter(pk__in=merge.merged_ids)}
        for loser in losers.values():
            note_history(loser, f"restored: merge into #{kept.pk} undone", user)
            loser.save()
        hooks = registry.merge_hooks(MODEL_LABELS[merge.target])
        for loser_id in reversed(merge.merged_ids):
            records = merge.hook_records.get(str(loser_id), {})
            for hook in reversed(hooks):
                if hook.name in records:
                    hook.undo(losers[loser_id], kept, records[hook.name])
        merge.undone_at = timezone.now()
        merge.undone_by = user
        merge.save(update_fields=["undone_at", "undone_by"])
    return merge


def _deserialise(rows: list[dict]):
    from django.core import serializers

    return list(serializers.deserialize("python", rows))


def _validate_restore(item) -> None:
    obj = item.object
    try:
        if isinstance(obj, Organisation):
            obj.clean()
        obj.validate_constraints()
        obj.validate_unique()
    except ValidationError as error:
        raise MergeError(f"{_label(obj)} cannot come back: {' '.join(error.messages)} Nothing was changed.") from None
