"""django-import-export resources: the one place that knows how a cell becomes a field value.

Each resource declares its fields with widgets (spreadsheets/resources/widgets.py) that
clean one cell and say what is wrong with it, plus the row-level rules (what
identifies a record, what counts as a change). The import engine (spreadsheets/importing)
drives them for the web wizard and the CLI alike and batches the writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import operator
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from import_export import resources

from spreadsheets.importing import bulk
from spreadsheets.importing.progress import report as _report

BATCH = 1000
HISTORY_BATCH = 5000

MULTI_ROWS = 200  # rows per INSERT statement (within the database's parameter limit)


def jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)


class ImportResource(resources.ModelResource):
    """Shared protocol between a resource and the import engine.

    - ``clean_cell(name, raw)`` → value (ValueError with a reason when invalid);
    - ``complete(values)`` → row-level problems [(field, reason)], may fill values in;
    - ``keys(values)`` → what makes two rows of one file the same record;
    - ``find(values)`` → a snapshot dict of the matching stored record, or None;
    - ``changes(snapshot, values, overwrite_blank)`` → {field: (old, new)} shown as text;
    - ``write(plan, batch, user)`` → (created_records, changed_records) for undo.
    """

    target = ""
    identity_fields: tuple[str, ...] = ()  # never blanked by overwrite_blank

    def clean_cell(self, name, raw):
        return self.fields[name].widget.clean(raw)

    def cleaner(self, name):
        """The function that cleans one cell of a field: the widget's clean unless clean_cell adds rules."""
        if type(self).clean_cell is ImportResource.clean_cell:
            return self.fields[name].widget.clean
        return lambda raw: self.clean_cell(name, raw)

    def prepare(self, mapping_fields: set[str]):
        """Load, once per file, what cleaning and matching need."""
        self.mapped = mapping_fields
        for field in self.fields.values():
            if hasattr(field.widget, "load"):
                field.widget.cache = None

    def complete(self, values) -> list[tuple[str, str]]:
        return []

    def keys(self, values) -> list:
        return []

    def find(self, values):
        return None

    def label(self, values, snapshot=None) -> str:
        return ""

    def changes(self, snapshot, values, overwrite_blank=False) -> dict:
        return {}

    def write(self, plan, batch, user):
        raise NotImplementedError


def apply_updates(model, updates, now):
    """[(pk, {attname: value})] → UPDATE … executemany, grouped by the set of columns changed."""
    if not updates:
        return
    table = model._meta.db_table
    quote = connection.ops.quote_name
    has_updated_at = any(f.attname == "updated_at" for f in model._meta.concrete_fields)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    groups: dict[tuple, list] = {}
    preps = {name: _fast_prep(field) for name, field in fields.items()}
    stamp = fields["updated_at"].get_db_prep_save(now, connection) if has_updated_at else None
    for pk, values in updates:
        columns = tuple(sorted(values))
        params = [preps[c](values[c]) for c in columns]
        if has_updated_at:
            params.append(stamp)
        params.append(pk)
        groups.setdefault(columns, []).append(params)
    with connection.cursor() as cursor:
        for columns, rows in groups.items():
            if bulk.enabled():  # rows are (values…, [stamp,] pk): COPY them as (pk, values…)
                width = len(columns)
                bulk.update_rows(
                    cursor,
                    table,
                    model._meta.pk.column,
                    [fields[c].column for c in columns],
                    ([row[-1], *row[:width]] for row in rows),
                    also={"updated_at": stamp} if has_updated_at else None,
                )
                _report(model, len(rows))
                continue
            sets = [f"{quote(fields[c].column)} = %s" for c in columns]
            if has_updated_at:
                sets.append(f"{quote('updated_at')} = %s")
            sql = f"UPDATE {quote(table)} SET {', '.join(sets)} WHERE {quote(model._meta.pk.column)} = %s"
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[start : start + BATCH])
                _report(model, len(rows[start : start + BATCH]))


