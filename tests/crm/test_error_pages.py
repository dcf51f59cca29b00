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
    assert "Something went wrong on our side" in response.content.decode()


def test_an_unknown_address_gets_a_page_that_says_so_in_the_sites_style(client, organiser):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<title>Page not found · Sponsorship CRM</title>" in page and "bootstrap.min.css" in page
    assert "Go to the start page" not in page  # a sponsor with an old link has no start page here
    client.force_login(organiser)
    assert "Go to the start page" in client.get("/no-such-page/").content.decode()


def test_a_role_without_the_right_is_told_why_and_that_nothing_changed(client, committee):
    client.force_login(committee)
    response = client.get("/organisations/new/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Your role in the CRM does not include this page or this change. Nothing was changed." in page
