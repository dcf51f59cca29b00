"""Interactions per local day, kind and logger, as PostgreSQL's triggers keep them.

Migration 0002 explains why they exist and how they stay current; the activity board reads
its weekly counts from them when it can (`weekly_counts`), and otherwise from the
interactions themselves.
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone

COUNTS = "dashboards_interaction_day"
ZONE = "dashboards_interaction_day_zone"


def weekly_counts(
    first_week: datetime.date, start: datetime.date, end: datetime.date, logged_by_id: int | None = None
) -> list[dict] | None:
    """Interactions from `start` to `end` (local dates, inclusive) counted by week (numbered
    from `first_week`, a Monday), kind and logger, or None where the counts cannot answer:
    not PostgreSQL, or counted in another time zone than the current one.

    One query whatever the answer: the zone's one row, joined to the counts only when it is
    the current zone.
    """
    if connection.vendor != "postgresql":
        return None
    owner = "AND c.logged_by = %s" if logged_by_id is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT z.zone, w.week_number, w.kind, w.logged_by, w.n FROM {ZONE} z LEFT JOIN LATERAL ("
            f"  SELECT (c.day - %s) / 7 AS week_number, c.kind, NULLIF(c.logged_by, 0) AS logged_by, SUM(c.n) AS n"
            f"  FROM {COUNTS} c WHERE c.day >= %s AND c.day <= %s AND c.n > 0 {owner} GROUP BY 1, 2, 3"
            f") w ON z.zone = %s",
            [
                first_week,
                start,
                end,
                *([logged_by_id] if logged_by_id is not None else []),
                timezone.get_current_timezone_name(),
            ],
        )
        rows = cursor.fetchall()
    if not rows or rows[0][0] != timezone.get_current_timezone_name():
        return None
    return [
        {"week_number": week, "kind": kind, "logged_by": logged_by, "n": n}
        for _, week, kind, logged_by, n in rows
        if n is not None
    ]


def rebuild(zone: str | None = None) -> int:
    """Count every interaction again, by local day in `zone` (default: the current time zone).

    For a changed TIME_ZONE, or counts suspected wrong. Locks the interactions against writes
    while it counts, so none is missed or counted twice. Returns the number of count rows
    (0 on SQLite, which keeps none).
    """
    if connection.vendor != "postgresql":
        return 0
    zone = zone or timezone.get_current_timezone_name()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE crm_interaction IN SHARE MODE")
        cursor.execute(f"UPDATE {ZONE} SET zone = %s", [zone])
        cursor.execute(f"DELETE FROM {COUNTS}")
        cursor.execute(
            f"INSERT INTO {COUNTS} (day, kind, logged_by, n) "
            f"SELECT (r.occurred_at AT TIME ZONE %s)::date, r.kind, COALESCE(r.logged_by_id, 0), COUNT(*) "
            f"FROM crm_interaction r GROUP BY 1, 2, 3",
            [zone],
        )
        return cursor.rowcount
