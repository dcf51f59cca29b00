"""The home page: the pipeline dashboard is where every role starts."""
from django.shortcuts import redirect


def home(request):
    return redirect("crm:dashboard")
