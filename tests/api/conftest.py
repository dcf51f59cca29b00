"""API clients: a bearer token per role."""

import pytest
from rest_framework.test import APIClient

from api.services import create_token


def token_client(user):
    _, key = create_token(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api_organiser(organiser):
    return token_client(organiser)


@pytest.fixture
def api_committee(committee):
    return token_client(committee)


@pytest.fixture
def api_staff(staff):
    return token_client(staff)
