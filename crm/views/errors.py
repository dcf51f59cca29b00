"""The page shown when a request fails: a plain 503 while the database is unreachable."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.defaults import server_error as default_server_error

#: Seconds a client is asked to wait before trying again while the database is away.
RETRY_AFTER = 5


def server_error(request, template_name="500.html"):
    """Django's 500 page, except when the database could not be reached: then a 503 that says so,
    rendered without the database (no user, no messages, no context processors) and with
    Retry-After. Nothing of the failed request is shown."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        body = loader.get_template("503.html").render({"retry_after": RETRY_AFTER})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
    return default_server_error(request, template_name)
