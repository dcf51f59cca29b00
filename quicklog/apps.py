"""The quick log: a call, email, meeting, note or favour with its follow-up, in seconds."""
from django.apps import AppConfig


class QuicklogConfig(AppConfig):
    name = "quicklog"
    verbose_name = "Quick log"
