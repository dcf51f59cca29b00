"""Reads behind the organisation and contact lists (and their exports) and record pages.

Every per-row figure is a correlated subquery, so a page of 50 rows costs the
same handful of queries as a page of 5, and sorting by a figure happens in SQL.
Figures other apps own (open pledges, favour balance) come from their list
extensions in crm.registry.
"""

from django.db.models import BooleanField, Case, OuterRef, Subquery, Value, When
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation
from crm.registry import list_extensions


def _latest_interaction(**correlation):
    return Subquery(Interaction.objects.filter(**correlation).order_by("-occurred_at").values("occurred_at")[:1])


def _next_followup(**correlation):
    return Subquery(FollowUp.objects.open().filter(**correlation).order_by("due_date").values("due_date")[:1])


def _has_overdue():
    """Whether the next open follow-up is past due: overdue is exactly that. As an EXISTS of its own,
    PostgreSQL hashed every overdue follow-up (10,000: 3 ms) to answer it for the 50 rows of a page."""
    return Case(
        When(next_followup__lt=timezone.localdate(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def extension_annotations(list_name: str) -> dict:
    """The figures other apps add to a list (crm.registry.register_list_extension)."""
    annotations = {}
    for extension in list_extensions(list_name):
        annotations.update(extension.annotations())
    return annotations


def organisation_rows():
    """Organisations with the figures the list shows and filters on."""
    return (
        Organisation.objects.select_related("owner")
        .annotate(
            last_contacted=_latest_interaction(organisation=OuterRef("pk")),
            **extension_annotations("organisation"),
            next_followup=_next_followup(organisation=OuterRef("pk")),
        )
        .annotate(has_overdue=_has_overdue())
    )


def contact_rows():
    """Contacts with their organisation, last contact date and next follow-up."""
    return (
        Contact.objects.select_related("organisation", "owner")
        .annotate(
            last_contacted=_latest_interaction(contact=OuterRef("pk")),
            **extension_annotations("contact"),
            next_followup=_next_followup(contact=OuterRef("pk")),
        )
        .annotate(has_overdue=_has_overdue())
    )


def contact_list_rows():
    """`contact_rows` for the paged list: each page's organisations are fetched after the page is cut,
    and its owners not at all (the list does not show them). Joined before the cut, PostgreSQL hashed
    all 20,000 organisations to sort the 1,600 contacts matching "smith" (9 ms), and a sort by email
    joined every contact to its owner first (28 of 130 ms). Exports, which read every row, keep the joins."""
    return contact_rows().select_related(None).prefetch_related("organisation")


def organisation_page(organisation) -> dict:
    """The core's part of the organisation page besides the timeline, in a fixed number of queries.

    Pledges, in-kind gifts and favours are panels their apps register (crm.registry).
    """
    return {
        "contacts": list(organisation.contacts.annotate(last_contacted=_latest_interaction(contact=OuterRef("pk")))),
        "open_followups": list(
            FollowUp.objects.open().filter(organisation=organisation).select_related("assignee", "contact")
        ),
    }


def contact_page(contact) -> dict:
    return {
        "open_followups": list(FollowUp.objects.open().filter(contact=contact).select_related("assignee")),
    }
