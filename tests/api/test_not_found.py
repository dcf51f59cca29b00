"""Every unknown URL under /api/ answers JSON 404, as the API's own answers do."""

import pytest

from tests.crm import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/contacts/abc/",
        "/api/contacts/1.5/",
        "/api/invoices/abc/",
        "/api/emails/abc/",
        "/api/payments/x/",
        "/api/credit-notes/-1/",
        "/api/nothing-here/",
        "/api/contacts/1/nothing/",
    ],
)
def test_unknown_api_urls_answer_json_404(api_organiser, client, path):
    for response in (api_organiser.get(path), api_organiser.post(path, {}, format="json"), client.get(path)):
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json" and response.json()["detail"]


def test_an_unknown_id_of_a_known_resource_is_json_404_too(api_organiser):
    response = api_organiser.get("/api/contacts/999999/")
    assert response.status_code == 404 and response.json()["detail"]


def test_a_missing_trailing_slash_still_redirects_reads(api_organiser):
    contact = factories.contact()
    response = api_organiser.get("/api/contacts?page_size=1")
    assert response.status_code == 301 and response["Location"] == "/api/contacts/?page_size=1"
    assert api_organiser.get(f"/api/contacts/{contact.pk}").status_code == 301
    response = api_organiser.post("/api/contacts", {"first_name": "Ann"}, format="json")
    assert response.status_code == 404 and "/api/contacts/" in response.json()["detail"]


def test_pages_outside_the_api_keep_the_sites_404(client, organiser):
    client.force_login(organiser)
    response = client.get("/organisations/abc/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
