"""Subject access, erasure, retention and verified backups of the whole database."""
from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Data protection"
