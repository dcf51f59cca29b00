"""Webhook events fire from the models' own signals, so every path (web, API, admin,
imports, commands) is covered without the core or domain apps knowing about webhooks.

Events are dispatched once the transaction commits: a rolled-back write tells no one.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from api.models import Event


def _dispatch(event, serializer_class, instance):
    from api import services

    services.dispatch_event(event, lambda: serializer_class(instance).data)


def _later(event, serializer_class, instance):
    transaction.on_commit(partial(_dispatch, event, serializer_class, instance))


def stage_changed(sender, instance, created, raw=False, **kwargs):
    """A pledge moved (its first stage, on creation, is not a change; a pledge created as
    paid is still news for pledge.paid)."""
    from api.serializers import PledgeSerializer
    from sponsors.models import Stage

    if raw or not created or not (instance.from_stage or instance.to_stage == Stage.PAID):
        return

    def data():
        from sponsors.models import Pledge

        pledge = Pledge.objects.select_related("owner").get(pk=instance.pledge_id)
        pledge_data = PledgeSerializer(pledge).data
        pledge_data.pop("stage_changes", None)
        change = {
            "from_stage": instance.from_stage,
            "to_stage": instance.to_stage,
            "changed_by": getattr(instance.changed_by, "username", None),
            "changed_at": instance.changed_at,
        }
        return {"pledge": pledge_data, "change": change}

    def fire():
        from api import services

        if instance.from_stage:
            services.dispatch_event(Event.PLEDGE_STAGE_CHANGED, data)
        if instance.to_stage == Stage.PAID:
            services.dispatch_event(Event.PLEDGE_PAID, data)

    transaction.on_commit(fire)


def interaction_saved(sender, instance, created, raw=False, **kwargs):
    from api.serializers import InteractionSerializer

    if created and not raw:
        _later(Event.INTERACTION_LOGGED, InteractionSerializer, instance)


def contact_saved(sender, instance, created, raw=False, **kwargs):
    from api.serializers import ContactSerializer

    if not raw:
        _later(Event.CONTACT_CREATED if created else Event.CONTACT_CHANGED, ContactSerializer, instance)


def connect():
    from crm.models import Contact, Interaction
    from sponsors.models import PledgeStageChange

    post_save.connect(stage_changed, sender=PledgeStageChange, dispatch_uid="api.webhooks.stage_changed")
    post_save.connect(interaction_saved, sender=Interaction, dispatch_uid="api.webhooks.interaction")
    post_save.connect(contact_saved, sender=Contact, dispatch_uid="api.webhooks.contact")
