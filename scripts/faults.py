"""`make faults`: inject the faults of docs/reliability.md and refresh its table.

Runs tests/faults/ against a throwaway PostgreSQL (the worker-process faults need one), with
FAULTS_REPORT pointing at a scratch file each fault test appends its counts to, then rewrites
the table between the markers in docs/reliability.md. Faults not injected yet keep a row that
says so. Exits non-zero when a fault test fails (the table is still written, with what ran).
PGPORT_TEST and FAULTS_PGPORT_BASE choose the throwaway servers' ports on a shared machine.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- faults:begin -->", "<!-- faults:end -->"

#: Faults of issue 29 not injected yet: number -> (fault, what is still to do).
NOT_YET = {}


def table(rows: list[dict]) -> str:
    lines = [
        "| # | fault | what was done | affected | lost | duplicated | time to recover | backend |",
        "|---|---|---|---|---:|---:|---|---|",
    ]
    done = {row["number"] for row in rows}
    for number, (fault, note) in NOT_YET.items():
        if number not in done:
            rows.append(
                {
                    "number": number,
                    "fault": fault,
                    "done": note,
                    "affected": "",
                    "lost": "",
                    "duplicated": "",
                    "recovery": "",
                    "backend": "",
                }
            )
    for row in sorted(rows, key=lambda r: (r["number"], r["backend"])):
        cells = [row[k] for k in ("number", "fault", "done", "affected", "lost", "duplicated", "recovery", "backend")]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


#: The throwaway PostgreSQL servers' ports: BASE+0 and +1 for the load-test faults, +9 and +10 for the
#: backup's source and target (FAULTS_PGPORT_BASE moves them off ports someone else uses).
PGPORT_BASE = int(os.environ.get("FAULTS_PGPORT_BASE") or 54350)

#: Faults injected under the load test (bench/loadtest.py --fault), each on its own throwaway PostgreSQL.
LOAD_FAULTS = ["postgres-outage", "sigterm"]
LOAD_ARGS = [
    "--users",
    "12",
    "--duration",
    "35",
    "--think",
    "0.2",
    "--scale",
    "tiny",
    "--workers",
    "2",
    "--threads",
    "4",
    "--no-report",
]


def load_fault_row(name: str, outcome: dict) -> dict:
    if name == "postgres-outage":
        return {
            "number": 1,
            "fault": "PostgreSQL stopped for 10 s under the load test, then started",
            "done": f"pg_ctl stop -m immediate 10 s into {outcome['users']} simulated users, started "
            f"{outcome['outage_s']} s later",
            "affected": f"{outcome['during_fault']} requests during the outage: {outcome['served_503']} got the 503 page, "
            f"{outcome['server_errors']} a 500, {outcome['exceptions'] - outcome.get('streams_cut', 0)} no answer, "
            f"{outcome.get('streams_cut', 0)} CSV export cut mid-stream",
            "lost": outcome["lost_writes"],
            "duplicated": outcome["duplicated_writes"],
            "recovery": f"first success {outcome['recovered_in_s']} s after the restart; "
            f"{outcome['failed_after_recovery']} failures after 5 s",
            "backend": "PostgreSQL, gunicorn gthread",
        }
    return {
        "number": 8,
        "fault": "gunicorn sent SIGTERM under load",
        "done": f"SIGTERM to the master 10 s into {outcome['users']} simulated users; a new gunicorn started "
        "when it had exited",
        "affected": f"{outcome['in_flight_at_sigterm']} requests in flight ({outcome['in_flight_cut']} cut off); "
        f"{outcome['refused_while_restarting']} refused in the {outcome['restart_gap_s']} s with no server",
        "lost": outcome["lost_writes"],
        "duplicated": outcome["duplicated_writes"],
        "recovery": f"first success {outcome['recovered_in_s']} s after the new server answered",
        "backend": "PostgreSQL, gunicorn gthread",
    }


def run_load_faults(rows: list[dict]) -> int:
    failed = 0
    for number, name in enumerate(LOAD_FAULTS):
        port = str(8140 + number)
        command = [
            str(ROOT / "scripts" / "with-postgres.sh"),
            sys.executable,
            "bench/loadtest.py",
            "--fault",
            name,
            "--port",
            port,
            *LOAD_ARGS,
        ]
        print("injecting:", " ".join(command[1:]), flush=True)
        # PostgreSQL's own durability settings: the tests' fsync=off and synchronous_commit=off would
        # lose acknowledged commits when the server stops as in a crash (seen: 3 of them).
        env = {**os.environ, "PGPORT_TEST": str(PGPORT_BASE + number), "PG_DURABLE": "1"}
        with open(f"/tmp/crm-fault-{name}.log", "w") as log:  # the load test's own output, tracebacks of 503s included
            result = subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=log, stderr=subprocess.STDOUT)
        out = ROOT / "bench" / "results" / "postgres" / f"loadtest-{name}.json"
        if result.returncode or not out.exists():
            failed += 1
        if out.exists():
            rows.append(load_fault_row(name, json.loads(out.read_text())))
    return failed


def run_backup_fault(rows: list[dict]) -> int:
    """Fault 9 (scripts/fault_backup.py) at FAULTS_BACKUP_SCALE (medium; large takes a quarter of an hour
    and is recorded apart: scripts/fault_backup.py --scale large --record)."""
    scale = os.environ.get("FAULTS_BACKUP_SCALE", "medium")
    command = [
        str(ROOT / "scripts" / "with-postgres.sh"),
        sys.executable,
        "scripts/fault_backup.py",
        "--scale",
        scale,
        "--target-port",
        str(PGPORT_BASE + 10),
    ]
    print("injecting:", " ".join(command[1:]), flush=True)
    with open("/tmp/crm-fault-backup.log", "w") as log:
        result = subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, "PGPORT_TEST": str(PGPORT_BASE + 9)},
            check=False,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    out = (
        ROOT
        / "bench"
        / "results"
        / "postgres"
        / ("fault-backup.json" if scale == "medium" else f"fault-backup-{scale}.json")
    )
    if out.exists():
        o = json.loads(out.read_text())
        rows.append(
            {
                "number": 9,
                "fault": "Backup with its media files restored onto a fresh PostgreSQL",
                "done": f"generate_data --scale {o['scale']} plus {o['files']} attachments "
                f"({o['file_bytes'] / 2**20:.1f} MB); manage.py backup; a new server; manage.py restore",
                "affected": f"{o['rows']:,} rows in {o['tables']} tables, {o['files']} files",
                "lost": len(o["tables_differing"]) + len(o["files_differing"]),
                "duplicated": 0,
                "recovery": f"backup {o['backup_s']} s ({o['backup_bytes'] / 2**20:.1f} MB), restore {o['restore_s']} s; "
                f"every table's count and checksum and every file's SHA-256 equal: {'yes' if o['passed'] else 'NO'}",
                "backend": "PostgreSQL",
            }
        )
    return 1 if result.returncode or not out.exists() else 0


def main() -> int:
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as scratch:
        report = scratch.name
    env = {**os.environ, "FAULTS_REPORT": report}
    command = [
        str(ROOT / "scripts" / "with-postgres.sh"),
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:randomly",
        "--durations=0",  # each fault test's run time, in the output of make faults
        "tests/faults",
        *sys.argv[1:],
    ]
    print("injecting:", " ".join(command[1:]), flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    rows = [json.loads(line) for line in Path(report).read_text().splitlines() if line.strip()]
    os.unlink(report)
    load_failures = run_load_faults(rows) + run_backup_fault(rows)
    for row in rows:
        print(
            f"fault {row['number']} ({row['backend']}): {row['done']} -> lost={row['lost']} "
            f"duplicated={row['duplicated']} recovery={row['recovery']}"
        )
    text = DOC.read_text()
    stamp = f"Refreshed by `make faults` on {datetime.date.today():%d %B %Y}."
    text = text[: text.index(BEGIN) + len(BEGIN)] + f"\n{stamp}\n\n{table(rows)}\n" + text[text.index(END) :]
    DOC.write_text(text)
    print(f"wrote {DOC.relative_to(ROOT)}")
    return result.returncode or load_failures


if __name__ == "__main__":
    sys.exit(main())
