"""One timeline, newest first, of everything that happened with an organisation or person.

Each source is one query, whatever the number of entries, and the merge happens
in Python. The core's own sources are interactions and completed follow-ups; other
apps add theirs (favours, pledge stage changes, in-kind status changes, emails...)
through crm.registry.register_timeline_source, called with organisation= or contact=.
"""
import datetime
from dataclasses import dataclass

from django.utils import timezone

from crm.models import FollowUp, Interaction
from crm.registry import timeline_sources


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


def _interactions(**where):
    for item in Interaction.objects.filter(**where).select_related("logged_by", "contact"):
        title = f"{item.get_kind_display()}: {item.summary}"
        if item.contact_id and "contact" not in where:
            title += f" (with {item.contact})"
        yield Entry(item.occurred_at, "interaction", "bi-chat-left-text", title, item.outcome, user_name(item.logged_by))


def _completed_followups(**where):
    done = FollowUp.objects.filter(status=FollowUp.Status.DONE, **where).select_related("assignee")
    for item in done:
        yield Entry(item.completed_at or item.updated_at, "followup", "bi-check2-circle",
                    f"Follow-up done: {item.title}", f"Was due {item.due_date:%d %b %Y}", user_name(item.assignee))


def organisation_timeline(organisation) -> list[Entry]:
    entries = [
        *_interactions(organisation=organisation),
        *_completed_followups(organisation=organisation),
        *(entry for source in timeline_sources() for entry in source(organisation=organisation)),
    ]
    return sorted(entries, key=lambda e: e.when, reverse=True)


def contact_timeline(contact) -> list[Entry]:
    entries = [
        *_interactions(contact=contact),
        *_completed_followups(contact=contact),
        *(entry for source in timeline_sources() for entry in source(contact=contact)),
    ]
    return sorted(entries, key=lambda e: e.when, reverse=True)
