"""Background work (django-tasks): webhook deliveries run in the task worker, not the request."""

from django_tasks import task

from api import services


@task()
def deliver_webhook(delivery_id: int) -> str:
    delivery = services.attempt_delivery(delivery_id)
    return delivery.status if delivery is not None else "missing"
