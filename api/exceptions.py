"""Errors the services raise, answered as JSON naming the fields (never a 500)."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def validation_detail(error: DjangoValidationError):
    """A model ValidationError as {field: [messages]}, "__all__" as non_field_errors."""
    if hasattr(error, "error_dict"):
        return {("non_field_errors" if key == "__all__" else key): messages
                for key, messages in error.message_dict.items()}
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
    return drf_exception_handler(exc, context)
