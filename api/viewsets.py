"""The REST API's resources. Thin: querysets with their joins, filters, and the services
the serializers call. Every list costs the same few queries whatever the page size."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from api import filters, serializers
from api.serializers import ANNOTATED
from crm.models import Contact, Event, FollowUp, Interaction, Organisation
from crm.services.followups import complete_followup, reassign_followup, snooze_followup
from partners.models import Favour
from sponsors.models import InKindContribution, Pledge, PledgeStageChange, SponsorshipTier
from sponsors.services import move_pledge


class ApiViewSet(viewsets.GenericViewSet):
    lookup_value_converter = "int"
    # Settings' DEFAULT_FILTER_BACKENDS, with the filters other apps register (crm.registry).
    filter_backends = [filters.RegisteredFilterBackend, OrderingFilter]

    def get_queryset(self):
        """The resource's queryset with the fields other apps compute in its own query
        (crm.registry.register_api_annotation), read by the serializer's RegisteredFieldsMixin."""
        from crm.registry import api_annotations

        queryset = super().get_queryset()
        extra = api_annotations(queryset.model._meta.label_lower)
        return queryset.annotate(**{ANNOTATED + name: e for name, e in extra.items()}) if extra else queryset


class ReadCreateUpdate(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    """Resources the web never deletes (pledges, follow-ups, in-kind, favours)."""


class OrganisationViewSet(viewsets.ModelViewSet, ApiViewSet):
    queryset = Organisation.objects.select_related("owner").prefetch_related("tags")
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filters.ApiOrganisationFilter
    ordering_fields = ["name", "city", "created_at", "updated_at", "id"]
    ordering = ["name", "id"]


class ContactViewSet(viewsets.ModelViewSet, ApiViewSet):
    queryset = Contact.objects.select_related("owner").prefetch_related("tags")
    serializer_class = serializers.ContactSerializer
    filterset_class = filters.ApiContactFilter
    ordering_fields = ["last_name", "first_name", "email", "created_at", "updated_at", "id"]
    ordering = ["last_name", "first_name", "id"]


class InteractionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet):
    """Logged, never edited (as on the web)."""

    queryset = Interaction.objects.select_related("logged_by")
    serializer_class = serializers.InteractionSerializer
    filterset_class = filters.ApiInteractionFilter
    ordering_fields = ["occurred_at", "created_at", "id"]
    ordering = ["-occurred_at", "-id"]


class FollowUpViewSet(ReadCreateUpdate):
    """Follow-ups, with the My follow-ups page's actions: complete, snooze, reassign."""

    queryset = FollowUp.objects.select_related("assignee", "created_by")
    serializer_class = serializers.FollowUpSerializer
    filterset_class = filters.ApiFollowUpFilter
    ordering_fields = ["due_date", "created_at", "updated_at", "id"]
    ordering = ["due_date", "id"]
    action_permissions = {name: ["%(app_label)s.change_%(model_name)s"] for name in ("complete", "snooze", "reassign")}

    def _act(self, request, input_class, service):
        followup = self.get_object()
        given = input_class(data=request.data)
        given.is_valid(raise_exception=True)
        service(followup, user=request.user, **given.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=followup.pk)).data)

    @extend_schema(request=serializers.FollowUpCompleteSerializer, responses=serializers.FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark it done; an outcome is logged as a call or note on its organisation or contact."""
        return self._act(request, serializers.FollowUpCompleteSerializer, complete_followup)

    @extend_schema(request=serializers.FollowUpSnoozeSerializer, responses=serializers.FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        """Move its due date (today or later)."""
        return self._act(request, serializers.FollowUpSnoozeSerializer, snooze_followup)

    @extend_schema(request=serializers.FollowUpReassignSerializer, responses=serializers.FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """Give it to another active user who can see follow-ups."""
        return self._act(request, serializers.FollowUpReassignSerializer, reassign_followup)


class EventViewSet(viewsets.ReadOnlyModelViewSet, ApiViewSet):
    queryset = Event.objects.all()
    serializer_class = serializers.EventSerializer
    filterset_fields = ["name"]
    ordering_fields = ["date", "name", "id"]
    ordering = ["-date", "name"]


class TierViewSet(viewsets.ReadOnlyModelViewSet, ApiViewSet):
    queryset = SponsorshipTier.objects.all()
    serializer_class = serializers.TierSerializer
    filterset_fields = ["event"]
    ordering_fields = ["price", "name", "id"]
    ordering = ["event", "-price", "name"]


class PledgeViewSet(ReadCreateUpdate):
    """Pledges with their stage history; a stage change (PATCH or `move`) goes through move_pledge."""

    queryset = Pledge.objects.select_related("owner").prefetch_related(
        Prefetch("stage_changes", PledgeStageChange.objects.select_related("changed_by")),  # newest first
    )
    serializer_class = serializers.PledgeSerializer
    filterset_class = filters.ApiPledgeFilter
    ordering_fields = ["amount", "stage_changed_at", "expected_date", "created_at", "updated_at", "id"]
    ordering = ["-amount", "id"]
    action_permissions = {"move": ["%(app_label)s.change_%(model_name)s"]}

    @extend_schema(request=serializers.PledgeMoveSerializer, responses=serializers.PledgeSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the pledge to another stage as the board does; declined or withdrawn need a reason."""
        pledge = self.get_object()
        move = serializers.PledgeMoveSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        data = move.validated_data
        try:
            move_pledge(pledge, data["stage"], user=request.user, reason=data["reason"], note=data["note"])
        except ValidationError as error:  # the service names the pledge's field; this action calls it reason
            if hasattr(error, "error_dict") and "lost_reason" in error.error_dict:
                raise ValidationError({"reason": error.error_dict["lost_reason"]}) from error
            raise
        return Response(self.get_serializer(self.get_queryset().get(pk=pledge.pk)).data)


class InKindViewSet(ReadCreateUpdate):
    queryset = InKindContribution.objects.select_related("owner")
    serializer_class = serializers.InKindSerializer
    filterset_class = filters.ApiInKindFilter
    ordering_fields = ["estimated_value", "created_at", "updated_at", "id"]
    ordering = ["event", "category", "-estimated_value", "id"]


class FavourViewSet(ReadCreateUpdate):
    queryset = Favour.objects.select_related("logged_by")
    serializer_class = serializers.FavourSerializer
    filterset_class = filters.ApiFavourFilter
    ordering_fields = ["estimated_value", "occurred_on", "created_at", "updated_at", "id"]
    ordering = ["-created_at", "-id"]
