"""Money and goods given to an event: tiers, pledges and their pipeline, in-kind offers."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from crm.links import record_url

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Stage(models.TextChoices):
    """Pipeline stages in order; closed stages last."""

    PROSPECT = "prospect", "Prospect"
    APPROACHED = "approached", "Approached"
    IN_DISCUSSION = "in_discussion", "In discussion"
    VERBAL = "verbal", "Verbal pledge"
    CONFIRMED = "confirmed", "Confirmed in writing"
    INVOICED = "invoiced", "Invoiced"
    PAID = "paid", "Paid"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: Default probability of each stage, used for the weighted forecast.
STAGE_PROBABILITY = {
    Stage.PROSPECT: Decimal("0.10"),
    Stage.APPROACHED: Decimal("0.20"),
    Stage.IN_DISCUSSION: Decimal("0.40"),
    Stage.VERBAL: Decimal("0.70"),
    Stage.CONFIRMED: Decimal("0.90"),
    Stage.INVOICED: Decimal("0.95"),
    Stage.PAID: Decimal("1.00"),
    Stage.DECLINED: Decimal("0"),
    Stage.WITHDRAWN: Decimal("0"),
}
CLOSED_LOST_STAGES = (Stage.DECLINED, Stage.WITHDRAWN)
OPEN_STAGES = tuple(s for s in Stage if s not in CLOSED_LOST_STAGES and s != Stage.PAID)
#: "Pledged" means a verbal pledge or anything firmer.
PLEDGED_STAGES = (Stage.VERBAL, Stage.CONFIRMED, Stage.INVOICED, Stage.PAID)


class SponsorshipTier(models.Model):
    """A package sold for an event, e.g. Headline, Gold, Supporter."""

    event = models.ForeignKey("crm.Event", on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=NON_NEGATIVE)
    slots = models.PositiveIntegerField(default=1, help_text="How many sponsors can take this tier.")
    ticket_allocation = models.PositiveIntegerField(default=0)
    stand = models.BooleanField(default=False)
    logo = models.BooleanField("logo on materials", default=False)
    speaking_slot = models.BooleanField(default=False)
    other_benefits = models.TextField(blank=True)

    class Meta:
        ordering = ["event", "-price", "name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="tier_unique_name_per_event"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="tier_price_non_negative"),
        ]

    def __str__(self):
        return f"{self.name} (£{self.price:,.0f})"

    def benefit_list(self) -> list[str]:
        """What this tier promises, one line per benefit, for BenefitDelivery rows."""
        benefits = []
        if self.ticket_allocation:
            benefits.append(f"{self.ticket_allocation} tickets")
        if self.stand:
            benefits.append("Exhibition stand")
        if self.logo:
            benefits.append("Logo on event materials")
        if self.speaking_slot:
            benefits.append("Speaking slot")
        benefits += [line.strip() for line in self.other_benefits.splitlines() if line.strip()]
        return benefits


class Pledge(models.Model):
    """Money an organisation may give to an event; it moves through the stages."""

    organisation = models.ForeignKey("crm.Organisation", on_delete=models.PROTECT, related_name="pledges")
    event = models.ForeignKey("crm.Event", on_delete=models.PROTECT, related_name="pledges")
    tier = models.ForeignKey(
        SponsorshipTier,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pledges",
    )
    amount = models.DecimalField("amount (GBP)", max_digits=12, decimal_places=2, validators=NON_NEGATIVE)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROSPECT)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    # When the pledge first reached "verbal or beyond" and "paid" — the earliest such
    # PledgeStageChange, kept by sponsors.services so the month-by-month dashboard reads
    # one column rather than the stage history of every pledge.
    pledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    expected_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_pledges",
    )
    lost_reason = models.TextField(blank=True, help_text="Why it was declined or withdrawn.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "pledged_at", "paid_at"])

    class Meta:
        ordering = ["-amount", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="pledge_amount_non_negative"),
        ]
        indexes = [
            models.Index(fields=["organisation", "stage"]),
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["stage_changed_at"]),
            models.Index(fields=["expected_date"]),
            # The default order of the pledge list: no sort of every pledge per page.
            models.Index(fields=["-amount", "id"], name="pledge_amount_desc_idx"),
            # The board's cards: the largest pledges of each stage, read in index order.
            models.Index(fields=["stage", "-amount", "id"], name="pledge_stage_amount_idx"),
            # The pipeline dashboard reads these indexes alone: stage and tier totals, top
            # open pledges, and pledged against paid month by month. The id is in the first so
            # that PostgreSQL, whose indexes do not carry it as SQLite's do, can rank the top
            # open pledges without visiting the table.
            models.Index(fields=["event", "stage", "tier", "amount", "id"], name="pledge_event_stage_id_idx"),
            models.Index(fields=["event", "pledged_at", "paid_at", "amount"], name="pledge_event_milestones_idx"),
            # The top open pledges of an event: each stage's largest, read in index order (PostgreSQL).
            models.Index(fields=["event", "stage", "-amount", "id"], name="pledge_event_stage_amount_idx"),
            # The organisations with an open pledge, in order, for the activity board's "not
            # contacted" (PostgreSQL: 5 against 9 ms at 39,000 open pledges).
            models.Index(
                fields=["organisation"], condition=models.Q(stage__in=OPEN_STAGES), name="pledge_open_org_idx"
            ),
            # The renewals tab reads this index alone: each organisation's money pledged to two
            # events, and the pledging pace by day (sponsors.comparisons).
            models.Index(
                fields=["event", "stage", "organisation", "amount", "pledged_at"], name="pledge_event_stage_org_idx"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} → {self.event}: £{self.amount:,.2f} ({self.get_stage_display()})"

    def get_absolute_url(self):
        return record_url("sponsors:pledge_detail", self.pk)

    @property
    def probability(self) -> Decimal:
        return STAGE_PROBABILITY[Stage(self.stage)]

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability).quantize(Decimal("0.01"))

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class PledgeStageChange(models.Model):
    """Every move of a pledge between stages, for velocity and "stuck for N days"."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["pledge", "changed_at"]),
            # Recent wins and losses, latest first: walked backwards, in the order the page asks
            # for (changed_at, then id) so PostgreSQL stops after the first few; SQLite's index on
            # changed_at alone carried the id already.
            models.Index(fields=["changed_at", "id"], name="stage_change_latest_idx"),
            # Recent wins and losses and how many: the changes of the period read from the index
            # alone, and only the kept few joined to the table. The id is a key column, not an
            # INCLUDE: SQLite has no INCLUDE (it ignored it, with a models.W040 warning at every
            # migrate) and its indexes carry the id anyway; PostgreSQL reads it from either.
            models.Index(fields=["to_stage", "changed_at", "pledge", "id"], name="stage_change_won_lost_idx"),
        ]

    def __str__(self):
        start = self.get_from_stage_display() or "created"
        return f"{self.pledge_id}: {start} → {self.get_to_stage_display()}"


