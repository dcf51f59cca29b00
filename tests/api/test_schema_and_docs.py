"""The OpenAPI schema and the docs page, with their assets served locally."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_resource_and_the_bearer_scheme(api_committee):
    response = api_committee.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/organisations/", "/api/contacts/{id}/", "/api/pledges/{id}/move/", "/api/favours/"):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    params = {p["name"] for p in schema["paths"]["/api/contacts/"]["get"]["parameters"]}
    assert {"updated_since", "page", "page_size", "ordering", "q"} <= params


def test_the_schema_lists_the_resources_invoicing_and_mail_register(api_committee):
    paths = api_committee.get("/api/schema/?format=json").json()["paths"]
    assert (
        set(paths["/api/invoices/"])
        == set(paths["/api/payments/"])
        == set(paths["/api/credit-notes/"])
        == {"get", "post"}
    )
    assert set(paths["/api/invoices/{id}/"]) == {"get"}  # issued invoices are never edited
    assert set(paths["/api/emails/"]) == set(paths["/api/emails/{id}/"]) == {"get"}
    invoice_params = {p["name"] for p in paths["/api/invoices/"]["get"]["parameters"]}
    assert {"updated_since", "status", "organisation", "overdue", "ordering", "page_size"} <= invoice_params
    email_params = {p["name"]: p for p in paths["/api/emails/"]["get"]["parameters"]}
    assert {"contact", "organisation", "direction", "sent_after", "updated_since"} <= set(email_params)
    assert email_params["contact"]["schema"]["type"] == "integer"
    body = paths["/api/payments/"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/PaymentCreateRequest")


def test_the_schema_needs_a_signed_in_user_or_a_token(client):
    assert client.get("/api/schema/").status_code == 401


def test_the_docs_page_uses_local_assets_and_relaxes_csp_only_there(client, committee):
    client.force_login(committee)
    response = client.get(reverse("api:docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "<script>" not in html
    for asset in ("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "api/docs.js", "api/docs.css"):
        assert finders.find(asset), asset
    docs_csp = response["Content-Security-Policy"]
    assert "style-src-attr 'unsafe-inline'" in docs_csp and "script-src 'self'" in docs_csp
    assert "unsafe-inline" not in client.get(reverse("api:token_list"))["Content-Security-Policy"]


def test_the_schema_carries_the_projects_version(api_committee):
    from crm.version import VERSION

    assert api_committee.get("/api/schema/?format=json").json()["info"]["version"] == VERSION
