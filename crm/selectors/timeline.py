"""One timeline, newest first, of everything that happened with an organisation or person.

Each source is one query, whatever the number of entries, and the merge happens
in Python: interactions, favours, pledge stage changes, in-kind status changes
(read from the in-kind history) and completed follow-ups.
"""
import datetime
from dataclasses import dataclass

from django.utils import timezone

from crm.models import FollowUp, Interaction
from crm.registry import timeline_sources
from partners.models import Favour
from sponsors.models import InKindContribution, PledgeStageChange, Stage


@dataclass
class Entry:
    when: datetime.datetime
    kind: str  # interaction, favour, pledge, in_kind, followup
    icon: str
    title: str
    detail: str = ""
    who: str = ""
    url: str = ""


def _as_datetime(day: datetime.date | None, fallback: datetime.datetime) -> datetime.datetime:
    if day is None:
        return fallback
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _user(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _interactions(**where):
    for item in Interaction.objects.filter(**where).select_related("logged_by", "contact"):
        title = f"{item.get_kind_display()}: {item.summary}"
        if item.contact_id and "contact" not in where:
            title += f" (with {item.contact})"
        yield Entry(item.occurred_at, "interaction", "bi-chat-left-text", title, item.outcome, _user(item.logged_by))


def _favours(**where):
    for item in Favour.objects.filter(**where).select_related("logged_by"):
        title = f"Favour, {item.get_direction_display().lower()}: {item.description}"
        detail = item.get_status_display()
        if item.estimated_value:
            detail += f" · £{item.estimated_value:,.0f}"
        yield Entry(_as_datetime(item.occurred_on, item.created_at), "favour", "bi-arrow-left-right", title, detail,
                    _user(item.logged_by))


def _stage_changes(**where):
    changes = PledgeStageChange.objects.filter(**where).select_related("pledge", "pledge__event", "changed_by")
    for change in changes:
        pledge = change.pledge
        if change.from_stage:
            title = f"Pledge £{pledge.amount:,.0f} moved {Stage(change.from_stage).label} → {change.get_to_stage_display()}"
        else:
            title = f"Pledge £{pledge.amount:,.0f} for {pledge.event} created as {change.get_to_stage_display()}"
        yield Entry(change.changed_at, "pledge", "bi-cash-coin", title, change.note, _user(change.changed_by),
                    pledge.get_absolute_url())


def _in_kind_changes(organisation_id):
    """Status changes are the history rows whose status differs from the row before."""
    history = (
        InKindContribution.history.filter(organisation_id=organisation_id)
        .select_related("history_user").order_by("id", "history_date", "history_id")
    )
    previous = {}
    labels = dict(InKindContribution.Status.choices)
    categories = dict(InKindContribution.Category.choices)
    for row in history:
        before = previous.get(row.id)
        previous[row.id] = row.status
        if row.history_type == "-" or before == row.status:
            continue
        what = f"{categories.get(row.category, row.category)}: {row.description}"
        title = f"In-kind {what} offered" if before is None else \
            f"In-kind {what} {labels.get(before, before).lower()} → {labels.get(row.status, row.status).lower()}"
        if before is None and row.status != InKindContribution.Status.OFFERED:
            title = f"In-kind {what} recorded as {labels.get(row.status, row.status).lower()}"
        yield Entry(row.history_date, "in_kind", "bi-box-seam", title, "", _user(row.history_user))


def _completed_followups(**where):
    done = FollowUp.objects.filter(status=FollowUp.Status.DONE, **where).select_related("assignee")
    for item in done:
        yield Entry(item.completed_at or item.updated_at, "followup", "bi-check2-circle",
                    f"Follow-up done: {item.title}", f"Was due {item.due_date:%d %b %Y}", _user(item.assignee))


def organisation_timeline(organisation) -> list[Entry]:
    entries = [
        *_interactions(organisation=organisation),
        *_favours(organisation=organisation),
        *_stage_changes(pledge__organisation=organisation),
        *_in_kind_changes(organisation.pk),
        *_completed_followups(organisation=organisation),
        *(entry for source in timeline_sources() for entry in source(organisation=organisation)),
    ]
    return sorted(entries, key=lambda e: e.when, reverse=True)


def contact_timeline(contact) -> list[Entry]:
    entries = [
        *_interactions(contact=contact),
        *_favours(contact=contact),
        *_completed_followups(contact=contact),
        *(entry for source in timeline_sources() for entry in source(contact=contact)),
    ]
    return sorted(entries, key=lambda e: e.when, reverse=True)
