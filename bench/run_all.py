"""Run every benchmark and rewrite bench/RESULTS.md (`make bench`, `make bench DB=postgres`).

    .venv/bin/python bench/run_all.py [--runs N] [--only pages,search,...] [--report-only]

Steps, in this order: import, floor, export, pages, dashboard, search, api, renewals, invoicing,
mail, spreadsheets, public, portal, duplicates. bench_pages.py builds (or reuses) the scale's data
and bench_dashboard.py, bench_search.py, bench_api.py and bench_renewals.py measure that same database
(/tmp/crm-bench-<scale>.sqlite3, or bench_pages_<scale> on PostgreSQL) rather than generating it
again; bench_invoicing.py, bench_mail.py, bench_spreadsheets.py, bench_public.py, bench_portal.py and
bench_duplicates.py fill databases of their own (a bench_<step> database on PostgreSQL).

The database comes from DATABASE_URL: a postgres:// URL (scripts/with-postgres.sh sets one) gives the
"postgres" section, anything else the "sqlite" section. Each benchmark runs as a subprocess with its own
CLI flags; its JSON is moved to bench/results/<db>/ (one file per run, then a merged file of medians),
and RESULTS.md is rebuilt from every bench/results/<db>/summary.json, so a PostgreSQL run never erases
the SQLite figures (and vice versa). BENCH_QUICK=1 uses small sizes for a smoke run; BENCH_RUNS=N sets
how many times the import and export benchmarks are repeated (the page benchmarks repeat internally).

Ratios are value ÷ baseline: below 1 means faster (or smaller) than the baseline.
"""

import argparse
import csv
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine_line  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
DATABASES = ("sqlite", "postgres")
PAGE_BUDGET_MS = 300  # issue 6: the load test's latency budget
# Issue 16: every page at the large dataset under 100 ms median and 150 ms p95 server time.
PAGE_MEDIAN_BUDGET_MS = 100
PAGE_P95_BUDGET_MS = 150
EXPORT_BUDGET_MB = 200
# The targets the other issues set (their scripts' docstrings): a one-word search; the invoice PDF and
# list at 50,000 invoices; the API's contact list at large; importing, fetching and showing email.
SEARCH_TARGET_MS = 50
INVOICE_PDF_TARGET_MS = 500
INVOICE_LIST_TARGET_MS = 150
API_CONTACTS_TARGET_MS = 80
MAIL_IMPORT_TARGET_S = 30
MAIL_FETCH_TARGET_S = 30
MAIL_PAGE_TARGET_MS = 150
STEPS = (
    "import",
    "floor",
    "export",
    "pages",
    "dashboard",
    "search",
    "api",
    "renewals",
    "invoicing",
    "mail",
    "spreadsheets",
    "public",
    "portal",
    "duplicates",
)
# Issue 28: the Renewals tab at the large dataset (three past events) and planning the next event.
RENEWALS_TAB_TARGET_MS = 100
RENEWALS_PLAN_TARGET_S = 5
# Issue 27: find_duplicates over 100,000 contacts, /duplicates/, a merge of 5,000 interactions and its undo.
DUPLICATES_FIND_TARGET_S = 10
DUPLICATES_PAGE_TARGET_MS = 100
DUPLICATES_MERGE_TARGET_S = 1
# Issue 25: a signed sponsor's portal page (constant queries) and a 5 MB logo checked and stored.
PORTAL_PAGE_TARGET_MS = 50
PORTAL_LOGO_TARGET_MS = 1000
# Issue 26: the public sponsor wall at 200 sponsors, an application's POST, the prospectus PDF.
PUBLIC_TARGETS_MS = {"wall_json": 20, "wall_html": 20, "application_post": 200, "prospectus_pdf": 1000}


# --------------------------------------------------------------------------- configuration


def db_kind(url=None):
    url = os.environ.get("DATABASE_URL", "") if url is None else url
    return "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def sizes(quick):
    if quick:
        return {
            "rows": 2_000,
            "orgs": 200,
            "import_baseline_rows": 500,
            "export_baseline_rows": 500,
            "scale": "small",
            "repeat": 3,
            "invoices": 1_000,
            "mail_messages": 500,
            "mail_fetch": 100,
            "mail_page_emails": 200,
            "sheet_rows": 3_000,
            "sheet_jobs": 100,
        }
    return {
        "rows": 100_000,
        "orgs": 5_000,
        "import_baseline_rows": 10_000,
        "export_baseline_rows": 10_000,
        "scale": "large",
        "repeat": 15,
        "invoices": 50_000,
        "mail_messages": 10_000,
        "mail_fetch": 1_000,
        "mail_page_emails": 5_000,
        "sheet_rows": 20_000,
        "sheet_jobs": 1_000,
    }


