"""Follow-ups, the quick log and the calendar feed."""
from django.urls import path

from crm.views import pages

urlpatterns = [
    path("followups/", pages.FollowUpsPlaceholder.as_view(), name="followup_list"),
    path("log/", pages.QuickLogPlaceholder.as_view(), name="quick_log"),
]
