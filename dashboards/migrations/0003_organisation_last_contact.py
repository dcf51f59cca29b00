"""PostgreSQL: each organisation's latest interaction, direct or with one of its people, kept by triggers.

Why: the activity board's "not contacted for 30 days" list looked, for each of the ~11,700
organisations with an open pledge at the large dataset, for a recent interaction with the
organisation (an index seek each) and then with each candidate's people: 50 ms of SQL of a
100 ms budget on every request. With the latest kept here (NULL: never), the stale ones come
from one index. SQLite keeps its query (dashboards/boards/activity.py).

Every organisation has a row, made when the organisation is. The triggers run once per
statement from its transition tables, except a contact's move to another organisation,
which is one row's business:
- new interactions, and edits that make one later, raise the latest of its organisation
  and of its person's organisation (only ever raise: cheap);
- deletes, and edits that move an interaction to another organisation or person or to an
  earlier time, recount the organisations it left, from the interactions' (organisation, …)
  and (contact, …) indexes; a person who moves organisation recounts both;
- truncating the organisations, contacts or interactions (a backup restore, a test flush)
  recounts everything.
Rows are written in organisation order, so two writers lock them in the same order. A
backup restore inserts contacts before interactions and both before organisations (by
label): an interaction's people are there to be looked up, and an organisation arriving
after its interactions keeps the row they made.
"""

from django.db import migrations

TABLE = "dashboards_organisation_contact"


def _latest(org: str) -> str:
    """The latest interaction with the organisation whose id is the SQL expression `org`, or its people."""
    return (
        f"GREATEST((SELECT max(i.occurred_at) FROM crm_interaction i WHERE i.organisation_id = {org}), "
        f"(SELECT max(i.occurred_at) FROM crm_contact c JOIN crm_interaction i ON i.contact_id = c.id "
        f"WHERE c.organisation_id = {org}))"
    )


def _touched(rows: str) -> str:
    """(organisation, when) for each interaction in the transition table `rows`: its own
    organisation's and its person's organisation's."""
    return (
        f"SELECT r.organisation_id AS org, r.occurred_at AS at FROM {rows} r WHERE r.organisation_id IS NOT NULL "
        f"UNION ALL SELECT c.organisation_id, r.occurred_at FROM {rows} r JOIN crm_contact c ON c.id = r.contact_id "
        f"WHERE c.organisation_id IS NOT NULL"
    )


def _organisations_of(rows: str) -> str:
    return f"SELECT t.org FROM ({_touched(rows)}) t"


RAISE = (
    f"INSERT INTO {TABLE} (organisation_id, last_at) SELECT t.org, max(t.at) FROM ({_touched('inserted')}) t "
    f"GROUP BY 1 ORDER BY 1 ON CONFLICT (organisation_id) DO UPDATE SET last_at = EXCLUDED.last_at "
    f"WHERE {TABLE}.last_at IS NULL OR {TABLE}.last_at < EXCLUDED.last_at"
)


def _recount(orgs: str) -> str:
    """Recount the organisations whose ids the SQL query `orgs` gives."""
    return (
        f"UPDATE {TABLE} a SET last_at = {_latest('a.organisation_id')} "
        f"WHERE a.organisation_id IN (SELECT a2.organisation_id FROM {TABLE} a2 "
        f"WHERE a2.organisation_id IN ({orgs}) ORDER BY 1 FOR UPDATE)"
    )


RECOUNT_ALL = (
    f"DELETE FROM {TABLE}; "
    f"INSERT INTO {TABLE} (organisation_id, last_at) SELECT o.id, {_latest('o.id')} FROM crm_organisation o "
    f"ORDER BY o.id"
)
#: Interactions whose old version may have been an organisation's latest and no longer counts there.
LEFT_BEHIND = (
    "SELECT d.* FROM deleted d JOIN inserted n ON n.id = d.id WHERE n.organisation_id IS DISTINCT FROM "
    "d.organisation_id OR n.contact_id IS DISTINCT FROM d.contact_id OR n.occurred_at < d.occurred_at"
)


def _function(name: str, body: str, *, row: bool = False) -> str:
    result = "NEW" if row else "NULL"
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN {result}; END $$"