def parse_steps(text):
    """The --only list as step names in run order; unknown names are an error that lists the known ones."""
    wanted = [s.strip() for s in (text or "").split(",") if s.strip()]
    unknown = [s for s in wanted if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    if not wanted:
        raise ValueError(f"no step given; choose from {', '.join(STEPS)}")
    return [s for s in STEPS if s in wanted]


# --------------------------------------------------------------------------- subprocesses


def run_child(args, env=None, label=""):
    """Run a benchmark script; return (exit code, peak RSS in MB of that process alone, seconds)."""
    cmd = [sys.executable, *map(str, args)]
    print(f"\n$ {' '.join(cmd)}", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env or os.environ.copy())
    _, status, usage = os.wait4(proc.pid, 0)  # per-child rusage: the peak RSS of this benchmark only
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode:
        print(f"!! {label or args[0]} exited with {proc.returncode}", flush=True)
    return proc.returncode, round(usage.ru_maxrss / 1024, 1), round(elapsed, 1)


def script_supports(script, flag):
    out = subprocess.run([sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True, check=False)
    return flag in out.stdout


def take_json(name, dest):
    """Move bench/results/<name>.json (where the scripts write) to dest; return its data or None."""
    src = RESULTS_DIR / f"{name}.json"
    if not src.exists():
        return None
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(src, dest)
    return json.loads(dest.read_text())


# --------------------------------------------------------------------------- PostgreSQL databases


def pg_database_url(base_url, name):
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def pg_fresh_database(base_url, name):
    """Drop and create database `name` on the server of base_url; return its URL."""
    import psycopg

    admin = pg_database_url(base_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_database_url(base_url, name)


def pg_ensure_database(base_url, name):
    """Create database `name` on the server of base_url unless it exists (its data is kept); return its URL."""
    import psycopg

    admin = pg_database_url(base_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return pg_database_url(base_url, name)


# --------------------------------------------------------------------------- the sqlite3 executemany floor


def migrated_sqlite_template(workdir):
    path = Path(workdir) / "template.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    return path


def _filler(column_type):
    kind = (column_type or "").lower()
    if "char" in kind or "text" in kind:
        return ""
    if "datetime" in kind:
        return dt.datetime.now(dt.UTC).isoformat(sep=" ")
    if "date" in kind:
        return dt.date.today().isoformat()
    if "decimal" in kind or "real" in kind:
        return 0
    return 0  # integer, bool


def _row_template(conn, table, given):
    """Columns of `table` that are NOT NULL and not given, filled with a neutral value (Django sets no DB defaults)."""
    columns = conn.execute(f'PRAGMA table_info("{table}")').fetchall()  # cid, name, type, notnull, default, pk
    fill = {
        name: _filler(ctype)
        for _, name, ctype, notnull, default, pk in columns
        if notnull and not pk and name not in given and default is None
    }
    return list(given) + list(fill), list(fill.values())


def sqlite_floor(data, template, workdir):
    """Parse the same CSV and insert its organisations and contacts with raw sqlite3.executemany."""
    path = Path(workdir) / "floor.sqlite3"
    shutil.copy(template, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    next(reader)
    rows = list(reader)
    conn.execute("BEGIN IMMEDIATE")
    names = sorted({row[3] for row in rows})
    org_cols, org_fill = _row_template(conn, "crm_organisation", ["name", "name_key"])
    conn.executemany(
        f"INSERT INTO crm_organisation ({', '.join(org_cols)}) VALUES ({', '.join('?' * len(org_cols))})",
        ([name, name.lower(), *org_fill] for name in names),
    )
    org_ids = dict(conn.execute("SELECT name, id FROM crm_organisation"))
    cols, fill = _row_template(
        conn, "crm_contact", ["first_name", "last_name", "email", "organisation_id", "job_title", "phone"]
    )
    conn.executemany(
        f"INSERT INTO crm_contact ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        ([r[0], r[1], r[2], org_ids[r[3]], r[4], r[5], *fill] for r in rows),
    )
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    count = conn.execute("SELECT count(*) FROM crm_contact").fetchone()[0]
    conn.close()
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert count == len(rows), (count, len(rows))
    return {"rows": len(rows), "organisations": len(names), "seconds": round(seconds, 3)}


def run_floor(size, runs, out_dir):
    from bench.bench_import import make_csv

    data = make_csv(size["rows"], size["orgs"])
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as workdir:
        template = migrated_sqlite_template(workdir)
        samples = [sqlite_floor(data, template, workdir) for _ in range(runs)]
    result = {
        "rows": size["rows"],
        "organisations": size["orgs"],
        "runs": samples,
        "seconds": round(statistics.median(s["seconds"] for s in samples), 3),
        "sqlite": sqlite3.sqlite_version,
    }
    print(f"sqlite3.executemany floor: {size['rows']:,} contacts in {result['seconds']:.2f} s (median of {runs})")
    (out_dir / "floor.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


# --------------------------------------------------------------------------- benchmark steps


def median_of(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def run_import(size, runs, out_dir, kind, base_url):
    script = ROOT / "bench" / "bench_import.py"
    args = [script, "--rows", size["rows"], "--orgs", size["orgs"], "--baseline-rows", size["import_baseline_rows"]]
    env = os.environ.copy()
    if kind == "postgres" and not script_supports(script, "--db-url"):
        note = "bench_import.py has no --db-url: it always uses a temporary SQLite file"
        print(f"skipping import on PostgreSQL: {note}")
        return {"skipped": note}
    samples = []
    for n in range(1, runs + 1):
        # Each run on an empty database, as each SQLite run gets a new file (the baseline leaves rows behind).
        db_args = ["--db-url", pg_fresh_database(base_url, "bench_import")] if kind == "postgres" else []
        code, rss, _ = run_child(args + db_args, env, "bench_import.py")
        data = take_json("import", out_dir / f"import.run{n}.json")
        if code == 0 and data:
            data["peak_rss_mb"] = rss
            (out_dir / f"import.run{n}.json").write_text(json.dumps(data, indent=2) + "\n")
            samples.append(data)
    if not samples:
        return {"failed": "bench_import.py produced no results"}
    first = [s["results"][0] for s in samples]
    second = [s["results"][1] for s in samples]
    merged = {
        "rows": samples[0]["rows"],
        "organisations": samples[0]["organisations"],
        "runs": len(samples),
        "import_seconds": median_of(r["seconds"] for r in first),
        "reimport_seconds": median_of(r["seconds"] for r in second),
        "baseline_seconds": median_of(r["baseline_seconds"] for r in first),
        "baseline_rows": samples[0]["baseline_rows"],
        "baseline_extrapolated": first[0].get("baseline_extrapolated", False),
        "peak_rss_mb": median_of(s["peak_rss_mb"] for s in samples),
    }
    if kind == "postgres":
        merged["side_by_side"] = run_import_side_by_side(size, runs, out_dir)
    (out_dir / "import.json").write_text(json.dumps(merged, indent=2) + "\n")
    return merged


def run_import_side_by_side(size, runs, out_dir):
    """Issue 16's measure: the same file on SQLite and on PostgreSQL, alternating, in one run.

    Each PostgreSQL run gets a server of its own, as each SQLite run gets a new file: on the
    server the steps before used, their autovacuum and checkpoints ran beside the timed import
    (the read, which is Python alone, took a third longer in those runs)."""
    args = [
        ROOT / "bench" / "bench_import.py",
        "--side-by-side",
        "--rows",
        size["rows"],
        "--orgs",
        size["orgs"],
        "--runs",
        runs,
    ]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # bench_import starts the servers
    code, _, _ = run_child(args, env, "bench_import.py --side-by-side")
    data = take_json("import_side_by_side", out_dir / "import_side_by_side.json")
    if code or not data:
        return {"failed": "bench_import.py --side-by-side produced no results"}
    return {
        r["figure"]: {"sqlite_seconds": r["sqlite_seconds"], "postgresql_seconds": r["postgresql_seconds"]}
        for r in data["results"]
    } | {"runs": data["runs"], "target_ratio": data["target_ratio"]}


def run_export(size, runs, out_dir, kind, base_url):
    script = ROOT / "bench" / "bench_export.py"
    args = [script, "--rows", size["rows"], "--organisations", size["orgs"], "--baseline", size["export_baseline_rows"]]
    if kind == "postgres":
        if not script_supports(script, "--db-url"):
            note = "bench_export.py has no --db-url: it always uses a temporary SQLite file"
            print(f"skipping export on PostgreSQL: {note}")
            return {"skipped": note}
        args += ["--db-url", pg_fresh_database(base_url, "bench_export")]
    samples = []
    for n in range(1, runs + 1):
        code, rss, _ = run_child(args, None, "bench_export.py")
        data = take_json("export", out_dir / f"export.run{n}.json")
        if code == 0 and data:
            data["peak_rss_mb"] = rss
            (out_dir / f"export.run{n}.json").write_text(json.dumps(data, indent=2) + "\n")
            samples.append(data)
    if not samples:
        return {"failed": "bench_export.py produced no results"}
    base = [s.get("baseline_import_export") or {} for s in samples]
    merged = {
        "rows": samples[0]["rows"],
        "runs": len(samples),
        "csv_seconds": median_of(s["csv"]["seconds"] for s in samples),
        "csv_peak_mb": median_of(s["csv"]["tracemalloc_peak_mb"] for s in samples),
        "xlsx_seconds": median_of(s["xlsx"]["seconds"] for s in samples),
        "xlsx_peak_mb": median_of(s["xlsx"]["tracemalloc_peak_mb"] for s in samples),
        "baseline_seconds": median_of(b.get("extrapolated_seconds_for_all_rows") for b in base),
        "baseline_rows": base[0].get("rows"),
        "peak_rss_mb": median_of(s["peak_rss_mb"] for s in samples),
    }
    (out_dir / "export.json").write_text(json.dumps(merged, indent=2) + "\n")
    return merged


def run_pages(size, out_dir, kind, base_url):
    """bench_pages.py builds (or reuses) the data; its database is then reused by bench_dashboard.py."""
    script = ROOT / "bench" / "bench_pages.py"
    args = [script, "--scale", size["scale"], "--repeat", size["repeat"], "--out", "pages"]
    if kind == "postgres":
        db_url = pg_fresh_database(base_url, f"bench_pages_{size['scale']}")
        args += ["--db-url", db_url]
        db = None
    else:
        db = f"/tmp/crm-bench-{size['scale']}.sqlite3"
        db_url = None
        args += ["--db", db]
    code, rss, _ = run_child(args, None, "bench_pages.py")
    data = take_json("pages", out_dir / "pages.json")
    if code or not data:
        return {"failed": f"bench_pages.py exited with {code}"}, db, db_url
    data["peak_rss_mb"] = rss
    (out_dir / "pages.json").write_text(json.dumps(data, indent=2) + "\n")
    return data, db, db_url


def run_dashboard(size, out_dir, db, db_url):
    script = ROOT / "bench" / "bench_dashboard.py"
    env = os.environ.copy()
    if db_url:
        # bench_dashboard.py takes a SQLite --db path only (it must exist); with a postgres DATABASE_URL
        # in the environment bench.common.setup_django ignores the path.
        env["DATABASE_URL"] = db_url
        db = os.devnull
    args = [script, "--db", db, "--repeat", size["repeat"]]
    code, rss, _ = run_child(args, env, "bench_dashboard.py")
    data = take_json("dashboard", out_dir / "dashboard.json")
    if code or not data:
        return {"failed": f"bench_dashboard.py exited with {code}"}
    data["peak_rss_mb"] = rss
    if db_url:
        data["db"] = db_url
    (out_dir / "dashboard.json").write_text(json.dumps(data, indent=2) + "\n")
    return data


def run_script(name, args, out_dir, env=None, json_name=None):
    """Run bench/bench_<name>.py; keep its JSON as bench/results/<db>/<name>.json with the peak RSS added."""
    script = ROOT / "bench" / f"bench_{name}.py"
    code, rss, seconds = run_child([script, *args], env, script.name)
    data = take_json(json_name or name, out_dir / f"{name}.json")
    if code or not data:
        return {"failed": f"{script.name} exited with {code}"}
    data["peak_rss_mb"], data["elapsed_s"] = rss, seconds
    (out_dir / f"{name}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    return data


def pages_database(size, kind, base_url):
    """(SQLite path, PostgreSQL URL) of the data bench_pages.py builds; on PostgreSQL the database is
    created empty when a partial run (--only) finds none, and the scripts then generate the data."""
    if kind == "postgres":
        return None, pg_ensure_database(base_url, f"bench_pages_{size['scale']}")
    return f"/tmp/crm-bench-{size['scale']}.sqlite3", None


def pages_db_args(size, db, db_url):
    return ["--scale", size["scale"], "--repeat", size["repeat"]] + (["--db-url", db_url] if db_url else ["--db", db])


def run_search(size, out_dir, kind, db, db_url):
    """One-word searches on bench_pages' data (bench_search.py generates it only if it is missing)."""
    data = run_script(
        "search",
        pages_db_args(size, db, db_url),
        out_dir,
        json_name="search" if kind == "sqlite" else "search-postgres",
    )
    if db_url and "failed" not in data:
        data["db"] = db_url
    return data


def run_api(size, out_dir, kind, db, db_url):
    """The REST API's lists on bench_pages' data (--reuse-db: not a fresh crm_bench_api database)."""
    args = pages_db_args(size, db, db_url) + (["--reuse-db"] if db_url else [])
    data = run_script("api", args, out_dir, json_name="api" if kind == "sqlite" else "api-postgres")
    if db_url and "failed" not in data:
        data["db"] = db_url
    return data


def own_database_env(kind, base_url, name, fresh=True):
    """The environment for a script that fills its own database: on PostgreSQL DATABASE_URL names
    bench_<name> (fresh, or kept for a script that reuses its data), on SQLite it is left alone."""
    env = os.environ.copy()
    if kind == "postgres":
        make = pg_fresh_database if fresh else pg_ensure_database
        env["DATABASE_URL"] = make(base_url, f"bench_{name}")
    return env


def run_renewals(size, out_dir, kind, db, db_url):
    """The Renewals tab and planning the next event on bench_pages' data (generate_data's past events)."""
    env = os.environ.copy()
    if db_url:
        env["DATABASE_URL"] = db_url
    args = ["--repeat", size["repeat"], "--plans", 1 if size["scale"] == "small" else 3]
    return run_script("renewals", args + ([] if db_url else ["--db", db]), out_dir, env)


def run_invoicing(size, out_dir, kind, base_url):
    """bench_invoicing.py reuses its database while it holds the wanted number of invoices."""
    n = size["invoices"]
    db = "/tmp/crm-bench-invoicing.sqlite3" if n == 50_000 else f"/tmp/crm-bench-invoicing-{n}.sqlite3"
    env = own_database_env(kind, base_url, "invoicing", fresh=False)
    args = ["--invoices", n, "--repeat", size["repeat"]] + (["--db", db] if kind == "sqlite" else [])
    return run_script("invoicing", args, out_dir, env)


def run_mail(size, out_dir, kind, base_url):
    """bench_mail.py starts from an empty database (a fresh SQLite file of its own, or bench_mail)."""
    env = own_database_env(kind, base_url, "mail")
    args = [
        "--messages",
        size["mail_messages"],
        "--fetch",
        size["mail_fetch"],
        "--page-emails",
        size["mail_page_emails"],
        "--repeat",
        size["repeat"],
    ]
    return run_script("mail", args, out_dir, env)


def run_public(size, out_dir, kind, base_url):
    """bench_public.py fills its own database each run (its SQLite file, or a fresh bench_public)."""
    env = own_database_env(kind, base_url, "public")
    return run_script("public", ["--repeat", max(size["repeat"], 10)], out_dir, env)


def run_portal(size, out_dir, kind, base_url):
    """bench_portal.py fills its own database each run (its SQLite file, or a fresh bench_portal)."""
    env = own_database_env(kind, base_url, "portal")
    sponsors = 20 if size["scale"] == "small" else 200
    return run_script("portal", ["--sponsors", sponsors, "--repeat", max(size["repeat"], 10)], out_dir, env)


def run_duplicates(size, out_dir, kind, base_url):
    """bench_duplicates.py builds generate_data's world at the scale once (its SQLite file, or a kept
    bench_duplicates database) and writes bench/results/<db>/duplicates[.<scale>].json itself."""
    env = own_database_env(kind, base_url, "duplicates", fresh=False)
    code, rss, seconds = run_child(
        [ROOT / "bench" / "bench_duplicates.py", "--scale", size["scale"]], env, "bench_duplicates.py"
    )
    path = out_dir / ("duplicates.json" if size["scale"] == "large" else f"duplicates.{size['scale']}.json")
    if code or not path.exists():
        return {"failed": f"bench_duplicates.py exited with {code}"}
    data = json.loads(path.read_text())
    data["peak_rss_mb"], data["elapsed_s"] = rss, seconds
    return data


def run_spreadsheets(size, out_dir, kind, base_url):
    """bench_spreadsheets.py starts from an empty database (a temporary SQLite file, or bench_spreadsheets)."""
    env = own_database_env(kind, base_url, "spreadsheets")
    return run_script("spreadsheets", ["--rows", size["sheet_rows"], "--jobs", size["sheet_jobs"]], out_dir, env)


# --------------------------------------------------------------------------- the table


def _num(value, digits=2):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def row(figure, value, unit, baseline=None, baseline_label=None):
    ratio = None
    if isinstance(value, (int, float)) and isinstance(baseline, (int, float)) and baseline:
        ratio = value / baseline
    suffix = f" {unit}" if unit else ""
    value_text = f"{_num(value)}{suffix}" if value is not None else "n/a"
    if baseline is None:
        base_text = baseline_label or "—"
    else:
        base_text = f"{_num(baseline)}{suffix}" + (f" ({baseline_label})" if baseline_label else "")
    return {
        "figure": figure,
        "value": value_text,
        "baseline": base_text,
        "ratio": f"{ratio:.2f}×" if ratio is not None else "—",
    }


def build_rows(results):
    """Table rows (figure, value, baseline, ratio as text) from the merged results of one database."""
    rows = []
    imp, floor = results.get("import") or {}, results.get("floor") or {}
    if "import_seconds" in imp:
        n = f"{imp['rows']:,}"
        base_note = (
            f"django-import-export default ModelResource, extrapolated from {imp['baseline_rows']:,} rows"
            if imp.get("baseline_extrapolated")
            else "django-import-export default ModelResource"
        )
        rows.append(
            row(
                f"import {n} contacts (read + dry run + commit)",
                imp["import_seconds"],
                "s",
                imp.get("baseline_seconds"),
                base_note,
            )
        )
        if floor.get("seconds"):
            rows.append(
                row(
                    f"import {n} contacts vs raw insert",
                    imp["import_seconds"],
                    "s",
                    floor["seconds"],
                    "sqlite3.executemany floor, same file",
                )
            )
        rows.append(
            row(
                f"re-import {n} contacts as updates",
                imp["reimport_seconds"],
                "s",
                imp.get("baseline_seconds"),
                "default ModelResource, first import",
            )
        )
        rows.append(row("import: peak RSS of the benchmark process", imp.get("peak_rss_mb"), "MB"))
        both = imp.get("side_by_side") or {}
        for figure, label in (
            ("import", f"import {n} contacts"),
            ("re-import as updates", f"re-import {n} as updates"),
        ):
            if figure in both:
                rows.append(
                    row(
                        f"{label}, side by side with SQLite (target ≤ {both['target_ratio']}×)",
                        both[figure]["postgresql_seconds"],
                        "s",
                        both[figure]["sqlite_seconds"],
                        f"SQLite, same file, alternating, median of {both['runs']}",
                    )
                )
    elif imp.get("skipped") or imp.get("failed"):
        rows.append(row("import / re-import", None, "", baseline_label=imp.get("skipped") or imp.get("failed")))
    exp = results.get("export") or {}
    if "csv_seconds" in exp:
        n = f"{exp['rows']:,}"
        note = (
            f"django-import-export resource.export(), extrapolated from {exp['baseline_rows']:,} rows"
            if exp.get("baseline_rows")
            else None
        )
        rows.append(
            row(f"export {n} contacts as CSV (streaming)", exp["csv_seconds"], "s", exp.get("baseline_seconds"), note)
        )
        rows.append(row("export CSV: peak traced memory", exp["csv_peak_mb"], "MB", EXPORT_BUDGET_MB, "budget"))
        rows.append(row(f"export {n} contacts as XLSX", exp["xlsx_seconds"], "s"))
        rows.append(row("export XLSX: peak traced memory", exp["xlsx_peak_mb"], "MB", EXPORT_BUDGET_MB, "budget"))
        rows.append(row("export: peak RSS of the benchmark process", exp.get("peak_rss_mb"), "MB"))
    elif exp.get("skipped") or exp.get("failed"):
        rows.append(row("export", None, "", baseline_label=exp.get("skipped") or exp.get("failed")))

    pages = results.get("pages") or {}
    scale = pages.get("scale", "?")
    for name, page in (pages.get("pages") or {}).items():
        label = f"{page.get('url', name)} at {scale}"
        if name == "quick_log_post":
            label = f"quick-log POST /log/ at {scale}"
        if not page.get("available"):
            rows.append(row(label, None, "", baseline_label=f"not measured (status {page.get('status')})"))
            continue
        rows.append(row(f"{label}: median server time", page["median_ms"], "ms", PAGE_MEDIAN_BUDGET_MS, "budget"))
        rows.append(row(f"{label}: p95 server time", page["p95_ms"], "ms", PAGE_P95_BUDGET_MS, "budget"))
        rows.append(row(f"{label}: queries", page["queries"], ""))
        rows.append(row(f"{label}: peak traced memory", page.get("peak_mb"), "MB"))
    dash = results.get("dashboard") or {}
    for name, page in (dash.get("pages") or {}).items():
        label = f"dashboard tab {page.get('url', name)} at {scale}"
        if not page.get("available"):
            rows.append(row(label, None, "", baseline_label=f"not measured (status {page.get('status')})"))
            continue
        rows.append(row(f"{label}: median server time", page["median_ms"], "ms", PAGE_MEDIAN_BUDGET_MS, "budget"))
        rows.append(row(f"{label}: p95 server time", page["p95_ms"], "ms", PAGE_P95_BUDGET_MS, "budget"))
        rows.append(row(f"{label}: queries", page["queries"], ""))
    if dash.get("failed"):
        rows.append(row("dashboard tabs", None, "", baseline_label=dash["failed"]))

    rows += search_rows(results.get("search") or {})
    rows += api_rows(results.get("api") or {})
    rows += invoicing_rows(results.get("invoicing") or {})
    rows += mail_rows(results.get("mail") or {})
    rows += spreadsheet_rows(results.get("spreadsheets") or {})
    rows += public_rows(results.get("public") or {})
    rows += portal_rows(results.get("portal") or {})
    rows += duplicates_rows(results.get("duplicates") or {})
    rows += renewals_rows(results.get("renewals") or {})

    load = results.get("loadtest") or {}
    if load.get("requests"):
        who = f"{load['users']} users, {load['duration_s']:.0f} s, {load['workers']} gunicorn workers"
        rows.append(row(f"load test ({who}, {load.get('scale', '?')} data): requests per second", load["rps"], "req/s"))
        for kind, stats in sorted(load.get("kinds", {}).items()):
            rows.append(
                row(
                    f"load test {kind}: median latency ({stats['count']} requests)",
                    stats["median_ms"],
                    "ms",
                    PAGE_BUDGET_MS,
                    "budget",
                )
            )
            rows.append(row(f"load test {kind}: p95 latency", stats["p95_ms"], "ms", PAGE_BUDGET_MS, "budget"))
        rows.append(row("load test: errors", load["errors"], "", 0, "must be 0"))
        rows.append(row("load test: lost writes", load["lost_writes"], "", 0, "must be 0"))
    return rows


def not_run(label, data):
    """A row saying why a step has no figures (skipped or failed), or none."""
    reason = data.get("skipped") or data.get("failed")
    return [row(label, None, "", baseline_label=reason)] if reason else []


def _ms(seconds):
    return round(seconds * 1000, 1) if isinstance(seconds, (int, float)) else None


def search_rows(data):
    """bench_search.py: the selector (every group) against the 50 ms target, the page against the page budget."""
    if not data.get("words"):
        return not_run("search", data)
    counts = data.get("counts") or {}
    over = (
        f" over {counts['contacts']:,} contacts, {counts['interactions']:,} interactions"
        if counts.get("contacts") is not None and counts.get("interactions") is not None
        else ""
    )
    rows = []
    for word, w in data["words"].items():
        matches = w.get("matches") or {}
        caps = w.get("count_caps") or dict.fromkeys(matches, w.get("count_cap"))
        capped = any(caps.get(group) and n > caps[group] for group, n in matches.items())
        found = sum(min(n, caps[group]) if caps.get(group) else n for group, n in matches.items())
        label = f"search “{word}” ({found:,}{'+' if capped else ''} matches{over})"
        rows.append(row(f"{label}: median", w["selector_median_ms"], "ms", SEARCH_TARGET_MS, "target"))
        rows.append(row(f"{label}: p95", w["selector_p95_ms"], "ms", SEARCH_TARGET_MS, "target"))
        rows.append(
            row(
                f"/search/?q={word} at {data.get('scale', '?')}: median server time",
                w["page_median_ms"],
                "ms",
                PAGE_MEDIAN_BUDGET_MS,
                "budget",
            )
        )
        rows.append(row(f"/search/?q={word}: queries", w.get("page_queries"), ""))
    return rows


def api_rows(data):
    """bench_api.py: each list's median (the contact list against its 80 ms target) and its queries
    beside the same list at page_size=10 (a ratio of 1 means they do not grow with the page)."""
    if not data.get("lists"):
        return not_run("REST API lists", data)
    rows = []
    scale = data.get("scale", "?")
    for name, item in data["lists"].items():
        label = f"API {item.get('url', name)} at {scale}"
        if not item.get("available", True):
            rows.append(row(label, None, "", baseline_label=f"not measured (status {item.get('status')})"))
            continue
        target = API_CONTACTS_TARGET_MS if name == "contacts" else item.get("target_ms")
        rows.append(
            row(f"{label}: median server time", item.get("median_ms"), "ms", target, "target" if target else None)
        )
        rows.append(row(f"{label}: p95 server time", item.get("p95_ms"), "ms"))
        rows.append(
            row(f"{label}: queries", item.get("queries"), "", item.get("queries_at_page_size_10"), "at page_size=10")
        )
    return rows


def invoicing_rows(data):
    """bench_invoicing.py: the PDF against 500 ms, the invoice list (every variant) against 150 ms, the
    invoice page against the page budget; CPU time beside wall time (a loaded machine waits for a core)."""
    if not data.get("pages"):
        return not_run("invoicing", data)
    n = data.get("invoices")
    at = f" at {n:,} invoices" if isinstance(n, int) else ""
    rows = []
    for name, page in data["pages"].items():
        if name.startswith("export_"):
            rows.append(row(f"invoice list as {name[7:].upper()}{at} (one run)", page.get("seconds"), "s"))
            continue
        if name == "invoice_pdf":
            target, label, what = INVOICE_PDF_TARGET_MS, "target", "invoice PDF"
        elif name.startswith("invoice_list"):
            target, label, what = INVOICE_LIST_TARGET_MS, "target", page.get("url", name)
        else:
            target, label, what = PAGE_MEDIAN_BUDGET_MS, "budget", "invoice page"
        rows.append(row(f"{what}{at}: median server time", page.get("median_ms"), "ms", target, label))
        if name in ("invoice_list", "invoice_pdf"):  # the two targets
            rows.append(row(f"{what}{at}: median CPU time", page.get("cpu_median_ms"), "ms", target, label))
        rows.append(row(f"{what}{at}: queries", page.get("queries"), ""))
    return rows


def public_rows(data):
    """bench_public.py: the wall (JSON, HTML) against 20 ms at 200 sponsors with its queries (the same at
    half), the application's POST against 200 ms and the prospectus PDF against 1 s; CPU beside wall time."""
    if not data.get("pages"):
        return not_run("public pages", data)
    labels = {
        "wall_json": f"sponsor wall JSON at {data.get('sponsors')} sponsors",
        "wall_html": f"sponsor wall page at {data.get('sponsors')} sponsors",
        "application_post": "public application POST",
        "prospectus_pdf": "prospectus PDF",
    }
    rows = []
    for name, label in labels.items():
        page = data["pages"].get(name) or {}
        target = PUBLIC_TARGETS_MS[name]
        rows.append(row(f"{label}: median server time", page.get("median_ms"), "ms", target, "target"))
        rows.append(row(f"{label}: median CPU time", page.get("cpu_median_ms"), "ms", target, "target"))
        rows.append(
            row(f"{label}: queries", page.get("queries"), "", page.get("queries_at_half"), "at half the sponsors")
            if "queries_at_half" in page
            else row(f"{label}: queries", page.get("queries"), "")
        )
    return rows


def portal_rows(data):
    """bench_portal.py: a signed sponsor's page against 50 ms with its queries beside those after three
    more logos, an invoice and a credit note (equal: they do not grow); a 5 MB logo against 1 s."""
    if not data.get("portal_page"):
        return not_run("sponsor portal", data)
    page = data["portal_page"]
    at = f" ({data.get('sponsors')} sponsors)"
    return [
        row(
            f"sponsor portal page{at}: median server time", page.get("median_ms"), "ms", PORTAL_PAGE_TARGET_MS, "target"
        ),
        row(
            f"sponsor portal page{at}: queries",
            page.get("queries"),
            "",
            data.get("portal_page_queries_again"),
            "with 3 more logos, an invoice and a credit note",
        ),
        row(
            "5 MB logo checked and stored: median",
            (data.get("logo_5mb_submit") or {}).get("median_ms"),
            "ms",
            PORTAL_LOGO_TARGET_MS,
            "target",
        ),
    ]


def duplicates_rows(data):
    """bench_duplicates.py: finding over every record against 10 s, the list against 100 ms with its
    queries, and a merge of 5,000 interactions and 500 emails (and its undo) against 1 s."""
    if not data.get("find_contacts") and not data.get("list_page_ms"):
        return not_run("duplicates", data)
    at = f" ({data.get('contacts', 0):,} contacts, {data.get('organisations', 0):,} organisations)"
    rows = []
    for target in ("contacts", "organisations"):
        found = data.get(f"find_{target}") or {}
        rows.append(
            row(
                f"find_duplicates {target}{at}: median",
                found.get("median"),
                "s",
                DUPLICATES_FIND_TARGET_S,
                "target",
            )
        )
    for name, page in (data.get("list_page_ms") or {}).items():
        if not isinstance(page, dict):
            continue
        label = "/duplicates/" + ("" if name == "contacts" else f"?target={name}")
        rows.append(row(f"{label}: median server time", page.get("median"), "ms", DUPLICATES_PAGE_TARGET_MS, "target"))
        rows.append(row(f"{label}: queries", page.get("queries"), ""))
    merge = data.get("merge") or {}
    if merge:
        what = f"{merge.get('interactions', 0):,} interactions and {merge.get('emails', 0):,} emails"
        rows.append(
            row(f"merge a contact with {what}: median", merge.get("merge_s"), "s", DUPLICATES_MERGE_TARGET_S, "target")
        )
        rows.append(row("undo that merge: median", merge.get("undo_s"), "s", DUPLICATES_MERGE_TARGET_S, "target"))
    return rows


def renewals_rows(data):
    """bench_renewals.py: the tab (the next event, and a past event against the one before) against
    100 ms with its queries and CPU time; planning the next event from the latest past one against 5 s."""
    if not data.get("pages"):
        return not_run("renewals", data)
    rows = []
    labels = {"renewals": "Renewals tab, next event", "renewals-past": "Renewals tab, a past event"}
    for name, label in labels.items():
        page = data["pages"].get(name) or {}
        rows.append(row(f"{label}: median server time", page.get("median_ms"), "ms", RENEWALS_TAB_TARGET_MS, "target"))
        rows.append(row(f"{label}: median CPU time", page.get("cpu_median_ms"), "ms", RENEWALS_TAB_TARGET_MS, "target"))
        rows.append(row(f"{label}: queries", page.get("queries"), ""))
    plan = data.get("plan") or {}
    rows.append(
        row(
            f"plan the next event from {plan.get('pledges', 0):,} pledges: median",
            plan.get("median_s"),
            "s",
            RENEWALS_PLAN_TARGET_S,
            "target",
        )
    )
    return rows


def mail_rows(data):
    """bench_mail.py: import and fetch against 30 s; the organisation page with many emails against
    150 ms, its queries beside those of the organisation with 50 (equal: they do not grow)."""
    if not any(k in data for k in ("import", "fetch", "organisation_page")):
        return not_run("email", data)
    rows = []
    imp = data.get("import") or {}
    if imp:
        rows.append(
            row(
                f"import {imp.get('messages', 0):,} saved emails",
                imp.get("seconds"),
                "s",
                MAIL_IMPORT_TARGET_S,
                "target",
            )
        )
    fetch = data.get("fetch") or {}
    if fetch:
        rows.append(
            row(
                f"fetch {fetch.get('messages', 0):,} emails from IMAP (local Dovecot)",
                fetch.get("seconds"),
                "s",
                MAIL_FETCH_TARGET_S,
                "target",
            )
        )
    pages = data.get("organisation_page") or {}
    big, small = pages.get("big") or {}, pages.get("small") or {}
    if big:
        label = f"organisation page with {big.get('emails', 0):,} emails"
        rows.append(row(f"{label}: median server time", big.get("median_ms"), "ms", MAIL_PAGE_TARGET_MS, "target"))
        rows.append(row(f"{label}: p95 server time", big.get("p95_ms"), "ms", PAGE_P95_BUDGET_MS, "budget"))
        rows.append(
            row(
                f"{label}: queries",
                big.get("queries"),
                "",
                small.get("queries"),
                f"with {small.get('emails', '?')} emails",
            )
        )
    return rows


def spreadsheet_rows(data):
    """bench_spreadsheets.py: the requests that start background jobs beside the synchronous work
    they replace (a ratio well below 1: they return at once), the jobs themselves, the jobs page."""
    if "export_queue_request_s" not in data and "import_queue_request_s" not in data:
        return not_run("spreadsheet background jobs", data)
    n = data.get("rows")
    n = f"{n:,}" if isinstance(n, int) else "?"
    median = lambda key: _ms((data.get(key) or {}).get("median"))  # noqa: E731
    sync = median("export_sync_download_s")
    rows = [
        row(f"export {n} contacts as CSV, synchronous download: median", sync, "ms"),
        row(
            f"export {n} contacts: the request that queues a background job: median",
            median("export_queue_request_s"),
            "ms",
            sync,
            "synchronous download",
        ),
        row(f"export {n} contacts: the background job (worker): median", median("export_job_s"), "ms"),
    ]
    job = _ms(data.get("import_job_s"))
    rows.append(
        row(
            f"import {n} contacts: the confirm request that queues the commit",
            _ms(data.get("import_queue_request_s")),
            "ms",
            job,
            "the same commit run synchronously, as the worker does",
        )
    )
    rows.append(row(f"import {n} contacts: the preview (dry run) request", _ms(data.get("import_preview_s")), "ms"))
    jobs = median("job_list_s")
    if jobs is not None:
        page = (
            f"Recent jobs page with {data['jobs']:,} jobs" if isinstance(data.get("jobs"), int) else "Recent jobs page"
        )
        rows.append(row(f"{page}: median server time", jobs, "ms", PAGE_MEDIAN_BUDGET_MS, "budget"))
        rows.append(row(f"{page}: queries", data.get("job_list_queries"), ""))
        rows.append(
            row(
                "a job's progress (polled): median server time",
                median("job_progress_s"),
                "ms",
                PAGE_MEDIAN_BUDGET_MS,
                "budget",
            )
        )
    return rows


def markdown_table(rows):
    lines = ["| figure | value | baseline | ratio |", "| --- | ---: | --- | ---: |"]
    for r in rows:
        cells = [str(r[k]).replace("|", "\\|") for k in ("figure", "value", "baseline", "ratio")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def render_section(db, summary):
    title = TITLES.get(db, db)
    mode = " (BENCH_QUICK smoke run: small sizes, not the real figures)" if summary.get("quick") else ""
    parts = [f"## {title}{mode}", "", f"Measured {summary['date']} on {summary['machine_line']}.", ""]
    if summary.get("load_average"):
        parts += [f"Load average at the start: {', '.join(map(str, summary['load_average']))}.", ""]
    parts += [markdown_table(summary["rows"]), ""]
    for note in summary.get("notes", []):
        parts.append(f"- {note}")
    if summary.get("notes"):
        parts.append("")
    return "\n".join(parts)


HEADER = f"""# Benchmark results

Generated by `make bench` (bench/run_all.py) — do not edit by hand. `make bench DB=postgres` adds the
PostgreSQL section; `make loadtest` adds the load-test rows. Ratio = value ÷ baseline: below 1 is faster
or smaller than the baseline (a budget or target is met when its ratio is below 1).
Page times are server time through Django's test client (median and 95th percentile of repeated
requests after two warm-ups), checked against issue 16's budgets at the large dataset:
{PAGE_MEDIAN_BUDGET_MS} ms median and {PAGE_P95_BUDGET_MS} ms p95. The load test's {PAGE_BUDGET_MS} ms budget comes from issue 6.
Search ({SEARCH_TARGET_MS} ms), invoicing (PDF {INVOICE_PDF_TARGET_MS} ms, list {INVOICE_LIST_TARGET_MS} ms at 50,000 invoices), the API
({API_CONTACTS_TARGET_MS} ms) and email (import and fetch {MAIL_IMPORT_TARGET_S} s, organisation page {MAIL_PAGE_TARGET_MS} ms)
are checked against their issues' targets.
Raw JSON: bench/results/<database>/.
"""


def render_results(summaries):
    parts = [HEADER]
    for db in DATABASES:
        if db in summaries:
            parts.append(render_section(db, summaries[db]))
    return "\n".join(parts).rstrip() + "\n"


def load_summaries():
    out = {}
    for db in DATABASES:
        path, load = RESULTS_DIR / db / "summary.json", RESULTS_DIR / db / "loadtest.json"
        if path.exists():
            summary = json.loads(path.read_text())
        elif load.exists():  # a load test before any benchmark: a section of its own figures
            data = json.loads(load.read_text())
            summary = {
                "db": db,
                "date": data.get("date", "?"),
                "machine_line": data.get("machine_line", "?"),
                "results": {},
                "notes": ["No benchmark run yet for this database: load test only."],
            }
        else:
            continue
        results = summary.setdefault("results", {})
        if load.exists():  # the load test runs separately: pick up its latest figures
            results["loadtest"] = json.loads(load.read_text())
            summary.setdefault("notes", []).append(
                f"Load test run {results['loadtest'].get('date', '?')} against gunicorn on 127.0.0.1 "
                f"({results['loadtest'].get('scale')} data); details in bench/results/{db}/loadtest.json."
            )
        summary["rows"] = build_rows(results)  # rebuilt from the stored figures, so format changes apply
        out[db] = summary
    return out


def write_results_md():
    summaries = load_summaries()
    RESULTS_MD.write_text(render_results(summaries))
    shown = RESULTS_MD.relative_to(ROOT) if RESULTS_MD.is_relative_to(ROOT) else RESULTS_MD
    print(f"\nWrote {shown} ({', '.join(summaries) or 'no results yet'})")


# --------------------------------------------------------------------------- main


def step_notes(results, kind):
    """What the search, API, invoicing, mail and spreadsheet figures were measured on."""
    notes = []
    where = "bench_pages_<scale> database" if kind == "postgres" else "/tmp/crm-bench-<scale>.sqlite3"
    shared = [
        label
        for name, label in (("search", "search"), ("api", "the API lists"))
        if (results.get(name) or {}).get("scale")
    ]
    if shared:
        notes.append(f"Measured on bench_pages' data ({where}), not data of their own: {' and '.join(shared)}.")
    if (results.get("search") or {}).get("words"):
        notes.append(
            "Search: the search selector (organisations, contacts and interactions: first 25 and counts) "
            f"against the {SEARCH_TARGET_MS} ms target; the page against the page budget."
        )
    inv = results.get("invoicing") or {}
    if inv.get("pages"):
        cpu = (
            "the benchmark process's own, SQLite included: what the page costs on an idle machine"
            if kind == "sqlite"
            else "the benchmark process's own, without the PostgreSQL server's"
        )
        notes.append(
            f"Invoicing: {inv.get('invoices', 0):,} invoices of its own (bulk-created); median of "
            f"repeated requests; CPU time is {cpu} (load average {inv.get('load_average', '?')} "
            "during the run)."
        )
    mail = results.get("mail") or {}
    if mail.get("import") or mail.get("fetch"):
        notes.append("Email: a database of its own; the fetch is from a private Dovecot started for the run.")
    if (results.get("spreadsheets") or {}).get("rows"):
        notes.append(
            "Spreadsheets: a database of its own; the ratio of a queuing request to the synchronous "
            "work shows how much sooner it returns (the job then runs in the worker)."
        )
    ren = results.get("renewals") or {}
    if ren.get("pages"):
        load = (ren.get("machine") or {}).get("load_average")
        notes.append(
            "Renewals: generate_data's large world (20,000 organisations, three past events and the next); "
            f"the tab as a signed-in organiser, median of {ren.get('repeat', '?')} requests; load average "
            f"{load or '?'} when it started."
        )
    dup = results.get("duplicates") or {}
    if dup.get("find_contacts") or dup.get("list_page_ms"):
        load = (dup.get("machine") or {}).get("load_average")
        notes.append(
            f"Duplicates: generate_data's {dup.get('scale', '?')} world with 300 planted duplicate people, a "
            f"database of its own; load average {load or '?'} when it started."
        )
    return notes


def machine_info(kind, db_url=None):
    """machine_description() from a child process set up against the benchmark database."""
    env = os.environ.copy()
    if db_url:
        env["DATABASE_URL"] = db_url
    code = (
        "import json,sys; sys.path.insert(0,'.'); from bench.common import setup_django, machine_description;"
        "setup_django(sys.argv[1] if len(sys.argv)>1 else None); print(json.dumps(machine_description()))"
    )
    args = [sys.executable, "-c", code]
    if kind == "sqlite":
        args.append(os.path.join(tempfile.gettempdir(), "crm-bench-machine.sqlite3"))
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        from bench.common import machine_description

        return machine_description()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=None, help="runs of the import/export benchmarks (median)")
    parser.add_argument("--only", default=",".join(STEPS), help=f"comma-separated subset of {', '.join(STEPS)}")
    parser.add_argument("--report-only", action="store_true", help="only rebuild RESULTS.md from stored JSON")
    args = parser.parse_args(argv)
    if args.report_only:
        write_results_md()
        return 0
    try:
        steps = parse_steps(args.only)
    except ValueError as exc:
        parser.error(str(exc))

    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    runs = args.runs or int(os.environ.get("BENCH_RUNS", "1" if quick else "3"))
    size = sizes(quick)
    kind = db_kind()
    base_url = os.environ.get("DATABASE_URL", "")
    out_dir = RESULTS_DIR / kind
    out_dir.mkdir(parents=True, exist_ok=True)
    load_average = [round(x, 2) for x in os.getloadavg()]
    print(
        f"Benchmarks on {kind}{' (quick)' if quick else ''}: {', '.join(steps)}; {runs} run(s), sizes {size}; "
        f"load average {load_average}",
        flush=True,
    )

    previous = {}
    if (out_dir / "summary.json").exists():  # a partial run (--only) keeps the other figures
        previous = json.loads((out_dir / "summary.json").read_text()).get("results", {})
        if bool(json.loads((out_dir / "summary.json").read_text()).get("quick")) != quick:
            previous = {}
    results = dict(previous)
    notes = []
    started = time.perf_counter()
    if "import" in steps:
        results["import"] = run_import(size, runs, out_dir, kind, base_url)
    if "floor" in steps and kind == "sqlite":
        results["floor"] = run_floor(size, runs, out_dir)
    if "export" in steps:
        results["export"] = run_export(size, runs, out_dir, kind, base_url)
    db, db_url = None, None
    if "pages" in steps:
        results["pages"], db, db_url = run_pages(size, out_dir, kind, base_url)
    elif {"dashboard", "search", "api", "renewals"} & set(steps):
        db, db_url = pages_database(size, kind, base_url)
    if "dashboard" in steps:
        results["dashboard"] = run_dashboard(size, out_dir, db, db_url)
    if "search" in steps:
        results["search"] = run_search(size, out_dir, kind, db, db_url)
    if "api" in steps:
        results["api"] = run_api(size, out_dir, kind, db, db_url)
    if "renewals" in steps:
        results["renewals"] = run_renewals(size, out_dir, kind, db, db_url)
    if "invoicing" in steps:
        results["invoicing"] = run_invoicing(size, out_dir, kind, base_url)
    if "mail" in steps:
        results["mail"] = run_mail(size, out_dir, kind, base_url)
    if "spreadsheets" in steps:
        results["spreadsheets"] = run_spreadsheets(size, out_dir, kind, base_url)
    if "public" in steps:
        results["public"] = run_public(size, out_dir, kind, base_url)
    if "portal" in steps:
        results["portal"] = run_portal(size, out_dir, kind, base_url)
    if "duplicates" in steps:
        results["duplicates"] = run_duplicates(size, out_dir, kind, base_url)
    results.pop("loadtest", None)

    machine = machine_info(kind, db_url if kind == "postgres" else None)
    if any((results.get(step) or {}).get("skipped") for step in ("import", "export")):
        notes.append(
            "Import and export on PostgreSQL need --db-url support in bench_import.py / "
            "bench_export.py; until then they run on SQLite only (see the SQLite section)."
        )
    if kind == "sqlite" and (results.get("floor") or {}).get("seconds"):
        notes.append(
            "Floor: the same CSV parsed with csv.reader and inserted into crm_organisation and "
            "crm_contact with raw sqlite3.executemany in one transaction (no validation, no history)."
        )
    if results.get("import", {}).get("baseline_extrapolated"):
        notes.append(
            "The django-import-export baseline is timed on a slice of the file and scaled linearly "
            "(the full 100,000 rows take several minutes through the default ModelResource)."
        )
    if {"import", "export"} & set(steps):
        notes.append(f"Import/export: median of {runs} run(s).")
    notes.append(f"Pages, searches, API lists, invoicing and email pages: median and p95 of {size['repeat']} requests.")
    notes += step_notes(results, kind)
    summary = {
        "db": kind,
        "quick": quick,
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": machine,
        "machine_line": machine_line(machine),
        "load_average": load_average,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "results": results,
        "rows": build_rows(results),
        "notes": notes,
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    write_results_md()
    print(markdown_table(summary["rows"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
