"""What a person sees when a request fails."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client


@pytest.fixture
def failing_client(organiser):
    client = Client(raise_request_exception=False)
    client.force_login(organiser)
    return client


def test_a_database_that_cannot_be_reached_gives_a_plain_503_with_retry_after(failing_client):
    with mock.patch("crm.views.pages.redirect", side_effect=OperationalError("connection refused")):
        response = failing_client.get("/")
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "cannot reach its database" in page
    assert "connection refused" not in page and "Traceback" not in page


def test_any_other_failure_is_still_a_500(failing_client):
    with mock.patch("crm.views.pages.redirect", side_effect=RuntimeError("boom")):
        response = failing_client.get("/")
    assert response.status_code == 500 and "boom" not in response.content.decode()
