from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A named, bookmarked filter state of a list or dashboard page."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=100)
    url_name = models.CharField(max_length=100, help_text="The page, as a URL name such as crm:dashboard.")
    query_string = models.TextField(blank=True)
    shared = models.BooleanField(default=False, help_text="Visible to every user who can see the page.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "url_name", "name"], name="saved_view_unique_name"),
        ]

    def __str__(self):
        return self.name


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
