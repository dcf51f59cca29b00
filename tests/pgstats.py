"""What PostgreSQL has done for the running test's transaction: work counted, not timed."""

from django.db import connection


def rows_read(table: str) -> int:
    """Rows this transaction has read from the table so far (sequential scans and index fetches)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = %s",
            [table],
        )
        row = cursor.fetchone()
    return row[0] if row else 0
