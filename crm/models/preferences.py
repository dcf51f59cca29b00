from django.conf import settings
from django.db import models


class CalendarFeed(models.Model):
    """The secret token behind a user's private iCalendar feed of follow-ups."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"


class ReminderDigest(models.Model):
    """One follow-up reminder email sent to one user on one day (never two)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_digests")
    sent_on = models.DateField()
    item_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on"]
        constraints = [models.UniqueConstraint(fields=["user", "sent_on"], name="one_digest_per_user_per_day")]

    def __str__(self):
        return f"Reminder to {self.user} on {self.sent_on}"
