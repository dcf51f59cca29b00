"""The API's part of the demo world (a crm.registry DemoStep run by seed_demo): a token for the
organiser, whose key seed_demo prints once (only its hash is kept), and a webhook, paused.

The webhook's target is a reserved example domain, which resolves nowhere: it is saved paused
and without the services' check that the host resolves to a public address (a demo must start
offline), so no delivery is ever attempted until the organiser points it somewhere real.
"""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth import get_user_model

from api.models import Event, Webhook
from api.services import create_token


def run(*, today: datetime.date) -> list[str]:
    organiser = get_user_model().objects.get(username="organiser")
    _token, key = create_token(user=organiser, name="Demo: ticketing sync")
    webhook = Webhook(
        name="Finance system (demo, paused)",
        url="https://finance.example.org/hooks/crm",
        events=[Event.PLEDGE_PAID, Event.PLEDGE_STAGE_CHANGED],
        secret=secrets.token_hex(32),
        active=False,
        created_by=organiser,
    )
    webhook.full_clean()
    webhook.save()
    return [
        "API token for organiser (shown once; see /api/tokens/):",
        f"  {key}",
    ]
