"""JSON shapes of the API's resources. Writes call the same services as the web pages."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from crm.models import Contact, Event, FollowUp, Interaction, Organisation, Role, Tag
from crm.services import save_contact, save_organisation
from crm.services.followups import create_followup, update_followup
from crm.services.interactions import log_interaction
from partners.models import Favour
from partners.services import record_favour, update_favour
from sponsors.models import InKindContribution, Pledge, PledgeStageChange, SponsorshipTier, Stage
from sponsors.services import create_pledge, move_pledge, save_in_kind, set_in_kind_status, update_pledge


def _user_field(**kwargs):
    """Users are named by username, never by database id."""
    return serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        **kwargs,
    )


class StrictSerializer(serializers.ModelSerializer):
    """Refuses fields it does not know (a typo would otherwise be dropped silently)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    @property
    def user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)


class OrganisationSerializer(StrictSerializer):
    roles = serializers.MultipleChoiceField(choices=Role.choices, required=False)
    owner = _user_field()
    tags = serializers.SlugRelatedField(slug_field="name", many=True, queryset=Tag.objects.all(), required=False)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "roles",
            "sector",
            "website",
            "city",
            "owner",
            "tags",
            "notes",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["roles"] = instance.roles  # a list in a stable order, not a set
        return data

    def create(self, validated_data):
        roles = validated_data.pop("roles", [])
        tags = validated_data.pop("tags", None)
        return save_organisation(Organisation(**validated_data), roles=roles, tags=tags, user=self.user)

    def update(self, instance, validated_data):
        roles = validated_data.pop("roles", instance.roles)
        tags = validated_data.pop("tags", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return save_organisation(instance, roles=roles, tags=tags, user=self.user)


class ContactSerializer(StrictSerializer):
    owner = _user_field()
    tags = serializers.SlugRelatedField(slug_field="name", many=True, queryset=Tag.objects.all(), required=False)

    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "organisation",
            "owner",
            "tags",
            "lawful_basis",
            "consent_date",
            "do_not_contact",
            "source",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_email(self, value):
        clash = Contact.objects.filter(email__iexact=value.strip()) if value.strip() else Contact.objects.none()
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("A contact with this email already exists.")
        return value

    def create(self, validated_data):
        tags = validated_data.pop("tags", None)
        return save_contact(Contact(**validated_data), tags=tags, user=self.user)

    def update(self, instance, validated_data):
        tags = validated_data.pop("tags", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return save_contact(instance, tags=tags, user=self.user)


class InteractionSerializer(StrictSerializer):
    logged_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "organisation",
            "contact",
            "kind",
            "direction",
            "occurred_at",
            "summary",
            "outcome",
            "logged_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        if not (attrs.get("organisation") or attrs.get("contact")):
            raise serializers.ValidationError({"organisation": ["Choose an organisation or a contact."]})
        return attrs

    def create(self, validated_data):
        validated_data.setdefault("occurred_at", timezone.now())
        validated_data.setdefault("kind", Interaction.Kind.CALL)
        return log_interaction(user=self.user, **validated_data)


class FollowUpSerializer(StrictSerializer):
    assignee = _user_field()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "title",
            "notes",
            "due_date",
            "assignee",
            "status",
            "overdue",
            "organisation",
            "contact",
            "pledge",
            "favour",
            "interaction",
            "created_by",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_at", "created_at", "updated_at"]

    def create(self, validated_data):
        validated_data.setdefault("assignee", self.user)
        return create_followup(user=self.user, **validated_data)

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return update_followup(instance, user=self.user)


class StrictInputSerializer(serializers.Serializer):
    """An action's input; unknown fields refused as on the resources."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class FollowUpCompleteSerializer(StrictInputSerializer):
    """Mark done; an outcome is also logged as a call or note, as on My follow-ups."""

    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=[("call", "Call"), ("note", "Note")], required=False, default="call")


class FollowUpSnoozeSerializer(StrictInputSerializer):
    until = serializers.DateField()


class FollowUpReassignSerializer(StrictInputSerializer):
    assignee = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all())


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "name", "date", "venue", "capacity", "sponsorship_target", "in_kind_target"]


class TierSerializer(serializers.ModelSerializer):
    benefits = serializers.ListField(child=serializers.CharField(), source="benefit_list", read_only=True)

    class Meta:
        model = SponsorshipTier
        fields = [
            "id",
            "event",
            "name",
            "price",
            "slots",
            "ticket_allocation",
            "stand",
            "logo",
            "speaking_slot",
            "other_benefits",
            "benefits",
        ]


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    from_stage = serializers.CharField(read_only=True, help_text="Empty for the stage the pledge was created in.")

    class Meta:
        model = PledgeStageChange
        fields = ["from_stage", "to_stage", "changed_by", "changed_at", "note"]
        read_only_fields = fields


def _registered_values(model, ids: list[int]) -> dict[str, dict]:
    """name → {id: value} for the fields other apps add to `model`'s representation (crm.registry)."""
    from crm.registry import api_fields

    return {name: provider(ids) for name, provider in api_fields(model._meta.label_lower).items()}


class RegisteredFieldsListSerializer(serializers.ListSerializer):
    """Reads the fields other apps add once for the whole page, not once per record."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.child._registered = _registered_values(self.child.Meta.model, [item.pk for item in items])
        return super().to_representation(items)


class RegisteredFieldsMixin:
    """Adds the fields other apps register for this model (e.g. the sponsor portal's state of a
    pledge), so the API shows them without importing those apps."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        values = getattr(self, "_registered", None)
        if values is None:
            values = _registered_values(self.Meta.model, [instance.pk])
        for name, by_id in values.items():
            data[name] = by_id.get(instance.pk)
        data.update(_annotated_values(self.Meta.model, instance))
        return data


#: Prefix of the annotations the API's querysets carry for crm.registry.register_api_annotation.
ANNOTATED = "registered_"


def _annotated_values(model, instance) -> dict:
    """The fields other apps compute in the record's query: read from the annotation the
    viewset's queryset added, or (a record just created) in one query of its own."""
    from crm.registry import api_annotations

    expressions = api_annotations(model._meta.label_lower)
    if not expressions:
        return {}
    if all(hasattr(instance, ANNOTATED + name) for name in expressions):
        return {name: getattr(instance, ANNOTATED + name) for name in expressions}
    row = model._default_manager.filter(pk=instance.pk).annotate(**expressions).values(*expressions).first() or {}
    return {name: row.get(name) for name in expressions}


class PledgeSerializer(RegisteredFieldsMixin, StrictSerializer):
    """A pledge; a new `stage` moves it as the board does (recorded, with a reason for losses)."""

    owner = _user_field()
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    weighted_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    stage_changes = StageChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Pledge
        fields = [
            "id",
            "organisation",
            "event",
            "tier",
            "amount",
            "weighted_amount",
            "stage",
            "stage_changed_at",
            "expected_date",
            "owner",
            "lost_reason",
            "notes",
            "pledged_at",
            "paid_at",
            "stage_changes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stage_changed_at", "pledged_at", "paid_at", "created_at", "updated_at"]
        list_serializer_class = RegisteredFieldsListSerializer

    def validate(self, attrs):
        tier, event = attrs.get("tier"), attrs.get("event") or getattr(self.instance, "event", None)
        if tier is not None and event is not None and tier.event_id != event.pk:
            raise serializers.ValidationError({"tier": ["This tier belongs to another event."]})
        if self.instance is None and attrs.get("amount") is None and tier is None:
            raise serializers.ValidationError({"amount": ["Give an amount or a tier."]})
        return attrs

    def create(self, validated_data):
        return create_pledge(user=self.user, **validated_data)

    @transaction.atomic
    def update(self, instance, validated_data):
        stage = validated_data.pop("stage", None)
        reason = validated_data.get("lost_reason", "")
        pledge = update_pledge(instance, user=self.user, **validated_data)
        if stage is not None and stage != pledge.stage:
            pledge = move_pledge(pledge, stage, user=self.user, reason=reason)
        return pledge


class PledgeMoveSerializer(StrictInputSerializer):
    """The board's move: a stage, a reason for declined or withdrawn, an optional note."""

    stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InKindSerializer(StrictSerializer):
    """New offers start as offered; a new `status` moves along offered → confirmed → delivered."""

    owner = _user_field()
    status = serializers.ChoiceField(choices=InKindContribution.Status.choices, required=False)

    class Meta:
        model = InKindContribution
        fields = [
            "id",
            "organisation",
            "event",
            "category",
            "description",
            "quantity",
            "estimated_value",
            "valuation_basis",
            "status",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data):
        validated_data.pop("status", None)
        return save_in_kind(InKindContribution(**validated_data), user=self.user)

    @transaction.atomic
    def update(self, instance, validated_data):
        status = validated_data.pop("status", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        item = save_in_kind(instance, user=self.user)
        if status is not None and status != item.status:
            item = set_in_kind_status(item, status, user=self.user)
        return item


class FavourSerializer(StrictSerializer):
    logged_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Favour
        fields = [
            "id",
            "organisation",
            "contact",
            "event",
            "direction",
            "description",
            "estimated_value",
            "status",
            "in_kind",
            "occurred_on",
            "logged_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data):
        return record_favour(user=self.user, **validated_data)

    def update(self, instance, validated_data):
        return update_favour(instance, user=self.user, **validated_data)
