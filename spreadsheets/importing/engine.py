"""Dry run (plan_import) and commit (commit_import), shared by the web wizard and the CLI.

The resource (crm/resources) cleans every cell with its widgets and decides what
a row means; this module walks the file once, keeps the counts, the errors and
the diffs, and at commit hands the valid rows back to the resource, which
batches the writes inside one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from crm import registry
from crm.models import ImportBatch

from .mapping import TARGETS, target_fields
from .progress import reporting_progress
from .reading import ImportRejected, Table, gc_paused

MODES = ("create_update", "create", "update")
MODE_LABELS = {"create_update": "create and update", "create": "create only", "update": "update only"}
MAX_REPORTED_DIFFS = 5000


@dataclass
class PlanRow:
    line: int
    action: str  # new, updated, unchanged, skipped, error
    values: dict
    snapshot: dict | None = None
    changes: dict = field(default_factory=dict)


@dataclass
class Plan:
    target: str
    mode: str
    overwrite_blank: bool
    mapping: dict
    headers: list
    counts: dict
    errors: list
    diffs: list
    skipped: list  # [{line, reason}] rows deliberately not imported (duplicates, mode)
    rows: list
    resource: object = None
    file_name: str = ""

    @property
    def summary(self) -> str:
        c = self.counts
        return (
            f"new={c['new']} updated={c['updated']} unchanged={c['unchanged']} "
            f"skipped={c['skipped']} errors={c['errors']}"
        )

    @property
    def has_errors(self) -> bool:
        return self.counts["errors"] > 0

    @property
    def writes(self) -> int:
        return self.counts["new"] + self.counts["updated"]


def _check_mapping(target, table: Table, mapping: dict) -> dict:
    fields = {f.name: f for f in target_fields(target)}
    clean = {}
    for header in table.headers:
        name = (mapping or {}).get(header, "") or ""
        if name and name not in fields:
            raise ImportRejected(f"“{name}” is not a {target} field (column “{header}”).")
        clean[header] = name
    used = [n for n in clean.values() if n]
    twice = {n for n in used if used.count(n) > 1}
    if twice:
        name = min(twice)
        headers = [h for h, n in clean.items() if n == name]
        raise ImportRejected(
            f"Columns {', '.join(f'“{h}”' for h in headers)} are all mapped to {fields[name].label}; map only one."
        )
    missing = [f.label for f in fields.values() if f.required and f.name not in used]
    if missing:
        raise ImportRejected(
            f"The file has no column for {', '.join(missing)}: "
            f"map a column to it (columns found: {', '.join(table.headers)})."
        )
    if target == "contacts" and not set(used) & {"email", "first_name", "last_name", "full_name"}:
        raise ImportRejected(
            "The file has no column for Email or a name: map a column to Email, "
            f"First name, Last name or Full name (columns found: {', '.join(table.headers)})."
        )
    if target == "interactions" and not set(used) & {"organisation", "contact"}:
        raise ImportRejected("The file has no column for the Organisation or the Contact email: map one of them.")
    return clean


@gc_paused
def plan_import(
    target: str, table: Table, mapping: dict, *, mode: str = "create_update", overwrite_blank: bool = False
) -> Plan:
    """The dry run: what the import would do, row by row. Reads the database, never writes."""
    if target not in TARGETS:
        raise ImportRejected(f"Unknown import target “{target}”; choose one of {', '.join(TARGETS)}.")
    if mode not in MODES:
        raise ImportRejected(f"Unknown mode “{mode}”; choose create, update or create_update.")
    from spreadsheets.resources import resource_for

    mapping = _check_mapping(target, table, mapping)
    columns = [(i, h, n) for i, (h, n) in enumerate(mapping.items()) if n]
    column_of = {n: h for _, h, n in columns}
    resource = resource_for(target)
    resource.prepare({n for _, _, n in columns})
    counts = {"new": 0, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 0}
    errors, diffs, skipped, rows = [], [], [], []
    seen: dict = {}
    cleaners = [(i, header, name, resource.cleaner(name)) for i, header, name in columns]

    complete, keys_of = resource.complete, resource.keys
    for line, cells in zip(table.line_numbers, table.rows):
        values, row_errors = {}, None
        for i, header, name, clean in cleaners:
            raw = cells[i]
            if raw == "":
                values[name] = None
                continue
            try:
                values[name] = clean(raw)
            except ValueError as exc:
                if row_errors is None:
                    row_errors = []
                row_errors.append({"line": line, "column": header, "reason": _reason(exc, header)})
        if row_errors is None:
            problems = complete(values)
            if problems:
                row_errors = [
                    {"line": line, "column": column_of.get(name, name), "reason": reason} for name, reason in problems
                ]
        if row_errors:
            counts["errors"] += 1
            errors.extend(row_errors)
            rows.append(PlanRow(line, "error", values))
            continue
        keys = keys_of(values)
        first = None
        for k in keys:
            if k in seen:
                first = seen[k]
                break
        if first is not None:
            counts["skipped"] += 1
            skipped.append({"line": line, "reason": f"Same {_noun(target)} as line {first}; imported once."})
            rows.append(PlanRow(line, "skipped", values))
            continue
        for k in keys:
            seen[k] = line
        snapshot = resource.find(values)
        if snapshot is None:
            if mode == "update":
                counts["skipped"] += 1
                skipped.append({"line": line, "reason": f"No matching {_noun(target)} (update only)."})
                rows.append(PlanRow(line, "skipped", values))
                continue
            counts["new"] += 1
            rows.append(PlanRow(line, "new", values))
            continue
        if mode == "create":
            counts["skipped"] += 1
            skipped.append(
                {"line": line, "reason": f"{resource.label(values, snapshot)} already exists (create only)."}
            )
            rows.append(PlanRow(line, "skipped", values, snapshot))
            continue
        changes = resource.changes(snapshot, values, overwrite_blank)
        if not changes:
            counts["unchanged"] += 1
            rows.append(PlanRow(line, "unchanged", values, snapshot))
            continue
        counts["updated"] += 1
        rows.append(PlanRow(line, "updated", values, snapshot, changes))
        if len(diffs) < MAX_REPORTED_DIFFS:
            diffs.append(
                {
                    "line": line,
                    "label": resource.label(values, snapshot),
                    "changes": {name: [old, new] for name, (old, new) in changes.items()},
                }
            )
    return Plan(
        target=target,
        mode=mode,
        overwrite_blank=overwrite_blank,
        mapping=mapping,
        headers=table.headers,
        counts=counts,
        errors=errors,
        diffs=diffs,
        skipped=skipped,
        rows=rows,
        resource=resource,
        file_name=table.filename,
    )


#: The dry run checks this many new rows against the duplicate rules (a few queries each), so a
#: large file's preview stays quick; the duplicates list finds the rest after the import.
MAX_LOOK_ALIKE_ROWS = 50
_CHECKED_MODELS = {"contacts": "crm.contact", "organisations": "crm.organisation"}


def look_alikes(plan: Plan, limit: int = MAX_LOOK_ALIKE_ROWS) -> list[dict]:
    """New rows that look like records already there: [{"line", "matches"}], from the duplicate
    checks other apps register (crm.registry.register_duplicate_check); none without one."""
    model_label = _CHECKED_MODELS.get(plan.target)
    if model_label is None:
        return []
    found, checked = [], 0
    for row in plan.rows:
        if row.action != "new":
            continue
        if checked >= limit:
            break
        checked += 1
        values = dict(row.values)
        organisation = values.get("organisation")
        if isinstance(organisation, tuple):  # an OrganisationRef: (key, name, pk or None when new)
            values["organisation"] = organisation[2]
        matches = registry.possible_duplicates(model_label, values)
        if matches:
            found.append({"line": row.line, "matches": matches})
    return found


def _noun(target):
    return {"contacts": "contact", "organisations": "organisation", "pledges": "pledge", "interactions": "interaction"}[
        target
    ]


def _reason(exc, header):
    text = str(exc.args[0] if exc.args else exc)
    if text.startswith(("is ", "has ")):
        return f"“{header}” {text}"
    return text


@gc_paused
def commit_import(
    plan: Plan, *, user=None, file_name: str = "", mapping=None, progress: Callable[[int, int], None] | None = None
) -> ImportBatch:
    """Write every valid row of the plan, or nothing; record an ImportBatch that can undo it.

    ``progress(rows done, total)`` (a background job's bar) is called as the writes go.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # index-heavy bulk inserts thrash the default 2 MB page cache
            cursor.execute("PRAGMA cache_size = -131072")
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            target=plan.target,
            file_name=(file_name or plan.file_name or "import")[:255],
            created_by=user if getattr(user, "pk", None) else None,
            mapping=mapping if mapping is not None else {h: n for h, n in plan.mapping.items() if n},
            mode=plan.mode,
            new_count=plan.counts["new"],
            updated_count=plan.counts["updated"],
            unchanged_count=plan.counts["unchanged"],
            skipped_count=plan.counts["skipped"],
            error_count=plan.counts["errors"],
            errors=plan.errors[:5000],
        )
        if progress:
            progress(0, plan.writes)
            with reporting_progress(plan.resource._meta.model, progress, plan.writes):
                created, changed = plan.resource.write(plan, batch, batch.created_by)
            progress(plan.writes, plan.writes)
        else:
            created, changed = plan.resource.write(plan, batch, batch.created_by)
        # created_at marks the end of the writes: a created record updated after it was edited by someone.
        finished = timezone.now()
        ImportBatch.objects.filter(pk=batch.pk).update(
            created_records=created, changed_records=changed, created_at=finished
        )
        # Set here rather than read back: the records can be megabytes of JSON (0.4 s on PostgreSQL
        # for 100,000 changed contacts), and they are already JSON-shaped (jsonable values).
        batch.created_records, batch.changed_records, batch.created_at = created, changed, finished
    return batch
