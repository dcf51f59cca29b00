"""After a bulk load the planner has statistics at once (and PostgreSQL's pages are vacuumed)."""

import pytest
from django.db import connection, transaction

from crm.dbstats import refresh_statistics
from tests.crm import factories


@pytest.mark.django_db(transaction=True)
def test_refresh_statistics_outside_a_transaction_analyses_and_vacuums():
    factories.contact(factories.organisation())
    refresh_statistics()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'crm_contact'"
            )
            assert cursor.fetchone() == (True, True)
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'crm_contact'")
            assert cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_refresh_statistics_inside_a_transaction_only_analyses():
    """VACUUM cannot run in a transaction block: there it falls back to ANALYZE, without an error."""
    with transaction.atomic():
        refresh_statistics()
