"""Names for the type checker (mypy, configured in pyproject.toml); none changes what runs.

Every page but the sign-in page needs a signed-in user (LoginRequiredMiddleware), so a view's
request.user is a User, never AnonymousUser: a view may say so with `request: AuthenticatedHttpRequest`.

A view mixin here is always mixed into one of Django's generic form views, whose attributes it uses
(self.request, form_invalid(), get_context_data()). Under mypy the mixin derives from the generic
view's own mixin so that those are known; at run time it derives from object, so the classes' method
order is exactly what it was.
"""

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: "User"  # narrower than HttpRequest's User | AnonymousUser, on purpose


if TYPE_CHECKING:
    from django.views.generic.edit import FormMixin, ModelFormMixin

    class FormViewMixinBase(FormMixin):
        request: HttpRequest

    class ModelFormViewMixinBase(ModelFormMixin):
        request: HttpRequest
else:
    FormViewMixinBase = ModelFormViewMixinBase = object
