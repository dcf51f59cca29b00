"""PostgreSQL: each contact's latest interaction, follow-up or favour, kept by triggers.

Why: the retention report looks for contacts with no interaction, follow-up or favour in
the period. Found by what they lack, that is an index probe into the interactions for each
contact not edited in the period: ~24,000 probes, 35–50 ms of a 100 ms budget at the large
dataset, whatever the answer. With the latest of each contact kept here (NULL: none yet),
the report reads the few contacts whose latest is old or missing from one index.
SQLite keeps the probing query (privacy/selectors.py).

Every contact has a row, made when the contact is. The triggers run once per statement,
from its transition tables, so an import's COPY or a bulk delete costs one statement here:
- new interactions, follow-ups and favours, and edits that make them later, raise the
  latest (only ever raise: cheap, and right in whatever order rows arrive);
- deletes, and edits that move one to another contact or to an earlier time, recount the
  contacts they left, from those tables' (contact, …) indexes;
- truncating any of the four tables (a backup restore, a test flush) recounts everything.
Rows are written in contact order, so two writers lock them in the same order.
"""

from django.db import migrations

TABLE = "privacy_contact_activity"
#: (table, the column that dates its activity) for each kind of activity with a contact.
SOURCES = [("crm_interaction", "occurred_at"), ("crm_followup", "updated_at"), ("partners_favour", "updated_at")]


def _latest(contact: str) -> str:
    """The latest activity of the contact whose id is the SQL expression `contact` (NULL: none)."""
    return (
        "GREATEST("
        + ", ".join(
            f"(SELECT max(s.{column}) FROM {source} s WHERE s.contact_id = {contact})" for source, column in SOURCES
        )
        + ")"
    )


RECOUNT_ALL = (
    f"DELETE FROM {TABLE}; "
    f"INSERT INTO {TABLE} (contact_id, last_at) SELECT c.id, {_latest('c.id')} FROM crm_contact c ORDER BY c.id"
)


def _raise(column: str) -> str:
    """Raise each contact's latest to its newest row in `inserted` (rows without a contact: none)."""
    return (
        f"INSERT INTO {TABLE} (contact_id, last_at) "
        f"SELECT r.contact_id, max(r.{column}) FROM inserted r WHERE r.contact_id IS NOT NULL "
        f"GROUP BY 1 ORDER BY 1 "
        f"ON CONFLICT (contact_id) DO UPDATE SET last_at = EXCLUDED.last_at "
        f"WHERE {TABLE}.last_at IS NULL OR {TABLE}.last_at < EXCLUDED.last_at"
    )


def _recount(contacts: str) -> str:
    """Recount the contacts whose ids the SQL query `contacts` gives."""
    return (
        f"UPDATE {TABLE} a SET last_at = {_latest('a.contact_id')} "
        f"WHERE a.contact_id IN (SELECT a2.contact_id FROM {TABLE} a2 WHERE a2.contact_id IN ({contacts}) "
        f"ORDER BY 1 FOR UPDATE)"
    )


def _function(name: str, body: str) -> str:
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"


def _trigger(name: str, source: str, event: str, function: str, tables: str = "") -> str:
    return f"CREATE TRIGGER {name} AFTER {event} ON {source} {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"


def _statements() -> tuple[list[str], list[str]]:
    create = [
        f"CREATE TABLE {TABLE} (contact_id bigint PRIMARY KEY, last_at timestamptz NULL)",
        f"CREATE INDEX {TABLE}_last_at ON {TABLE} (last_at NULLS FIRST, contact_id)",
        _function(f"{TABLE}_recount_all", RECOUNT_ALL),
        _function(
            f"{TABLE}_contact_added",
            f"INSERT INTO {TABLE} (contact_id) SELECT id FROM inserted ORDER BY id ON CONFLICT DO NOTHING",
        ),
        _function(f"{TABLE}_contact_removed", f"DELETE FROM {TABLE} WHERE contact_id IN (SELECT id FROM deleted)"),
        _trigger(f"{TABLE}_ai", "crm_contact", "INSERT", f"{TABLE}_contact_added", "REFERENCING NEW TABLE AS inserted"),
        _trigger(
            f"{TABLE}_ad", "crm_contact", "DELETE", f"{TABLE}_contact_removed", "REFERENCING OLD TABLE AS deleted"
        ),
        _trigger(f"{TABLE}_at", "crm_contact", "TRUNCATE", f"{TABLE}_recount_all"),
    ]
    drop = [f"DROP TRIGGER IF EXISTS {TABLE}_{s} ON crm_contact" for s in ("ai", "ad", "at")]
    for source, column in SOURCES:
        prefix = f"{TABLE}_{source}"
        moved_or_earlier = (
            f"SELECT d.contact_id FROM deleted d JOIN inserted i ON i.id = d.id WHERE d.contact_id IS NOT NULL "
            f"AND (i.contact_id IS DISTINCT FROM d.contact_id OR i.{column} < d.{column})"
        )
        create += [
            _function(f"{prefix}_added", _raise(column)),
            # A trigger with transition tables cannot name columns (UPDATE OF …): every update runs
            # it, and one that moves no row to another contact or to an earlier time writes nothing.
            _function(f"{prefix}_changed", f"{_raise(column)}; {_recount(moved_or_earlier)}"),
            _function(f"{prefix}_removed", _recount("SELECT contact_id FROM deleted")),
            _trigger(f"{prefix}_ai", source, "INSERT", f"{prefix}_added", "REFERENCING NEW TABLE AS inserted"),
            _trigger(
                f"{prefix}_au",
                source,
                "UPDATE",
                f"{prefix}_changed",
                "REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted",
            ),
            _trigger(f"{prefix}_ad", source, "DELETE", f"{prefix}_removed", "REFERENCING OLD TABLE AS deleted"),
            _trigger(f"{prefix}_at", source, "TRUNCATE", f"{TABLE}_recount_all"),
        ]
        drop += [f"DROP TRIGGER IF EXISTS {prefix}_{s} ON {source}" for s in ("ai", "au", "ad", "at")]
        drop += [f"DROP FUNCTION IF EXISTS {prefix}_{s}()" for s in ("added", "changed", "removed")]
    create += [
        f"INSERT INTO {TABLE} (contact_id, last_at) SELECT c.id, {_latest('c.id')} FROM crm_contact c ORDER BY c.id",
        f"ANALYZE {TABLE}",
    ]
    drop += [f"DROP FUNCTION IF EXISTS {TABLE}_{s}()" for s in ("recount_all", "contact_added", "contact_removed")]
    drop.append(f"DROP TABLE IF EXISTS {TABLE}")
    return create, drop


def _run(index: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in _statements()[index]:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0013_contact_organisation_index_includes_id"),
        ("partners", "0001_initial"),
    ]

    operations = [migrations.RunPython(_run(0), _run(1))]
