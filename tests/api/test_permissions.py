"""Every API route, every method, every role (with bearer tokens): the web's permissions.

Reads are open to every role; organisations, contacts and interactions are written by staff
and organisers; the rest by organisers only; events, tiers and emails are read-only here, and
invoices, credit notes and payments are created, never edited. A refused
request changes no row.
"""

import pytest
from rest_framework.test import APIClient

from api.services import create_token
from tests.crm.test_permission_matrix import domain_counts, world  # noqa: F401 (fixture)

ROLES = ("committee", "staff", "organiser")
#: resource → (roles that write, methods the resource supports beyond GET)
RESOURCES = {
    "organisations": ({"staff", "organiser"}, {"post", "put", "patch", "delete"}, "organisation"),
    "contacts": ({"staff", "organiser"}, {"post", "put", "patch", "delete"}, "contact"),
    "interactions": ({"staff", "organiser"}, {"post"}, "interaction"),
    "followups": ({"organiser"}, {"post", "put", "patch"}, "followup"),
    "events": ({"organiser"}, set(), "event"),
    "tiers": ({"organiser"}, set(), "tier"),
    "pledges": ({"organiser"}, {"post", "put", "patch"}, "pledge"),
    "in-kind": ({"organiser"}, {"post", "put", "patch"}, "inkind"),
    "favours": ({"organiser"}, {"post", "put", "patch"}, "favour"),
    # Registered by invoicing and mail: money is created by the organiser, never edited;
    # emails are read-only (staff may add mail on the web, so they get 405, not 403).
    "invoices": ({"organiser"}, {"post"}, "invoice"),
    "credit-notes": ({"organiser"}, {"post"}, "credit_note"),
    "payments": ({"organiser"}, {"post"}, "payment"),
    "emails": ({"staff", "organiser"}, set(), "email_message"),
}


def clients(world):
    result = {}
    for role in ROLES:
        _, key = create_token(user=world["users"][role], name=f"perm-{role}")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        result[role] = client
    return result


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_role_reads_every_resource(world, resource):
    obj = world[RESOURCES[resource][2]]
    for role, client in clients(world).items():
        assert client.get(f"/api/{resource}/").status_code == 200, role
        assert client.get(f"/api/{resource}/{obj.pk}/").status_code == 200, role


@pytest.mark.parametrize("resource", RESOURCES)
def test_writes_follow_the_roles(world, resource):
    writers, supported, key = RESOURCES[resource]
    obj = world[key]
    # Refused roles first, so their refusals are checked against untouched data.
    ordered = sorted(ROLES, key=lambda r: r in writers)
    wrong = []
    for role in ordered:
        client = clients(world)[role]
        for method, url in (
            ("post", f"/api/{resource}/"),
            ("put", f"/api/{resource}/{obj.pk}/"),
            ("patch", f"/api/{resource}/{obj.pk}/"),
            ("delete", f"/api/{resource}/{obj.pk}/"),
        ):
            before = domain_counts()
            response = getattr(client, method)(url, {}, format="json")
            got = response.status_code
            if role not in writers:
                expected_ok = got == 403 and domain_counts() == before
            elif method not in supported:
                expected_ok = got == 405
            else:
                expected_ok = got not in (401, 403, 405, 500)
            if not expected_ok:
                wrong.append(f"{method.upper()} {url} as {role}: {got}")
    assert not wrong, "\n".join(wrong)


def test_moving_a_pledge_needs_change_pledge(world):
    pledge = world["pledge"]
    for role, client in clients(world).items():
        response = client.post(f"/api/pledges/{pledge.pk}/move/", {"stage": "in_discussion"}, format="json")
        assert response.status_code == (200 if role == "organiser" else 403), role
    pledge.refresh_from_db()
    assert pledge.stage == "in_discussion"


def test_a_user_without_a_role_reads_nothing(world, django_user_model):
    user = django_user_model.objects.create_user("norole", password="x")
    _, key = create_token(user=user, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    for resource in RESOURCES:
        assert client.get(f"/api/{resource}/").status_code == 403, resource


def test_a_committee_token_cannot_create_a_payment_even_with_valid_data(world):
    invoice, committee = world["invoice"], clients(world)["committee"]
    before = domain_counts()
    response = committee.post("/api/payments/", {"invoice": invoice.pk, "amount": "50.00"}, format="json")
    assert response.status_code == 403 and response.json()["detail"]
    assert domain_counts() == before
