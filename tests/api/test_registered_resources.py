"""The resources invoicing and mail register (crm.registry) get the project's REST_FRAMEWORK
defaults without importing the API app: token authentication, capped pages, rate limits."""

import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from api.throttling import TokenRateThrottle
from tests.api.conftest import token_client
from tests.crm import factories

pytestmark = pytest.mark.django_db

REGISTERED = ("invoices", "credit-notes", "payments", "emails")


@pytest.mark.parametrize("resource", REGISTERED)
def test_no_token_or_a_bad_one_is_401_json(resource):
    anonymous = APIClient()
    assert anonymous.get(f"/api/{resource}/").status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer crm_not_a_token")
    response = anonymous.get(f"/api/{resource}/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_page_size_is_capped_on_registered_resources(organiser, settings):
    from invoicing.services import raise_invoice
    from sponsors.services import create_pledge

    settings.API_MAX_PAGE_SIZE = 2
    event = factories.event()
    for _ in range(3):
        pledge = create_pledge(
            organisation=factories.organisation(), event=event, amount=100, stage="confirmed", user=organiser
        )
        raise_invoice(pledge, user=organiser)
    body = token_client(organiser).get("/api/invoices/?page_size=1000000").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and "page=2" in body["next"]


@pytest.mark.parametrize("resource", REGISTERED)
def test_registered_resources_are_rate_limited_per_token(organiser, resource):
    cache.clear()
    TokenRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "api_token": "2/minute"}
    try:
        busy = token_client(organiser)
        codes = [busy.get(f"/api/{resource}/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        response = busy.get(f"/api/{resource}/")
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert token_client(organiser).get(f"/api/{resource}/").status_code == 200  # another token
    finally:
        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()
