"""A saved view: a named, bookmarked filter state of a dashboard."""

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A named, bookmarked filter state of a list or dashboard page."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=100)
    url_name = models.CharField(max_length=100, help_text="The page, as a URL name such as dashboards:dashboard.")
    query_string = models.TextField(blank=True)
    shared = models.BooleanField(default=False, help_text="Visible to every user who can see the page.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Moved from crm (migration crm 0008 / dashboards 0001): the table keeps its name and rows.
        db_table = "crm_savedview"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "url_name", "name"], name="saved_view_unique_name"),
        ]

    def __str__(self):
        return self.name
