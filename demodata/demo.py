"""Demo data for the network's launch event, shared by `seed_demo` and the tests.

Everything is derived from a seeded random generator and dates relative to
today, so two runs describe the same world and follow-ups stay "overdue" or
"due this week" whenever the demo is started.
"""

import datetime
import os
import random
import unicodedata
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from crm.models import Contact, Event, FollowUp, Interaction, LawfulBasis, Organisation, Tag
from crm.registry import demo_steps
from crm.roles import COMMITTEE, ORGANISER, STAFF
from partners.models import Favour, PartnerProfile
from partners.services import record_favour
from sponsors.models import PLEDGED_STAGES, InKindContribution, Pledge, SponsorshipTier, Stage
from sponsors.services import allocate_tickets, create_pledge, move_pledge, record_benefit_delivery

EVENT_NAME = "Northern Digital Public Services Network: Launch"
DEMO_USERS = (
    ("organiser", ORGANISER, "Olivia", "Okafor", "organiser-demo-2026"),
    ("committee", COMMITTEE, "Colin", "Chadwick", "committee-demo-2026"),
    ("staff", STAFF, "Sam", "Singh", "staff-demo-2026"),
)

SPONSORS = [
    ("Pennine Cloud Ltd", "Leeds"),
    ("Aire Data Systems", "Leeds"),
    ("Humber Digital plc", "Hull"),
    ("Calder Analytics", "Halifax"),
    ("Ouse Software Limited", "York"),
    ("Don Valley Networks", "Sheffield"),
    ("Wharfe & Nidd Consulting", "Harrogate"),
    ("Ridings Cyber Security", "Wakefield"),
    ("Brontë Interactive", "Bradford"),
    ("Moorland Mobile", "Huddersfield"),
    ("Northern Ledger Bank", "Manchester"),
    ("Kirkstall Design Studio", "Leeds"),
    ("The Civic Code Company", "York"),
    ("Tees Innovation Partners", "Middlesbrough"),
]
SUPPLIERS = [
    ("Corn Exchange Venues", "Leeds", "venue"),
    ("Harvest Table Catering", "Leeds", "catering"),
    ("Loop & Lanyard Co", "Bradford", "lanyards"),
    ("Printworks North", "Sheffield", "printing"),
    ("SoundStage AV Hire", "Manchester", "av"),
    ("Bean There Coffee Carts", "York", "catering"),
    ("Signal Photography", "Leeds", "other"),
    ("Greenline Event Furniture", "Wakefield", "other"),
    ("Steel City Badges", "Sheffield", "lanyards"),
    ("Minster Marquees", "York", "venue"),
]
TRAINING_PROVIDERS = [
    ("Agile Public Academy", "Leeds"),
    ("Data Skills Yorkshire", "Sheffield"),
    ("User Research Guild", "Manchester"),
    ("Open University in the North", "Leeds"),
    ("CodeBridge Bootcamps", "Bradford"),
    ("Service Design School", "York"),
    ("Cyber Ready North", "Hull"),
    ("Product Leaders Collective", "Manchester"),
]
PUBLIC_BODIES = [
    ("Leeds City Council", "Leeds", "local-gov"),
    ("West Yorkshire Combined Authority", "Wakefield", "local-gov"),
    ("NHS West Yorkshire ICB", "Wakefield", "nhs"),
    ("Sheffield City Council", "Sheffield", "local-gov"),
    ("York Teaching Hospital NHS Trust", "York", "nhs"),
    ("Hull City Council", "Hull", "local-gov"),
    ("Yorkshire Ambulance Service", "Wakefield", "nhs"),
    ("University of Bradford", "Bradford", "skills"),
]
FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Eleanor",
    "Farid",
    "Grace",
    "Harry",
    "Imogen",
    "Jamal",
    "Kate",
    "Liam",
    "Maya",
    "Noah",
    "Orla",
    "Priya",
    "Quentin",
    "Rosa",
    "Sanjay",
    "Tess",
    "Usman",
    "Vicky",
    "Will",
    "Yasmin",
    "Zoe",
    "Aidan",
    "Bethany",
    "Callum",
    "Dina",
    "Ethan",
]
LAST_NAMES = [
    "Ahmed",
    "Barker",
    "Clarke",
    "Dawson",
    "Evans",
    "Fletcher",
    "Gill",
    "Hussain",
    "Iqbal",
    "Jones",
    "Khan",
    "Lister",
    "Moss",
    "Nowak",
    "O'Brien",
    "Patel",
    "Rhodes",
    "Shaw",
    "Thornton",
    "Umar",
    "Varley",
    "Walsh",
    "Young",
    "Booth",
    "Crowther",
    "Hirst",
    "Sutcliffe",
    "Wood",
    "Mitchell",
    "Firth",
]
JOB_TITLES = [
    "Head of Digital",
    "Marketing Manager",
    "Partnerships Lead",
    "Chief Executive",
    "Events Manager",
    "Office Manager",
    "Director of Technology",
    "Community Manager",
    "Sales Director",
    "Learning Lead",
]
CALL_SUMMARIES = [
    "Introduced the launch event and the sponsorship packs",
    "Followed up on the proposal we sent",
    "Asked about venue availability for the launch date",
    "Discussed catering numbers for 250 guests",
    "Chased the signed sponsorship agreement",
    "Talked through speaking slot options",
    "Agreed next steps with their marketing team",
    "Caught up at the last network meetup",
    "Sent the invoice details",
    "Thanked them for their support",
]


