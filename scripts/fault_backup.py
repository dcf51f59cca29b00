"""Fault 9 of docs/reliability.md: a backup of a generated dataset with its media files, restored
onto a fresh PostgreSQL; every table's count and checksum and every file's SHA-256 compared.

    scripts/with-postgres.sh .venv/bin/python scripts/fault_backup.py [--scale medium|large]

The source is the server scripts/with-postgres.sh started (DATABASE_URL); the target is a second
throwaway server this script starts and removes. Writes bench/results/postgres/fault-backup.json
and exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--files", type=int, default=300, help="media files (email attachments) to add")
    parser.add_argument("--target-port", type=int, default=54360)
    args = parser.parse_args()

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
        }
        outcome["passed"] = not differing and files_before == files_after
    finally:
        stop_server(target_folder)
        shutil.rmtree(work, ignore_errors=True)
    out = ROOT / "bench" / "results" / "postgres" / "fault-backup.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(outcome, indent=2) + "\n")
    print(json.dumps(outcome, indent=2))
    return 0 if outcome["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
