"""The global search page behind the navbar's search box, and the search-as-you-type lookups."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views.generic import TemplateView

from crm.selectors.search import lookup as lookup_matches
from crm.selectors.search import search

LOOKUP_PERMISSIONS = {"organisation": "crm.view_organisation", "contact": "crm.view_contact"}


class SearchView(PermissionRequiredMixin, TemplateView):
    """Organisations, contacts and interactions matching every word of ?q=, grouped and capped."""

    permission_required = "crm.view_organisation"
    template_name = "crm/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        user = self.request.user
        context["results"] = search(
            query,
            include_contacts=user.has_perm("crm.view_contact"),
            include_interactions=user.has_perm("crm.view_interaction"),
        )
        return context


@login_required
def lookup(request):
    """Up to ten {id, label} matches for ?q=...&type=organisation|contact, as JSON."""
    kind = request.GET.get("type", "")
    if kind not in LOOKUP_PERMISSIONS:
        return JsonResponse({"error": "type must be organisation or contact"}, status=400)
    if not request.user.has_perm(LOOKUP_PERMISSIONS[kind]):
        raise PermissionDenied
    return JsonResponse({"results": lookup_matches(request.GET.get("q", ""), kind)})
