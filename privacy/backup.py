"""Whole-database backup and restore that can be verified, table by table.

A backup is one gzip-compressed JSON document: a manifest (when, Django version,
database engine, and for every table its columns, row count and a SHA-256 of its
rows) and the rows themselves, column values as stored, keyed by model label.

Rows are read and written as raw column values rather than through model saves:
no signals fire, `auto_now` timestamps and primary keys are kept exactly, and
history tables, many-to-many tables, groups, permissions and content types come
back byte for byte. The checksum of a table is taken over the canonical JSON of
its rows in primary-key order, the same encoding for the file and for the
database, so a restore can prove it put back exactly what was backed up.

Uploaded files (MEDIA_ROOT: email attachments) travel with the rows: each file's
bytes, size and SHA-256 are in the backup, so a restored attachment row finds its file.

Restore runs in one transaction: check the file against its own manifest, empty
every table, insert the rows, then recount and re-checksum every table and check
foreign keys; any mismatch raises and rolls the whole restore back. The files are
written to a staging folder first and take MEDIA_ROOT's place only once the rows
have committed, so a failed restore leaves both as they were.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import uuid
import zlib

import django
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

FORMAT = "sponsorship-crm-backup"
VERSION = 1
#: Transient tables left out of backups and left alone by restores: sessions are
#: log-ins, not data, and a restore should not resurrect old ones.
EXCLUDED = {"sessions.session"}
#: Tables that a freshly migrated database already fills; their rows alone do not
#: count as "data" that a restore would overwrite without --yes.
SCAFFOLDING = {"contenttypes.contenttype", "auth.permission", "auth.group", "auth.group_permissions"}
BATCH = 500


class BackupError(Exception):
    """The backup file cannot be used, or a restore did not verify; the message says why."""


# --- canonical encoding -----------------------------------------------------------------------


class _Encoder(json.JSONEncoder):
    """Lossless JSON for column values (Django's own encoder drops microseconds)."""

    def default(self, o):
        if isinstance(o, (dt.datetime, dt.date, dt.time)):
            return o.isoformat()
        if isinstance(o, dt.timedelta):
            return {"__duration__": [o.days, o.seconds, o.microseconds]}
        if isinstance(o, (decimal.Decimal, uuid.UUID)):
            return str(o)
        if isinstance(o, (bytes, bytearray, memoryview)):
            return base64.b64encode(bytes(o)).decode("ascii")
        return super().default(o)


def _canonical(value) -> str:
    return json.dumps(value, cls=_Encoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _plain(rows):
    """Rows as the JSON file holds them (strings for dates, decimals...)."""
    return json.loads(_canonical(rows))


def _checksum(rows) -> str:
    return hashlib.sha256(_canonical(rows).encode("utf-8")).hexdigest()


# --- which tables -----------------------------------------------------------------------------


def backup_models() -> list:
    """Every concrete table Django manages (including history and many-to-many tables), by label."""
    existing = set(connection.introspection.table_names())
    seen, found = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped or meta.label_lower in EXCLUDED:
            continue
        if meta.db_table in seen or meta.db_table not in existing:
            continue
        seen.add(meta.db_table)
        found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def _fields(model):
    return list(model._meta.concrete_fields)


def read_rows(model) -> list[list]:
    """The table's rows as lists of column values, in primary-key order."""
    names = [f.attname for f in _fields(model)]
    return [list(row) for row in model._base_manager.order_by("pk").values_list(*names).iterator(chunk_size=2000)]


def table_state(models=None) -> dict:
    """{label: {"rows": count, "sha256": checksum}} for every table: what a restore must reproduce."""
    state = {}
    for model in models or backup_models():
        rows = _plain(read_rows(model))
        state[model._meta.label_lower] = {"rows": len(rows), "sha256": _checksum(rows)}
    return state


# --- uploaded files ---------------------------------------------------------------------------


def _media_root() -> str:
    return os.path.abspath(str(settings.MEDIA_ROOT))


def read_media() -> dict:
    """{relative path: bytes} of every file under MEDIA_ROOT."""
    root, files = _media_root(), {}
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, root)] = handle.read()
    return files


