"""Filter sets for every list. Exports apply the same classes, so an export is
exactly what the list shows; the filter state lives in the URL."""
import django_filters

from crm.models import Contact, FollowUp, Interaction, Organisation


class OrganisationFilter(django_filters.FilterSet):
    class Meta:
        model = Organisation
        fields = ["sector", "city", "owner", "is_sponsor", "is_supplier", "is_training_provider", "is_public_body"]


class ContactFilter(django_filters.FilterSet):
    class Meta:
        model = Contact
        fields = ["organisation", "owner", "do_not_contact"]


class InteractionFilter(django_filters.FilterSet):
    class Meta:
        model = Interaction
        fields = ["kind", "organisation", "contact", "logged_by"]


class FollowUpFilter(django_filters.FilterSet):
    class Meta:
        model = FollowUp
        fields = ["status", "assignee", "organisation"]
