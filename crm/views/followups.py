"""Follow-up pages: my list (grouped by due date), the row actions, create/edit and the calendar feed."""

import datetime
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, TemplateView, UpdateView

from crm import calendar
from crm.forms.followups import CompleteFollowUpForm, FollowUpForm, ReassignFollowUpForm, SnoozeFollowUpForm
from crm.models import CalendarFeed, FollowUp
from crm.selectors import followups as selectors
from crm.services import followups as services
from crm.templatetags.options import options
from crm.typing import AuthenticatedHttpRequest, ModelFormViewMixinBase
from crm.views.followup_rows import attach_row_html
from crm.views.redirects import safe_next


def _next_url(request, default=None):
    """Where to go after an action: a safe `next`, else the follow-up list."""
    return safe_next(request, default or reverse("crm:followup_list"))


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class FollowUpListView(PermissionRequiredMixin, TemplateView):
    permission_required = "crm.view_followup"
    template_name = "crm/followup_list.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        request = self.request
        today = timezone.localdate()
        filterset = selectors.FollowUpListFilter(
            request.GET or None,
            queryset=FollowUp.objects.all(),
            user=request.user,
            request=request,
        )
        scoped = filterset.qs  # the who/assignee filter, before the status split
        groups = selectors.open_followup_groups(scoped, today, expand=request.GET.get("show", ""))
        completed, completed_count = selectors.recently_completed_page(scoped, today)
        shown = [item for group in groups for item in group.items]
        selectors.load_related(shown + completed)
        selectors.attach_links(shown + completed)  # before the rows' HTML, which uses them
        can_change = request.user.has_perm("crm.change_followup")
        people = list(services.assignable_users()) if can_change or "assignee" in filterset.form.fields else []
        filterset.show_assignees(people)
        assignable = [(person.pk, person.get_full_name() or person.username) for person in people] if can_change else []
        complete_kinds = cast(forms.ChoiceField, CompleteFollowUpForm.base_fields["kind"]).choices
        next_url = request.get_full_path()
        assignee_options = {}
        if can_change:  # each assignee's "Reassign to" options, rendered once
            for followup in shown:
                if followup.assignee_id not in assignee_options:
                    assignee_options[followup.assignee_id] = options(assignable, followup.assignee_id)
        attach_row_html(
            groups,
            can_change=can_change,
            shows_everyone=filterset.shows_everyone,
            next_url=next_url,
            csrf_field=format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)),
            kind_options=options(complete_kinds, "call"),
            assignee_options=assignee_options,
            today=today,
        )
        feed = CalendarFeed.objects.filter(user=request.user).first()
        feed_url = request.build_absolute_uri(reverse("crm:calendar_feed", args=[feed.token])) if feed else ""
        return super().get_context_data(
            filter=filterset,
            shows_everyone=filterset.shows_everyone,
            can_see_everyones=selectors.can_see_everyones(request.user),
            groups=groups,
            open_count=sum(group.count for group in groups),
            completed=completed,
            completed_count=completed_count,
            today=today,
            can_change=can_change,
            feed=feed,
            feed_url=feed_url,
            next_url=next_url,
            **kwargs,
        )


@require_POST
@permission_required("crm.change_followup", raise_exception=True)
def followup_complete(request, pk):
    followup = get_object_or_404(FollowUp, pk=pk)
    form = CompleteFollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Could not mark it done: check the outcome.")
        return redirect(_next_url(request))
    try:
        interaction = services.complete_followup(
            followup,
            user=request.user,
            outcome=form.cleaned_data["outcome"],
            kind=form.cleaned_data["kind"],
        )
    except ValidationError as error:
        messages.error(request, f"Could not mark “{followup.title}” done: {_error_text(error)}")
    else:
        logged = f" and logged the {interaction.get_kind_display().lower()}" if interaction else ""
        messages.success(request, f"Marked “{followup.title}” done{logged}.")
    return redirect(_next_url(request))


@require_POST
@permission_required("crm.change_followup", raise_exception=True)
def followup_snooze(request, pk):
    followup = get_object_or_404(FollowUp, pk=pk)
    form = SnoozeFollowUpForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"Could not snooze “{followup.title}”: {errors}")
        return redirect(_next_url(request))
    try:
        followup = services.snooze_followup(followup, until=form.cleaned_data["until"], user=request.user)
    except ValidationError as error:
        messages.error(request, f"Could not snooze “{followup.title}”: {_error_text(error)}")
    else:
        messages.success(request, f"Snoozed “{followup.title}” until {followup.due_date:%a %d %b %Y}.")
    return redirect(_next_url(request))


@require_POST
@permission_required("crm.change_followup", raise_exception=True)
def followup_reassign(request, pk):
    followup = get_object_or_404(FollowUp, pk=pk)
    form = ReassignFollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Could not reassign “{followup.title}”: choose an active user who can see follow-ups.")
        return redirect(_next_url(request))
    assignee = form.cleaned_data["assignee"]
    try:
        services.reassign_followup(followup, assignee=assignee, user=request.user)
    except ValidationError as error:
        messages.error(request, f"Could not reassign “{followup.title}”: {_error_text(error)}")
    else:
        messages.success(request, f"Reassigned “{followup.title}” to {assignee.get_full_name() or assignee.username}.")
    return redirect(_next_url(request))


class FollowUpFormMixin(PermissionRequiredMixin, ModelFormViewMixinBase):
    model = FollowUp
    form_class: type[FollowUpForm] | None = FollowUpForm
    template_name: str | None = "crm/followup_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(next_url=_next_url(self.request), **kwargs)

    def _done(self, followup):
        messages.success(self.request, f"Saved follow-up “{followup.title}” (due {followup.due_date:%a %d %b %Y}).")
        return redirect(_next_url(self.request))


class FollowUpCreateView(FollowUpFormMixin, CreateView):
    """New follow-up; ?organisation=&contact=&pledge=&favour= prefill the links."""

    permission_required = "crm.add_followup"

    def get_initial(self):
        initial: dict[str, object] = {
            "assignee": self.request.user.pk,
            "due_date": timezone.localdate() + datetime.timedelta(days=7),
        }
        for name in ("organisation", "contact", "pledge", "favour"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        if self.request.GET.get("title"):
            initial["title"] = self.request.GET["title"][:300]
        return initial

    def form_valid(self, form):
        fields = {name: form.cleaned_data.get(name) for name in form._meta.fields}
        if fields.get("assignee") is None:
            fields.pop("assignee")
        try:
            followup = services.create_followup(user=self.request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return self._done(followup)


class FollowUpUpdateView(FollowUpFormMixin, UpdateView):
    permission_required = "crm.change_followup"

    def form_valid(self, form):
        try:
            followup = services.update_followup(form.save(commit=False), user=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return self._done(followup)


@login_not_required
def calendar_feed(request, token):
    """The private .ics feed; the secret token in the URL is the only credential."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar feed.")
    body = calendar.build_feed(selectors.calendar_followups(feed.user), name="Follow-ups")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="followups.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@permission_required(("crm.add_calendarfeed", "crm.change_calendarfeed"), raise_exception=True)
def calendar_feed_reset(request):
    had_feed = CalendarFeed.objects.filter(user=request.user).exists()
    services.reset_calendar_feed(user=request.user)
    if had_feed:
        messages.success(
            request, "Reset your calendar link. The old link no longer works: subscribe again with the new one."
        )
    else:
        messages.success(request, "Created your calendar feed. Subscribe to the link in your calendar app.")
    return redirect(_next_url(request) + "#calendar-feed")
