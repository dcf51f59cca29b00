"""Email as a read-only REST resource (/api/emails/), registered with crm.registry so the API
app routes it without this app importing it (nor it this one).

Read-only: messages arrive from the mailbox, uploads and imports, and are filed on contacts
through the triage pages; sending is a template and a task, not a one-call write. The viewset
relies on the project's REST_FRAMEWORK defaults (bearer tokens, role permissions, capped
pages, django-filter + ordering, throttling).
"""

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from crm.models import Contact, Organisation
from crm.registry import ApiResource, register_api_resource
from mail.filters import TriageFilter
from mail.models import EmailAttachment, EmailMessage, FiledEmail


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailAttachment
        fields = ["id", "filename", "content_type", "size", "skipped"]


class EmailSerializer(serializers.ModelSerializer):
    """One message; `contacts` and `organisations` are those it is filed on (empty while it waits
    to be filed), `interactions` the contact-history entries it became."""

    contacts = serializers.SerializerMethodField()
    organisations = serializers.SerializerMethodField()
    interactions = serializers.SerializerMethodField()
    text = serializers.CharField(read_only=True, help_text="The plain-text part, or the text of the HTML part.")
    attachments = AttachmentSerializer(many=True, read_only=True)
    imported_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    to_addresses = serializers.ListField(child=serializers.CharField(), read_only=True)
    cc_addresses = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = EmailMessage
        fields = [
            "id",
            "message_id",
            "direction",
            "status",
            "source",
            "sent_at",
            "from_name",
            "from_address",
            "to_addresses",
            "cc_addresses",
            "subject",
            "in_reply_to",
            "text",
            "contacts",
            "organisations",
            "interactions",
            "attachments",
            "forwarded_by",
            "note",
            "imported_by",
            "received_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_contacts(self, message) -> list[int]:
        return [filing.contact_id for filing in message.filings.all()]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_organisations(self, message) -> list[int]:
        return sorted(
            {filing.contact.organisation_id for filing in message.filings.all() if filing.contact.organisation_id}
        )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_interactions(self, message) -> list[int]:
        return [filing.interaction_id for filing in message.filings.all()]


@extend_schema_field(OpenApiTypes.INT)
class _RecordFilter(django_filters.ModelChoiceFilter):
    """A record chosen by id, filtered by a method (the schema cannot guess its type)."""


class ApiEmailFilter(TriageFilter):
    """The triage page's search (`q`: subject or sender) and who, which way, when."""

    contact = _RecordFilter(queryset=Contact.objects.all(), method="filter_contact", label="Filed on this contact")
    organisation = _RecordFilter(
        queryset=Organisation.objects.all(),
        method="filter_organisation",
        label="Filed on a contact of this organisation",
    )
    sent_after = django_filters.DateFilter(field_name="sent_at", lookup_expr="date__gte")
    sent_before = django_filters.DateFilter(field_name="sent_at", lookup_expr="date__lte")
    updated_since = django_filters.IsoDateTimeFilter(
        method="filter_updated_since",
        label="Received or filed at or after (ISO 8601 date-time)",
    )

    class Meta:
        model = EmailMessage
        fields = ["q", "direction", "status", "source"]

    # Exists, not a join: a message filed on three contacts is still one row.
    def filter_contact(self, queryset, name, value):
        return queryset.filter(Exists(FiledEmail.objects.filter(message=OuterRef("pk"), contact=value)))

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(Exists(FiledEmail.objects.filter(message=OuterRef("pk"), contact__organisation=value)))

    def filter_updated_since(self, queryset, name, value):
        return queryset.filter(
            Q(received_at__gte=value)
            | Exists(FiledEmail.objects.filter(message=OuterRef("pk"), interaction__created_at__gte=value))
        )


class EmailViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_converter = "int"
    queryset = (
        EmailMessage.objects.select_related("imported_by")
        .defer("headers")
        .prefetch_related(
            Prefetch(
                "filings",
                FiledEmail.objects.select_related("contact")
                .only(
                    "message_id",
                    "contact_id",
                    "interaction_id",
                    "contact__id",
                    "contact__organisation_id",
                )
                .order_by("id"),
            ),
            "attachments",
        )
    )
    serializer_class = EmailSerializer
    filterset_class = ApiEmailFilter
    ordering_fields = ["sent_at", "received_at", "id"]
    ordering = ["-sent_at", "-id"]


def register() -> None:
    """Called from MailConfig.ready()."""
    register_api_resource(ApiResource("emails", EmailViewSet, "email"))
