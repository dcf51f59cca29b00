"""The global search and the search-as-you-type lookups the pickers use."""

from django.urls import path

from crm.views import search

urlpatterns = [
    path("lookup/", search.lookup, name="lookup"),
    path("search/", search.SearchView.as_view(), name="search"),
]
