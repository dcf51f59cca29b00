"""Synthetic data at scale for benchmarks and load tests (`manage.py generate_data`).

Everything comes from one `random.Random(seed)`, so a seed always describes the same
world (names, emails, amounts, links); only the time anchor ("now") moves, keeping
follow-ups overdue and pipelines recent whenever the data is generated. Everything is
written in one transaction, small tables with `bulk_create(batch_size=2000)` and the big
ones with a prepared `executemany` (see `Generator.raw_insert`): no model `save()`, no
history rows, so derived columns (`name_key`, lower-case emails, timestamps) are set here.
"""

import datetime
import itertools
import random
import time
from contextlib import contextmanager
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from crm.models import Contact, Event, FollowUp, Interaction, LawfulBasis, Organisation, Tag
from crm.models.organisations import Sector
from crm.normalise import email_key, organisation_key
from crm.registry import data_steps
from crm.roles import ORGANISER, ROLES, sync_roles
from partners.models import Favour, PartnerProfile
from sponsors.models import PLEDGED_STAGES, InKindContribution, Pledge, PledgeStageChange, SponsorshipTier, Stage

BATCH = 2000
#: Sizes at `large` (docs: shared/DESIGN.md); other scales divide them.
LARGE = {"organisations": 20_000, "contacts": 100_000, "interactions": 500_000, "pledges": 50_000, "followups": 20_000}
#: `tiny` is for fast tests; it is not advertised in --help.
DIVISORS = {"large": 1, "medium": 10, "small": 100, "tiny": 1000}
OWNER_USERNAMES = tuple(f"owner{i}" for i in range(1, 6))
#: Per-user settings survive --clear; everything else in these apps is generated data.
KEPT_MODELS = {"dashboards.savedview", "crm.calendarfeed", "crm.reminderdigest", "crm.importmapping"}
DOMAIN_APPS = ("crm", "sponsors", "partners")


