"""The global search page behind the navbar's search box."""
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.views.generic import TemplateView

from crm.selectors.search import search


class SearchView(PermissionRequiredMixin, TemplateView):
    """Organisations and contacts matching every word of ?q=, grouped and capped."""

    permission_required = "crm.view_organisation"
    template_name = "crm/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        context["results"] = search(query, include_contacts=self.request.user.has_perm("crm.view_contact"))
        return context
