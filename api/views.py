"""Pages: the API docs, each user's tokens, the organiser's webhooks and their delivery log."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DeleteView, DetailView, FormView, TemplateView, View
from django_tables2 import RequestConfig
from django_tables2.views import SingleTableView

from api import selectors, services
from api.forms import CodeForm, TokenForm, WebhookForm
from api.models import ApiToken, Webhook
from api.tables import DeliveryTable, WebhookTable


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's errors on the form's fields, marked invalid as the form's own are."""
    for field, errors in error.message_dict.items():
        name = field if field in form.fields else None
        form.add_error(name, errors)
        if name:
            attrs = form.fields[name].widget.attrs
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"


# Swagger UI sets style="" attributes as it draws: this page alone may use them.
@method_decorator(
    csp_replace({"style-src-attr": [UNSAFE_INLINE], "style-src-elem": [SELF, UNSAFE_INLINE]}), name="dispatch"
)
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
            add_service_errors(form, error)
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
    table_pagination = {"per_page": 50}

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
            add_service_errors(form, error)
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


# --- two-factor sign-in ----------------------------------------------------------------------


def qr_data_uri(text: str) -> str:
    """The QR code as an inline SVG data URI, drawn here (the secret never leaves the server)."""
    import base64

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def _safe_next(request, default="crm:home"):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


class TwoFactorSetupView(View):
    """Enrol an authenticator app (QR code), get recovery codes, or turn two-factor off."""

    template_name = "api/otp_setup.html"

    def context(self, request, **extra):
        from base64 import b32encode

        from django_otp import user_has_device
        from django_otp.plugins.otp_static.models import StaticToken

        enrolled = user_has_device(request.user, confirmed=True)
        context = {
            "enrolled": enrolled,
            "required": services.two_factor_required(request.user),
            "next": request.POST.get("next") or request.GET.get("next", ""),
            **extra,
        }
        if enrolled:
            context["codes_left"] = StaticToken.objects.filter(device__user=request.user).count()
        else:
            device = services.start_totp(request.user)
            context.update(
                qr=qr_data_uri(device.config_url),
                secret=b32encode(device.bin_key).decode(),
                form=extra.get("form") or CodeForm(),
            )
        return context

    def get(self, request):
        from django.shortcuts import render

        return render(request, self.template_name, self.context(request))

    def post(self, request):
        from django.shortcuts import render

        action = request.POST.get("action", "confirm")
        if action == "recovery":
            codes = services.regenerate_recovery_codes(request.user)
            messages.success(request, "New recovery codes; the old ones no longer work.")
            return render(request, self.template_name, self.context(request, recovery_codes=codes))
        if action == "disable":
            try:
                services.disable_two_factor(request)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, "Two-factor sign-in is off.")
            return redirect("api:otp_setup")
        form = CodeForm(request.POST)
        if form.is_valid():
            device = services.start_totp(request.user)
            try:
                codes = services.confirm_totp(request, device, form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error.message_dict["code"])
            else:
                messages.success(request, "Two-factor sign-in is on.")
                return render(request, self.template_name, self.context(request, recovery_codes=codes))
        return render(request, self.template_name, self.context(request, form=form), status=200)


class TwoFactorVerifyView(View):
    """The second step of signing in: a code from the app or a recovery code."""

    template_name = "api/otp_verify.html"

    def dispatch(self, request, *args, **kwargs):
        from django_otp import user_has_device

        if request.user.is_verified() or not user_has_device(request.user, confirmed=True):
            return redirect(_safe_next(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        from django.shortcuts import render

        return render(request, self.template_name, {"form": CodeForm(), "next": request.GET.get("next", "")})

    def post(self, request):
        from django.contrib.auth import logout
        from django.shortcuts import render

        from crm.views.auth import locked_out

        form = CodeForm(request.POST)
        if form.is_valid():
            username = request.user.get_username()
            try:
                services.verify_second_factor(request, form.cleaned_data["code"])
            except services.LockedOut:
                logout(request)
                return locked_out(request, credentials={"username": username})
            except ValidationError as error:
                form.add_error("code", error.message_dict["code"])
            else:
                return redirect(_safe_next(request))
        return render(request, self.template_name, {"form": form, "next": request.POST.get("next", "")})


@csrf_exempt  # writes nothing; a program's POST to a wrong URL should read 404, not a CSRF page
@login_not_required  # as the API's own routes: no sign-in page for programs
def not_found(request, rest=""):
    """Any URL under /api/ that no route matches (`/api/contacts/abc/`, `/api/nothing/`): a JSON
    404 as the API's own answers are, not the site's HTML page. A known route asked for
    without its trailing slash is still redirected there, as Django's APPEND_SLASH does."""
    path = request.path_info
    if not path.endswith("/"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not_found":
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
            return JsonResponse(
                {"detail": f"Not found. Did you mean {request.path}/ (with a trailing slash)?"}, status=404
            )
    return JsonResponse({"detail": "Not found."}, status=404)