def ensure_demo_users(stdout=None):
    """Create or reset the three demo users and return {username: password}."""
    User = get_user_model()
    passwords = {}
    for username, role, first, last, default_password in DEMO_USERS:
        password = os.environ.get("DEMO_PASSWORD") or default_password
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        passwords[username] = password
    return passwords


@transaction.atomic
def seed_demo(today: datetime.date | None = None) -> dict:
    """Create the demo world once; running it again changes nothing but the demo passwords."""
    passwords = ensure_demo_users()
    if Event.objects.filter(name=EVENT_NAME).exists():
        return {"created": False, "passwords": passwords, "notes": []}
    today = today or timezone.localdate()
    _DemoBuilder(today).build()
    notes: list[str] = []
    for step in demo_steps():  # the apps above: invoices, email, the portal, ...
        notes += step.run(today=today) or []
    return {"created": True, "passwords": passwords, "notes": notes}


class _DemoBuilder:
    def __init__(self, today):
        self.rng = random.Random(2026)
        self.today = today
        self.now = timezone.now()
        User = get_user_model()
        self.organiser = User.objects.get(username="organiser")
        self.committee = User.objects.get(username="committee")
        self.staff = User.objects.get(username="staff")

    def ago(self, days, hour=10):
        moment = self.now - datetime.timedelta(days=days)
        return moment.replace(hour=hour, minute=self.rng.choice([0, 15, 30, 45]), second=0, microsecond=0)

    def build(self):
        self.event = Event.objects.create(
            name=EVENT_NAME,
            date=self.today + datetime.timedelta(days=70),
            venue="Corn Exchange, Leeds",
            capacity=250,
            sponsorship_target=Decimal("30000"),
            in_kind_target=Decimal("12000"),
        )
        self.tiers = {
            name: SponsorshipTier.objects.create(
                event=self.event,
                name=name,
                price=Decimal(price),
                slots=slots,
                ticket_allocation=tickets,
                stand=stand,
                logo=True,
                speaking_slot=speak,
            )
            for name, price, slots, tickets, stand, speak in [
                ("Headline", "8000", 1, 10, True, True),
                ("Gold", "4000", 3, 6, True, False),
                ("Silver", "2000", 5, 4, False, False),
                ("Supporter", "750", 10, 2, False, False),
            ]
        }
        # The tags may exist already (generate_data's, or ones people made): names are unique
        # ignoring case, so an existing tag is reused rather than created twice.
        self.tags = {
            name: Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            for name in ["launch-2026", "local-gov", "nhs", "skills", "returning", "warm-lead"]
        }
        self.organisations = self.make_organisations()
        self.contacts = self.make_contacts()
        self.make_pledges()
        self.make_benefits_and_tickets()
        self.make_in_kind_and_favours()
        self.make_interactions()
        self.make_followups()

    def make_organisations(self):
        orgs = []

        def add(name, city, sector, roles, tags=(), website=True):
            ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
            slug = "".join(ch for ch in ascii_name.lower() if ch.isalnum())[:20]
            org = Organisation(
                name=name,
                city=city,
                sector=sector,
                website=f"https://{slug}.example.org" if website else "",
                owner=self.rng.choice([self.organiser, self.organiser, self.committee]),
                source="demo",
            )
            org.set_roles(roles)
            org.save()
            org.tags.set([self.tags[t] for t in ("launch-2026", *tags)])
            orgs.append(org)
            return org

        for i, (name, city) in enumerate(SPONSORS):
            add(name, city, "private", ["sponsor"], ["returning"] if i % 4 == 0 else ())
        for name, city, _ in SUPPLIERS:
            add(name, city, "private", ["supplier"])
        for i, (name, city) in enumerate(TRAINING_PROVIDERS):
            roles = ["training_provider", "sponsor"] if i < 2 else ["training_provider"]
            add(name, city, "education" if "University" in name else "private", roles, ["skills"])
        for name, city, tag in PUBLIC_BODIES:
            add(name, city, "public", ["public_body"], [tag])
        # The venue also sponsors the drinks reception.
        Organisation.objects.filter(name="Corn Exchange Venues").update(is_sponsor=True)
        for org in orgs:
            org.refresh_from_db()
        return orgs

    def make_contacts(self):
        contacts = []
        used = set()
        for index in range(120):
            org = self.organisations[index % len(self.organisations)]
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            while (first, last) in used:
                first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            used.add((first, last))
            domain = org.website.removeprefix("https://") or "example.org"
            local = f"{first}.{last}".lower().replace("'", "")
            contacts.append(
                Contact(
                    first_name=first,
                    last_name=last,
                    email=f"{local}@{domain}",
                    organisation=org,
                    job_title=self.rng.choice(JOB_TITLES),
                    phone=f"0113 496 {index:04d}",
                    lawful_basis=LawfulBasis.CONSENT if index % 5 == 0 else LawfulBasis.LEGITIMATE_INTERESTS,
                    consent_date=self.today - datetime.timedelta(days=200) if index % 5 == 0 else None,
                    do_not_contact=index % 29 == 0,
                    owner=org.owner,
                    source="demo",
                )
            )
        for contact in contacts:
            contact.save()  # save() normalises the email; history records the creation
        return contacts

    def make_pledges(self):
        sponsors = [o for o in self.organisations if o.is_sponsor]
        finals = [
            Stage.PAID,
            Stage.PAID,
            Stage.INVOICED,
            Stage.CONFIRMED,
            Stage.CONFIRMED,
            Stage.VERBAL,
            Stage.VERBAL,
            Stage.IN_DISCUSSION,
            Stage.INVOICED,
            Stage.APPROACHED,
            Stage.APPROACHED,
            Stage.PROSPECT,
            Stage.PROSPECT,
            Stage.DECLINED,
            Stage.WITHDRAWN,
            Stage.INVOICED,
            Stage.PROSPECT,
        ]
        tier_cycle = [
            "Headline",
            "Gold",
            "Gold",
            "Silver",
            "Silver",
            "Silver",
            "Supporter",
            "Gold",
            "Supporter",
            "Silver",
            "Supporter",
            "Supporter",
            "Silver",
            "Gold",
            "Supporter",
            "Supporter",
            "Silver",
        ]
        order = list(Stage)[:7]
        for index, org in enumerate(sponsors):
            final = finals[index % len(finals)]
            tier = self.tiers[tier_cycle[index % len(tier_cycle)]]
            started = 150 - index * 3
            pledge = create_pledge(
                user=self.organiser,
                changed_at=self.ago(started),
                organisation=org,
                event=self.event,
                tier=tier,
                amount=tier.price,
                stage=Stage.PROSPECT,
                owner=org.owner,
                expected_date=self.today + datetime.timedelta(days=20 + index * 2),
            )
            path = (
                [s for s in order[1:] if order.index(s) <= order.index(final)]
                if final in order
                else [Stage.APPROACHED, Stage.IN_DISCUSSION, final]
            )
            day = started
            for stage in path:
                day = max(1, day - self.rng.randint(6, 25))
                reason = ""
                if stage == Stage.DECLINED:
                    reason = "No marketing budget left this financial year."
                elif stage == Stage.WITHDRAWN:
                    reason = "New CEO paused all event sponsorship."
                move_pledge(pledge, stage, user=self.organiser, reason=reason, changed_at=self.ago(day))

    def make_benefits_and_tickets(self):
        """Pledged sponsors' benefits part delivered (the paid ones most) and their tickets allocated,
        some claimed."""
        pledged = (
            Pledge.objects.filter(event=self.event, stage__in=PLEDGED_STAGES)
            .select_related("tier")
            .order_by("id")
            .prefetch_related("benefits")
        )
        share = {Stage.PAID: 3, Stage.INVOICED: 2, Stage.CONFIRMED: 1, Stage.VERBAL: 0}
        for index, pledge in enumerate(pledged):
            benefits = sorted(pledge.benefits.all(), key=lambda b: b.pk)
            for days, benefit in enumerate(benefits[: share.get(pledge.stage, 0)]):
                record_benefit_delivery(
                    benefit,
                    delivered=True,
                    delivered_on=self.today - datetime.timedelta(days=3 + 4 * days + index),
                    notes="Confirmed with their marketing team" if days == 0 else "",
                    user=self.organiser,
                )
            if pledge.tier is not None and pledge.tier.ticket_allocation:
                allocated = pledge.tier.ticket_allocation
                claimed = {Stage.PAID: allocated, Stage.INVOICED: allocated // 2}.get(pledge.stage, 0)
                allocate_tickets(pledge, allocated=allocated, claimed=claimed, user=self.organiser)

    def make_in_kind_and_favours(self):
        by_name = {o.name: o for o in self.organisations}
        offers = [
            ("Corn Exchange Venues", "venue", "Main hall and two breakout rooms for the day", 1, "6500", "confirmed"),
            ("Harvest Table Catering", "catering", "Lunch and refreshments for 250", 250, "3750", "offered"),
            ("Bean There Coffee Carts", "catering", "Coffee cart all morning", 1, "600", "confirmed"),
            ("Loop & Lanyard Co", "lanyards", "300 printed lanyards", 300, "450", "delivered"),
            ("Printworks North", "printing", "Programmes and signage", 1, "800", "offered"),
            ("SoundStage AV Hire", "av", "PA, two radio mics and a projector", 1, "1200", "confirmed"),
            ("Signal Photography", "other", "Event photographer, half day", 1, "400", "offered"),
            ("Agile Public Academy", "speakers", "Keynote on agile in local government", 1, "0", "confirmed"),
            ("Minster Marquees", "venue", "Overflow marquee (backup)", 1, "1500", "declined"),
        ]
        self.in_kind = {}
        for org_name, category, description, quantity, value, status in offers:
            self.in_kind[org_name] = InKindContribution.objects.create(
                organisation=by_name[org_name],
                event=self.event,
                category=category,
                description=description,
                quantity=quantity,
                estimated_value=Decimal(value),
                status=status,
                owner=self.organiser,
                valuation_basis="Supplier's rate card",
            )
        for name, _, _ in SUPPLIERS:
            PartnerProfile.objects.create(
                organisation=by_name[name],
                offer_type="services",
                terms=self.rng.choice(["pro_bono", "discounted"]),
                status=self.rng.choice(["active", "in_talks", "prospect"]),
                regions_covered="Yorkshire",
                offer=f"Event {dict(InKindContribution.Category.choices).get(_, 'services').lower()}",
            )
        for i, (name, _) in enumerate(TRAINING_PROVIDERS):
            PartnerProfile.objects.create(
                organisation=by_name[name],
                offer_type=["courses", "places", "bursaries"][i % 3],
                terms=["pro_bono", "discounted", "paid"][i % 3],
                status=["active", "in_talks", "prospect"][i % 3],
                regions_covered="North of England",
                offer="Free places for network members",
            )
        favours = [
            ("Corn Exchange Venues", "we_asked", "Free use of the main hall", "6500", "done", "venue"),
            (
                "Corn Exchange Venues",
                "we_owe",
                "Logo on the welcome slide and a thank-you in the newsletter",
                "300",
                "agreed",
                None,
            ),
            ("Harvest Table Catering", "we_asked", "Lunch at cost price", "1500", "agreed", None),
            ("Loop & Lanyard Co", "they_offered", "Lanyards at no charge", "450", "done", "lanyards"),
            ("Loop & Lanyard Co", "we_owe", "Introduction to the council's procurement team", "0", "asked", None),
            ("Bean There Coffee Carts", "they_offered", "Coffee cart for the morning", "600", "done", None),
            ("Bean There Coffee Carts", "we_owe", "Case study on the network website", "150", "returned", None),
            ("SoundStage AV Hire", "we_asked", "AV kit loan", "1200", "agreed", "av"),
            ("Signal Photography", "we_asked", "Photographer for half a day", "400", "asked", None),
            ("Agile Public Academy", "they_offered", "Keynote speaker", "0", "done", None),
            ("Agile Public Academy", "we_owe", "Promote their spring course to members", "0", "agreed", None),
            ("Data Skills Yorkshire", "they_offered", "Ten free course places for members", "2500", "done", None),
            ("Data Skills Yorkshire", "we_owe", "Speaking slot at the autumn meetup", "0", "returned", None),
            ("Leeds City Council", "we_asked", "Share the event on their staff intranet", "0", "done", None),
            ("Printworks North", "we_asked", "Discount on programmes", "200", "declined", None),
            ("User Research Guild", "we_owe", "Host their next meetup in our slot", "0", "asked", None),
        ]
        for index, (org_name, direction, description, value, status, in_kind_key) in enumerate(favours):
            org = by_name[org_name]
            record_favour(
                user=self.organiser,
                organisation=org,
                direction=direction,
                description=description,
                estimated_value=Decimal(value),
                status=status,
                event=self.event,
                contact=org.contacts.order_by("id").first(),
                in_kind=self.in_kind.get(org_name) if in_kind_key else None,
                occurred_on=self.today - datetime.timedelta(days=5 + index * 4),
            )

    def make_interactions(self):
        kinds = list(Interaction.Kind.values)
        rows = []
        for _index in range(200):
            contact = self.contacts[self.rng.randrange(len(self.contacts))]
            rows.append(
                Interaction(
                    organisation=contact.organisation,
                    contact=contact,
                    kind=self.rng.choice(kinds),
                    direction=self.rng.choice(["outbound", "outbound", "inbound"]),
                    occurred_at=self.ago(self.rng.randint(0, 150), hour=self.rng.randint(8, 18)),
                    summary=self.rng.choice(CALL_SUMMARIES),
                    outcome=self.rng.choice(
                        [
                            "",
                            "Positive, wants the pack",
                            "Will come back to us next week",
                            "Needs sign-off from finance",
                            "Not this year",
                        ]
                    ),
                    logged_by=self.rng.choice([self.organiser, self.organiser, self.organiser, self.staff]),
                )
            )
        Interaction.objects.bulk_create(rows)

    def make_followups(self):
        offsets = [
            -12,
            -6,
            -3,
            -1,
            -1,
            0,
            0,
            1,
            2,
            3,
            5,
            6,
            8,
            10,
            14,
            21,
            28,
            35,
            45,
            60,
            -20,
            -2,
            4,
            7,
            12,
            18,
            30,
            -30,
            -15,
            9,
        ]
        titles = [
            "Chase signed agreement",
            "Send sponsorship pack",
            "Confirm catering numbers",
            "Call back about speaking slot",
            "Send invoice",
            "Thank-you email",
            "Check venue access times",
            "Ask about lanyard artwork deadline",
            "Book a meeting with their marketing lead",
        ]
        for index, offset in enumerate(offsets):
            contact = self.contacts[(index * 7) % len(self.contacts)]
            done = index % 10 == 9
            FollowUp.objects.create(
                title=titles[index % len(titles)],
                due_date=self.today + datetime.timedelta(days=offset),
                assignee=self.committee if index % 6 == 5 else self.organiser,
                organisation=contact.organisation,
                contact=contact,
                created_by=self.organiser,
                pledge=contact.organisation.pledges.first(),
                status=FollowUp.Status.DONE if done else FollowUp.Status.OPEN,
                completed_at=self.now if done else None,
            )


def demo_counts() -> dict:
    from sponsors.models import Pledge, PledgeStageChange

    return {
        model.__name__: model.objects.count()
        for model in (
            Event,
            Organisation,
            Contact,
            Tag,
            Interaction,
            FollowUp,
            Favour,
            PartnerProfile,
            InKindContribution,
            Pledge,
            PledgeStageChange,
            SponsorshipTier,
            get_user_model(),
        )
    }
