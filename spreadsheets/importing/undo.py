"""Undo an import: delete what it created, restore what it changed, or refuse and say why."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.models import ImportBatch

CHUNK = 900


class ImportUndoRefused(Exception):
    """The batch cannot be undone; the message says which record stands in the way."""


def _describe(obj) -> str:
    return f"{obj._meta.verbose_name.capitalize()} “{obj}” (#{obj.pk})"


def _chunks(ids):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _has_updated_at(model):
    return any(f.attname == "updated_at" for f in model._meta.concrete_fields)


def undo_import(batch: ImportBatch, *, user=None) -> dict:
    """Atomic: either every created record is deleted and every changed one restored, or nothing changes."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.UNDONE:
            raise ImportUndoRefused(
                f"Import #{batch.pk} was already undone"
                f"{' on ' + timezone.localtime(batch.undone_at).strftime('%d %b %Y %H:%M') if batch.undone_at else ''}."
            )
        # 1. refuse if anything was edited after the import
        for label, ids in (batch.created_records or {}).items():
            model = apps.get_model(label)
            if not _has_updated_at(model):
                continue
            for chunk in _chunks(ids):
                edited = model._default_manager.filter(pk__in=chunk, updated_at__gt=batch.created_at).first()
                if edited:
                    raise ImportUndoRefused(
                        f"{_describe(edited)} was edited after import #{batch.pk}, so the import cannot be undone. "
                        "Undo that edit first or fix the records by hand."
                    )
        changed_by_model: dict[str, list] = {}
        for entry in batch.changed_records or []:
            changed_by_model.setdefault(entry["model"], []).append(entry)
        for label, entries in changed_by_model.items():
            model = apps.get_model(label)
            stamps = {e["id"]: parse_datetime(e["updated_at"]) for e in entries}
            ids = list(stamps)
            for chunk in _chunks(ids):
                for pk, updated_at in model._default_manager.filter(pk__in=chunk).values_list("pk", "updated_at"):
                    if abs((updated_at - stamps[pk]).total_seconds()) > 0.001:
                        obj = model._default_manager.get(pk=pk)
                        raise ImportUndoRefused(
                            f"{_describe(obj)} was edited after import #{batch.pk}, so the import cannot be "
                            "undone. Undo that edit first or fix the records by hand."
                        )
            if len(set(ids)) != sum(model._default_manager.filter(pk__in=c).count() for c in _chunks(ids)):
                raise ImportUndoRefused(
                    f"A {model._meta.verbose_name} changed by import #{batch.pk} has since been "
                    "deleted, so the import cannot be undone."
                )
        # 2. restore changed records (before deleting: they may point at created organisations)
        restored = 0
        for label, entries in changed_by_model.items():
            model = apps.get_model(label)
            fields = {f.attname: f for f in model._meta.concrete_fields}
            for entry in entries:
                obj = model._default_manager.get(pk=entry["id"])
                previous = dict(entry["previous"])
                tags = previous.pop("tags", None)
                for attname, value in previous.items():
                    if attname == "stage":
                        continue
                    setattr(obj, attname, fields[attname].to_python(value))
                obj._change_reason = f"undo import #{batch.pk}"
                obj.save()
                if "stage" in previous and previous["stage"] != obj.stage:
                    from sponsors.services import move_pledge

                    move_pledge(obj, previous["stage"], user=user, note=f"undo import #{batch.pk}")
                if tags is not None:
                    obj.tags.set(tags)
                restored += 1
        # 3. delete created records, most dependent first
        deleted = 0
        order = ["crm.interaction", "sponsors.pledge", "crm.contact", "crm.organisation"]
        labels = sorted(batch.created_records or {}, key=lambda label: order.index(label) if label in order else -1)
        for label in labels:
            model = apps.get_model(label)
            ids = batch.created_records[label]
            for chunk in _chunks(ids):
                try:
                    _, per_model = model._default_manager.filter(pk__in=chunk).delete()
                except ProtectedError as exc:
                    blocker = next(iter(exc.protected_objects))
                    raise ImportUndoRefused(
                        f"{_describe(blocker)} now depends on a record import #{batch.pk} created, so the import "
                        "cannot be undone."
                    ) from None
                deleted += per_model.get(model._meta.label, 0)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.UNDONE, undone_at=timezone.now())
    batch.refresh_from_db()
    return {"deleted": deleted, "restored": restored}
