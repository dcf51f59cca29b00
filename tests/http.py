"""Test-client helpers."""


def release(response):
    """Close a response's file handle the way the test client closes its own responses.

    ``response.close()`` called in a test fires ``request_finished``, whose
    ``close_old_connections`` closes the database connection under the test's open transaction:
    harmless on SQLite, but on PostgreSQL every later query of that test (and of the worker)
    fails with "the connection is closed". The test client wraps a streaming response's content
    so that reading it to the end closes it with that receiver disconnected; a response that is
    not streamed was closed already.
    """
    if response.streaming:
        for _ in response.streaming_content:
            pass
    return response
