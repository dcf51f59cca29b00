"""Fault 7: the disk for MEDIA_ROOT fills up while an email's attachment is being written.

A real, tiny filesystem (a 96 KB tmpfs mounted as MEDIA_ROOT; the tests run as root, as CI
does). Expected: a clear message, the other message of the same upload filed, no row pointing
at a missing file and no file without its row.
"""

import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mail.models import EmailAttachment, EmailMessage
from tests.crm import factories
from tests.faults.report import Row, record
from tests.mail.conftest import build


@pytest.fixture
def full_disk(settings):
    folder = tempfile.mkdtemp(prefix="crm-full-disk-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", folder], check=True)
    settings.MEDIA_ROOT = folder
    try:
        yield Path(folder)
    finally:
        subprocess.run(["umount", folder], check=True)
        os.rmdir(folder)


def files_on(disk: Path) -> set[str]:
    return {str(p.relative_to(disk)) for p in disk.rglob("*") if p.is_file()}


def test_a_full_disk_mid_attachment_says_so_and_leaves_no_orphan(client, staff, full_disk):
    org = factories.organisation()
    factories.contact(org, email="sam@acme.example")
    small = build(subject="Fits", attachments=[("note.txt", b"n" * 10_000, "text/plain")])
    large = build(subject="Too big", attachments=[("deck.pdf", os.urandom(300_000), "application/pdf")])
    client.force_login(staff)
    started = time.monotonic()
    response = client.post(
        reverse("mail:upload"),
        {
            "files": [SimpleUploadedFile("small.eml", small), SimpleUploadedFile("large.eml", large)],
            "next": org.get_absolute_url(),
        },
        follow=True,
    )
    answered_in = time.monotonic() - started
    page = response.content.decode()
    assert response.status_code == 200
    assert "large.eml" in page and "the disk for attachments is full" in page
    assert list(EmailMessage.objects.values_list("subject", flat=True)) == ["Fits"]
    rows = set(EmailAttachment.objects.exclude(file="").values_list("file", flat=True))
    assert rows == files_on(full_disk), "every stored file has its row and every row its file"
    assert all((full_disk / name).stat().st_size == 10_000 for name in rows)

    alone = client.post(  # one message alone took another road (it was re-raised: a 500)
        reverse("mail:upload"), {"files": [SimpleUploadedFile("large.eml", large)]}, follow=True
    )
    assert alone.status_code == 200 and "the disk for attachments is full" in alone.content.decode()
    assert set(EmailAttachment.objects.exclude(file="").values_list("file", flat=True)) == files_on(full_disk)
    record(
        Row(
            7,
            "MEDIA_ROOT disk full during an attachment",
            "an upload of two messages to a 96 KB filesystem: a 10 KB attachment fits, a 300 KB one does not",
            "2 messages",
            lost=0,
            duplicated=0,
            recovery=f"answered in {answered_in:.1f} s with the reason; the other message filed; no orphan file",
            backend="SQLite or PostgreSQL",
        )
    )
