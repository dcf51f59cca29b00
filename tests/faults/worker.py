"""The real task worker as a separate process, so a test can SIGKILL it mid-task.

It reads the test database: on PostgreSQL a test marked `django_db(transaction=True)` commits
what it writes, and the worker connects to the same test database. SQLite's test database is
in memory, out of another process's reach: tests/faults/conftest.py deselects these tests there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """`manage.py db_worker` (or `rqworker`) with the test's database, mail server and settings."""

    def __init__(self, *, env: dict[str, str] | None = None, command: list[str] | None = None):
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "crm.settings",
            **(env or {}),
        }
        self.command = command or ["db_worker", "--no-reload", "--interval", "0.05", "--no-startup-delay"]
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", *self.command],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # a pipe nobody reads would fill up, and is left unclosed
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def run_python(self, code: str) -> str:
        """Run `code` in a Django process with the worker's settings (queue a task on its backend);
        what it printed."""
        return subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout

    def kill(self) -> None:
        """SIGKILL to the worker and every process under it (RQ's work horse runs in a session of
        its own): no clean-up, no finally blocks, the way a machine losing power stops it."""
        if self.process and self.process.poll() is None:
            for pid in [self.process.pid, *descendants(self.process.pid)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


#: The worker of each task backend, as docs/deploy.md runs it: db_worker (WorkerProcess's default) or RQ's.
RQ_WORKER = ["rqworker", "default", "--with-scheduler", "--job-class", "django_tasks_rq.Job"]
BACKEND_LABEL = {"database": "database worker", "rq": "RQ worker + Redis"}


def worker_command(backend: str) -> list[str] | None:
    return RQ_WORKER if backend == "rq" else None


@contextlib.contextmanager
def task_backend(backend: str):
    """The environment of a worker (and of the web process queueing for it) on `backend`: the
    database worker, or RQ with a throwaway Redis that lives as long as the block."""
    from tests.faults.redis import redis_server

    with contextlib.ExitStack() as stack:
        env = {"TASKS_BACKEND": backend}
        if backend == "rq":
            env["REDIS_URL"] = stack.enter_context(redis_server())
        yield env


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
