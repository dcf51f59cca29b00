"""Secrets in URLs never reach a log: the sponsor portal's tokens and the calendar feed's.

`RedactSecretsFilter` is set on the loggers that write request paths (django.request,
django.server, django.security.csrf; settings.LOGGING), so every handler, including a test's,
sees the redacted text. `RedactingGunicornLogger` does the same for gunicorn's access log
(`--logger-class crm.logredact.RedactingGunicornLogger`, docs/deploy.md).
"""

from __future__ import annotations

import logging
import re

#: A path segment that is a secret, and what stays of it.
SECRET_PATHS = (
    (re.compile(r"(/portal/\d+/)[^/\s\"'?#]+"), r"\1[token]"),
    (re.compile(r"(/calendar/)[^/\s\"'?#]+(\.ics)"), r"\1[token]\2"),
)


def redact(text: str) -> str:
    for pattern, replacement in SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


def _clean(value):
    if isinstance(value, str):
        return redact(value)
    return value


class RedactSecretsFilter(logging.Filter):
    """Rewrites the message and its arguments; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = _RedactedRequest(request)
        return True


class _RedactedRequest:
    """A request as handlers that format it (AdminEmailHandler) see it, with its paths redacted."""

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name):
        value = getattr(self._request, name)
        return redact(value) if name in ("path", "path_info") and isinstance(value, str) else value

    def get_full_path(self, *args, **kwargs):
        return redact(self._request.get_full_path(*args, **kwargs))

    def build_absolute_uri(self, *args, **kwargs):
        return redact(self._request.build_absolute_uri(*args, **kwargs))


from gunicorn.glogging import Logger as _GunicornLogger  # noqa: E402 - gunicorn is a dependency


class RedactingGunicornLogger(_GunicornLogger):
    """gunicorn's access log with the secrets in request lines and referrers redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
