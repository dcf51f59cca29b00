"""The API asks for the same model permissions as the web pages, reads included."""

from rest_framework.permissions import DjangoModelPermissions


class RoleModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions that also requires view_* for GET/HEAD/OPTIONS.

    A viewset's extra actions name their own permissions in `action_permissions`
    (e.g. moving a pledge needs change_pledge, though it is a POST).
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        action_perms = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action_perms is not None:
            model = self._queryset(view).model
            kwargs = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
            return request.user.has_perms([perm % kwargs for perm in action_perms])
        return super().has_permission(request, view)
