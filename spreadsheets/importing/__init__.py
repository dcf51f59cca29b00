"""CSV/XLSX import: read a file, map its columns, dry-run, commit atomically, undo.

Public API used by the web wizard (crm/views) and the management commands:
read_table → auto_map → plan_import → commit_import; undo_import.
"""

from .engine import MODE_LABELS, MODES, Plan, commit_import, look_alikes, plan_import
from .mapping import TARGETS, Field, auto_map, parse_map_options, target_fields
from .reading import ALLOWED_EXTENSIONS, ImportRejected, Table, read_table
from .undo import ImportUndoRefused, undo_import

__all__ = [
    "ALLOWED_EXTENSIONS",
    "MODES",
    "MODE_LABELS",
    "TARGETS",
    "Field",
    "ImportRejected",
    "ImportUndoRefused",
    "Plan",
    "Table",
    "auto_map",
    "commit_import",
    "look_alikes",
    "parse_map_options",
    "plan_import",
    "read_table",
    "target_fields",
    "undo_import",
]
