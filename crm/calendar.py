"""The private iCalendar feed of a user's open follow-ups (all-day events on the due date)."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

PRODID = "-//Sponsorship CRM//Follow-ups//EN"
UID_DOMAIN = "sponsorship-crm"


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def followup_url(followup) -> str:
    return site_url() + reverse("crm:followup_update", args=[followup.pk])


def followup_event(followup, *, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"followup-{followup.pk}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", followup.due_date)
    event.add("dtend", followup.due_date + datetime.timedelta(days=1))
    event.add("summary", followup.title)
    lines = []
    if followup.organisation_id:
        lines.append(f"Organisation: {followup.organisation}")
    if followup.contact_id:
        lines.append(f"Contact: {followup.contact}")
    if followup.pledge_id:
        lines.append(f"Pledge: {followup.pledge}")
    if followup.favour_id:
        lines.append(f"Favour: {followup.favour}")
    if followup.notes:
        lines.append(followup.notes)
    url = followup_url(followup)
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def build_feed(followups, *, name: str = "Follow-ups") -> bytes:
    """An .ics document with one all-day VEVENT per follow-up."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().replace(microsecond=0)
    for followup in followups:
        calendar.add_component(followup_event(followup, stamp=stamp))
    return calendar.to_ical()