def bulk_create(model, objs):
    """Insert objs in batches of 1000 inside the caller's transaction; pks are set on objs.

    On SQLite the rows go through multi-row INSERTs (insert_values) and the ids are
    the ones that follow the current maximum: the write transaction is IMMEDIATE, so
    nobody else can insert meanwhile. On PostgreSQL the ids are reserved from the
    table's sequence first, then the rows go in by COPY (spreadsheets/importing/bulk.py).
    Elsewhere, Django's bulk_create (RETURNING ids).
    """
    for start in range(0, len(objs), BATCH):
        insert_rows(model, objs[start : start + BATCH])
        _report(model, len(objs[start : start + BATCH]))


def insert_rows(model, objs):
    """objs: model instances or dicts of attname → value (dicts skip Model.__init__, the costly part)."""
    if not objs:
        return
    meta = model._meta
    is_dict = isinstance(objs[0], dict)
    if connection.vendor not in ("sqlite", "postgresql"):
        instances = [model(**o) for o in objs] if is_dict else objs
        model._default_manager.bulk_create(instances)
        if is_dict:  # the caller records history from the same dicts: give them every saved value
            attnames = [f.attname for f in meta.concrete_fields]
            for o, inst in zip(objs, instances):
                for attname in attnames:
                    o[attname] = getattr(inst, attname)
        return
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if is_dict:
        defaults = {}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.attname] = now
            elif f.has_default():
                defaults[f.attname] = f.get_default()
            elif f.null:
                defaults[f.attname] = None
        # filled in place (setdefault): the caller records history from the same dicts.
        # Rows shaped like the first one take the first one's missing defaults in one update.
        fill = {k: v for k, v in defaults.items() if k not in objs[0]}
        present = {k for k in defaults if k in objs[0]}
        for o in objs:
            if fill.keys().isdisjoint(o.keys()) and o.keys() >= present:
                o.update(fill)
            else:
                for key, value in defaults.items():
                    o.setdefault(key, value)
        for f in fields:
            if getattr(f, "auto_now", False):
                for values in objs:
                    values[f.attname] = now
        rows = _param_rows(objs, fields, operator.itemgetter)
    else:
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                for obj in objs:
                    if f.auto_now or getattr(obj, f.attname) is None:
                        setattr(obj, f.attname, now)
        rows = _param_rows(objs, fields, operator.attrgetter)
    with connection.cursor() as cursor:
        if bulk.enabled():
            first = None
            ids = bulk.reserve_ids(cursor, meta.db_table, meta.pk.column, len(rows))
            insert_values(
                cursor,
                meta.db_table,
                [meta.pk.column] + [f.column for f in fields],
                [[pk, *row] for pk, row in zip(ids, rows)],
            )
        else:
            first, ids = _insert_sqlite(cursor, meta, fields, rows), None
    for offset, obj in enumerate(objs):
        pk = first + offset if ids is None else ids[offset]
        if is_dict:
            obj[meta.pk.attname] = pk
        else:
            setattr(obj, meta.pk.attname, pk)
            obj._state.adding = False
            obj._state.db = "default"


def _insert_sqlite(cursor, meta, fields, rows) -> int:
    """Insert rows; the id of the first (the others follow it)."""
    quote = connection.ops.quote_name
    # AUTOINCREMENT: the next id follows the larger of the highest id and the sequence
    # (which remembers deleted rows).
    cursor.execute(f"SELECT COALESCE(MAX({quote(meta.pk.column)}), 0) FROM {quote(meta.db_table)}")
    highest = cursor.fetchone()[0]
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
    found = cursor.fetchone()
    first = max(highest, found[0] if found else 0) + 1
    insert_values(cursor, meta.db_table, [f.column for f in fields], rows)
    cursor.execute(
        f"SELECT MIN({quote(meta.pk.column)}), COUNT(*) FROM {quote(meta.db_table)} "
        f"WHERE {quote(meta.pk.column)} >= %s",
        [first],
    )
    if tuple(cursor.fetchone()) != (first, len(rows)):
        raise RuntimeError(f"Could not determine the ids of the rows inserted into {meta.db_table}.")
    return first


