"""Shared helpers for the benchmark scripts in bench/ (run from the project root)."""

import contextlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(db_path=None):
    """Point Django at a SQLite file (or keep a postgres DATABASE_URL), set it up and migrate quietly."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) and db_path:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(db_path).resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning)  # import-export whitelist chatter
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def percentile(values, pct):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def timed(fn, repeat=5, warmup=0):
    """Run fn `warmup` + `repeat` times; seconds as median, p95, min, max and every sample."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return {
        "median": statistics.median(samples),
        "p95": percentile(samples, 95),
        "min": min(samples),
        "max": max(samples),
        "samples": samples,
    }


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine_description():
    """What the numbers were measured on; call after setup_django for the database details."""
    info = {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_gb": _ram_gb(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        import django
        from django.db import connection

        info["django"] = django.get_version()
        info["db_engine"] = connection.vendor
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("select sqlite_version()")
            else:
                cursor.execute("select version()")
            info["db_version"] = cursor.fetchone()[0]
    except Exception as exc:  # Django not set up yet: the machine alone is still useful
        info["db_engine"] = f"unknown ({exc.__class__.__name__})"
    with contextlib.suppress(OSError):
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return info


def machine_line(info=None):
    info = info or machine_description()
    return (
        f"{info['cpus']} × {info['cpu_model']}, {info.get('ram_gb')} GB RAM, Python {info['python']}, "
        f"Django {info.get('django', '?')}, {info.get('db_engine')} {info.get('db_version', '')}".strip()
    )


def write_json(name, data):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path
