"""Rows written so far by an import, for a background import's progress bar.

The writes happen batch by batch deep inside the resources (and, on PostgreSQL, the COPY path);
rather than pass a callback through every layer, commit_import sets one for the duration of the
writes and the batch loops report to it.
"""

import contextvars
from contextlib import contextmanager

#: While an import writes: report(model, rows written) after each batch (see reporting_progress).
_progress: contextvars.ContextVar = contextvars.ContextVar("import_write_progress", default=None)


@contextmanager
def reporting_progress(model, callback, total: int):
    """Call callback(rows done, total) after each batch of `model`'s rows is written (created or
    updated), for a background import's progress bar; other tables' writes (history, organisations
    made on the way) are not counted."""
    done = 0

    def report(written_model, count):
        nonlocal done
        if written_model is model and count:
            done = min(done + count, total)
            callback(done, total)

    token = _progress.set(report)
    try:
        yield
    finally:
        _progress.reset(token)


def report(model, count: int) -> None:
    reporter = _progress.get()
    if reporter is not None:
        reporter(model, count)
