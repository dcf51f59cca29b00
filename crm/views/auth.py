"""The sign-in lock-out page django-axes shows after too many failed attempts."""

from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render

LOCKED_OUT_MESSAGE = "Too many failed sign-in attempts. Try again in 15 minutes."


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the usual sign-in page with the lock-out message, status 429.

    Shown on the login page itself so the person sees why signing in stopped working
    and when to try again; the form stays so they can retry after the cool-off.
    """
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_out": True,
        "locked_out_message": LOCKED_OUT_MESSAGE,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def client_ip(request):
    """AXES_CLIENT_IP_CALLABLE: the address a sign-in came from.

    Behind nginx (BEHIND_PROXY=1) every request arrives from 127.0.0.1, so the lock-out
    would be per username only; nginx appends the real address as the last entry of
    X-Forwarded-For (earlier entries are the client's own claims and are not trusted).
    """
    from django.conf import settings

    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")
