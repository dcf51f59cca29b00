"""One timeline, newest first, of everything that happened with an organisation or person.

Each source is one query, whatever the number of entries, and the merge happens
in Python. The core's own sources are interactions and completed follow-ups; other
apps add theirs (favours, pledge stage changes, in-kind status changes, invoices...)
through crm.registry.register_timeline_source, called with organisation= or contact=,
and say more about an interaction they know (an email's message) through
register_interaction_links. A page shows the newest hundred entries, so an organisation
with 5,000 emails costs what one with a hundred does; the whole timeline is a link away.
"""

import datetime
from dataclasses import dataclass
from itertools import islice

from django.db.models import F
from django.utils import timezone

from crm.models import FollowUp, Interaction
from crm.registry import interaction_links, timeline_sources


@dataclass
class Entry:
    when: datetime.datetime
    kind: str  # interaction, favour, pledge, in_kind, followup
    icon: str
    title: str
    detail: str = ""
    who: str = ""
    url: str = ""


def as_datetime(day: datetime.date | None, fallback: datetime.datetime) -> datetime.datetime:
    if day is None:
        return fallback
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def user_name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


#: The page shows the newest this many entries, with a link to the whole timeline.
TIMELINE_LIMIT = 100


class Timeline(list):
    """Entries newest first; `more` says older ones were left out."""

    more = False


def _interactions(limit=None, **where):
    items = list(
        Interaction.objects.filter(**where)
        .select_related("logged_by", "contact")
        .order_by("-occurred_at", "-id")[:limit]
    )
    links = {}
    ids = [item.pk for item in items]
    for provider in interaction_links():
        links.update(provider(ids) if ids else {})
    for item in items:
        title = f"{item.get_kind_display()}: {item.summary}"
        if item.contact_id and "contact" not in where:
            title += f" (with {item.contact})"
        url, note = links.get(item.pk, ("", ""))
        detail = " · ".join(part for part in (item.outcome, note) if part)
        yield Entry(item.occurred_at, "interaction", "bi-chat-left-text", title, detail, user_name(item.logged_by), url)


def _completed_followups(limit=None, **where):
    done = (
        FollowUp.objects.filter(status=FollowUp.Status.DONE, **where)
        .select_related("assignee")
        .order_by(F("completed_at").desc(nulls_last=True), "-updated_at", "-id")[:limit]
    )
    for item in done:
        yield Entry(
            item.completed_at or item.updated_at,
            "followup",
            "bi-check2-circle",
            f"Follow-up done: {item.title}",
            f"Was due {item.due_date:%d %b %Y}",
            user_name(item.assignee),
        )


def _timeline(limit, **where) -> Timeline:
    """Every source's newest `limit` entries, merged; the newest `limit` of them kept."""
    ask = limit + 1 if limit else None  # one more than shown tells whether there is more
    entries = [*_interactions(limit=ask, **where), *_completed_followups(limit=ask, **where)]
    for source, takes_limit in timeline_sources():
        given = source(**where, limit=ask) if takes_limit else source(**where)
        entries.extend(islice(given, ask) if takes_limit and ask else given)
    entries.sort(key=lambda e: e.when, reverse=True)
    timeline = Timeline(entries[:limit] if limit else entries)
    timeline.more = bool(limit) and len(entries) > limit
    return timeline


def timeline_limit(request) -> int | None:
    """The page's limit: ?timeline=all shows every entry."""
    return None if request.GET.get("timeline") == "all" else TIMELINE_LIMIT


def organisation_timeline(organisation, limit=TIMELINE_LIMIT) -> Timeline:
    return _timeline(limit, organisation=organisation)


def contact_timeline(contact, limit=TIMELINE_LIMIT) -> Timeline:
    return _timeline(limit, contact=contact)
