"""Production settings pass Django's deployment checks; local defaults stay usable."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    full_env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="crm.example.org",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_gunicorn_workers_would_each_count_rate_limits_alone():
    production = {"HTTPS": "1", "SECRET_KEY": secrets.token_urlsafe(60), "ALLOWED_HOSTS": "crm.example.org"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode != 0 and "crm.W010" in result.stdout + result.stderr


def test_rate_limits_count_across_processes_with_a_file_cache(tmp_path):
    """Two processes (as two gunicorn workers) share one count: the third request is over a limit of 2."""
    count = "from crm.ratelimit import hit; print(hit('t', '203.0.113.9', limit=2, window=10**9))"  # one window: no edge mid-test
    env = {"CACHE_URL": f"file://{tmp_path}"}
    waits = [run_manage("shell", "-c", count, **env).stdout.strip().splitlines()[-1] for _ in range(3)]
    assert waits[:2] == ["0", "0"] and int(waits[2]) > 0


def test_a_cache_url_of_an_unknown_kind_is_refused_with_the_kinds_it_takes():
    result = run_manage("check", CACHE_URL="memcached://127.0.0.1")
    assert result.returncode != 0 and "CACHE_URL must start with redis://" in result.stderr


def test_check_deploy_flags_a_local_setup_without_https():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(60))
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stdout + result.stderr


def test_database_url_switches_to_postgresql():
    result = run_manage(
        "shell",
        "-c",
        "from django.db import connection; print(connection.vendor)",
        DATABASE_URL="postgres://u:p@127.0.0.1:1/x",
    )
    assert result.stdout.strip().endswith("postgresql"), result.stderr


def test_sqlite_default_uses_wal_and_immediate_transactions(settings):
    from django.conf import settings as live

    options = live.SQLITE_OPTIONS
    assert options["transaction_mode"] == "IMMEDIATE" and "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 5


def test_rq_gives_a_long_job_an_hour_not_rqs_three_minutes():
    """A 100,000-row import on RQ outlived RQ's 180 s default job timeout on a busy server (fault 3)."""
    show = "import django_rq; print(django_rq.get_queue('default')._default_timeout)"
    assert run_manage("shell", "-c", show, TASKS_BACKEND="rq").stdout.strip().splitlines()[-1] == "3600"
    assert (
        run_manage("shell", "-c", show, TASKS_BACKEND="rq", RQ_JOB_TIMEOUT="600").stdout.strip().splitlines()[-1]
        == "600"
    )
