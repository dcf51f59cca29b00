"""Suppliers, training providers and the favours economy."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from crm.links import record_url


class PartnerProfile(models.Model):
    """What a supplier or training provider offers and on what terms."""

    class OfferType(models.TextChoices):
        SERVICES = "services", "Services"
        COURSES = "courses", "Courses"
        PLACES = "places", "Places"
        BURSARIES = "bursaries", "Bursaries"
        GOODS = "goods", "Goods"

    class Terms(models.TextChoices):
        PAID = "paid", "Paid"
        DISCOUNTED = "discounted", "Discounted"
        PRO_BONO = "pro_bono", "Pro bono"

    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        IN_TALKS = "in_talks", "In talks"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    organisation = models.OneToOneField(
        "crm.Organisation",
        on_delete=models.CASCADE,
        related_name="partner_profile",
    )
    offer_type = models.CharField(max_length=20, choices=OfferType.choices, db_index=True)
    offer = models.TextField("what they offer", blank=True)
    terms = models.CharField(max_length=20, choices=Terms.choices, default=Terms.PRO_BONO)
    regions_covered = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROSPECT, db_index=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name"]

    def __str__(self):
        return f"{self.organisation}: {self.get_offer_type_display()} ({self.get_status_display()})"


class FavourQuerySet(models.QuerySet):
    def received(self):
        """Favours they did for us (asked or offered) that happened."""
        return self.filter(direction__in=Favour.INBOUND, status__in=Favour.COMPLETED)

    def returned(self):
        """Favours we did for them in return."""
        return self.filter(direction=Favour.Direction.WE_OWE, status__in=Favour.COMPLETED)

    def owed(self):
        """Favours we owe and have not yet done."""
        return self.filter(direction=Favour.Direction.WE_OWE, status__in=Favour.PENDING)


class Favour(models.Model):
    """The favours ledger: asked of them, offered by them, owed by us.

    Balance per organisation = value received − value returned; positive means
    we are in their debt.
    """

    class Direction(models.TextChoices):
        WE_ASKED = "we_asked", "We asked them"
        THEY_OFFERED = "they_offered", "They offered us"
        WE_OWE = "we_owe", "We owe them"

    class Status(models.TextChoices):
        ASKED = "asked", "Asked"
        AGREED = "agreed", "Agreed"
        DONE = "done", "Done"
        DECLINED = "declined", "Declined"
        RETURNED = "returned", "Returned"

    INBOUND = (Direction.WE_ASKED, Direction.THEY_OFFERED)
    PENDING = (Status.ASKED, Status.AGREED)
    COMPLETED = (Status.DONE, Status.RETURNED)

    organisation = models.ForeignKey("crm.Organisation", on_delete=models.CASCADE, related_name="favours")
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="favours",
    )
    event = models.ForeignKey("crm.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="favours")
    direction = models.CharField(max_length=20, choices=Direction.choices, db_index=True)
    description = models.CharField(max_length=300)
    estimated_value = models.DecimalField(
        "estimated value (GBP)",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ASKED, db_index=True)
    in_kind = models.ForeignKey(
        "sponsors.InKindContribution",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="favours",
        help_text="The in-kind contribution this favour produced, if any.",
    )
    occurred_on = models.DateField(null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FavourQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_value__gte=0),
                name="favour_value_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "direction", "status"])]

    def __str__(self):
        return f"{self.get_direction_display()}: {self.description}"

    def get_absolute_url(self):
        return record_url("crm:organisation_detail", self.organisation_id)
