"""Fixtures for the email tests: attachments in a temporary MEDIA_ROOT, message builders."""

import datetime
from email.message import EmailMessage as StdMessage
from email.utils import format_datetime, make_msgid

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.MEDIA_ROOT


def build(
    *,
    sender="Sam Sponsor <sam@acme.example>",
    to="crm@network.example",
    cc=None,
    subject="Sponsorship",
    body="Hello, we would like to sponsor.",
    html=None,
    date=None,
    message_id=None,
    attachments=(),
):
    """A real message as bytes, built with the standard library."""
    msg = StdMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="acme.example")
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for name, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


@pytest.fixture
def message_bytes():
    return build
