"""Reading the mailbox over IMAP: each new message filed, then moved to the processed folder.

A message is moved only after it is stored (or recognised as a duplicate), so a crash or a
dropped connection leaves it in the inbox to be read again, never lost and never filed twice.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.utils import timezone

from mail import parsing
from mail.models import EmailMessage, MailboxState
from mail.services import ERROR, ImportResult, crm_user_emails, file_batch

logger = logging.getLogger("mail")


class MailboxUnavailable(Exception):
    """The IMAP server could not be reached or refused us."""


@dataclass
class MailboxConfig:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str

    @classmethod
    def from_url(cls, url: str) -> MailboxConfig:
        parts = urlsplit(url or "")
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise MailboxUnavailable("MAIL_IMAP_URL is not set or is not imap[s]://user:password@host:port/FOLDER.")
        secure = parts.scheme == "imaps"
        return cls(
            secure,
            parts.hostname,
            parts.port or (993 if secure else 143),
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            unquote(parts.path.lstrip("/")) or "INBOX",
        )


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(config: MailboxConfig, timeout: float = 30) -> imaplib.IMAP4:
    client = None
    try:
        if config.secure:
            client = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=ssl.create_default_context(), timeout=timeout
            )
        else:
            client = imaplib.IMAP4(config.host, config.port, timeout=timeout)
        client.login(config.user, config.password)
    except (TimeoutError, OSError, imaplib.IMAP4.error) as error:
        if client is not None:  # connected but refused (a wrong password): close the socket
            with contextlib.suppress(OSError):
                client.shutdown()
        raise MailboxUnavailable(f"Cannot reach the mailbox at {config.host}:{config.port}: {error}") from error
    return client


def _ensure_folder(client, folder: str) -> None:
    status, _ = client.select(_quote(folder))
    if status != "OK":
        client.create(_quote(folder))


def fetch_once(url: str, processed_folder: str, *, user=None, batch: int = 200) -> ImportResult:
    """Read every message in the folder, file it, move it to the processed folder."""
    config = MailboxConfig.from_url(url)
    result = ImportResult()
    client = connect(config)
    try:
        _ensure_folder(client, processed_folder)
        status, _ = client.select(_quote(config.folder))
        if status != "OK":
            raise MailboxUnavailable(f"The folder {config.folder!r} does not exist in the mailbox.")
        status, data = client.uid("SEARCH", None, "ALL")
        uids = (data[0] or b"").split() if status == "OK" else []
        can_move = b"MOVE" in b" ".join(c.encode() if isinstance(c, str) else c for c in client.capabilities)
        user_emails = crm_user_emails()
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            status, fetched = client.uid("FETCH", b",".join(chunk), "(UID BODY.PEEK[])")
            if status != "OK":
                raise MailboxUnavailable("The mailbox refused to send the messages.")
            done, parsed_items = [], []
            for item in fetched:
                if not isinstance(item, tuple):
                    continue
                uid_match = re.search(rb"UID (\d+)", item[0])
                uid = uid_match.group(1) if uid_match else None
                label = f"IMAP message UID {uid.decode() if uid else '?'}"
                try:
                    parsed_items.append((uid, label, parsing.parse_bytes(item[1])))
                except parsing.UnreadableMessage as error:
                    result.unreadable += 1
                    result.add(ERROR, f"{label}: {error} (left in the mailbox)")
            reasons: dict[int, str] = {}
            outcomes = (
                file_batch(
                    [p for _, _, p in parsed_items],
                    user=user,
                    source=EmailMessage.Source.IMAP,
                    user_emails=user_emails,
                    reasons=reasons,
                )
                if parsed_items
                else []
            )
            for index, ((uid, label, _), outcome) in enumerate(zip(parsed_items, outcomes)):
                if outcome == ERROR:
                    why = reasons.get(index, "could not be filed")
                    result.add(ERROR, f"{label}: {why}; left in the mailbox.")
                    continue
                result.add(outcome)
                if uid:
                    done.append(uid)
            if done:
                uid_set = b",".join(done)
                if can_move:
                    client.uid("MOVE", uid_set, _quote(processed_folder))
                else:
                    client.uid("COPY", uid_set, _quote(processed_folder))
                    client.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
                    client.expunge()
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxUnavailable(f"The mailbox connection failed: {error}") from error
    finally:
        with contextlib.suppress(Exception):
            client.logout()
    return result


def record_success() -> None:
    """A read that worked. The last error is kept (with its time) so the triage page can say the
    reading recovered by itself; `failures` going back to 0 is what marks it as over."""
    state, _ = MailboxState.objects.get_or_create(pk=1)
    state.last_success_at = timezone.now()
    state.failures = 0
    state.save()


def record_failure(error: Exception) -> None:
    state, _ = MailboxState.objects.get_or_create(pk=1)
    state.last_error_at = timezone.now()
    state.last_error = str(error)[:2000]
    state.failures += 1
    state.save()


def fetch_with_retry(
    url: str, processed_folder: str, *, attempts: int = 4, base_delay: float = 2.0, sleep=time.sleep, user=None
) -> ImportResult:
    """fetch_once, retried with exponential backoff while the server is down; the error is
    logged and kept for the triage page. Raises MailboxUnavailable after the last attempt."""
    for attempt in range(1, attempts + 1):
        try:
            result = fetch_once(url, processed_folder, user=user)
        except MailboxUnavailable as error:
            logger.error("Mail fetch failed (attempt %d of %d): %s", attempt, attempts, error)
            record_failure(error)
            if attempt == attempts:
                raise
            sleep(base_delay * 2 ** (attempt - 1))
            continue
        record_success()
        return result
    raise AssertionError("unreachable")
