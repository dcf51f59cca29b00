"""System checks of the deployment (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def rate_limits_need_a_shared_cache(app_configs, **kwargs):
    """The public pages' rate limits count in the cache: per-process memory lets each gunicorn
    worker count alone, so four workers allow four times the limit."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            checks.Warning(
                "The cache is this process's memory: with several gunicorn workers each counts the public "
                "pages' rate limits alone.",
                hint="Set CACHE_URL to redis://… or file:///var/cache/crm (docs/deploy.md, 'Environment').",
                id="crm.W010",
            )
        ]
    return []
