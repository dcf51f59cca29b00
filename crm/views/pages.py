"""Pages that later work fills in; each says so plainly instead of pretending."""
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.views.generic import TemplateView


def home(request):
    return redirect("crm:dashboard")


class PlaceholderView(PermissionRequiredMixin, TemplateView):
    template_name = "crm/placeholder.html"
    title = ""
    coming = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, coming=self.coming, **kwargs)


class ImportsPlaceholder(PlaceholderView):
    permission_required = "crm.view_importbatch"
    title = "Imports"
    coming = "The CSV and Excel import wizard with preview, and the history of imports with undo."


class QuickLogPlaceholder(PlaceholderView):
    permission_required = "crm.add_interaction"
    title = "Log a call or favour"
    coming = "One short form to log a call, email, meeting or favour with an optional follow-up."
