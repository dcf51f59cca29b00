"""Planning the next event (web): the form, then the new event's pipeline."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from crm.models import Event
from renewals.forms import PlanNextEventForm, TierFormSet, suggested_date, suggested_name, tier_initial
from renewals.selectors import carry_forward
from renewals.services import plan_next_event, tier_plans


class PlanNextEventView(PermissionRequiredMixin, View):
    """The organiser plans the event after this one; committee and staff may not."""

    permission_required = ("crm.add_event", "sponsors.add_pledge", "sponsors.add_sponsorshiptier")
    template_name = "renewals/plan_next_event.html"

    def dispatch(self, request, *args, **kwargs):
        self.event = get_object_or_404(Event, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        plan = carry_forward(self.event)
        form = PlanNextEventForm(
            lapsed=plan.lapsed,
            initial={
                "name": suggested_name(self.event),
                "date": suggested_date(self.event, timezone.localdate()),
                "venue": self.event.venue,
                "capacity": self.event.capacity,
                "sponsorship_target": self.event.sponsorship_target,
                "in_kind_target": self.event.in_kind_target,
            },
        )
        tiers = TierFormSet(prefix="tiers", initial=tier_initial(tier_plans(self.event)))
        return self.show(form, tiers, plan)

    def post(self, request, pk):
        plan = carry_forward(self.event)
        form = PlanNextEventForm(request.POST, lapsed=plan.lapsed)
        tiers = TierFormSet(request.POST, prefix="tiers")
        if form.is_valid() and tiers.is_valid():
            data = form.cleaned_data
            try:
                new_event = plan_next_event(
                    self.event,
                    name=data["name"],
                    date=data["date"],
                    venue=data["venue"],
                    capacity=data["capacity"],
                    sponsorship_target=data["sponsorship_target"],
                    in_kind_target=data["in_kind_target"],
                    tiers=[t.plan() for t in tiers.forms if t.cleaned_data and not t.cleaned_data.get("DELETE")],
                    include_lapsed_ids=[int(pk) for pk in data["include_lapsed"]],
                    user=request.user,
                )
            except ValidationError as error:
                self._attach(form, tiers, error)
            else:
                asked = len(plan.carried) + len(data["include_lapsed"])
                messages.success(
                    request,
                    f"Planned {new_event.name}: {asked} sponsor{'s' if asked != 1 else ''} from {self.event.name} "
                    f"to ask again, each with a pledge at Prospect and a follow-up.",
                )
                return redirect(f"{reverse('sponsors:pledge_board')}?event={new_event.pk}")
        return self.show(form, tiers, plan, status=400)

    @staticmethod
    def _attach(form, tiers, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
            return
        for field, errors in error.message_dict.items():
            if field in form.fields:
                form.add_error(field, errors)
            elif field == "include_lapsed_ids":
                form.add_error("include_lapsed", errors)
            else:
                form.add_error(None, errors)

    def show(self, form, tiers, plan, status=200):
        return render(
            self.request,
            self.template_name,
            {"event": self.event, "form": form, "tiers": tiers, "plan": plan},
            status=status,
        )
