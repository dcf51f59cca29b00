"""Imports, their history and undo."""
from django.urls import path

from crm.views import pages

urlpatterns = [
    path("imports/", pages.ImportsPlaceholder.as_view(), name="import_list"),
    path("imports/<int:pk>/", pages.ImportsPlaceholder.as_view(), name="import_detail"),
]
