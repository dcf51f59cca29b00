"""Tokens in URLs never reach a log: Django's request and server loggers and gunicorn's access log."""

import logging
from types import SimpleNamespace

from crm.logredact import RedactingGunicornLogger, redact


def test_redact_keeps_the_shape_and_drops_the_secret():
    assert redact("GET /portal/12/AbC-_x9/sign/ HTTP/1.1") == "GET /portal/12/[token]/sign/ HTTP/1.1"
    assert redact("/calendar/s3cret.ics") == "/calendar/[token].ics"
    assert redact("/pledges/12/") == "/pledges/12/"


def test_the_runserver_log_is_redacted(caplog):
    with caplog.at_level(logging.INFO, logger="django.server"):
        logging.getLogger("django.server").info('"%s" %s %s', "GET /portal/3/SECRETTOKEN/ HTTP/1.1", "200", "5")
    assert "SECRETTOKEN" not in caplog.text and "/portal/3/[token]/" in caplog.text


def test_gunicorns_access_log_atoms_are_redacted():
    from gunicorn.config import Config

    logger = RedactingGunicornLogger(Config())
    req = SimpleNamespace(
        method="GET", uri="/portal/3/SECRETTOKEN/", path="/portal/3/SECRETTOKEN/", query="", version=(1, 1), headers=[]
    )
    resp = SimpleNamespace(status="200 OK", response_length=5, sent=5, headers=[])
    environ = {
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "RAW_URI": "/portal/3/SECRETTOKEN/",
        "PATH_INFO": "/portal/3/SECRETTOKEN/",
        "QUERY_STRING": "",
        "REMOTE_ADDR": "1.2.3.4",
        "HTTP_REFERER": "https://x/portal/3/SECRETTOKEN/",
    }
    import datetime

    atoms = logger.atoms(resp, req, environ, datetime.timedelta(seconds=0.01))
    assert not any("SECRETTOKEN" in str(v) for v in atoms.values())
    assert atoms["r"] == "GET /portal/3/[token]/ HTTP/1.1"
