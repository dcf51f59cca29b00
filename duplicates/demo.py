"""Demo duplicates (seed_demo): the kinds the demo world's roads make — "Dr Priya Shah" typed beside
"Priya Shah" of the same council, "Leeds CC" from a spreadsheet beside "Leeds City Council", a
plus-addressed newsletter sign-up — each with some history, then a search so the list is full."""

from __future__ import annotations

import datetime

from django.utils import timezone

from crm.models import Contact, Interaction, Organisation


def run(*, today: datetime.date) -> None:
    from duplicates import services
    from duplicates.models import Target

    council = Organisation.objects.filter(name="Leeds City Council").first()
    if council is None:
        return
    website = council.website or "https://leedscitycouncil.example.org"
    short = Organisation(
        name="Leeds CC",
        city="Leeds",
        sector=council.sector,
        website=website.replace("https://", "https://www."),
        source="import: mailchimp.csv",
    )
    short.is_public_body = True
    short.save()
    digital = Organisation(name="Leeds City Council (Digital)", city="Leeds", sector=council.sector, source="quick log")
    digital.is_public_body = True
    digital.save()
    domain = website.removeprefix("https://")
    now = timezone.now()
    people = [
        Contact(
            first_name="Priya",
            last_name="Shah",
            email=f"priya.shah@{domain}",
            phone="0113 496 0844",
            job_title="Head of Digital",
            organisation=council,
            source="demo",
        ),
        Contact(
            salutation="Dr",
            first_name="Priya",
            last_name="Shah",
            email="priya.shah.leeds@gmail.com",
            phone="+44 113 496 0844",
            job_title="Head of Digital Services",
            organisation=council,
            lawful_basis="consent",
            consent_date=today - datetime.timedelta(days=30),
            source="email triage",
        ),
        Contact(
            first_name="Jon",
            last_name="Barker",
            email=f"jon.barker@{domain}",
            organisation=short,
            source="import: mailchimp.csv",
        ),
        Contact(
            first_name="Jonathan",
            last_name="Barker",
            email=f"jon.barker+events@{domain}",
            organisation=short,
            do_not_contact=True,
            source="api",
        ),
    ]
    for person in people:
        person.save()
    for days, person, summary in [
        (40, people[0], "Intro call about the launch event"),
        (12, people[0], "Sent the sponsorship prospectus"),
        (5, people[1], "Met at the Leeds Digital meetup; keen to speak"),
        (20, people[2], "Asked about a stand for the council's digital team"),
        (3, people[3], "Newsletter sign-up from the website"),
    ]:
        Interaction.objects.create(
            contact=person,
            organisation=person.organisation,
            kind=Interaction.Kind.NOTE if days == 3 else Interaction.Kind.CALL,
            occurred_at=now - datetime.timedelta(days=days),
            summary=summary,
        )
    services.find_duplicates(Target.CONTACTS)
    services.find_duplicates(Target.ORGANISATIONS)
