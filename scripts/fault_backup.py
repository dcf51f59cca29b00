"""Fault 9 of docs/reliability.md: a backup of a generated dataset with its media files, restored
onto a fresh PostgreSQL; every table's count and checksum and every file's SHA-256 compared.

    scripts/with-postgres.sh .venv/bin/python scripts/fault_backup.py [--scale medium|large] [--record]

The source is the server scripts/with-postgres.sh started (DATABASE_URL); the target is a second
throwaway server this script starts and removes. Writes bench/results/postgres/fault-backup.json
(medium: the row `make faults` refreshes) or fault-backup-<scale>.json, and exits 1 when anything
differs. `--record` also writes the figures into docs/reliability.md between the backup-large
markers, with when and how they were measured (make faults leaves that paragraph alone);
`--record-from FILE` does only that, from a run's JSON.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
STATE = "import json; from privacy.backup import table_state; print('STATE', json.dumps(table_state(), sort_keys=True))"


def manage(*args: str, env: dict, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return result.stdout or ""


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def start_server(folder: Path, port: int) -> str:
    pgbin = os.environ["PGBIN_TEST"]
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(
        as_postgres([f"{pgbin}/initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        as_postgres(
            [f"{pgbin}/pg_ctl", "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "start", "-o", options]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        as_postgres([f"{pgbin}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "crm"]), check=True
    )
    return f"postgres://postgres@127.0.0.1:{port}/crm"


def stop_server(folder: Path) -> None:
    subprocess.run(
        as_postgres([f"{os.environ['PGBIN_TEST']}/pg_ctl", "-D", str(folder / "data"), "-m", "fast", "stop"]),
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def state_of(env: dict) -> dict:
    """privacy.backup.table_state() of the database `env` points at."""
    lines = manage("shell", "-c", STATE, env=env, capture=True).splitlines()
    return json.loads(next(line for line in lines if line.startswith("STATE ")).removeprefix("STATE "))


def files_of(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- backup-large:begin -->", "<!-- backup-large:end -->"


def record_in_docs(o: dict) -> None:
    """The run's figures as a one-row table in docs/reliability.md, saying when and with what command."""
    mb = 2**20
    same = "equal" if o["passed"] else "NOT equal"
    row = [
        "9",
        f"Backup at the {o['scale']} scale restored onto a fresh PostgreSQL",
        (
            f"generate_data --scale {o['scale']} ({o['generate_s']} s) plus {o['files']} attachments "
            f"({o['file_bytes'] / mb:.1f} MB); manage.py backup; a new server; manage.py restore"
        ),
        f"{o['rows']:,} rows in {o['tables']} tables, {o['files']} files",
        str(len(o["tables_differing"]) + len(o["files_differing"])),
        "0",
        (
            f"backup {o['backup_s']} s ({o['backup_bytes'] / mb:.1f} MB), restore {o['restore_s']} s; every table's "
            f"count and checksum and every file's SHA-256 {same}"
        ),
        "PostgreSQL",
    ]
    text = DOC.read_text()
    block = (
        f"\nMeasured once, starting {o['measured_at']}, with `{o['command']}`"
        + (f" (load average {o['load']})" if o.get("load") else "")
        + ". `make faults` does not refresh it.\n\n"
        "| # | fault | what was done | affected | lost | duplicated | time to recover | backend |\n"
        "|---|---|---|---|---:|---:|---|---|\n"
        "| " + " | ".join(cell.replace("|", "/") for cell in row) + " |\n"
    )
    DOC.write_text(text[: text.index(BEGIN) + len(BEGIN)] + block + text[text.index(END) :])


def result_file(scale: str) -> Path:
    """Where a run's outcome goes: medium (make faults' row) and large (recorded apart) side by side."""
    name = "fault-backup.json" if scale == "medium" else f"fault-backup-{scale}.json"
    return ROOT / "bench" / "results" / "postgres" / name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--files", type=int, default=300, help="media files (email attachments) to add")
    parser.add_argument("--target-port", type=int, default=54360)
    parser.add_argument("--record", action="store_true", help="write the figures into docs/reliability.md")
    parser.add_argument("--record-from", type=Path, help="only write a run's JSON into docs/reliability.md")
    args = parser.parse_args()
    if args.record_from:
        record_in_docs(json.loads(args.record_from.read_text()))
        return 0

    measured_at = datetime.datetime.now(datetime.UTC)
    work = Path(tempfile.mkdtemp(prefix="crm-fault-backup-"))
    os.chmod(work, 0o755)
    source_media, target_media = work / "media-source", work / "media-target"
    source = {**os.environ, "MEDIA_ROOT": str(source_media)}
    target_folder = work / "target"
    target_folder.mkdir()
    try:
        port = urlsplit(os.environ["DATABASE_URL"]).port
        subprocess.run(
            as_postgres(
                [f"{os.environ['PGBIN_TEST']}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "crm"]
            ),
            check=False,
            stderr=subprocess.DEVNULL,
        )
        manage("migrate", "--noinput", env=source)
        started = time.monotonic()
        manage("generate_data", "--scale", args.scale, env=source)
        generated_s = time.monotonic() - started
        for i in range(args.files):  # attachments of every size, as email brings them
            path = source_media / "mail" / str(i // 50) / f"attachment-{i}.bin"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(1024 * (1 + i % 64)))
        backup_file = work / "backup.json.gz"
        started = time.monotonic()
        manage("backup", "-o", str(backup_file), env=source)
        backup_s = time.monotonic() - started

        target = {
            **os.environ,
            "DATABASE_URL": start_server(target_folder, args.target_port),
            "MEDIA_ROOT": str(target_media),
        }
        manage("migrate", "--noinput", env=target)
        started = time.monotonic()
        manage("restore", str(backup_file), "--yes", env=target)
        restore_s = time.monotonic() - started

        before, after = (state_of(source), state_of(target))
        files_before, files_after = files_of(source_media), files_of(target_media)
        differing = sorted(label for label in before if before[label] != after.get(label))
        outcome = {
            "scale": args.scale,
            "measured_at": f"{measured_at:%Y-%m-%d %H:%M} UTC",
            "command": "scripts/with-postgres.sh .venv/bin/python scripts/fault_backup.py --scale " + args.scale,
            "tables": len(before),
            "rows": sum(t["rows"] for t in before.values()),
            "files": len(files_before),
            "file_bytes": sum(p.stat().st_size for p in source_media.rglob("*") if p.is_file()),
            "backup_bytes": backup_file.stat().st_size,
            "tables_differing": differing,
            "files_differing": sorted(set(files_before.items()) ^ set(files_after.items()))[:10],
            "generate_s": round(generated_s, 1),
            "backup_s": round(backup_s, 1),
            "restore_s": round(restore_s, 1),
            "load": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        }
        outcome["passed"] = not differing and files_before == files_after
    finally:
        stop_server(target_folder)
        shutil.rmtree(work, ignore_errors=True)
    out = result_file(args.scale)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(outcome, indent=2) + "\n")
    print(json.dumps(outcome, indent=2))
    if args.record:
        record_in_docs(outcome)
    return 0 if outcome["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
