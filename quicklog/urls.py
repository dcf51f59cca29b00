"""The quick log."""

from django.urls import path

from quicklog import views

app_name = "quicklog"
urlpatterns = [
    path("log/", views.QuickLogView.as_view(), name="quick_log"),
]
