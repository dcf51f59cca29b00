"""Schema-driven fuzzing (schemathesis) against the live test server with a bearer token:
no 5xx, and every documented response matches the schema. Bounded: a few examples per
operation, so the run stays well under a minute."""

from decimal import Decimal

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.services import create_token
from invoicing.services import raise_invoice, record_payment
from mail.models import EmailMessage
from mail.services import file_on_contact
from sponsors.services import create_pledge
from tests.crm import factories

MAX_EXAMPLES = 6
NEGATIVE_EXAMPLES = 3  # schema-breaking input (wrong types, missing fields): a 4xx, never a 5xx
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.mark.django_db(transaction=True)
def test_fuzzing_finds_no_server_error_and_no_response_off_schema(live_server, organiser):
    org = factories.busy_organisation(factories.event(), owner=organiser)
    # Money and mail too, so their resources have records to read and write against.
    pledge = create_pledge(
        organisation=org, event=factories.event(), amount=Decimal("900"), stage="confirmed", user=organiser
    )
    record_payment(raise_invoice(pledge, user=organiser), amount="100", user=organiser)
    email = EmailMessage.objects.create(message_id="<fuzz@x>", subject="Hi", sent_at=timezone.now())
    file_on_contact(email, factories.contact(org), user=organiser)
    _, key = create_token(user=organiser, name="fuzz")
    raw = SchemaGenerator().get_schema(request=None, public=True)
    import json

    from rest_framework.renderers import JSONRenderer

    schema = from_dict(json.loads(JSONRenderer().render(raw)))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 33  # with invoicing's and mail's resources
    failures = []
    headers = {"Authorization": f"Bearer {key}"}
    for operation in operations:
        for mode, examples, checks in (
            (GenerationMode.POSITIVE, MAX_EXAMPLES, CHECKS),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, [not_a_server_error]),
        ):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(base_url=live_server.url, headers=headers, checks=checks)  # noqa: B023 (run at once)

            try:
                run()
            except Exception as error:  # collect every operation's failure, not just the first
                failures.append(f"{operation.label} ({mode.value}): {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
