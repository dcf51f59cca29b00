"""crm.db_sessions: what every database session the app opens is set to."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_a_new_postgresql_session_runs_without_jit():
    fresh = connection.copy()  # a new connection, as a request without a kept one opens
    try:
        with fresh.cursor() as cursor:
            if fresh.vendor == "postgresql":
                cursor.execute("SHOW jit")
                assert cursor.fetchone()[0] == "off"
            else:  # nothing to set on SQLite; the connection still opens
                cursor.execute("SELECT 1")
                assert cursor.fetchone()[0] == 1
    finally:
        fresh.close()
