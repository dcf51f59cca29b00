"""/api/events/{id}/renewals/: the renewal figures of an event against the one before it (or
`?compare=ID`), as on the Renewals dashboard (sponsors.comparisons). Registered with
crm.registry, so the API app routes it (with its authentication, role permissions on the event,
throttling and JSON errors) without either app importing the other. Read-only."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from crm.models import Event
from crm.registry import ApiResource, register_api_resource
from sponsors import comparisons

MONEY = {"max_digits": 14, "decimal_places": 2}
#: Ids beyond a 64-bit integer are no event (the databases refuse to compare with them).
BIGGEST_ID = 2**63 - 1


class EventRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    date = serializers.DateField(allow_null=True)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=comparisons.STATUSES)
    label = serializers.CharField()
    count = serializers.IntegerField()
    before = serializers.DecimalField(help_text="What they gave to the earlier event (GBP).", **MONEY)
    after = serializers.DecimalField(help_text="What they give to this event (GBP).", **MONEY)


class LapsedSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation_id")
    name = serializers.CharField(source="organisation")
    last_amount = serializers.DecimalField(**MONEY)
    owner = serializers.CharField()
    last_contact = serializers.DateTimeField(allow_null=True)
    stage_now = serializers.CharField(help_text="Their pledge for this event, if any (blank: not asked yet).")


class PacePointSerializer(serializers.Serializer):
    days_before = serializers.IntegerField()
    pledged = serializers.DecimalField(help_text="Pledged (verbal or firmer) by then, cumulative.", **MONEY)


class RenewalsSerializer(serializers.Serializer):
    event = EventRefSerializer()
    previous = EventRefSerializer(allow_null=True)
    gave_before = serializers.IntegerField(help_text="Organisations that gave to the earlier event.")
    retention_by_count = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    retention_by_value = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True)
    statuses = StatusSerializer(many=True)
    lapsed = LapsedSerializer(many=True, help_text="Gave last time, nothing yet this time; largest first.")
    pace = PacePointSerializer(many=True)
    previous_pace = PacePointSerializer(many=True)


def _ref(event):
    return None if event is None else {"id": event.pk, "name": event.name, "date": event.date}


def _quantise(value):
    return None if value is None else round(value, 4)


class OneObjectSchema(AutoSchema):
    """The figures are one object, though DRF routes them as the `list` action."""

    def _is_list_view(self, serializer=None) -> bool:
        return False

    def get_override_parameters(self):
        return [
            OpenApiParameter(
                "compare", OpenApiTypes.INT, description="The earlier event's id (default: the one before by date)."
            )
        ]


class EventRenewalsViewSet(viewsets.GenericViewSet):
    """Who came back for an event: renewed, upgraded, downgraded, lapsed and new sponsors by count
    and money, retention by count and by value, the lapsed list and the pledging pace of both."""

    queryset = Event.objects.all()  # the role permission: view the event
    serializer_class = RenewalsSerializer
    pagination_class = None
    filter_backends: list = []
    schema = OneObjectSchema()

    def list(self, request, event_pk=None):
        if int(event_pk) > BIGGEST_ID:
            raise NotFound("No such event.")
        event = get_object_or_404(Event, pk=event_pk)
        compare = request.query_params.get("compare")
        if compare not in (None, ""):
            if not str(compare).isdigit() or int(compare) > BIGGEST_ID:
                raise ValidationError({"compare": ["Give an event id."]})
            previous = Event.objects.filter(pk=int(compare)).first()
            if previous is None:
                raise ValidationError({"compare": [f"No event has id {compare}."]})
        else:
            previous = comparisons.previous_event(event)
        if previous is not None and previous.pk == event.pk:
            raise ValidationError({"compare": ["Compare the event with another one."]})
        comparison = comparisons.compare_events(event, previous, Q(), lapsed=None)  # every lapsed, with the totals
        pace = comparisons.pledge_pace([e for e in (event, previous) if e is not None])
        data = {
            "event": _ref(event),
            "previous": _ref(previous),
            "gave_before": comparison.gave_before,
            "retention_by_count": _quantise(comparison.retention_by_count),
            "retention_by_value": _quantise(comparison.retention_by_value),
            "statuses": [
                {"status": t.status, "label": t.label, "count": t.count, "before": t.before, "after": t.after}
                for t in comparison.by_status()
            ],
            "lapsed": comparisons.lapsed_details(comparison),
            "pace": [{"days_before": d, "pledged": v} for d, v in pace.get(event.pk, [])],
            "previous_pace": [
                {"days_before": d, "pledged": v} for d, v in (pace.get(previous.pk, []) if previous else [])
            ],
        }
        return Response(RenewalsSerializer(data).data)


def register() -> None:
    register_api_resource(
        ApiResource(prefix="events/<int:event_pk>/renewals", viewset=EventRenewalsViewSet, basename="event-renewals")
    )