class InKindContribution(models.Model):
    """Goods or services given instead of money, such as venue space or catering."""

    class Category(models.TextChoices):
        VENUE = "venue", "Venue space"
        CATERING = "catering", "Catering"
        AV = "av", "AV"
        PRINTING = "printing", "Printing"
        LANYARDS = "lanyards", "Lanyards and badges"
        SPEAKERS = "speakers", "Speakers"
        PRIZES = "prizes", "Prizes"
        VOLUNTEERS = "volunteers", "Volunteers"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        CONFIRMED = "confirmed", "Confirmed"
        DELIVERED = "delivered", "Delivered"
        DECLINED = "declined", "Declined"

    organisation = models.ForeignKey("crm.Organisation", on_delete=models.PROTECT, related_name="in_kind")
    event = models.ForeignKey("crm.Event", on_delete=models.PROTECT, related_name="in_kind")
    category = models.CharField(max_length=20, choices=Category.choices, db_index=True)
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=1)
    estimated_value = models.DecimalField(
        "estimated value (GBP)",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
    )
    valuation_basis = models.CharField(
        "how it was valued",
        max_length=200,
        blank=True,
        help_text="e.g. supplier's rate card, quote",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["event", "category", "-estimated_value"]
        verbose_name = "in-kind contribution"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_value__gte=0),
                name="in_kind_value_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["event", "category", "status"])]

    def __str__(self):
        return f"{self.get_category_display()} from {self.organisation}: {self.description}"


class BenefitDelivery(models.Model):
    """One benefit a pledge's tier promised, and whether it was delivered."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="benefits")
    benefit = models.CharField(max_length=200)
    delivered = models.BooleanField(default=False)
    delivered_on = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pledge", "delivered", "benefit"]
        verbose_name_plural = "benefit deliveries"
        constraints = [
            models.UniqueConstraint(fields=["pledge", "benefit"], name="benefit_unique_per_pledge"),
        ]

    def __str__(self):
        mark = "delivered" if self.delivered else "due"
        return f"{self.benefit} ({mark})"


class TicketAllocation(models.Model):
    """Tickets from the event's capacity given to a sponsor, and how many the sponsor has
    claimed (named attendees). The sum over an event never exceeds its capacity
    (sponsors.services.allocate_tickets checks it with the event row locked)."""

    pledge = models.OneToOneField(Pledge, on_delete=models.CASCADE, related_name="tickets")
    allocated = models.PositiveIntegerField(default=0)
    claimed = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claimed__lte=models.F("allocated")), name="tickets_claimed_within_allocation"
            ),
        ]

    def __str__(self):
        return f"{self.claimed}/{self.allocated} tickets claimed"

    @property
    def unclaimed(self) -> int:
        return self.allocated - self.claimed
