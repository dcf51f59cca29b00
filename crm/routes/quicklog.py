"""The quick log, the global search and the search-as-you-type lookups it uses."""
from django.urls import path

from crm.views import quicklog, search

urlpatterns = [
    path("log/", quicklog.QuickLogView.as_view(), name="quick_log"),
    path("lookup/", quicklog.lookup, name="lookup"),
    path("search/", search.SearchView.as_view(), name="search"),
]
