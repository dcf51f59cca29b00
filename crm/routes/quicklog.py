"""The quick log, the global search and the search-as-you-type lookups it uses."""
from django.urls import path

from crm.views import pages

urlpatterns = [
    path("log/", pages.QuickLogPlaceholder.as_view(), name="quick_log"),
]
