"""Insert thousands of rows, with their django-simple-history rows, faster than bulk_create.

bulk_create compiles a placeholder and prepares every value through the ORM, and
simple_history's bulk_create_with_history builds a model instance per history row: for the
~50,000 rows of planning an event from 5,000 sponsors (pledges, stage changes, benefits,
follow-ups and their history) that was 10 s of Python. Here the statement is written once per
batch (multi-row VALUES, RETURNING the new ids in order, as bulk_create relies on too) and
each column's values are prepared by its field once per distinct value. Callers validate first:
nothing here checks more than the database's own constraints.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections, router
from django.db.models import AutoField, BigAutoField, Model
from django.utils import timezone

#: Stay well under SQLite's bound-parameter limit.
MAX_PARAMS = 30_000


def _columns(model: type[Model]):
    return [f for f in model._meta.concrete_fields if not isinstance(f, (AutoField, BigAutoField))]


def insert_rows(model: type[Model], rows: list[dict[str, Any]], *, returning: bool = False) -> list[int]:
    """INSERT `rows` (dicts of attname → Python value; missing fields take their default; auto_now
    fields the current time) and return the new primary keys in order when `returning`."""
    if not rows:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    fields = _columns(model)
    now = timezone.now()
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    pk_column = quote(model._meta.pk.column)
    prepared_rows = []
    memos: list[dict] = [{} for _ in fields]
    for row in rows:
        values = []
        for field, memo in zip(fields, memos):
            value = row[field.attname] if field.attname in row else field.get_default()
            if getattr(field, "auto_now", False) or (getattr(field, "auto_now_add", False) and value is None):
                value = now
            try:
                prepared = memo[value]
            except KeyError:
                prepared = memo[value] = field.get_db_prep_save(value, connection)
            except TypeError:  # unhashable (a JSON value)
                prepared = field.get_db_prep_save(value, connection)
            values.append(prepared)
        prepared_rows.append(values)
    if connection.vendor == "postgresql":
        return _copy(connection, model, fields, prepared_rows, returning=returning)
    per_batch = max(1, MAX_PARAMS // len(fields))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(prepared_rows), per_batch):
            batch = prepared_rows[start : start + per_batch]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES {', '.join([one] * len(batch))}"
            params = [value for values in batch for value in values]
            if returning:
                cursor.execute(f"{sql} RETURNING {pk_column}", params)
                ids.extend(row[0] for row in cursor.fetchall())
            else:
                cursor.execute(sql, params)
    return ids


def _copy(connection, model: type[Model], fields, prepared_rows: list[list], *, returning: bool) -> list[int]:
    """PostgreSQL: COPY the rows (the ids, when wanted, reserved first from the table's sequence,
    so they come back in order); parsing a 30,000-parameter INSERT cost more than the rows."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    columns = [f.column for f in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            pk_column = model._meta.pk.column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
                [quote(table), pk_column, len(prepared_rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns = [pk_column, *columns]
            prepared_rows = [[pk, *values] for pk, values in zip(ids, prepared_rows)]
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        raw = getattr(cursor, "cursor", cursor)  # Django's wrapper → psycopg's cursor
        with connection.wrap_database_errors, raw.copy(sql) as copy:
            for values in prepared_rows:
                copy.write_row(values)
    return ids


def insert_history(model: type[Model], rows: Iterable[dict[str, Any]], *, user=None, date=None) -> None:
    """A "created" history row (django-simple-history) for each row just inserted into `model`,
    as bulk_create_with_history writes it: the row's values, who, when, "+"."""
    history_model = model.history.model  # type: ignore[attr-defined]
    date = date or timezone.now()
    user_id = getattr(user, "pk", None)
    tracked = {f.attname for f in _columns(history_model)}
    insert_rows(
        history_model,
        [
            {
                **{name: value for name, value in row.items() if name in tracked},
                "history_date": date,
                "history_type": "+",
                "history_user_id": user_id,
                "history_change_reason": None,
            }
            for row in rows
        ],
    )


def row_of(obj: Model) -> dict[str, Any]:
    """An instance's column values by attname (primary key included when set)."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
