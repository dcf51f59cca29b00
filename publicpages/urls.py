"""The organiser's pages for an event's public pages (behind the login wall, as every page is)."""

from django.urls import path

from publicpages import views

app_name = "publicpages"

urlpatterns = [
    path("events/<int:pk>/public-pages/", views.page_settings, name="settings"),
    path("events/<int:pk>/applications/", views.application_list, name="application_list"),
]
