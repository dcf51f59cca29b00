"""Fault injection: tests marked `worker_process` run the task worker as a separate process
and need a database another process can reach, so they run on PostgreSQL (make test-postgres,
make faults) and are deselected on SQLite, whose test database lives in memory."""

from django.db import connection


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("worker_process")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("worker_process")]
