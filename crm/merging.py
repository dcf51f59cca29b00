"""Helpers for merge hooks (crm.registry.MergeHook): move a foreign key and move it back, keep
rows as JSON and put them back. Each app's hook is a few calls to these.

Records are JSON-ready (lists of ids, rows as Django's serializer writes them), because the
merge keeps them in the database for 30 days so the merge can be undone.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core import serializers
from django.db import models
from simple_history.utils import bulk_update_with_history

#: Ids per UPDATE when a merge is undone. One statement for all but the busiest records: on
#: PostgreSQL each UPDATE of crm_interaction also runs the dashboards' and privacy's statement
#: triggers, and the 500-row second chunk of 5,500 interactions cost 0.29 s by itself (the undo
#: 1.1-1.2 s in two chunks, 0.8-0.9 s in one). Well under PostgreSQL's 65,535 parameters.
CHUNK = 30_000

#: Who is merging, for the history rows the helpers write (set by the merge service).
acting_user: ContextVar = ContextVar("merge_acting_user", default=None)


@contextmanager
def acting(user):
    token = acting_user.set(user)
    try:
        yield
    finally:
        acting_user.reset(token)


def chunks(ids: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def move_fk(queryset: models.QuerySet, field: str, to_id: int) -> list[int]:
    """Point `field` of every row in `queryset` at `to_id` in one UPDATE; the ids moved."""
    ids = list(queryset.values_list("pk", flat=True))
    if ids:
        queryset.update(**{field: to_id})
    return ids


def move_fk_back(model: type[models.Model], ids: list[int], field: str, from_id: int, to_id: int) -> int:
    """Undo of move_fk: the rows still pointing at `from_id` point at `to_id` again."""
    moved = 0
    for chunk in chunks(ids):
        moved += model._base_manager.filter(pk__in=chunk, **{field: from_id}).update(**{field: to_id})
    return moved


def note_history(obj: Any, reason: str, user: Any = None) -> None:
    """The reason (and who) django-simple-history records with the record's next save."""
    obj._change_reason = reason[:100]
    obj._history_user = user if user is not None else acting_user.get()


def move_fk_with_history(
    queryset: models.QuerySet, field: str, to_id: int, *, user=None, reason: str = "merged"
) -> list[int]:
    """move_fk for models with django-simple-history: one history row per moved record, so its
    page says who moved it and why. For the few rows of a record (follow-ups, pledges, favours)."""
    objs = list(queryset)
    for obj in objs:
        setattr(obj, field, to_id)
    if objs:
        bulk_update_with_history(
            objs,
            queryset.model,
            [field.removesuffix("_id")],
            default_user=user or acting_user.get(),
            default_change_reason=reason,
        )
    return [obj.pk for obj in objs]


def move_fk_back_with_history(
    model: type[models.Model], ids: list[int], field: str, from_id: int, to_id: int, *, user=None, reason: str = ""
) -> int:
    return len(
        move_fk_with_history(
            model._base_manager.filter(pk__in=ids, **{field: from_id}), field, to_id, user=user, reason=reason
        )
    )


def snapshot(queryset: models.QuerySet) -> list[dict]:
    """The rows as JSON-ready dicts (Django's serializer), followed by their many-to-many link
    rows with the links' own ids, so `restore` puts back exactly what was there."""
    rows = _jsonable(serializers.serialize("python", queryset))
    for row in rows:
        for name in [f.name for f in queryset.model._meta.many_to_many]:
            row["fields"].pop(name, None)
    ids = [row["pk"] for row in rows]
    for m2m in queryset.model._meta.many_to_many:
        through = m2m.remote_field.through
        if through._meta.auto_created and ids:
            source = m2m.m2m_field_name()
            rows += _jsonable(serializers.serialize("python", through._base_manager.filter(**{f"{source}__in": ids})))
    return rows


def _value(value):
    """Full precision (Django's JSON encoder cuts times to milliseconds, and undo must be exact)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{**row, "fields": {k: _value(v) for k, v in row["fields"].items()}} for row in rows]


def restore(rows: list[dict]) -> int:
    """Put rows kept by `snapshot` back, with their primary keys and many-to-many links.

    Saved raw (no signals' side effects: no history row, no webhook), as a backup restore does.
    """
    count = 0
    for item in serializers.deserialize("python", rows):
        item.save()
        count += 1
    return count
