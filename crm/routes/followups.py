"""Follow-ups and the private calendar feed."""
from django.urls import path

from crm.views import pages

urlpatterns = [
    path("followups/", pages.FollowUpsPlaceholder.as_view(), name="followup_list"),
]
