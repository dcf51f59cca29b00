"""Fault injection: tests marked `worker_process` run the task worker as a separate process
and need a database another process can reach, so they run on PostgreSQL (make test-postgres,
make faults) and are deselected on SQLite, whose test database lives in memory. Tests marked
`slow_fault` (minutes each: 100,000 rows, 1,000 messages) run in `make faults` only."""

import os

from django.db import connection


def _left_out(item) -> bool:
    if item.get_closest_marker("slow_fault") and not os.environ.get("FAULTS_REPORT"):
        return True
    return connection.vendor != "postgresql" and item.get_closest_marker("worker_process") is not None


def pytest_collection_modifyitems(config, items):
    deselected = [item for item in items if _left_out(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not _left_out(item)]
