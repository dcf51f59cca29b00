"""/api/ (the REST API, its schema and docs) and the pages for tokens and webhooks."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api import views, viewsets
from crm.registry import api_resources

app_name = "api"

router = DefaultRouter(use_regex_path=False)
router.include_format_suffixes = False
router.register("organisations", viewsets.OrganisationViewSet, basename="organisation")
router.register("contacts", viewsets.ContactViewSet, basename="contact")
router.register("interactions", viewsets.InteractionViewSet, basename="interaction")
router.register("followups", viewsets.FollowUpViewSet, basename="followup")
router.register("events", viewsets.EventViewSet, basename="event")
router.register("tiers", viewsets.TierViewSet, basename="tier")
router.register("pledges", viewsets.PledgeViewSet, basename="pledge")
router.register("in-kind", viewsets.InKindViewSet, basename="inkind")
router.register("favours", viewsets.FavourViewSet, basename="favour")
# Resources of the apps beside this one (invoices, payments, emails), registered in their ready().
for resource in api_resources():
    router.register(resource.prefix, resource.viewset, basename=resource.basename)


def _token_or_session(patterns):
    """API views authenticate inside DRF (bearer token or session): the site's
    LoginRequiredMiddleware must not send them to the sign-in page."""
    for pattern in patterns:
        login_not_required(pattern.callback)
    return patterns


urlpatterns = [
    path("api/", include(_token_or_session(router.urls))),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path("api/docs/", views.ApiDocsView.as_view(), name="docs"),
    path("api/tokens/", views.TokenListView.as_view(), name="token_list"),
    path("api/tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
    path("account/two-factor/", views.TwoFactorSetupView.as_view(), name="otp_setup"),
    path("account/two-factor/verify/", views.TwoFactorVerifyView.as_view(), name="otp_verify"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhook_list"),
    path("webhooks/new/", views.WebhookCreateView.as_view(), name="webhook_create"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="webhook_detail"),
    path("webhooks/<int:pk>/edit/", views.WebhookUpdateView.as_view(), name="webhook_update"),
    path("webhooks/<int:pk>/delete/", views.WebhookDeleteView.as_view(), name="webhook_delete"),
    path("webhooks/<int:pk>/test/", views.WebhookTestView.as_view(), name="webhook_test"),
    # Last: every other URL under /api/ (a bogus id, a typo) answers a JSON 404.
    path("api/<path:rest>", views.not_found, name="not_found"),
]
