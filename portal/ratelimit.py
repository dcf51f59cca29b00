"""Rate limits for the portal's token pages, per client address and per link (429 with
Retry-After beyond), counted by the project's limiter for pages without an account
(crm.ratelimit)."""

from __future__ import annotations

from django.conf import settings

from crm.ratelimit import hit

WINDOWS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """For example "120/minute" gives (120, 60)."""
    count, _, period = rate.partition("/")
    return int(count), WINDOWS[period.strip().rstrip("s") or "minute"]


def check(request, scope: str, ident: str) -> int | None:
    """None when the request may go on, else the seconds to wait."""
    limit, window = parse_rate(settings.PORTAL_RATE_PER_IP if scope == "ip" else settings.PORTAL_RATE_PER_TOKEN)
    wait = hit(f"portal-{scope}", ident, limit=limit, window=window)
    return wait or None
