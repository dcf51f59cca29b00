"""Errors the services raise, answered as JSON naming the fields (never a 500)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback


def validation_detail(error: DjangoValidationError):
    """A model ValidationError as {field: [messages]}, "__all__" as non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if key == "__all__" else key): messages for key, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        return Response(
            {"detail": "Other records (pledges or in-kind offers) still point at this one; remove those first."},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, OperationalError) and "locked" in str(exc):
        # SQLite refuses a second writer while another's transaction is open (at once, for an
        # in-memory or shared-cache database); nothing was written, and the request can be retried.
        set_rollback()
        return Response(
            {"detail": "Another change to the same records is being saved; try again in a moment."},
            status=status.HTTP_409_CONFLICT,
            headers={"Retry-After": "1"},
        )
    return drf_exception_handler(exc, context)
