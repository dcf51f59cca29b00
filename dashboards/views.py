"""Committee dashboards: read-only pages over the boards (dashboards.boards), plus saved views.

The pages only render what the board modules compute; the CSV download and the
print view reuse the same boards, so they always agree with the screen.
"""

from dataclasses import replace

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from crm.forms.base import BootstrapFormMixin
from dashboards import saved_views
from dashboards.boards import activity, inkind, partners, pipeline, renewals
from dashboards.filters import build_filterset
from dashboards.models import SavedView

BOARDS = {
    "pipeline": ("dashboards:dashboard", "Pipeline", pipeline.build),
    "inkind": ("dashboards:dashboard_inkind", "In-kind", inkind.build),
    "partners": ("dashboards:dashboard_partners", "Partners", partners.build),
    "activity": ("dashboards:dashboard_activity", "Activity", activity.build),
    "renewals": ("dashboards:dashboard_renewals", "Renewals", renewals.build),
}


class SavedViewForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=100, label="Name of this view")
    shared = forms.BooleanField(required=False, label="Share with everyone who can see the dashboards")
    url_name = forms.ChoiceField(choices=[(k, k) for k in saved_views.DASHBOARD_URLS], widget=forms.HiddenInput)
    query_string = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)


def board_state(request, board: str, *, all_rows: bool = False):
    """The bound filter set and the board built with its criteria.

    Long lists show their first rows on the page; `all_rows` (the CSV) builds them in full.
    """
    filterset = build_filterset(request.GET, board)
    criteria = filterset.criteria
    built_with = replace(criteria, extra={**criteria.extra, "all_rows": True}) if all_rows else criteria
    return filterset, criteria, BOARDS[board][2](built_with)


class DashboardView(PermissionRequiredMixin, TemplateView):
    permission_required = "sponsors.view_pledge"
    template_name = "dashboards/dashboard.html"
    board = "pipeline"

    def get_context_data(self, **kwargs):
        filterset, criteria, board = board_state(self.request, self.board)
        url_name = BOARDS[self.board][0]
        query = self.request.GET.urlencode()
        return super().get_context_data(
            board=board,
            board_key=self.board,
            filterset=filterset,
            criteria=criteria,
            filters_in_words=criteria.describe(),
            query=query,
            tabs=[
                {
                    "key": key,
                    "label": label,
                    "url": reverse(name) + (f"?{query}" if query else ""),
                    "active": key == self.board,
                }
                for key, (name, label, _) in BOARDS.items()
            ],
            saved_views=list(saved_views.visible_to(self.request.user, url_name)),
            save_form=SavedViewForm(initial={"url_name": url_name, "query_string": query}),
            can_save=self.request.user.has_perm("dashboards.add_savedview"),
            **kwargs,
        )


class PipelineDashboardView(DashboardView):
    board = "pipeline"


class InKindDashboardView(DashboardView):
    board = "inkind"


class PartnersDashboardView(DashboardView):
    board = "partners"


class ActivityDashboardView(DashboardView):
    board = "activity"


class RenewalsDashboardView(DashboardView):
    board = "renewals"


class DashboardPrintView(PermissionRequiredMixin, TemplateView):
    """The pipeline for a committee pack: no navigation, dated, the filters in words."""

    permission_required = "sponsors.view_pledge"
    template_name = "dashboards/print.html"

    def get_context_data(self, **kwargs):
        _filterset, criteria, board = board_state(self.request, "pipeline")
        return super().get_context_data(
            board=board,
            criteria=criteria,
            filters_in_words=criteria.describe(),
            today=timezone.localdate(),
            query=self.request.GET.urlencode(),
            **kwargs,
        )


class DashboardCsvView(PermissionRequiredMixin, View):
    """One dashboard table as CSV, with the filters in the query string applied."""

    permission_required = "sponsors.view_pledge"

    def get(self, request, board, table):
        if board not in BOARDS:
            raise Http404("No such dashboard.")
        _, _, built = board_state(request, board, all_rows=True)
        found = built.tables.get(table)
        if found is None:
            raise Http404("No such table.")
        response = HttpResponse("\ufeff" + found.to_csv(), content_type="text/csv; charset=utf-8")
        filename = f"{board}-{table}-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class SavedViewCreateView(PermissionRequiredMixin, View):
    permission_required = "dashboards.add_savedview"

    def post(self, request):
        form = SavedViewForm(request.POST)
        url_name = request.POST.get("url_name")
        back = reverse(url_name if url_name in saved_views.DASHBOARD_URLS else "dashboards:dashboard")
        query = request.POST.get("query_string", "")
        if not form.is_valid():
            messages.error(request, "Give the view a name (up to 100 characters).")
            return redirect(f"{back}?{query}" if query else back)
        try:
            view = saved_views.save_view(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        messages.success(request, f"Saved the view “{view.name}”{' and shared it' if view.shared else ''}.")
        return redirect(saved_view_url(view))


class SavedViewDeleteView(PermissionRequiredMixin, TemplateView):
    """Confirm, then delete one of my own saved views."""

    permission_required = "dashboards.delete_savedview"
    template_name = "dashboards/saved_view_confirm_delete.html"

    def get_object(self):
        return get_object_or_404(SavedView, pk=self.kwargs["pk"], owner=self.request.user)

    def get_context_data(self, **kwargs):
        view = self.get_object()
        return super().get_context_data(view=view, view_url=saved_view_url(view), **kwargs)

    def post(self, request, pk):
        view = self.get_object()
        back = reverse(view.url_name if view.url_name in saved_views.DASHBOARD_URLS else "dashboards:dashboard")
        saved_views.delete_view(view)
        messages.success(request, f"Deleted the view “{view.name}”.")
        return redirect(back)


def saved_view_url(view: SavedView) -> str:
    try:
        url = reverse(view.url_name)
    except Exception:
        url = reverse("dashboards:dashboard")
    return f"{url}?{view.query_string}" if view.query_string else url
