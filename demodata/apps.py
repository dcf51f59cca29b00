"""Demo data for a first look and synthetic data at scale for benchmarks."""

from django.apps import AppConfig


class DemodataConfig(AppConfig):
    name = "demodata"
    verbose_name = "Demo and synthetic data"
