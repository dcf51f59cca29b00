"""The quick log page and the JSON lookups behind its search-as-you-type pickers."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.dateformat import format as date_format
from django.views.generic import FormView

from crm.models import Contact
from crm.views.redirects import safe_next
from quicklog.forms import KIND_CHOICES, QuickLogForm
from quicklog.services import log_quick_entry


class QuickLogView(PermissionRequiredMixin, FormView):
    """Log a call, email, meeting, note or favour in one go, then go back where the user was."""

    permission_required = "crm.add_interaction"
    form_class = QuickLogForm
    template_name = "quicklog/quick_log.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        """Pre-fill from ?organisation=&contact=&kind= (organisation pages link here)."""
        initial = {}
        params = self.request.GET
        for name in ("organisation", "contact"):
            if params.get(name, "").isdigit():
                initial[name] = int(params[name])
        if params.get("kind") in dict(KIND_CHOICES):
            initial["kind"] = params["kind"]
        if "contact" in initial and "organisation" not in initial:
            organisation_id = (
                Contact.objects.filter(pk=initial["contact"]).values_list("organisation_id", flat=True).first()
            )
            if organisation_id:
                initial["organisation"] = organisation_id
        if params.get("kind") == "favour" or params.get("favour"):
            initial["also_favour"] = params.get("kind") != "favour"
        return initial

    def next_url(self):
        return safe_next(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = self.next_url()
        return context

    def form_valid(self, form):
        try:
            interaction = log_quick_entry(user=self.request.user, **form.service_kwargs())
        except ValidationError as error:
            for field, errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error) or "You do not have permission to do that.")
            return self.form_invalid(form)

        kind = dict(KIND_CHOICES)[form.cleaned_data["kind"]].lower()
        message = f"Logged {kind}: {interaction.summary}"
        if interaction.created_contact is not None:
            message += f" with {interaction.created_contact}, added as a new contact"
        if interaction.created_followup is not None:
            message += f" and a follow-up due {date_format(interaction.created_followup.due_date, 'j M Y')}"
        messages.success(self.request, message + ".")
        target = self.next_url()
        if not target:
            record = interaction.organisation or interaction.contact
            target = record.get_absolute_url()
        return redirect(target)
