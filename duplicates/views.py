"""Pages: the candidate list, "find now", "not duplicates", the merge screen, merges and their
undo, and the rules. Thin: each parses the request and calls a service or a selector."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin, SingleTableView

from duplicates import selectors, services
from duplicates.filters import CandidateFilter
from duplicates.forms import RulesForm
from duplicates.models import CandidatePair, Merge, Target
from duplicates.tables import CandidateTable, MergeTable

NOUNS = {Target.CONTACTS: "contact", Target.ORGANISATIONS: "organisation"}


def merge_permissions(target: str) -> tuple[str, ...]:
    noun = NOUNS[target]
    return ("duplicates.add_merge", f"crm.change_{noun}", f"crm.delete_{noun}")


class CandidateListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "duplicates.view_candidatepair"
    model = CandidatePair
    table_class = CandidateTable
    filterset_class = CandidateFilter
    table_pagination = {"per_page": 25}
    template_name = "duplicates/candidate_list.html"

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        target = filterset.chosen_target
        queryset = selectors.candidate_pairs(target)
        record = filterset.form.cleaned_data.get("record") if filterset.form.is_valid() else None
        if record:
            queryset = selectors.pairs_of(queryset, target, int(record))
        filterset.queryset = queryset
        return filterset

    def get_table_kwargs(self):
        user = self.request.user
        target = self.filterset.chosen_target
        return {
            "target": target,
            "can_merge": user.has_perms(merge_permissions(target)),
            "can_decide": user.has_perm("duplicates.add_notduplicate"),
            "request": self.request,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        target = self.filterset.chosen_target
        context["target"] = target
        context["target_label"] = Target(target).label
        context["last_run"] = selectors.last_runs().get(target)
        context["next"] = self.request.get_full_path()
        return context


def _back(request, target: str):
    url = request.POST.get("next") or ""
    if url.startswith("/duplicates/") and "//" not in url:
        return redirect(url)
    return redirect(reverse("duplicates:candidate_list") + f"?target={target}")


def _target(value) -> str:
    if value not in Target.values:
        raise Http404("Choose contacts or organisations.")
    return value


class FindNowView(PermissionRequiredMixin, View):
    """Search again now; over many records the search runs on the tasks worker."""

    permission_required = "duplicates.add_candidatepair"
    http_method_names = ["post"]

    def post(self, request):
        target = request.POST.get("target") or Target.CONTACTS
        if target not in Target.values:
            messages.error(request, "Choose contacts or organisations to search.")
            return redirect("duplicates:candidate_list")
        model = services.model_for(target)
        if model._default_manager.count() > settings.DUPLICATES_BACKGROUND_RECORDS:
            from duplicates.tasks import find_duplicates_task

            find_duplicates_task.enqueue(target)
            messages.success(request, "Searching in the background: reload this page in a minute to see the pairs.")
        else:
            result = services.find_duplicates(target)
            messages.success(
                request, f"Searched {Target(target).label.lower()}: {result.stored:,} likely duplicate pairs."
            )
        return redirect(reverse("duplicates:candidate_list") + f"?target={target}")


class NotDuplicatesView(PermissionRequiredMixin, View):
    permission_required = "duplicates.add_notduplicate"
    http_method_names = ["post"]

    def post(self, request):
        target = request.POST.get("target") or ""
        try:
            services.mark_not_duplicates(target, request.POST.get("a"), request.POST.get("b"), user=request.user)
        except (services.MergeError, TypeError, ValueError) as error:
            message = str(error) if isinstance(error, services.MergeError) else "Choose the two records."
            messages.error(request, message)
            return redirect("duplicates:candidate_list")
        messages.success(request, "Noted: these two are not the same, and will not be listed again.")
        return _back(request, target)


class MergeView(PermissionRequiredMixin, View):
    """The merge screen: both (or all) records side by side, a choice per field, what moves."""

    target = Target.CONTACTS
    template_name = "duplicates/merge.html"

    def get_permission_required(self):
        return merge_permissions(self.target)

    def _ids(self, data) -> tuple[str | None, list[str]]:
        ids = [i for i in data.getlist("ids") if i]
        keep = data.get("keep") or (ids[0] if ids else None)
        return keep, [i for i in ids if i != keep]

    def render_plan(self, request, keep, others, *, choices=None, resolutions=None, error=None, status=200):
        context = {"target": self.target, "noun": NOUNS[self.target], "error": error, "resolutions": resolutions or {}}
        try:
            context["plan"] = services.merge_plan(self.target, keep, others, choices=choices)
        except services.MergeError as problem:
            context["error"] = str(problem)
            status = 400 if request.method == "POST" or keep else 200
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        keep, others = self._ids(request.GET)
        if keep is None:
            return render(
                request,
                self.template_name,
                {
                    "target": self.target,
                    "noun": NOUNS[self.target],
                    "error": "Choose two records to merge from the list of likely duplicates.",
                },
            )
        return self.render_plan(request, keep, others)

    def post(self, request):
        keep, others = self._ids(request.POST)
        choices = {
            name.removeprefix("field_"): value for name, value in request.POST.items() if name.startswith("field_")
        }
        versions = {
            name.removeprefix("version_"): value for name, value in request.POST.items() if name.startswith("version_")
        }
        resolutions = {
            name.removeprefix("conflict_"): value
            for name, value in request.POST.items()
            if name.startswith("conflict_")
        }
        clean_choices = {}
        for name, value in choices.items():
            if value.isdigit():
                clean_choices[name] = int(value)
        try:
            merge = services.merge_records(
                self.target,
                keep,
                others,
                user=request.user,
                choices=clean_choices,
                versions={int(k): v for k, v in versions.items() if k.isdigit()},
                resolutions=resolutions,
            )
        except services.MergeError as error:
            return self.render_plan(
                request,
                keep,
                others,
                choices=clean_choices,
                resolutions=resolutions,
                error=str(error),
                status=409 if isinstance(error, services.StaleRecords | services.ConflictsUnresolved) else 400,
            )
        messages.success(request, f"Merged: {merge.summary}. You can undo this for 30 days.")
        return redirect(merge.get_absolute_url())


class MergeContactsView(MergeView):
    target = Target.CONTACTS


class MergeOrganisationsView(MergeView):
    target = Target.ORGANISATIONS


class MergeListView(PermissionRequiredMixin, SingleTableView):
    permission_required = "duplicates.view_merge"
    table_class = MergeTable
    table_pagination = {"per_page": 50}
    template_name = "duplicates/merge_list.html"

    def get_queryset(self):
        return selectors.merges()


class MergeDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "duplicates.view_merge"
    template_name = "duplicates/merge_detail.html"
    context_object_name = "merge"

    def get_queryset(self):
        return selectors.merges()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        merge = self.object
        model = services.model_for(merge.target)
        context["kept"] = model._default_manager.filter(pk=merge.kept_id).first()
        context["restored"] = list(model._default_manager.filter(pk__in=merge.merged_ids)) if merge.undone_at else []
        context["can_undo"] = merge.can_undo() and self.request.user.has_perms(
            ("duplicates.change_merge", *merge_permissions(merge.target)[1:])
        )
        return context


class UndoMergeView(PermissionRequiredMixin, View):
    permission_required = "duplicates.change_merge"
    http_method_names = ["post"]

    def post(self, request, pk):
        merge = get_object_or_404(Merge, pk=pk)
        if not request.user.has_perms(merge_permissions(merge.target)[1:]):
            raise PermissionDenied
        try:
            services.undo_merge(merge, user=request.user)
        except services.MergeError as error:
            messages.error(request, str(error))
            return redirect(merge.get_absolute_url())
        messages.success(request, "Merge undone: the merged records are back with their own history.")
        return redirect(merge.get_absolute_url())


class RulesView(PermissionRequiredMixin, TemplateView):
    """The rules and their weights (CiviCRM's model): everyone reads them, the organiser edits."""

    permission_required = "duplicates.view_ruleset"
    template_name = "duplicates/rules.html"

    def forms(self, data=None):
        return {
            target: RulesForm(
                data if data and data.get("target") == target else None,
                ruleset=services.ensure_rules(target),
                prefix=target,
            )
            for target in Target.values
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("forms", self.forms())
        context["can_edit"] = self.request.user.has_perms(("duplicates.change_ruleset", "duplicates.change_rule"))
        context["labels"] = dict(Target.choices)
        return context

    def post(self, request):
        if not request.user.has_perms(("duplicates.change_ruleset", "duplicates.change_rule")):
            raise PermissionDenied
        target = request.POST.get("target")
        if target not in Target.values:
            messages.error(request, "Choose which rules to save.")
            return redirect("duplicates:rules")
        forms = self.forms(request.POST)
        form = forms[target]
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(forms=forms), status=400)
        services.save_rules(
            target, threshold=form.cleaned_data["threshold"], weights=form.weights(), enabled=form.enabled()
        )
        messages.success(request, f"Saved the rules for {Target(target).label.lower()}. Search again to apply them.")
        return redirect("duplicates:rules")
