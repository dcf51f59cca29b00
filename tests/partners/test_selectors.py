"""Favour balances from the aggregate query match an independent sum, to the penny."""

import random
from decimal import Decimal

import pytest

from crm.models import Organisation
from partners.models import Favour
from partners.selectors import favour_balance_for, favour_balances

D, S = Favour.Direction, Favour.Status


def expected_balance(favours):
    received = sum(
        (
            f.estimated_value
            for f in favours
            if f.direction in (D.WE_ASKED, D.THEY_OFFERED) and f.status in (S.DONE, S.RETURNED)
        ),
        Decimal("0"),
    )
    returned = sum(
        (f.estimated_value for f in favours if f.direction == D.WE_OWE and f.status in (S.DONE, S.RETURNED)),
        Decimal("0"),
    )
    return received - returned


@pytest.mark.django_db
def test_balances_equal_an_independent_sum():
    rng = random.Random(7)
    orgs = [Organisation.objects.create(name=f"Partner {i}", is_supplier=True) for i in range(6)]
    Organisation.objects.create(name="No favours")
    for _ in range(80):
        Favour.objects.create(
            organisation=rng.choice(orgs),
            direction=rng.choice(D.values),
            status=rng.choice(S.values),
            description="x",
            estimated_value=Decimal(rng.randint(0, 99999)) / 100,
        )
    rows = list(favour_balances())
    assert {r.name for r in rows} == {o.name for o in orgs}
    for row in rows:
        favours = list(Favour.objects.filter(organisation=row))
        assert row.favour_balance == expected_balance(favours)
        assert favour_balance_for(row) == expected_balance(favours)
        assert row.owed_count == sum(1 for f in favours if f.direction == D.WE_OWE and f.status in (S.ASKED, S.AGREED))
        assert row.received_count + row.returned_count == sum(1 for f in favours if f.status in (S.DONE, S.RETURNED))
    assert [r.favour_balance for r in rows] == sorted((r.favour_balance for r in rows), reverse=True)


@pytest.mark.django_db
def test_balance_counts_only_completed_favours():
    org = Organisation.objects.create(name="Venue Co", is_supplier=True)
    for direction, status, value in [
        (D.THEY_OFFERED, S.DONE, "1200.10"),
        (D.WE_ASKED, S.RETURNED, "300.05"),
        (D.WE_ASKED, S.ASKED, "999"),
        (D.WE_OWE, S.DONE, "500.01"),
        (D.WE_OWE, S.AGREED, "50"),
        (D.THEY_OFFERED, S.DECLINED, "700"),
    ]:
        Favour.objects.create(
            organisation=org, direction=direction, status=status, description="x", estimated_value=Decimal(value)
        )
    assert favour_balance_for(org) == Decimal("1000.14")
    row = favour_balances(Organisation.objects.filter(pk=org.pk)).get()
    assert (row.favours_received, row.favours_returned, row.favours_owed) == (
        Decimal("1500.15"),
        Decimal("500.01"),
        Decimal("50.00"),
    )
    assert (row.received_count, row.returned_count, row.owed_count) == (2, 1, 1)


@pytest.mark.django_db
def test_balance_for_an_organisation_without_favours_is_zero():
    assert favour_balance_for(Organisation.objects.create(name="Quiet")) == Decimal("0.00")


@pytest.mark.django_db
def test_balances_are_one_query(django_assert_num_queries):
    org = Organisation.objects.create(name="A")
    Favour.objects.create(organisation=org, direction=D.WE_OWE, status=S.ASKED, description="x")
    with django_assert_num_queries(1):
        list(favour_balances())
