"""django-import-export resources: the one place that knows how a cell becomes a field value.

Each resource declares its fields with widgets (crm/resources/widgets.py) that
clean one cell and say what is wrong with it, plus the row-level rules (what
identifies a record, what counts as a change). The import engine (crm/imports)
drives them for the web wizard and the CLI alike and batches the writes.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from import_export import resources

BATCH = 1000


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
            sets = [f"{quote(fields[c].column)} = %s" for c in columns]
            if has_updated_at:
                sets.append(f"{quote('updated_at')} = %s")
            sql = f"UPDATE {quote(table)} SET {', '.join(sets)} WHERE {quote(model._meta.pk.column)} = %s"
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[start:start + BATCH])


def bulk_create(model, objs):
    """Insert objs in batches of 1000 inside the caller's transaction; pks are set on objs.

    On SQLite the rows go through one prepared INSERT (executemany) and the ids are
    the ones that follow the current maximum: the write transaction is IMMEDIATE, so
    nobody else can insert meanwhile. Elsewhere, Django's bulk_create (RETURNING ids).
    """
    for start in range(0, len(objs), BATCH):
        insert_rows(model, objs[start:start + BATCH])


def insert_rows(model, objs):
    """objs: model instances or dicts of attname → value (dicts skip Model.__init__, the costly part)."""
    if not objs:
        return
    meta = model._meta
    is_dict = isinstance(objs[0], dict)
    if connection.vendor != "sqlite":
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
        for o in objs:  # filled in place: the caller records history from the same dicts
            for key, value in defaults.items():
                o.setdefault(key, value)
        objs_values = objs
        for f in fields:
            if getattr(f, "auto_now", False):
                for values in objs_values:
                    values[f.attname] = now
        preps = [_fast_prep(f) for f in fields]
        rows = [[prep(values[f.attname]) for f, prep in zip(fields, preps)] for values in objs_values]
    else:
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                for obj in objs:
                    if f.auto_now or getattr(obj, f.attname) is None:
                        setattr(obj, f.attname, now)
        preps = [_fast_prep(f) for f in fields]
        attnames = [f.attname for f in fields]
        rows = [[prep(getattr(obj, a)) for a, prep in zip(attnames, preps)] for obj in objs]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        # AUTOINCREMENT: the next id follows the larger of the highest id and the sequence
        # (which remembers deleted rows).
        cursor.execute(f"SELECT COALESCE(MAX({quote(meta.pk.column)}), 0) FROM {quote(meta.db_table)}")
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        found = cursor.fetchone()
        first = max(highest, found[0] if found else 0) + 1
        cursor.executemany(sql, rows)
        cursor.execute(f"SELECT MIN({quote(meta.pk.column)}), COUNT(*) FROM {quote(meta.db_table)} "
                       f"WHERE {quote(meta.pk.column)} >= %s", [first])
        if tuple(cursor.fetchone()) != (first, len(rows)):
            raise RuntimeError(f"Could not determine the ids of the rows inserted into {meta.db_table}.")
    for offset, obj in enumerate(objs):
        if is_dict:
            obj[meta.pk.attname] = first + offset
        else:
            setattr(obj, meta.pk.attname, first + offset)
            obj._state.adding = False
            obj._state.db = "default"


_PLAIN = {"CharField", "TextField", "EmailField", "URLField", "SlugField", "ForeignKey", "BigAutoField", "AutoField",
          "IntegerField", "BigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
          "BooleanField", "OneToOneField"}


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
    tracked = [f.attname for f in historical._meta.concrete_fields
               if f.attname not in ("history_id", "history_date", "history_change_reason", "history_type",
                                    "history_user_id")]
    user_id = getattr(user, "pk", None)
    extra = {"history_date": now, "history_change_reason": reason, "history_type": "~" if update else "+",
             "history_user_id": user_id}
    if objs and isinstance(objs[0], dict):
        rows = [{**{a: obj.get(a) for a in tracked}, **extra} for obj in objs]
    else:
        rows = [{**{a: getattr(obj, a) for a in tracked}, **extra} for obj in objs]
    bulk_create(historical, rows)


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


from .contacts import ContactResource  # noqa: E402
from .interactions import InteractionResource  # noqa: E402
from .organisations import OrganisationResource  # noqa: E402
from .pledges import PledgeResource  # noqa: E402

RESOURCES = {
    "contacts": ContactResource,
    "organisations": OrganisationResource,
    "pledges": PledgeResource,
    "interactions": InteractionResource,
}


def resource_for(target: str) -> ImportResource:
    return RESOURCES[target]()


__all__ = ["ImportResource", "RESOURCES", "resource_for", "ContactResource", "OrganisationResource",
           "PledgeResource", "InteractionResource"]
