"""Write transactions that start again when SQLite says a table is locked.

PostgreSQL queues a second writer on the row lock. SQLite's IMMEDIATE transactions wait on the
busy timeout for a file database, but a shared-cache database (the test suite's in-memory one)
reports "table is locked" at once instead: the transaction has written nothing yet, so it is safe
to start it again. Only the outermost call retries. (invoicing and portal keep their own copies
of this rule from before it was in the core.)
"""

import functools
import time

from django.db import OperationalError, connection


def retry_when_sqlite_is_locked(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for attempt in range(60):
            try:
                return fn(*args, **kwargs)
            except OperationalError as error:
                if connection.vendor != "sqlite" or "locked" not in str(error) or connection.in_atomic_block:
                    raise
                time.sleep(min(0.01 * (attempt + 1), 0.1))
        return fn(*args, **kwargs)

    return wrapper
