"""Planning the next event."""

from django.urls import path

from renewals import views

app_name = "renewals"
urlpatterns = [
    path("events/<int:pk>/plan-next/", views.PlanNextEventView.as_view(), name="plan_next_event"),
]
