from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from crm.links import record_url


class Event(models.Model):
    """The thing being funded, such as the network's launch event."""

    name = models.CharField(max_length=200, unique=True)
    date = models.DateField(null=True, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveIntegerField("capacity (tickets)", default=0)
    sponsorship_target = models.DecimalField(
        "sponsorship target (GBP)",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    in_kind_target = models.DecimalField(
        "in-kind target (GBP)",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["-date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sponsorship_target__gte=0, in_kind_target__gte=0),
                name="event_targets_non_negative",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("crm:event_detail", self.pk)
