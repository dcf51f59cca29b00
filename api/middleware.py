"""Two-factor sign-in: after the password, users with a device confirm a code; roles
named in OTP_REQUIRED_FOR_ROLES must enrol first. API bearer tokens are not affected
(DRF authenticates them inside the view; here the request is still anonymous)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from api.services import TWO_FACTOR_SESSION_KEY, two_factor_state

#: Paths reachable before the second factor (sign-out, the two-factor pages, static files).
ALWAYS_ALLOWED = ("logout", "api:otp_verify", "api:otp_setup")


def remember_state(sender, request, user, **kwargs):
    """user_logged_in: work out once per sign-in whether a second factor is due (2 queries),
    so pages cost nothing extra afterwards."""
    if request is not None and hasattr(request, "session"):
        request.session[TWO_FACTOR_SESSION_KEY] = two_factor_state(user)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        state = request.session.get(TWO_FACTOR_SESSION_KEY)
        if state is None:  # signed in before this check existed
            state = request.session[TWO_FACTOR_SESSION_KEY] = two_factor_state(user)
        if state not in ("verify", "enrol") or request.path.startswith(settings.STATIC_URL):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALWAYS_ALLOWED:
            return None
        name = "api:otp_verify" if state == "verify" else "api:otp_setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
