"""PostgreSQL's fast path for an import's bulk writes: COPY, and UPDATE … FROM a COPY-filled temporary table.

Why: profiled on 20,000 contacts, a PostgreSQL commit took six times SQLite's, and most
of it was not the server's work: psycopg parses every statement client-side to turn
its ``%s`` placeholders into ``$n`` ones, and a multi-row INSERT of 200 rows × 16
columns has 3,200 of them (a third of the time), then each statement is a round
trip (another third; Django's bulk_create added ~0.25 ms a row building SQL). COPY
sends rows as one stream with no statement to parse, at a fraction of the cost.

COPY is binary (rows built in C, a third of text's cost), new rows take ids reserved
from the table's own sequence, updates are one COPY into a temporary table and one
``UPDATE … FROM`` it per set of changed columns, and the dry run reads the stored
records in binary. 100,000 contacts (bench/bench_import.py --side-by-side): 40 s →
16 s to import, 46 s → 19–22 s to re-import as updates. What is left is the server's
own work: every updated row is a new row version in every index of crm_contact, where
SQLite touches only the indexes of the columns that changed; those updates cannot be
HOT (heap-only, no index entries), as the import sets the indexed updated_at. So
crm_contact keeps few indexes (crm migration 0012): its trigram search index lives in
a table of its own that triggers update only when a name or email changes, and the
owner and do-not-contact indexes are partial. The UPDATE of a 100,000-contact
re-import (job titles changed) went from 3.3–4.0 s to 1.3–1.4 s (EXPLAIN ANALYZE).

The import's writing helpers (spreadsheets/resources/base.py) call this module when
the database is PostgreSQL, with the same rows they give SQLite, so validation,
mapping, history, undo and the import records cannot differ between the two.
"""

from __future__ import annotations

import time

from django.db import connection, transaction


def enabled() -> bool:
    return connection.vendor == "postgresql"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    """COPY rows (sequences of db values in `columns` order) into `table`, in order; returns how many.

    `cursor` is Django's cursor (its database errors become Django's, e.g. IntegrityError);
    the COPY itself goes through psycopg's cursor underneath it.
    """
    sql = f"COPY {_quote(table)} ({', '.join(_quote(c) for c in columns)}) FROM STDIN (FORMAT BINARY)"
    raw = getattr(cursor, "cursor", cursor)  # Django's CursorWrapper (or the debug one) → psycopg's cursor
    count = 0
    start = time.monotonic()
    types = _column_types(cursor, table, columns)
    with connection.wrap_database_errors, raw.copy(sql) as copy:
        copy.set_types(types)  # binary rows are built in C: a third of the time of text ones
        write = copy.write_row
        for row in rows:
            write(row)
            count += 1
    if connection.queries_logged:  # shown by the debug toolbar and counted by CaptureQueriesContext like any query
        connection.queries_log.append({"sql": f"{sql} -- {count} rows", "time": f"{time.monotonic() - start:.3f}"})
    return count


_TYPES: dict[tuple, list[int]] = {}


def _column_types(cursor, table: str, columns: list[str]) -> list[int]:
    """The type oids of the columns, as a binary COPY needs them; asked once per table and database."""
    key = (connection.settings_dict["NAME"], table, tuple(columns))
    if key not in _TYPES:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped",
            [_quote(table)],
        )
        oids = dict(cursor.fetchall())
        _TYPES[key] = [oids[c] for c in columns]
    return _TYPES[key]


def reserve_ids(cursor, table: str, pk_column: str, count: int) -> list[int]:
    """`count` new ids from the table's own sequence, ascending, in one query.

    Reserved ids are never handed out again, even if the transaction rolls back, so
    rows written with them cannot collide with anyone else's inserts meanwhile.
    """
    if count <= 0:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
        [_quote(table), pk_column, count],
    )
    ids = [row[0] for row in cursor.fetchall()]
    if ids[0] is None:
        raise RuntimeError(f"{table}.{pk_column} takes its values from no sequence; it cannot be written by COPY.")
    return ids


def update_rows(cursor, table: str, pk_column: str, columns: list[str], rows, *, also: dict | None = None) -> None:
    """UPDATE `table` from rows ``(pk, value, …)`` in `columns` order: one COPY into a temporary table, one UPDATE.

    `also` sets the same value on every updated row (e.g. {"updated_at": now}).
    The temporary table takes the table's own column types, so COPY's text is read
    exactly as an INSERT would read it.
    """
    temp = _quote(f"import_update_{table}")
    pk = _quote(pk_column)
    cols = [_quote(c) for c in columns]
    sets = [f"{c} = u.{c}" for c in cols] + [f"{_quote(c)} = %s" for c in (also or {})]
    with transaction.atomic(savepoint=False):
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
            f"SELECT {', '.join([pk, *cols])} FROM {_quote(table)} WITH NO DATA"
        )
        # On an error the transaction rolls back, and the table's creation with it.
        if copy_rows(cursor, f"import_update_{table}", [pk_column, *list(columns)], rows):
            cursor.execute(f"ANALYZE {temp}")  # a hash join on the ids, not a guess from an empty table
            cursor.execute(
                f"UPDATE {_quote(table)} AS t SET {', '.join(sets)} FROM {temp} AS u WHERE t.{pk} = u.{pk}",
                list((also or {}).values()),
            )
        cursor.execute(f"DROP TABLE {temp}")  # the next group of columns in this transaction makes its own


def fetch_rows(sql: str, params, chunk_size: int = 5000):
    """Rows of a SELECT as tuples, fetched in psycopg's binary format.

    Django's cursors bind parameters client-side and read text, so every timestamp is
    parsed from its ISO text in Python (1.3 s of a 100,000-contact dry run); binary
    results are read in C, with the connection's own loaders (aware datetimes in the
    connection's time zone, as the ORM gives them). One query, no server-side cursor.
    """
    import psycopg

    start = time.monotonic()
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True)
        if connection.queries_logged:
            connection.queries_log.append(
                {"sql": f"{sql} -- params {list(params)!r}", "time": f"{time.monotonic() - start:.3f}"}
            )
        while rows := cursor.fetchmany(chunk_size):
            yield from rows
