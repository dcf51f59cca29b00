"""Record URLs built from a pattern reversed once: the same URLs reverse() gives."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from crm.links import record_url
from tests.crm import factories


@pytest.mark.django_db
def test_record_urls_are_what_reverse_gives_under_any_script_prefix():
    org = factories.organisation()
    person = factories.contact(org)
    assert org.get_absolute_url() == reverse("crm:organisation_detail", args=[org.pk])
    assert person.get_absolute_url() == reverse("crm:contact_detail", args=[person.pk])
    try:
        set_script_prefix("/network/")  # a deployment under a sub-path
        assert (
            person.get_absolute_url()
            == f"/network/contacts/{person.pk}/"
            == reverse("crm:contact_detail", args=[person.pk])
        )
    finally:
        clear_script_prefix()
    assert person.get_absolute_url() == f"/contacts/{person.pk}/"


def test_an_unsaved_record_has_no_url_as_before():
    with pytest.raises(NoReverseMatch):
        record_url("crm:contact_detail", None)