def _files_manifest(files: dict) -> dict:
    return {
        path: {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        for path, content in sorted(files.items())
    }


def _stage_media(files: dict) -> str:
    """Write the backup's files into a new folder beside MEDIA_ROOT; returns its path."""
    root = _media_root()
    parent = os.path.dirname(root)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".media-restore-", dir=parent)
    for relative, content in files.items():
        target = os.path.abspath(os.path.join(staging, relative))
        if not target.startswith(staging + os.sep):
            shutil.rmtree(staging, ignore_errors=True)
            raise BackupError(f"The backup names a file outside the media folder ({relative}); nothing was restored.")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content)
    return staging


def _swap_media(staging: str) -> None:
    root = _media_root()
    old = None
    if os.path.exists(root):
        old = f"{root}.replaced-{os.getpid()}"
        os.replace(root, old)
    os.replace(staging, root)
    if old:
        shutil.rmtree(old, ignore_errors=True)


# --- backup -----------------------------------------------------------------------------------


def _applied_migrations() -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def build_backup() -> dict:
    """Read every table in one transaction (a consistent snapshot) into a backup document."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:  # one snapshot for every table
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        tables, data = {}, {}
        for model in backup_models():
            label = model._meta.label_lower
            rows = _plain(read_rows(model))
            data[label] = rows
            tables[label] = {
                "table": model._meta.db_table,
                "columns": [f.column for f in _fields(model)],
                "rows": len(rows),
                "sha256": _checksum(rows),
            }
        migrations = _applied_migrations()
        files = read_media()
    manifest = {
        "created_at": timezone.now().isoformat(),
        "django_version": django.get_version(),
        "database_engine": connection.settings_dict["ENGINE"],
        "vendor": connection.vendor,
        "total_rows": sum(t["rows"] for t in tables.values()),
        "tables": tables,
        "migrations": migrations,
        "files": _files_manifest(files),
    }
    encoded = {path: base64.b64encode(content).decode("ascii") for path, content in files.items()}
    return {"format": FORMAT, "version": VERSION, "manifest": manifest, "data": data, "files": encoded}


def write_backup(path: str) -> dict:
    """Write a backup to path (gzip JSON, readable by the owner only); returns its manifest."""
    document = build_backup()
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)  # personal data: not world-readable
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(json.dumps(document, cls=_Encoder, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        os.replace(tmp, path)  # never leave a half-written file under the real name
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return document["manifest"]


# --- reading and verifying a file -------------------------------------------------------------


def load_backup(path: str) -> dict:
    """Read and verify a backup file against its own manifest; raise BackupError if anything is off."""
    try:
        with gzip.open(path, "rb") as gz:
            raw = gz.read()
    except FileNotFoundError:
        raise BackupError(f"No backup file at {path}.") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"{path} is not a complete gzip file ({exc}); it may be truncated or corrupted.") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"{path} does not hold valid backup JSON ({exc}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{path} is not a sponsorship CRM backup.")
    if document.get("version") != VERSION:
        raise BackupError(
            f"{path} is a version {document.get('version')} backup; this program reads version {VERSION}."
        )
    manifest, data = document.get("manifest"), document.get("data")
    if not isinstance(manifest, dict) or not isinstance(data, dict) or not isinstance(manifest.get("tables"), dict):
        raise BackupError(f"{path} has no manifest or no data.")
    tables = manifest["tables"]
    if set(tables) != set(data):
        missing = sorted(set(tables) ^ set(data))
        raise BackupError(f"{path} does not match its manifest: tables {', '.join(missing)} differ.")
    for label, info in tables.items():
        rows = data[label]
        if not isinstance(rows, list) or len(rows) != info.get("rows"):
            raise BackupError(
                f"{path} is damaged: {label} should have {info.get('rows')} rows, "
                f"the file has {len(rows) if isinstance(rows, list) else 'none'}."
            )
        if _checksum(rows) != info.get("sha256"):
            raise BackupError(f"{path} is damaged: the rows of {label} do not match their checksum.")
    if "files" in manifest:  # backups made before files travelled with the rows have none
        encoded = document.get("files")
        if not isinstance(encoded, dict) or set(encoded) != set(manifest["files"]):
            raise BackupError(f"{path} is damaged: its files do not match their manifest.")
        files = {}
        for name, text in encoded.items():
            try:
                files[name] = base64.b64decode(text, validate=True)
            except (ValueError, TypeError):
                raise BackupError(f"{path} is damaged: the file {name} cannot be read.") from None
        if _files_manifest(files) != manifest["files"]:
            raise BackupError(f"{path} is damaged: a file does not match its size or checksum.")
        document["files"] = files
    return document


def check_compatible(document: dict) -> list:
    """The models to restore, in the file's order; refuse if the tables' columns differ from this database."""
    models = {m._meta.label_lower: m for m in backup_models()}
    tables = document["manifest"]["tables"]
    unknown = sorted(set(tables) - set(models))
    missing = sorted(set(models) - set(tables))
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"the backup has tables this database lacks ({', '.join(unknown)})")
        if missing:
            parts.append(f"this database has tables the backup lacks ({', '.join(missing)})")
        raise BackupError(
            "The backup was taken from a different schema: "
            + "; ".join(parts)
            + ". Restore into a database migrated to the same version."
        )
    for label, info in tables.items():
        columns = [f.column for f in _fields(models[label])]
        if info.get("columns") != columns:
            raise BackupError(
                f"The backup's columns for {label} differ from this database's "
                f"({info.get('columns')} vs {columns}): migrate to the same version first."
            )
    return [models[label] for label in tables]


def existing_data() -> dict:
    """{label: rows} for tables holding rows beyond what migrate creates."""
    out = {}
    for model in backup_models():
        if model._meta.label_lower in SCAFFOLDING:
            continue
        count = model._base_manager.count()
        if count:
            out[model._meta.label_lower] = count
    return out


# --- restore ----------------------------------------------------------------------------------


def _insert(model, rows):
    fields = _fields(model)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )

    def value(field, raw):
        if raw is None:
            return None
        if isinstance(raw, dict) and "__duration__" in raw and field.get_internal_type() == "DurationField":
            raw = dt.timedelta(*raw["__duration__"])
        if field.get_internal_type() != "JSONField":
            raw = field.to_python(raw)
        return field.get_db_prep_save(raw, connection)

    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [[value(f, v) for f, v in zip(fields, row)] for row in rows[start : start + BATCH]])


def restore_document(document: dict) -> dict:
    """Replace every table's rows with the backup's, verified, in one transaction; returns the new state.

    The backup's files replace MEDIA_ROOT once the rows have committed (a backup from before
    files were kept leaves MEDIA_ROOT alone).
    """
    models = check_compatible(document)
    files = document.get("files")
    if isinstance(files, dict):  # as build_backup made them (base64) or load_backup read them (bytes)
        files = {
            name: base64.b64decode(content) if isinstance(content, str) else content for name, content in files.items()
        }
    staging = _stage_media(files) if isinstance(files, dict) else None
    try:
        state = _restore_rows(document, models)
    except BaseException:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    if staging:
        transaction.on_commit(lambda: _swap_media(staging))
    return state


def flush_tables(names: list[str], *, reset_sequences: bool = False, allow_cascade: bool = False) -> None:
    """Empty these tables as Django's flush does (TRUNCATE on PostgreSQL), inside the current transaction."""
    if connection.vendor == "postgresql":
        # TRUNCATE refuses while this transaction has deferred foreign-key checks pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    connection.ops.execute_sql_flush(
        connection.ops.sql_flush(no_style(), names, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    )


def _restore_rows(document: dict, models: list) -> dict:
    tables = document["manifest"]["tables"]
    with transaction.atomic():
        names = [m._meta.db_table for m in models]
        flush_tables(names, reset_sequences=True)
        for model in models:
            _insert(model, document["data"][model._meta.label_lower])
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        try:
            connection.check_constraints(table_names=names)
        except Exception as exc:
            raise BackupError(f"The restored rows break a foreign key ({exc}); nothing was restored.") from None
        state = table_state(models)
        for label, info in tables.items():
            got = state[label]
            if got["rows"] != info["rows"] or got["sha256"] != info["sha256"]:
                raise BackupError(
                    f"After restoring, {label} has {got['rows']} rows (expected {info['rows']}) "
                    f"and its checksum {'matches' if got['sha256'] == info['sha256'] else 'differs'}; "
                    "nothing was restored."
                )
    return state
