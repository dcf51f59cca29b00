"""Follow-ups and the private calendar feed."""

from django.urls import path

from crm.views import followups

urlpatterns = [
    path("followups/", followups.FollowUpListView.as_view(), name="followup_list"),
    path("followups/new/", followups.FollowUpCreateView.as_view(), name="followup_create"),
    path("followups/<int:pk>/edit/", followups.FollowUpUpdateView.as_view(), name="followup_update"),
    path("followups/<int:pk>/done/", followups.followup_complete, name="followup_complete"),
    path("followups/<int:pk>/snooze/", followups.followup_snooze, name="followup_snooze"),
    path("followups/<int:pk>/reassign/", followups.followup_reassign, name="followup_reassign"),
    path("calendar/<str:token>.ics", followups.calendar_feed, name="calendar_feed"),
    path("calendar/reset/", followups.calendar_feed_reset, name="calendar_feed_reset"),
]