def sizes_for(scale: str) -> dict[str, int]:
    divisor = DIVISORS[scale]
    return {name: max(1, n // divisor) for name, n in LARGE.items()}


# --- vocabulary -------------------------------------------------------------------------------------------
PLACES = [
    "Pennine",
    "Aire",
    "Calder",
    "Ouse",
    "Humber",
    "Wharfe",
    "Nidd",
    "Don",
    "Swale",
    "Tees",
    "Wensley",
    "Ribble",
    "Kirkstall",
    "Headingley",
    "Holbeck",
    "Roundhay",
    "Saltaire",
    "Ilkley",
    "Otley",
    "Skipton",
    "Harrogate",
    "Ripon",
    "Whitby",
    "Scarborough",
    "Beverley",
    "Selby",
    "Pontefract",
    "Castleford",
    "Dewsbury",
    "Batley",
    "Keighley",
    "Hebden",
    "Todmorden",
    "Holmfirth",
    "Barnsley",
    "Rotherham",
    "Doncaster",
    "Wakefield",
    "Halifax",
    "Huddersfield",
    "Bradford",
    "Leeds",
    "Sheffield",
    "York",
    "Hull",
    "Middlesbrough",
    "Durham",
    "Tyne",
    "Wear",
    "Mersey",
    "Irwell",
    "Lune",
    "Eden",
    "Kendal",
    "Lancaster",
    "Preston",
    "Bolton",
    "Wigan",
    "Oldham",
    "Rochdale",
    "Stockport",
    "Salford",
    "Chester",
    "Derwent",
    "Hope Valley",
    "Peak",
    "Moorland",
    "Dales",
    "Riverside",
    "Northgate",
    "Minster",
    "Castle",
    "Millbank",
    "Ridings",
    "Brontë",
    "Viking",
    "Heritage",
    "Canal Basin",
    "Steel City",
    "Northern",
]
CORES = [
    "Cloud",
    "Data",
    "Digital",
    "Analytics",
    "Software",
    "Networks",
    "Consulting",
    "Design",
    "Labs",
    "Systems",
    "Cyber",
    "Mobile",
    "Media",
    "Interactive",
    "Ledger",
    "Code",
    "Signal",
    "Pixel",
    "Logic",
    "Insight",
    "Venues",
    "Catering",
    "Print",
    "AV",
    "Events",
    "Marquees",
    "Furniture",
    "Badges",
    "Coffee",
    "Photography",
    "Learning",
    "Skills",
    "Training",
    "Academy",
    "Bootcamp",
    "Research",
    "Product",
    "Service Design",
    "Agile",
    "Energy",
    "Health Tech",
    "Fintech",
    "Robotics",
    "AI",
    "Web",
    "Hosting",
    "Security",
    "Comms",
    "Creative",
    "Engineering",
    "Geo",
    "Civic",
    "Open",
    "Green",
    "Transport",
    "Retail",
    "Legal Tech",
    "Ed Tech",
    "Audio",
    "Video",
]
TRAILS = [
    "Solutions",
    "Partners",
    "Group",
    "Studio",
    "Works",
    "Collective",
    "Co",
    "Services",
    "Agency",
    "Associates",
    "Technologies",
    "Hub",
    "Company",
    "Exchange",
    "Foundry",
    "Lab",
    "Network",
    "Guild",
    "Alliance",
    "House",
    "Factory",
    "Union",
    "Trust",
    "Works North",
    "Consultancy",
]
LEGAL = ["Ltd", "Limited", "plc", "LLP", "", "", "", ""]
PUBLIC_KINDS = [
    "City Council",
    "Borough Council",
    "District Council",
    "NHS Foundation Trust",
    "Integrated Care Board",
    "College",
    "Housing Trust",
    "Fire and Rescue Service",
    "Library Service",
    "Combined Authority",
    "Public Health",
    "Youth Service",
    "Leisure Trust",
    "Museums Trust",
    "Schools Partnership",
    "Community Health Services",
    "Ambulance Service",
    "Police",
    "Sixth Form College",
    "Adult Learning Service",
    "Careers Service",
    "Archives",
    "Digital Inclusion Partnership",
    "Enterprise Partnership",
]
DISTRICTS = ["North", "South", "East", "West", "Central", "Upper", "Lower", "Greater", "Old Town", "New Town"]
CITIES = [
    "Leeds",
    "Bradford",
    "Sheffield",
    "York",
    "Hull",
    "Wakefield",
    "Halifax",
    "Huddersfield",
    "Harrogate",
    "Doncaster",
    "Barnsley",
    "Rotherham",
    "Manchester",
    "Middlesbrough",
    "Newcastle",
    "Durham",
    "Scarborough",
    "Lancaster",
    "Preston",
    "Remote",
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
    "Fatima",
    "George",
    "Hannah",
    "Isaac",
    "Jess",
    "Kieran",
    "Leah",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Poppy",
    "Rhys",
    "Sophie",
    "Tom",
    "Uma",
    "Victor",
    "Wendy",
    "Xander",
    "Yusuf",
    "Zara",
    "Aisha",
    "Bilal",
    "Ciara",
    "Daniel",
    "Erin",
    "Finn",
    "Gemma",
    "Hamza",
    "Isla",
    "Jack",
    "Kirsty",
    "Luke",
    "Megan",
    "Nathan",
    "Olivia",
    "Patrick",
    "Ruby",
    "Sam",
    "Tariq",
    "Abigail",
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
    "Ali",
    "Brown",
    "Carter",
    "Dixon",
    "Ellis",
    "Foster",
    "Green",
    "Hall",
    "Ingham",
    "Jackson",
    "Kaur",
    "Lee",
    "Marsden",
    "Nolan",
    "Oates",
    "Parker",
    "Quinn",
    "Robinson",
    "Singh",
    "Taylor",
    "Uddin",
    "Vaughan",
    "Wilson",
    "Yates",
    "Atkinson",
    "Bell",
    "Cooper",
    "Dyson",
    "Edwards",
    "Fox",
    "Gibson",
    "Holmes",
    "Hughes",
    "Kelly",
    "Lord",
    "Murphy",
    "Naylor",
    "Pearson",
    "Russell",
    "Smith",
    "Turner",
    "Ward",
    "Whitaker",
    "Wright",
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
    "Head of Corporate Social Responsibility",
    "Founder",
    "Operations Director",
    "Account Manager",
    "Programme Manager",
    "Chief Digital Officer",
    "Head of Procurement",
    "Training Coordinator",
]
TAGS = [
    "launch-2026",
    "nhs",
    "local-gov",
    "skills",
    "cyber",
    "data",
    "ai",
    "inclusion",
    "net-zero",
    "startups",
    "returning-sponsor",
    "warm-lead",
    "board-contact",
    "press",
    "speaker",
    "exhibitor",
    "volunteer-supplier",
    "bursary",
    "apprenticeships",
    "north-east",
    "west-yorkshire",
    "south-yorkshire",
    "manchester",
    "vip",
    "newsletter",
    "meetup-host",
    "agency",
    "charity",
    "university",
    "sme",
]
SUMMARIES = [
    "Introduced the launch event and the sponsorship packs",
    "Followed up on the proposal we sent",
    "Asked about venue availability for the event date",
    "Discussed catering numbers",
    "Chased the signed sponsorship agreement",
    "Talked through speaking slot options",
    "Agreed next steps with their marketing team",
    "Caught up at the network meetup",
    "Sent the tier comparison sheet",
    "They asked for last year's attendance figures",
    "Confirmed logo files for the programme",
    "Left a voicemail about the invoice",
    "Discussed bursary places for apprentices",
    "Walked through the exhibition floor plan",
    "Thanked them for the introduction",
    "Reviewed the draft agenda together",
    "They offered volunteers for registration",
    "Asked for a quote for lanyards",
    "Note from the committee call",
    "Shared the impact report",
]
OUTCOMES = [
    "",
    "",
    "",
    "Positive; wants a call next week.",
    "Needs sign-off from their director.",
    "Budget is tight this quarter.",
    "Will send the purchase order.",
    "Not interested this year.",
    "Asked us to follow up after the board meeting.",
]
TIERS = [  # name, price, slots, tickets, stand, logo, speaking
    ("Headline", 25_000, 1, 20, True, True, True),
    ("Gold", 10_000, 3, 10, True, True, True),
    ("Silver", 5_000, 6, 6, True, True, False),
    ("Supporter", 1_500, 20, 2, False, True, False),
    ("Community", 500, 50, 1, False, False, False),
]
EVENTS = [  # name, days from now, venue, capacity, target, in-kind target
    ("Network Launch 2026", 60, "Corn Exchange, Leeds", 400, 150_000, 40_000),
    ("Autumn Digital Summit", 200, "Millennium Square, Sheffield", 600, 220_000, 60_000),
    ("Spring Skills Fair", 380, "Minster Hall, York", 300, 90_000, 25_000),
]
FORWARD = [
    Stage.PROSPECT,
    Stage.APPROACHED,
    Stage.IN_DISCUSSION,
    Stage.VERBAL,
    Stage.CONFIRMED,
    Stage.INVOICED,
    Stage.PAID,
]
STAGE_WEIGHTS = {
    Stage.PROSPECT: 20,
    Stage.APPROACHED: 15,
    Stage.IN_DISCUSSION: 15,
    Stage.VERBAL: 10,
    Stage.CONFIRMED: 12,
    Stage.INVOICED: 6,
    Stage.PAID: 10,
    Stage.DECLINED: 8,
    Stage.WITHDRAWN: 4,
}
LOST_REASONS = [
    "No budget this year",
    "Chose a different event",
    "Contact left the company",
    "Board declined",
    "Timing clashes with their conference",
]
FOLLOWUP_TITLES = [
    "Chase the signed agreement",
    "Send the invoice",
    "Call about the tier upgrade",
    "Send logo requirements",
    "Confirm catering numbers",
    "Thank them for the favour",
    "Return the favour: intro to the council",
    "Book the follow-up meeting",
    "Send the sponsorship pack",
    "Check venue access times",
    "Ask for the purchase order number",
    "Share photos from the event",
]
FAVOURS = [
    "Lent a meeting room for the committee",
    "Introduced us to their CEO",
    "Printed programmes at cost",
    "Donated coffee for the meetup",
    "Shared our event with their network",
    "Provided two volunteers",
    "Gave a discount on AV hire",
    "Hosted the speaker dinner",
    "Wrote a blog post about the network",
    "Mentored an apprentice",
    "We promised a speaking slot",
    "We promised a shout-out in the newsletter",
]
IN_KIND = {
    InKindContribution.Category.VENUE: "Main hall for the day",
    InKindContribution.Category.CATERING: "Lunch",
    InKindContribution.Category.AV: "PA system and screens",
    InKindContribution.Category.PRINTING: "Programmes",
    InKindContribution.Category.LANYARDS: "Lanyards and badges",
    InKindContribution.Category.SPEAKERS: "Keynote",
    InKindContribution.Category.PRIZES: "Raffle prizes",
    InKindContribution.Category.VOLUNTEERS: "Volunteers",
    InKindContribution.Category.OTHER: "Photography",
}
PARTNER_OFFERS = {
    PartnerProfile.OfferType.SERVICES: "Event services at a discount",
    PartnerProfile.OfferType.COURSES: "Short courses for members",
    PartnerProfile.OfferType.PLACES: "Free places on cohorts",
    PartnerProfile.OfferType.BURSARIES: "Bursaries for under-represented groups",
    PartnerProfile.OfferType.GOODS: "Equipment loans",
}


@contextmanager
def manual_timestamps(*models):
    """Let bulk_create keep the created_at/updated_at we set (auto_now would stamp "now" on every row)."""
    saved = []
    for model in models:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def domain_models():
    """Every table --clear empties: crm/sponsors/partners data, history and tag links, not user settings."""
    found = []
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label_lower not in KEPT_MODELS:
                found.append(model)
    return found


def has_domain_data(using=DEFAULT_DB_ALIAS) -> bool:
    return any(model._base_manager.using(using).exists() for model in domain_models())


def clear_domain_data(using=DEFAULT_DB_ALIAS) -> None:
    """Raw deletes: no signals (which would write a history row per deleted record), no cascade collection.

    Foreign keys are deferred on SQLite and PostgreSQL, so order does not matter inside the transaction.
    """
    with transaction.atomic(using=using):
        for step in data_steps():  # the apps above first: their rows point at these
            step.clear()
        doomed = domain_models()
        for model, field in _references_to(doomed):  # rows of other apps (the demo's, say) still pointing in
            model._base_manager.using(using).filter(**{f"{field.name}__isnull": False})._raw_delete(using)
        for model in doomed:
            model._base_manager.using(using).all()._raw_delete(using)


def _references_to(doomed) -> list:
    """(model, foreign key) for every table outside `doomed` whose constrained foreign key points into
    it, and (transitively) into the rows those deletions take with them: an app with no DataStep
    clear (a portal link, a public page's credit) must not be left pointing at a deleted pledge.
    A row whose optional link pointed in goes too (an import's job, a duplicate pair): emptied,
    it could break the table's own checks, and it described data that is gone."""
    doomed_set, found, changed = set(doomed), [], True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in doomed_set:
                continue
            for field in model._meta.concrete_fields:
                if not (field.is_relation and field.db_constraint and field.related_model in doomed_set):
                    continue
                if (model, field) not in found:
                    found.append((model, field))
                if model not in doomed_set:  # these rows go too: whatever points at them must follow
                    doomed_set.add(model)
                    changed = True
    return found


class Org:
    """What later steps need to know about a generated organisation (cheaper than a model instance)."""

    __slots__ = ("city", "is_sponsor", "is_supplier", "is_training_provider", "pk", "updated_at")

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)


class Generator:
    """Builds the world step by step; big tables go in with `executemany` (see `raw_insert`)."""

    def __init__(self, scale="small", seed=0, now=None, using=DEFAULT_DB_ALIAS, log=None):
        self.rng = random.Random(seed)
        self.scale, self.seed = scale, seed
        self.sizes = sizes_for(scale)
        self.now = (now or timezone.now()).astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
        self.today = timezone.localdate(self.now)
        self.using = using
        self.connection = connections[using]
        self.sqlite = self.connection.vendor == "sqlite"
        self.log = log or (lambda message: None)
        self.counts = {}

    # helpers ---------------------------------------------------------------------------------------------
    def ago(self, max_days, skew=1.0):
        """A moment in the last `max_days`; skew > 1 favours recent moments."""
        return self.now - datetime.timedelta(seconds=int((self.rng.random() ** skew) * max_days * 86400))

    def dt(self, value):
        """A UTC datetime as the database wants it: SQLite stores naive UTC text (what Django writes)."""
        if value is None:
            return None
        return value.replace(tzinfo=None).isoformat(" ", "seconds") if self.sqlite else value

    def insert(self, model, objs):
        model.objects.using(self.using).bulk_create(objs, batch_size=BATCH)
        self.count(model, len(objs))
        return objs

    def count(self, model, n):
        key = model._meta.label
        self.counts[key] = self.counts.get(key, 0) + n

    def raw_insert(self, model, fields: str, rows, want_ids=False):
        """Insert value tuples with one prepared statement.

        bulk_create spends ~20 µs of Python per value preparing SQL; at 500,000 interactions that alone
        breaks the two-minute budget on a small machine. Values here are already database-ready.
        """
        names = fields.split()
        opts = model._meta
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(opts.get_field(name).column) for name in names)
        sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
        manager = model._base_manager.using(self.using)
        before = (manager.order_by("-pk").values_list("pk", flat=True).first() or 0) if want_ids else 0
        with self.connection.cursor() as cursor:
            dropped = self.drop_indexes(cursor, opts.db_table) if len(rows) >= 20_000 else []
            for start in range(0, len(rows), 20_000):
                cursor.executemany(sql, rows[start : start + 20_000])
            for index_sql in dropped:
                cursor.execute(index_sql)
        self.count(model, len(rows))
        if want_ids:
            ids = list(manager.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))
            assert len(ids) == len(rows), f"{model.__name__}: inserted {len(rows)}, found {len(ids)}"
            return ids
        return None

    def drop_indexes(self, cursor, table):
        """SQLite: drop a table's secondary indexes for the load and rebuild them after (sorted builds beat
        half a million random B-tree inserts). Inside the transaction, so a failure restores them."""
        if not self.sqlite:
            return []
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table]
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
        return [sql for _name, sql in indexes]

    # steps -----------------------------------------------------------------------------------------------
    def run(self):
        started = time.perf_counter()
        if self.sqlite:
            # Random-order index inserts thrash SQLite's default 2 MB page cache; 512 MB keeps them in memory.
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -524288")
        with transaction.atomic(using=self.using), manual_timestamps(InKindContribution, PartnerProfile, Favour):
            for step in (
                self.users,
                self.tags,
                self.events,
                self.organisations,
                self.contacts,
                self.interactions,
                self.pledges,
                self.partners,
                self.in_kind,
                self.favours,
                self.followups,
            ):
                t0 = time.perf_counter()
                step()
                self.log(f"  {step.__name__:<14} {time.perf_counter() - t0:6.1f} s")
            for data_step in data_steps():  # what the apps above add (invoices), from the rows made here
                counts = data_step.run(scale=self.scale, seed=self.seed, log=self.log)
                self.counts.update(counts if isinstance(counts, dict) else {})
        self.elapsed = time.perf_counter() - started
        return self.counts

    def users(self):
        if Group.objects.using(self.using).filter(name__in=ROLES).count() != len(ROLES):
            sync_roles(using=self.using)
        group = Group.objects.using(self.using).get(name=ORGANISER)
        User = get_user_model()
        self.owners = []
        for i, username in enumerate(OWNER_USERNAMES):
            user, created = User.objects.using(self.using).get_or_create(
                username=username,
                defaults={
                    "first_name": FIRST_NAMES[i * 7],
                    "last_name": LAST_NAMES[i * 5],
                    "email": f"{username}@example.org",
                },
            )
            if created:
                user.set_unusable_password()
                user.save(using=self.using)
            user.groups.add(group)
            self.owners.append(user.pk)

    def owner(self, none_share=0.15):
        return None if self.rng.random() < none_share else self.rng.choice(self.owners)

    def tags(self):
        self.tag_ids = [t.pk for t in self.insert(Tag, [Tag(name=name) for name in TAGS])]

    def events(self):
        self.event_list, self.tiers = [], {}
        for name, days, venue, capacity, target, in_kind in EVENTS:
            event = Event(
                name=name,
                date=self.today + datetime.timedelta(days=days),
                venue=venue,
                capacity=capacity,
                sponsorship_target=Decimal(target),
                in_kind_target=Decimal(in_kind),
            )
            self.event_list.append(event)
        self.insert(Event, self.event_list)
        tiers = []
        for event in self.event_list:
            for name, price, slots, tickets, stand, logo, speaking in TIERS:
                tiers.append(
                    SponsorshipTier(
                        event=event,
                        name=name,
                        price=Decimal(price),
                        slots=slots,
                        ticket_allocation=tickets,
                        stand=stand,
                        logo=logo,
                        speaking_slot=speaking,
                    )
                )
        self.insert(SponsorshipTier, tiers)
        for tier in tiers:
            self.tiers.setdefault(tier.event_id, []).append(tier)

    def org_name(self, public: bool) -> str:
        rng = self.rng
        for attempt in range(40):
            if public:
                name = f"{rng.choice(PLACES)} {rng.choice(PUBLIC_KINDS)}"
                if attempt > 10:
                    name = f"{rng.choice(PLACES)} {rng.choice(DISTRICTS)} {rng.choice(PUBLIC_KINDS)}"
            else:
                pattern = rng.random()
                if pattern < 0.7:
                    name = f"{rng.choice(PLACES)} {rng.choice(CORES)} {rng.choice(TRAILS)}"
                elif pattern < 0.85:
                    name = f"{rng.choice(LAST_NAMES)} & {rng.choice(LAST_NAMES)} {rng.choice(TRAILS)}"
                else:
                    name = f"The {rng.choice(CORES)} {rng.choice(TRAILS)} of {rng.choice(PLACES)}"
                legal = rng.choice(LEGAL)
                name = f"{name} {legal}".strip()
            key = organisation_key(name)
            if key not in self.name_keys:
                self.name_keys.add(key)
                return name
        self.fallback += 1  # practically unreachable; keeps uniqueness guaranteed
        name = f"{rng.choice(PLACES)} {rng.choice(CORES)} Group {self.fallback}"
        self.name_keys.add(organisation_key(name))
        return name

    def organisations(self):
        rng, n = self.rng, self.sizes["organisations"]
        self.name_keys, self.fallback = set(), 0
        rows, self.domains, orgs = [], [], []
        for _ in range(n):
            r = rng.random()
            roles = [r < 0.45, 0.45 <= r < 0.65, 0.65 <= r < 0.80, r >= 0.80]
            if not roles[0] and rng.random() < 0.1:
                roles[0] = True  # suppliers and public bodies sometimes sponsor too
            public = roles[3]
            name = self.org_name(public)
            key = organisation_key(name)  # save() is bypassed, so name_key is set here
            slug = "".join(key.split())[:40] or "org"
            domain = f"{slug}.{'gov.uk' if public else rng.choice(['co.uk', 'com', 'org.uk', 'io'])}"
            created = self.ago(1100)
            if public:
                sector = rng.choice([Sector.PUBLIC, Sector.PUBLIC, Sector.EDUCATION])
            else:
                sector = rng.choices([Sector.PRIVATE, Sector.VOLUNTARY, Sector.EDUCATION, ""], [75, 10, 8, 7])[0]
            city = rng.choice(CITIES)
            updated = created + datetime.timedelta(days=rng.randrange(0, 60))
            rows.append(
                (
                    name,
                    key,
                    *roles,
                    str(sector),
                    f"https://www.{domain}",
                    city,
                    self.owner(),
                    rng.choice(["", "", "", "Met at the last meetup.", "Prefers email."]),
                    "generate_data",
                    self.dt(created),
                    self.dt(updated),
                )
            )
            orgs.append(
                Org(
                    is_sponsor=roles[0],
                    is_supplier=roles[1],
                    is_training_provider=roles[2],
                    city=city,
                    updated_at=updated,
                )
            )
            self.domains.append(domain)
        ids = self.raw_insert(
            Organisation,
            "name name_key is_sponsor is_supplier is_training_provider is_public_body sector "
            "website city owner notes source created_at updated_at",
            rows,
            want_ids=True,
        )
        for org, pk in zip(orgs, ids):
            org.pk = pk
        self.orgs, self.org_ids = orgs, ids
        self.sponsor_ids = [o.pk for o in orgs if o.is_sponsor] or ids
        links = []
        for pk in ids:
            for tag in rng.sample(self.tag_ids, rng.choice([0, 0, 1, 1, 2, 3])):
                links.append((pk, tag))
        self.raw_insert(Organisation.tags.through, "organisation tag", links)

    def contacts(self):
        rng, n = self.rng, self.sizes["contacts"]
        emails, rows, self.contact_org = set(), [], []
        bases, basis_weights = (
            [str(LawfulBasis.LEGITIMATE_INTERESTS), str(LawfulBasis.CONSENT), str(LawfulBasis.CONTRACT)],
            [70, 20, 10],
        )
        for _ in range(n):
            index = rng.randrange(len(self.org_ids)) if rng.random() < 0.95 else None
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = ""
            if rng.random() < 0.97:
                domain = (
                    self.domains[index]
                    if index is not None
                    else rng.choice(["mail.example", "post.example", "inbox.example"])
                )
                local = f"{first}.{last}".lower().replace("'", "").replace("ë", "e")
                email = email_key(f"{local}@{domain}")
                suffix = 1
                while email in emails:
                    suffix += 1
                    email = email_key(f"{local}{suffix}@{domain}")
                emails.add(email)
            basis = rng.choices(bases, basis_weights)[0]
            created = self.ago(1000)
            org_id = self.org_ids[index] if index is not None else None
            rows.append(
                (
                    first,
                    last,
                    email,
                    f"07{rng.randrange(10**8, 10**9)}",
                    rng.choice(JOB_TITLES),
                    org_id,
                    self.owner(0.3),
                    basis,
                    str(created.date()) if basis == "consent" else None,
                    rng.random() < 0.02,
                    "generate_data",
                    "",
                    self.dt(created),
                    self.dt(created + datetime.timedelta(days=rng.randrange(0, 60))),
                )
            )
            self.contact_org.append(org_id)
        self.contact_ids = self.raw_insert(
            Contact,
            "first_name last_name email phone job_title organisation owner lawful_basis consent_date "
            "do_not_contact source notes created_at updated_at",
            rows,
            want_ids=True,
        )
        self.org_contacts = {}
        for pk, org_id in zip(self.contact_ids, self.contact_org):
            if org_id:
                self.org_contacts.setdefault(org_id, []).append(pk)
        links = [(pk, rng.choice(self.tag_ids)) for pk in self.contact_ids if rng.random() < 0.2]
        self.raw_insert(Contact.tags.through, "contact tag", links)

    def interactions(self):
        rng, n = self.rng, self.sizes["interactions"]
        kinds = list(Interaction.Kind.values)
        cum = list(itertools.accumulate([30, 35, 15, 8, 5, 7]))
        directions = [str(Interaction.Direction.OUTBOUND), str(Interaction.Direction.INBOUND)]
        note = str(Interaction.Kind.NOTE)
        n_contacts, contact_ids, contact_org = len(self.contact_ids), self.contact_ids, self.contact_org
        choice, random_, owners, dt = rng.choice, rng.random, self.owners, self.dt
        rows = []
        for _ in range(n):
            if random_() < 0.8:
                i = rng.randrange(n_contacts)
                contact, org = contact_ids[i], contact_org[i]
            else:
                contact, org = None, choice(self.org_ids)
            kind = rng.choices(kinds, cum_weights=cum)[0]
            at = dt(self.ago(730, skew=1.6))
            rows.append(
                (
                    org,
                    contact,
                    kind,
                    "" if kind == note else choice(directions),
                    at,
                    choice(SUMMARIES),
                    choice(OUTCOMES),
                    choice(owners),
                    at,
                )
            )
        self.raw_insert(
            Interaction, "organisation contact kind direction occurred_at summary outcome logged_by created_at", rows
        )
        sample = list(
            Interaction.objects.using(self.using)
            .order_by("-pk")
            .values_list("pk", "organisation_id", "contact_id")[:5000]
        )
        self.sample_interactions = sorted(sample)

    def pledges(self):
        rng, n = self.rng, self.sizes["pledges"]
        stages, weights = [str(s) for s in STAGE_WEIGHTS], list(STAGE_WEIGHTS.values())
        forward = [str(s) for s in FORWARD]
        pledged = {str(s) for s in PLEDGED_STAGES}
        rows, histories = [], []
        for _ in range(n):
            event = rng.choice(self.event_list)
            org = rng.choice(self.sponsor_ids) if rng.random() < 0.9 else rng.choice(self.org_ids)
            tier = rng.choice(self.tiers[event.pk]) if rng.random() < 0.8 else None
            if tier is not None:
                amount = tier.price * (Decimal("1") if rng.random() < 0.8 else Decimal("0.9"))
            else:
                amount = Decimal(rng.randrange(1, 80) * 250)
            stage = rng.choices(stages, weights)[0]
            if stage in forward:
                path = forward[: forward.index(stage) + 1]
            else:
                path = [*forward[: rng.randint(1, 4)], stage]
            at = self.ago(420, skew=1.3)
            times = [at]
            for _step in path[1:]:
                at = min(self.now, at + datetime.timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 8)))
                times.append(at)
            owner = self.owner(0.1)
            pledged_at = next((at for s, at in zip(path, times) if s in pledged), None)
            paid_at = next((at for s, at in zip(path, times) if s == Stage.PAID), None)
            rows.append(
                (
                    org,
                    event.pk,
                    tier.pk if tier else None,
                    str(amount.quantize(Decimal("0.01"))),
                    stage,
                    self.dt(times[-1]),
                    str(event.date - datetime.timedelta(days=rng.randint(0, 60))),
                    owner,
                    rng.choice(LOST_REASONS) if stage not in forward else "",
                    "",
                    self.dt(times[0]),
                    self.dt(times[-1]),
                    self.dt(pledged_at),
                    self.dt(paid_at),
                )
            )
            histories.append((path, times, owner))
        ids = self.raw_insert(
            Pledge,
            "organisation event tier amount stage stage_changed_at expected_date owner lost_reason notes "
            "created_at updated_at pledged_at paid_at",
            rows,
            want_ids=True,
        )
        self.pledge_refs = [(pk, row[0]) for pk, row in zip(ids, rows) if row[4] in forward[:-1]]
        changes = []
        for pk, (path, times, owner) in zip(ids, histories):
            previous = ""
            for stage, at in zip(path, times):
                changes.append((pk, previous, stage, owner, self.dt(at), ""))
                previous = stage
        self.raw_insert(PledgeStageChange, "pledge from_stage to_stage changed_by changed_at note", changes)

    def partners(self):
        rng, profiles = self.rng, []
        for org in self.orgs:
            if org.is_supplier or org.is_training_provider:
                offer_type = (
                    rng.choice([PartnerProfile.OfferType.SERVICES, PartnerProfile.OfferType.GOODS])
                    if org.is_supplier
                    else rng.choice(
                        [
                            PartnerProfile.OfferType.COURSES,
                            PartnerProfile.OfferType.PLACES,
                            PartnerProfile.OfferType.BURSARIES,
                        ]
                    )
                )
                profiles.append(
                    PartnerProfile(
                        organisation_id=org.pk,
                        offer_type=offer_type,
                        offer=PARTNER_OFFERS[offer_type],
                        terms=rng.choice(PartnerProfile.Terms.values),
                        regions_covered=org.city,
                        status=rng.choices(PartnerProfile.Status.values, [25, 20, 40, 10, 5])[0],
                        updated_at=org.updated_at,
                    )
                )
        self.insert(PartnerProfile, profiles)

    def in_kind(self):
        rng = self.rng
        count = max(1, round(len(self.orgs) * 0.02))
        suppliers = [o for o in self.orgs if o.is_supplier] or self.orgs
        chosen = rng.sample(suppliers, min(count, len(suppliers)))
        items = []
        for org in chosen:
            category = rng.choice(list(IN_KIND))
            created = self.ago(300)
            items.append(
                InKindContribution(
                    organisation_id=org.pk,
                    event_id=rng.choice(self.event_list).pk,
                    category=category,
                    description=IN_KIND[category],
                    quantity=rng.randint(1, 200),
                    estimated_value=Decimal(rng.randrange(2, 120) * 100),
                    valuation_basis="Supplier's rate card",
                    status=rng.choices(InKindContribution.Status.values, [35, 35, 20, 10])[0],
                    owner_id=self.owner(),
                    created_at=created,
                    updated_at=created,
                )
            )
        self.insert(InKindContribution, items)
        self.in_kind_by_org = {item.organisation_id: item.pk for item in items}

    def favours(self):
        rng = self.rng
        count = max(1, round(len(self.orgs) * 0.05))
        favours = []
        for org in rng.sample(self.orgs, min(count, len(self.orgs))):
            contacts = self.org_contacts.get(org.pk, [])
            for _ in range(rng.randint(1, 3)):
                direction = rng.choices(Favour.Direction.values, [40, 35, 25])[0]
                created = self.ago(500)
                favours.append(
                    Favour(
                        organisation_id=org.pk,
                        contact_id=rng.choice(contacts) if contacts else None,
                        event_id=rng.choice(self.event_list).pk if rng.random() < 0.6 else None,
                        direction=direction,
                        description=rng.choice(FAVOURS),
                        estimated_value=Decimal(rng.randrange(0, 40) * 50),
                        status=rng.choice(Favour.Status.values),
                        in_kind_id=self.in_kind_by_org.get(org.pk) if rng.random() < 0.5 else None,
                        occurred_on=created.date(),
                        logged_by_id=rng.choice(self.owners),
                        created_at=created,
                        updated_at=created,
                    )
                )
        self.insert(Favour, favours)
        self.favour_refs = [(f.pk, f.organisation_id) for f in favours]

    def followups(self):
        rng, n = self.rng, self.sizes["followups"]
        statuses, done = [str(s) for s in FollowUp.Status.values], str(FollowUp.Status.DONE)
        rows = []
        for _ in range(n):
            link = rng.random()
            pledge = favour = interaction = contact = None
            if link < 0.4 and self.pledge_refs:
                pledge, org = rng.choice(self.pledge_refs)
            elif link < 0.5 and self.favour_refs:
                favour, org = rng.choice(self.favour_refs)
            elif link < 0.75 and self.sample_interactions:
                interaction, org, contact = rng.choice(self.sample_interactions)
            else:
                i = rng.randrange(len(self.contact_ids))
                contact, org = self.contact_ids[i], self.contact_org[i]
            if org is None and contact is None:
                org = rng.choice(self.org_ids)
            status = rng.choices(statuses, [60, 32, 8])[0]
            created = self.ago(240, skew=1.2)
            due = created.date() + datetime.timedelta(days=rng.randint(1, 45))
            completed = None
            if status == done:
                completed = min(self.now, created + datetime.timedelta(days=rng.randint(0, 40)))
            rows.append(
                (
                    rng.choice(FOLLOWUP_TITLES),
                    "",
                    str(due),
                    self.owner(0.05),
                    status,
                    org,
                    contact,
                    pledge,
                    favour,
                    interaction,
                    rng.choice(self.owners),
                    self.dt(completed),
                    self.dt(created),
                    self.dt(completed or created),
                )
            )
        self.raw_insert(
            FollowUp,
            "title notes due_date assignee status organisation contact pledge favour "
            "interaction created_by completed_at created_at updated_at",
            rows,
        )


def generate(scale="small", seed=0, now=None, using=DEFAULT_DB_ALIAS, log=None) -> Generator:
    generator = Generator(scale=scale, seed=seed, now=now, using=using, log=log)
    generator.run()
    return generator
