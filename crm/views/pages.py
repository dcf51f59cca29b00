"""The home page: the pipeline dashboard is where every role starts."""

from django.conf import settings
from django.shortcuts import redirect


def home(request):
    return redirect(settings.HOME_URL_NAME)
