"""Pages: the API docs, each user's tokens, the organiser's webhooks and their delivery log."""
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.generic import DeleteView, DetailView, FormView, TemplateView, View
from django_tables2 import RequestConfig
from django_tables2.views import SingleTableView

from api import selectors, services
from api.forms import TokenForm, WebhookForm
from api.models import ApiToken, Webhook
from api.tables import DeliveryTable, WebhookTable


# Swagger UI sets style="" attributes as it draws: this page alone may use them.
@method_decorator(csp_replace({"style-src-attr": [UNSAFE_INLINE], "style-src-elem": [SELF, UNSAFE_INLINE]}),
                  name="dispatch")
class ApiDocsView(PermissionRequiredMixin, TemplateView):
    """Swagger UI for the schema, from the drf-spectacular-sidecar package (no CDN)."""

    permission_required = "api.view_apitoken"
    template_name = "api/docs.html"


class TokenListView(PermissionRequiredMixin, FormView):
    """The user's own tokens; a new token's key is shown once, on the page the POST returns."""

    permission_required = "api.add_apitoken"
    template_name = "api/token_list.html"
    form_class = TokenForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(tokens=selectors.tokens_of(self.request.user), **kwargs)

    def form_valid(self, form):
        try:
            token, key = services.create_token(user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, f"Created the token “{token.name}”. Copy it now: it is not shown again.")
        return self.render_to_response(self.get_context_data(form=TokenForm(), new_key=key, new_token=token))


class TokenRevokeView(PermissionRequiredMixin, View):
    permission_required = "api.change_apitoken"
    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # another user's token: 404
        services.revoke_token(token, user=request.user)
        messages.success(request, f"Revoked the token “{token.name}”; it no longer works.")
        return redirect("api:token_list")


class WebhookListView(PermissionRequiredMixin, SingleTableView):
    permission_required = "api.change_webhook"  # targets and secrets are the organiser's
    template_name = "api/webhook_list.html"
    table_class = WebhookTable
    paginate_by = 50

    def get_queryset(self):
        return selectors.webhooks()


class WebhookFormMixin(PermissionRequiredMixin):
    model = Webhook
    form_class = WebhookForm
    template_name = "api/webhook_form.html"

    def form_valid(self, form):
        try:
            self.object = services.save_webhook(form.save(commit=False), user=self.request.user)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved the webhook “{self.object.name}”.")
        return redirect(self.object)


class WebhookCreateView(WebhookFormMixin, FormView):
    permission_required = "api.add_webhook"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Webhook()}


class WebhookUpdateView(WebhookFormMixin, FormView):
    permission_required = "api.change_webhook"

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(Webhook, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


class WebhookDetailView(PermissionRequiredMixin, DetailView):
    """The webhook, its secret (to verify signatures), the test button and the delivery log."""

    permission_required = "api.change_webhook"
    model = Webhook
    template_name = "api/webhook_detail.html"

    def get_context_data(self, **kwargs):
        table = DeliveryTable(selectors.deliveries_of(self.object))
        RequestConfig(self.request, paginate={"per_page": 50}).configure(table)
        return super().get_context_data(table=table, **kwargs)


class WebhookDeleteView(PermissionRequiredMixin, DeleteView):
    permission_required = "api.delete_webhook"
    model = Webhook
    template_name = "api/webhook_confirm_delete.html"
    success_url = reverse_lazy("api:webhook_list")

    def form_valid(self, form):
        name = self.object.name
        services.delete_webhook(self.object, user=self.request.user)
        messages.success(self.request, f"Deleted the webhook “{name}”.")
        return redirect(self.success_url)


class WebhookTestView(PermissionRequiredMixin, View):
    permission_required = "api.change_webhook"
    http_method_names = ["post"]

    def post(self, request, pk):
        webhook = get_object_or_404(Webhook, pk=pk)
        services.send_test(webhook, user=request.user)
        messages.success(request, "A test delivery is queued; its outcome appears in the log below.")
        return redirect(reverse("api:webhook_detail", args=[webhook.pk]))
