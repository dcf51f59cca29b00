"""Who changed what and when, read from django-simple-history, for detail pages."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model


@dataclass
class Change:
    when: object
    who: str
    action: str
    reason: str
    fields: list = field(default_factory=list)  # (label, old, new)


ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _display(model, name, value, related):
    model_field = model._meta.get_field(name)
    if model_field.is_relation and value is not None:
        return str(related.get((model_field.related_model, value), value))
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    return "—" if value in ("", None) else value


def record_history(obj, limit: int = 50) -> list[Change]:
    """Newest first; each change lists its fields with old and new values (one query)."""
    records = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
    model = type(obj)
    changes = []
    previous = None
    for record in records:
        entry = Change(
            when=record.history_date,
            who=(record.history_user.get_username() if record.history_user else "system"),
            action=ACTIONS.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "",
        )
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            for item in delta.changes:
                entry.fields.append((item.field, item.old, item.new))
            if not entry.fields:
                previous = record
                continue
        changes.append(entry)
        previous = record
    changes = changes[::-1][:limit]
    _resolve_related(model, changes)
    return changes


def _resolve_related(model, changes):
    """Show foreign keys by name: one query per related model, not per change."""
    wanted: dict[type[Model], set[Any]] = {}
    for change in changes:
        for name, old, new in change.fields:
            model_field = model._meta.get_field(name)
            if model_field.is_relation:
                wanted.setdefault(model_field.related_model, set()).update(v for v in (old, new) if v is not None)
    related = {}
    for related_model, ids in wanted.items():
        for pk, instance in related_model._default_manager.in_bulk(ids).items():
            related[(related_model, pk)] = instance
    for change in changes:
        change.fields = [
            (
                model._meta.get_field(name).verbose_name,
                _display(model, name, old, related),
                _display(model, name, new, related),
            )
            for name, old, new in change.fields
        ]