def _max_params() -> int:
    """Bound parameters allowed in one statement: SQLite's own limit (32766 since 3.32), else Django's figure."""
    limit = connection.features.max_query_params or 999
    if connection.vendor == "sqlite":
        with contextlib.suppress(AttributeError, connection.Database.Error):
            limit = connection.connection.getlimit(connection.Database.SQLITE_LIMIT_VARIABLE_NUMBER)
    return limit


def insert_values(cursor, table, columns, rows):
    """INSERT rows (sequences of db values, in columns order) in that order, many rows per statement.

    One ``INSERT … VALUES (…), (…), …`` of up to a few hundred rows is about twice as
    fast on SQLite as executemany of a one-row INSERT (each statement run has a fixed
    cost: AUTOINCREMENT bookkeeping, reset, the driver's call). Rows keep their order,
    so AUTOINCREMENT ids follow it as before.
    """
    if not rows:
        return
    if bulk.enabled():  # one COPY stream, no statement to parse (spreadsheets/importing/bulk.py)
        bulk.copy_rows(cursor, table, columns, rows)
        return
    quote = connection.ops.quote_name
    width = len(columns)
    per = max(1, min(MULTI_ROWS, _max_params() // width))
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = f"({', '.join(['%s'] * width)})"
    full = head + ", ".join([one] * per)
    flatten = itertools.chain.from_iterable
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        sql = full if len(chunk) == per else head + ", ".join([one] * len(chunk))
        cursor.execute(sql, list(flatten(chunk)))


def _param_rows(objs, fields, getter_of):
    """[[db value of each field]] per obj: one C-level getter call per row, preps only where they do something."""
    getter = getter_of(*[f.attname for f in fields])
    if len(fields) == 1:
        prep = _fast_prep(fields[0])
        return [[prep(getter(o))] for o in objs]
    preps = [(i, _fast_prep(f)) for i, f in enumerate(fields) if f.get_internal_type() not in _PLAIN]
    rows = []
    append = rows.append
    for o in objs:
        row = list(getter(o))
        for i, prep in preps:
            row[i] = prep(row[i])
        append(row)
    return rows


_PLAIN = {
    "CharField",
    "TextField",
    "EmailField",
    "URLField",
    "SlugField",
    "ForeignKey",
    "BigAutoField",
    "AutoField",
    "IntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "BooleanField",
    "OneToOneField",
}


def _fast_prep(field):
    if field.get_internal_type() in _PLAIN:
        return lambda v: v
    cache = {}

    def prep(value):
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            result = field.get_db_prep_save(value, connection)
            if len(cache) < 10000:
                cache[value] = result
            return result
        except TypeError:
            return field.get_db_prep_save(value, connection)

    return prep


def record_history(model, objs, *, user, reason, now, update=False):
    """Historical rows for bulk writes (django-simple-history), inserted like the records themselves."""
    history = getattr(model, "history", None)
    if history is None or not objs:
        return
    historical = history.model
    tracked = [
        f.attname
        for f in historical._meta.concrete_fields
        if f.attname not in ("history_id", "history_date", "history_change_reason", "history_type", "history_user_id")
    ]
    user_id = getattr(user, "pk", None)
    extra = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "~" if update else "+",
        "history_user_id": user_id,
    }
    _insert_history(historical, objs, tracked, extra)


def _insert_history(historical, objs, tracked, extra):
    """The same rows as bulk_create(historical, dicts), built straight from objs as parameter tuples.

    History ids are not needed afterwards, so there is no id bookkeeping, and no model
    instance or intermediate dict per row: one C-level itemgetter/attrgetter call per
    record (Django's bulk_create spent ~0.25 ms a row preparing values on PostgreSQL).
    """
    meta = historical._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    columns = list(tracked) + list(extra)
    missing = [f.attname for f in meta.concrete_fields if not f.primary_key and f.attname not in columns]
    if missing:  # a column neither tracked nor extra: keep the generic path (defaults, auto_now)
        rows = [
            {**{a: (obj.get(a) if isinstance(obj, dict) else getattr(obj, a)) for a in tracked}, **extra}
            for obj in objs
        ]
        bulk_create(historical, rows)
        return
    preps = [
        (i, _fast_prep(by_attname[a])) for i, a in enumerate(tracked) if by_attname[a].get_internal_type() not in _PLAIN
    ]
    tail = tuple(_fast_prep(by_attname[a])(v) for a, v in extra.items())
    if isinstance(objs[0], dict):
        getter = operator.itemgetter(*tracked)

        def values(obj):
            try:
                return getter(obj)
            except KeyError:
                return tuple(obj.get(a) for a in tracked)
    else:
        values = operator.attrgetter(*tracked)
    if len(tracked) == 1:
        single = values
        values = lambda obj: (single(obj),)  # noqa: E731
    with connection.cursor() as cursor:
        for start in range(0, len(objs), HISTORY_BATCH):
            rows = []
            for obj in objs[start : start + HISTORY_BATCH]:
                row = values(obj)
                if preps:
                    row = list(row)
                    for i, prep in preps:
                        row[i] = prep(row[i])
                    row.extend(tail)
                else:
                    row = row + tail
                rows.append(row)
            insert_values(cursor, meta.db_table, [by_attname[a].column for a in columns], rows)


def fetch_values(queryset, attnames, chunk_size=5000):
    """``queryset.values_list(*attnames)`` rows as tuples, same query and order.

    On SQLite the rows come straight from the cursor: the driver already turns
    dates and booleans into Python values, and Django's per-value converters (which
    cost more than the query itself at 100,000 rows) are replaced by making naive
    datetimes aware, exactly as the ORM's converter does. On PostgreSQL they come
    in binary from one client-side query instead of a server-side cursor of text.
    """
    qs = queryset.values_list(*attnames)
    meta = queryset.model._meta
    fields = [meta.get_field(a) for a in attnames]
    raw_ok = connection.vendor in ("sqlite", "postgresql") and all(
        f.get_internal_type() in _PLAIN | {"DateField", "DateTimeField"}
        and not hasattr(f, "from_db_value")
        and f.attname == a
        for f, a in zip(fields, attnames)
    )
    if not raw_ok:
        yield from qs.iterator(chunk_size=chunk_size)
        return
    if bulk.enabled():  # PostgreSQL: binary results, read in C (spreadsheets/importing/bulk.py)
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
        yield from bulk.fetch_rows(sql, params, chunk_size)
        return
    from django.conf import settings

    moments = [i for i, f in enumerate(fields) if f.get_internal_type() == "DateTimeField"] if settings.USE_TZ else []
    zone = connection.timezone
    aware = {}
    compiler = qs.query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            if not moments:
                yield from rows
                continue
            for row in rows:
                row = list(row)
                for i in moments:
                    value = row[i]
                    if value is not None and value.tzinfo is None:
                        try:
                            row[i] = aware[value]
                        except KeyError:  # records imported together share their timestamps
                            row[i] = aware[value] = value.replace(tzinfo=zone)
                yield tuple(row)
            if len(aware) > 50_000:
                aware.clear()


def ensure_tags(names) -> dict[str, int]:
    """lower-case tag name → id, creating the missing ones."""
    from crm.models import Tag

    wanted = {n.lower(): n for n in names}
    found = {name.lower(): pk for pk, name in Tag.objects.values_list("pk", "name")}
    missing = [Tag(name=wanted[k]) for k in wanted if k not in found]
    if missing:
        Tag.objects.bulk_create(missing)
        found = {name.lower(): pk for pk, name in Tag.objects.values_list("pk", "name")}
    return {k: found[k] for k in wanted}


def tag_ids_by_record(through, fk: str, ids=None) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    qs = through.objects.values_list(fk, "tag_id")
    for record_id, tag_id in qs.iterator(chunk_size=5000):
        result.setdefault(record_id, set()).add(tag_id)
    return result
