"""Exports of every list, with the list's current filters."""
from django.urls import path

from crm.views import pages

urlpatterns = [
    path("exports/<str:target>/", pages.ImportsPlaceholder.as_view(), name="export"),
]
