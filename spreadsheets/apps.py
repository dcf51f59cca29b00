"""CSV and Excel in and out: the import wizard, its history and undo, and every list's export."""
from django.apps import AppConfig


class SpreadsheetsConfig(AppConfig):
    name = "spreadsheets"
    verbose_name = "Import and export"
