"""Two people who are one (Priya Shah and Dr Priya Shah), each with every kind of row a merge moves."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation, Tag
from mail.models import EmailMessage, EmailTemplate, FiledEmail, MailMerge, MailMergeRecipient
from partners.models import Favour

NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


def file_email(message, contact, summary="Email"):
    interaction = Interaction.objects.create(
        contact=contact, organisation=contact.organisation, kind="email", summary=summary, occurred_at=message.sent_at
    )
    return FiledEmail.objects.create(message=message, contact=contact, interaction=interaction)


@pytest.fixture
def council(db):
    org = Organisation(name="Leeds City Council", website="https://leeds.example.org", city="Leeds")
    org.set_roles(["public_body"])
    org.save()
    return org


@pytest.fixture
def pair(council, organiser):
    """(kept, merged): Priya Shah and Dr Priya Shah, with interactions, follow-ups, a favour, emails
    (one filed on both), mail-merge rows (one merge sent to both), tags and consent."""
    kept = Contact.objects.create(
        first_name="Priya",
        last_name="Shah",
        email="priya.shah@leeds.example.org",
        phone="0113 496 0044",
        organisation=council,
        lawful_basis="legitimate_interests",
    )
    merged = Contact.objects.create(
        salutation="Dr",
        first_name="Priya",
        last_name="Shah",
        email="priya.shah.home@gmail.com",
        phone="+44 113 496 0044",
        job_title="Head of Digital Services",
        organisation=council,
        lawful_basis="consent",
        consent_date=datetime.date(2026, 6, 1),
        do_not_contact=True,
        notes="Prefers email.",
    )
    nhs, gov = Tag.objects.create(name="nhs"), Tag.objects.create(name="local-gov")
    kept.tags.add(gov)
    merged.tags.add(nhs, gov)
    for who, n in ((kept, 2), (merged, 3)):
        for i in range(n):
            Interaction.objects.create(contact=who, organisation=council, summary=f"Call {i} with {who.pk}")
    FollowUp.objects.create(contact=merged, title="Send the prospectus", due_date=datetime.date(2026, 12, 20))
    Favour.objects.create(
        organisation=council, contact=merged, direction="we_asked", description="Room", estimated_value=Decimal("100")
    )
    both = EmailMessage.objects.create(message_id="<both@x>", subject="To both", sent_at=timezone.now(), status="filed")
    only = EmailMessage.objects.create(message_id="<only@x>", subject="To Dr", sent_at=timezone.now(), status="filed")
    file_email(both, kept, "To both (kept)")
    file_email(both, merged, "To both (merged)")
    file_email(only, merged, "To Dr only")
    template = EmailTemplate.objects.create(name="News", subject="News", body="Hi")
    newsletter, invite = MailMerge.objects.create(template=template), MailMerge.objects.create(template=template)
    MailMergeRecipient.objects.create(merge=newsletter, contact=kept, email=kept.email, status="sent")
    MailMergeRecipient.objects.create(merge=newsletter, contact=merged, email=merged.email, status="sent")
    MailMergeRecipient.objects.create(merge=invite, contact=merged, email=merged.email, status="sent")
    kept.refresh_from_db()
    merged.refresh_from_db()
    return kept, merged
