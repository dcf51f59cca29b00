"""Per-address rate limits for the pages people without an account reach (the holes in the
login wall: the prospectus, the application form, the sponsor wall, the sponsor portal).

One shared implementation: a fixed window counted in Django's cache (the default per-process
memory cache; a shared cache such as Redis makes the limit hold across gunicorn workers). Over
the limit a request gets 429 with Retry-After and a sentence saying when to try again.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string

from crm.views.auth import client_ip


def hit(scope: str, key: str, *, limit: int, window: int) -> int:
    """Count one request of `key` in `scope`; 0 when allowed, else the seconds until the window ends."""
    now = int(time.time())
    start = now - now % window
    name = f"ratelimit:{scope}:{key}:{start}"
    if cache.add(name, 1, timeout=window + 1):
        return 0
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window + 1)
        return 0
    if count <= limit:
        return 0
    return max(start + window - now, 1)


def too_many(request, retry_after: int, message: str | None = None) -> HttpResponse:
    """429 with Retry-After and a page that says when to try again."""
    minutes = max(1, round(retry_after / 60))
    message = message or (
        f"Too many requests from your network. Please try again in "
        f"{'about a minute' if minutes == 1 else f'{minutes} minutes'}."
    )
    html = render_to_string("crm/rate_limited.html", {"message": message}, request=request)
    response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(scope: str, *, limit: int | Callable[[], int], window: int, methods=("GET", "HEAD", "POST")):
    """Decorate a view: at most `limit` requests per client address per `window` seconds for the
    given methods (`limit` may be a callable, read per request, so tests and settings can change it)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                allowed = limit() if callable(limit) else limit
                retry_after = hit(scope, client_ip(request) or "unknown", limit=allowed, window=window)
                if retry_after:
                    return too_many(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
