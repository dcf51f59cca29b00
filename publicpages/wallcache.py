"""The sponsor wall built once per change, not once per request.

Every wall (HTML and JSON) is cached keyed on one number, the wall version (a single row,
WallVersion), which changes after any transaction that wrote something a wall shows: a pledge
(stage, tier, organisation), a tier, an organisation (name, website), the event, the public page's
settings, an in-kind offer or its credit, and the sponsor portal's agreement, approved logo and
details. The number is bumped once the writing transaction commits (never inside it: no write
waits on another for this row), so a reader that sees the new number reads the new data too.
The version is read in the same query as the page, before the data: a payload built from newer
data than its version says is merely early, never stale. The ETag is the version (with the
address and the code), so a conditional GET is answered 304 without building anything.

Writes that bypass model signals are covered where they exist today: a spreadsheet import
creates its ImportBatch in the transaction that writes the rows; a merge deletes the merged
record. As a last resort the cached payload lives no longer than the wall's public max-age
(a minute), which browsers and proxies may keep it for anyway.

Cached payloads live in Django's default cache (per process, or shared across the workers with
CACHE_URL); the version lives in the database, so every process sees a change at once.
"""

from __future__ import annotations

import functools
import hashlib
import time

from django.apps import apps
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Subquery
from django.db.models.signals import post_delete, post_save

from crm.version import VERSION

#: Models whose rows a sponsor wall shows, or which decide who is on it.
WATCHED = (
    "publicpages.PublicPage",
    "publicpages.InKindCredit",
    "crm.Event",
    "crm.Organisation",
    "crm.ImportBatch",  # a spreadsheet import writes organisations and pledges in bulk, in the batch's transaction
    "sponsors.SponsorshipTier",
    "sponsors.Pledge",
    "sponsors.InKindContribution",
)
#: The sponsor portal's rows behind "portal.sponsor_presence" (signed agreement, approved logo,
#: description and website), named, never imported: watched only when the portal is installed.
PORTAL_WATCHED = ("portal.SignedAgreement", "portal.LogoSubmission", "portal.SponsorAssets")
#: Registry events after which walls may differ (a merge moves pledges with a bulk UPDATE).
EVENTS = ("organisation.merged",)
KEY_PREFIX = "publicpages:wall"


def version_subquery() -> Subquery:
    from publicpages.models import WallVersion

    return Subquery(WallVersion.objects.filter(pk=WallVersion.ROW).values("number")[:1])


def current() -> int:
    """The wall version now, the row made on first use (numbered from the clock, so a database
    made again never repeats a number a cache may still hold)."""
    from publicpages.models import WallVersion

    row = WallVersion.objects.filter(pk=WallVersion.ROW).values_list("number", flat=True).first()
    if row is not None:
        return row
    try:
        return WallVersion.objects.get_or_create(pk=WallVersion.ROW, defaults={"number": _fresh_number()})[0].number
    except IntegrityError:  # made by another request just now
        return WallVersion.objects.get(pk=WallVersion.ROW).number


def _fresh_number() -> int:
    return time.time_ns() // 1000


def _bump() -> None:
    from publicpages.models import WallVersion

    if not WallVersion.objects.filter(pk=WallVersion.ROW).update(number=F("number") + 1):
        current()


def changed(**_ignored) -> None:
    """Something a wall shows changed: the version moves once the current transaction commits
    (at once outside a transaction; once per transaction, however many rows it wrote)."""
    if connection.in_atomic_block and getattr(connection, "_wall_bump_queued_in", None) is connection.run_on_commit:
        # Queued already: Django replaces that list whenever it commits, rolls back or rolls back
        # to a savepoint (the moments a queued bump could run or be dropped), so the same list
        # means the bump queued earlier is still waiting. Checked in constant time: an import
        # saving thousands of rows in one transaction pays nothing per row.
        return
    transaction.on_commit(_bump, robust=True)
    if connection.in_atomic_block:
        setattr(connection, "_wall_bump_queued_in", connection.run_on_commit)  # noqa: B010 (not a declared attribute)


def _on_event(name, data) -> None:
    _bump()  # registry listeners already run after the commit


def connect() -> None:
    """Watch the models above (AppConfig.ready())."""
    from crm import registry

    labels = WATCHED + (PORTAL_WATCHED if apps.is_installed("portal") else ())
    for label in labels:
        uid = f"publicpages.wallcache:{label}"
        post_save.connect(changed, sender=label, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(changed, sender=label, weak=False, dispatch_uid=uid + ":delete")
    for name in EVENTS:
        registry.register_event_listener(f"publicpages.wallcache:{name}", _filter_event(name))


def _filter_event(wanted: str):
    def listener(name, data):
        if name == wanted:
            _on_event(name, data)

    return listener


@functools.cache
def code_stamp() -> str:
    """Changes with the project's version and the wall's templates: a deployment that changes
    how the wall looks never answers 304 for the old page."""
    from django.template.loader import get_template

    templates = [get_template(name) for name in ("publicpages/wall.html", "publicpages/base_public.html")]
    sources = [getattr(getattr(t, "template", None), "source", "") for t in templates]  # Django's own Template
    return hashlib.sha256("\0".join([VERSION, *sources]).encode()).hexdigest()[:12]


def etag(kind: str, page_pk: int, version: int, origin: str) -> str:
    """The wall's ETag: the version, the page, what is asked for (HTML or JSON) and the address it
    is asked at (the JSON's URLs are absolute)."""
    tail = hashlib.sha256(f"{kind}\0{origin}\0{code_stamp()}".encode()).hexdigest()[:12]
    return f'"w{version}-{page_pk}-{tail}"'


def cached(kind: str, page_pk: int, version: int, origin: str, build, timeout: int) -> bytes:
    """The wall's body for this version, built at most once per version per process."""
    key = f"{KEY_PREFIX}:{kind}:{page_pk}:{version}:{hashlib.sha256(origin.encode()).hexdigest()[:16]}"
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, timeout)
    return body
