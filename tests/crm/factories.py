"""Small builders for test data (plain functions: the suite has no factory library)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from crm.models import Contact, Event, FollowUp, Interaction, Organisation
from partners.models import Favour
from sponsors.models import InKindContribution
from sponsors.services import create_pledge

_seq = itertools.count(1)


def event(**fields):
    fields.setdefault("name", f"Launch {next(_seq)}")
    fields.setdefault("sponsorship_target", Decimal("10000"))
    return Event.objects.create(**fields)


def organisation(name=None, roles=("sponsor",), **fields):
    org = Organisation(name=name or f"Org {next(_seq)}", **fields)
    org.set_roles(roles)
    org.save()
    return org


def contact(org=None, **fields):
    n = next(_seq)
    fields.setdefault("first_name", f"First{n}")
    fields.setdefault("last_name", f"Last{n}")
    fields.setdefault("email", f"person{n}@example.org")
    return Contact.objects.create(organisation=org, **fields)


def busy_organisation(ev, owner=None, name=None):
    """An organisation with a contact, an interaction, a pledge, in-kind, favours and a follow-up."""
    org = organisation(name=name, roles=("sponsor", "supplier"), owner=owner, city="Leeds")
    person = contact(org)
    Interaction.objects.create(organisation=org, contact=person, summary="Call", logged_by=owner)
    create_pledge(organisation=org, event=ev, amount=Decimal("1000"), stage="approached", user=owner)
    InKindContribution.objects.create(
        organisation=org, event=ev, category="venue", description="Room", estimated_value=Decimal("500")
    )
    Favour.objects.create(
        organisation=org, direction="we_asked", description="Room", status="done", estimated_value=Decimal("500")
    )
    Favour.objects.create(
        organisation=org, direction="we_owe", description="Logo", status="done", estimated_value=Decimal("120")
    )
    FollowUp.objects.create(
        organisation=org,
        contact=person,
        title="Chase",
        assignee=owner,
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    return org
