"""Temporary server-side storage of an uploaded import file between the wizard's steps.

The bytes live in ``var/uploads/<token>.upload``; the session holds what the user chose
(target, mode, file name, mapping) under the same random token, so a token only works in
the session that uploaded it. Committing *claims* the file with an atomic rename, so two
quick POSTs of the confirm button cannot import the same file twice.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

SESSION_KEY = "import_uploads"
DONE_KEY = "import_uploads_done"
MAX_AGE_SECONDS = 24 * 60 * 60
TOKEN_RE = re.compile(r"[0-9a-f]{32}")
DONE_KEEP = 20  # how many committed tokens to remember for the "already imported" message


def upload_dir() -> Path:
    path = Path(settings.BASE_DIR) / "var" / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(token: str, suffix: str = ".upload") -> Path:
    if not TOKEN_RE.fullmatch(token or ""):
        raise ValueError("Not an upload token.")
    return upload_dir() / f"{token}{suffix}"


def clean_old_uploads(max_age: int = MAX_AGE_SECONDS) -> int:
    """Delete upload files older than ``max_age`` seconds; return how many went."""
    cutoff = time.time() - max_age
    removed = 0
    for path in upload_dir().glob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def save_upload(session, data: bytes, **meta) -> str:
    """Store the bytes and remember ``meta`` (target, mode, file_name, ...) in the session."""
    clean_old_uploads()
    token = secrets.token_hex(16)
    path = _path(token)
    tmp = path.with_suffix(".partial")
    tmp.write_bytes(data)
    tmp.replace(path)
    uploads = dict(session.get(SESSION_KEY, {}))
    uploads[token] = {**meta, "saved_at": time.time()}
    session[SESSION_KEY] = uploads
    return token


def get_upload(session, token: str) -> dict | None:
    """The session's record of this upload, or None when it is unknown or its file is gone."""
    meta = session.get(SESSION_KEY, {}).get(token)
    if meta is None:
        return None
    try:
        if not _path(token).exists():
            return None
    except ValueError:
        return None
    return dict(meta)


def read_upload(token: str) -> bytes:
    return _path(token).read_bytes()


def update_upload(session, token: str, **changes) -> None:
    uploads = dict(session.get(SESSION_KEY, {}))
    if token in uploads:
        uploads[token] = {**uploads[token], **changes}
        session[SESSION_KEY] = uploads


def claim_upload(token: str) -> Path | None:
    """Atomically take the file for committing; None when another request already took it."""
    source = _path(token)
    claimed = _path(token, ".committing")
    try:
        source.rename(claimed)
    except FileNotFoundError:
        return None
    return claimed


def release_upload(token: str) -> None:
    """Give a claimed file back (the commit failed, the user may try again)."""
    with contextlib.suppress(FileNotFoundError):
        _path(token, ".committing").rename(_path(token))


def finish_upload(session, token: str, batch_id: int | None = None) -> None:
    """Forget the upload and delete its file; remember the batch for a repeated POST."""
    for suffix in (".upload", ".committing"):
        with contextlib.suppress(FileNotFoundError, ValueError):
            _path(token, suffix).unlink()
    uploads = dict(session.get(SESSION_KEY, {}))
    uploads.pop(token, None)
    session[SESSION_KEY] = uploads
    if batch_id is not None:
        done = dict(session.get(DONE_KEY, {}))
        done[token] = batch_id
        session[DONE_KEY] = dict(list(done.items())[-DONE_KEEP:])


def done_batch_id(session, token: str) -> int | None:
    """The batch a token was already committed as, if this session committed it."""
    return session.get(DONE_KEY, {}).get(token)
