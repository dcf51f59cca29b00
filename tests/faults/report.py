"""What each injected fault did, for docs/reliability.md.

A fault test calls `record(...)` with what it injected and what it counted. With
FAULTS_REPORT set (scripts/faults.py sets it), each row is appended to that file as a JSON
line; scripts/faults.py then writes the table. In the ordinary test run it is a no-op.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass


@dataclass
class Row:
    number: int  # the fault's number in docs/reliability.md
    fault: str
    done: str  # what was done
    affected: str  # requests or messages affected
    lost: int
    duplicated: int
    recovery: str  # time to recover
    backend: str = ""  # task backend or database, where it matters


def record(row: Row) -> None:
    path = os.environ.get("FAULTS_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(row)) + "\n")