def _trigger(name: str, source: str, event: str, function: str, tables: str = "") -> str:
    return f"CREATE TRIGGER {name} AFTER {event} ON {source} {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"


CREATE = [
    f"CREATE TABLE {TABLE} (organisation_id bigint PRIMARY KEY, last_at timestamptz NULL)",
    f"CREATE INDEX {TABLE}_last_at ON {TABLE} (last_at NULLS FIRST, organisation_id)",
    _function(f"{TABLE}_recount_all", RECOUNT_ALL),
    _function(
        f"{TABLE}_org_added",
        f"INSERT INTO {TABLE} (organisation_id) SELECT id FROM inserted ORDER BY id ON CONFLICT DO NOTHING",
    ),
    _function(f"{TABLE}_org_removed", f"DELETE FROM {TABLE} WHERE organisation_id IN (SELECT id FROM deleted)"),
    _function(f"{TABLE}_added", RAISE),
    # A trigger with transition tables cannot name columns (UPDATE OF …): every update runs it, and
    # one that moves no interaction away or back in time recounts nothing.
    _function(f"{TABLE}_changed", f"{RAISE}; {_recount(_organisations_of('(' + LEFT_BEHIND + ')'))}"),
    _function(f"{TABLE}_removed", _recount(_organisations_of("deleted"))),
    _function(
        f"{TABLE}_person_moved", _recount("SELECT OLD.organisation_id UNION ALL SELECT NEW.organisation_id"), row=True
    ),
    _trigger(
        f"{TABLE}_org_ai", "crm_organisation", "INSERT", f"{TABLE}_org_added", "REFERENCING NEW TABLE AS inserted"
    ),
    _trigger(
        f"{TABLE}_org_ad", "crm_organisation", "DELETE", f"{TABLE}_org_removed", "REFERENCING OLD TABLE AS deleted"
    ),
    _trigger(f"{TABLE}_org_at", "crm_organisation", "TRUNCATE", f"{TABLE}_recount_all"),
    _trigger(f"{TABLE}_ai", "crm_interaction", "INSERT", f"{TABLE}_added", "REFERENCING NEW TABLE AS inserted"),
    _trigger(
        f"{TABLE}_au",
        "crm_interaction",
        "UPDATE",
        f"{TABLE}_changed",
        "REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted",
    ),
    _trigger(f"{TABLE}_ad", "crm_interaction", "DELETE", f"{TABLE}_removed", "REFERENCING OLD TABLE AS deleted"),
    _trigger(f"{TABLE}_at", "crm_interaction", "TRUNCATE", f"{TABLE}_recount_all"),
    _trigger(f"{TABLE}_contact_at", "crm_contact", "TRUNCATE", f"{TABLE}_recount_all"),
    (
        f"CREATE TRIGGER {TABLE}_contact_au AFTER UPDATE OF organisation_id ON crm_contact FOR EACH ROW "
        f"WHEN (OLD.organisation_id IS DISTINCT FROM NEW.organisation_id) EXECUTE FUNCTION {TABLE}_person_moved()"
    ),
    f"INSERT INTO {TABLE} (organisation_id, last_at) SELECT o.id, {_latest('o.id')} FROM crm_organisation o ORDER BY o.id",
    f"ANALYZE {TABLE}",
]

DROP = [
    *(f"DROP TRIGGER IF EXISTS {TABLE}_{s} ON crm_organisation" for s in ("org_ai", "org_ad", "org_at")),
    *(f"DROP TRIGGER IF EXISTS {TABLE}_{s} ON crm_interaction" for s in ("ai", "au", "ad", "at")),
    *(f"DROP TRIGGER IF EXISTS {TABLE}_{s} ON crm_contact" for s in ("contact_at", "contact_au")),
    *(
        f"DROP FUNCTION IF EXISTS {TABLE}_{s}()"
        for s in ("recount_all", "org_added", "org_removed", "added", "changed", "removed", "person_moved")
    ),
    f"DROP TABLE IF EXISTS {TABLE}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_interaction_day_counts"),
        ("crm", "0014_contact_updates_in_place"),
    ]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
