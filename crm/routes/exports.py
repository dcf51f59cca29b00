"""Exports of every list, with the list's current filters."""
from django.urls import path

from crm.views import exports

urlpatterns = [
    path("exports/<str:target>/", exports.export, name="export"),
]
