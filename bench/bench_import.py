"""Import benchmark: 100,000 contacts / 5,000 organisations, against django-import-export's default path.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--baseline-rows N]
    .venv/bin/python bench/bench_import.py --side-by-side [--rows 100000] [--runs 3]

Uses a fresh temporary SQLite file, migrated here. Prints a table and writes
bench/results/import.json. A benchmark, not a timed test.

--side-by-side times the same file on SQLite and on PostgreSQL, one after the other
on this machine (each in its own process; a throwaway PostgreSQL server is started
by scripts/with-postgres.sh on a free port, or the server of a postgres DATABASE_URL
is used), prints both times and PostgreSQL's ratio to SQLite for the import and the
re-import as updates, and writes bench/results/import_side_by_side.json. With
--runs N the two alternate N times and the medians are compared (the machine is
shared: alternating spreads any other load over both).
"""

import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_csv(rows: int, orgs: int, title_suffix: str = "") -> bytes:
    rng = random.Random(42)
    firsts = ["Ada", "Grace", "Alan", "Zoë", "Mary", "Tim", "Sophie", "Omar", "Priya", "Liam", "Chen", "Fatima"]
    lasts = ["Lovelace", "Hopper", "Turing", "Smith", "Jones", "Patel", "Khan", "O'Brien", "Williams", "Brown"]
    titles = ["Director", "Manager", "Head of Partnerships", "CEO", "Coordinator", "Officer"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["First Name", "Last Name", "E-mail Address", "Company", "Job Title", "Business Phone"])
    for i in range(rows):
        writer.writerow(
            [
                rng.choice(firsts),
                rng.choice(lasts),
                f"person{i}@example{i % 97}.org",
                f"Organisation {i % orgs} Ltd",
                rng.choice(titles) + title_suffix,
                f"0161 {i:07d}",
            ]
        )
    return out.getvalue().encode("utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=None,
        help="rows for the django-import-export baseline (default: all; fewer are extrapolated)",
    )
    parser.add_argument("--db-url", default="", help="an empty database to use instead of a temporary SQLite file")
    parser.add_argument("--no-baseline", action="store_true", help="skip the django-import-export baseline")
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="time SQLite and PostgreSQL one after the other on the same file and compare",
    )
    parser.add_argument("--runs", type=int, default=1, help="with --side-by-side: alternate this many times")
    parser.add_argument(
        "--fresh-pg-database",
        default="",
        help="create this database afresh on the server of the postgres DATABASE_URL and use it",
    )
    parser.add_argument("--json-out", default="", help="write the results here instead of bench/results/import.json")
    args = parser.parse_args()
    if args.side_by_side:
        return side_by_side(args)
    if args.fresh_pg_database:
        args.db_url = pg_fresh_database(os.environ["DATABASE_URL"], args.fresh_pg_database)

    tmp = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["DATABASE_URL"] = args.db_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from crm.models import Contact, ImportBatch, Organisation
    from spreadsheets.importing import auto_map, commit_import, plan_import, read_table

    data = make_csv(args.rows, args.orgs)
    results = []

    def timed(label, fn):
        start = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - start
        print(f"  {label}: {seconds:.2f} s", flush=True)
        return value, seconds

    engine = (
        f"SQLite {connection.Database.sqlite_version}"
        if connection.vendor == "sqlite"
        else f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}"
    )
    print(f"{engine}, {args.rows:,} rows, {args.orgs:,} organisations, db {args.db_url or tmp}")
    table, t_read = timed("read", lambda: read_table(data, "contacts.csv"))
    mapping = auto_map("contacts", table.headers)
    plan, t_plan = timed("dry run", lambda: plan_import("contacts", table, mapping))
    assert plan.counts["new"] == args.rows, plan.summary
    batch, t_commit = timed("commit", lambda: commit_import(plan, user=None, file_name="contacts.csv"))
    assert Contact.objects.count() == args.rows and Organisation.objects.count() == args.orgs
    first = t_read + t_plan + t_commit
    print(f"  {plan.summary}; import #{batch.pk}")

    data2 = make_csv(args.rows, args.orgs, title_suffix=" (updated)")
    table2, r_read = timed("re-import read", lambda: read_table(data2, "contacts.csv"))
    plan2, r_plan = timed("re-import dry run", lambda: plan_import("contacts", table2, mapping))
    assert plan2.counts["updated"] == args.rows, plan2.summary
    batch2, r_commit = timed("re-import commit", lambda: commit_import(plan2, user=None, file_name="contacts.csv"))
    second = r_read + r_plan + r_commit
    print(f"  {plan2.summary}; import #{batch2.pk}")

    parts = {"read": round(t_read, 2), "dry_run": round(t_plan, 2), "commit": round(t_commit, 2)}
    re_parts = {"read": round(r_read, 2), "dry_run": round(r_plan, 2), "commit": round(r_commit, 2)}
    if args.no_baseline:
        results = [
            {"figure": "import", "seconds": round(first, 2), "parts": parts},
            {"figure": "re-import as updates", "seconds": round(second, 2), "parts": re_parts},
        ]
        path = Path(args.json_out) if args.json_out else ROOT / "bench" / "results" / "import.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {"rows": args.rows, "organisations": args.orgs, "database": engine, "results": results}, indent=2
            )
            + "\n"
        )
        return None

    # Baseline: django-import-export's default ModelResource, same file, empty tables.
    import tablib
    from import_export import resources

    class DefaultContactResource(resources.ModelResource):
        class Meta:
            model = Contact

    ImportBatch.objects.all().delete()
    Contact.objects.all().delete()
    Organisation.objects.all().delete()
    Contact.history.all().delete()
    Organisation.history.all().delete()
    base_rows = args.baseline_rows or args.rows
    lines = data.decode().splitlines()
    # The default resource knows model field names only: rename the export headers to them.
    lines[0] = "first_name,last_name,email,organisation,job_title,phone"
    base_lines = lines[0:1] + [",".join(_drop_org(row)) for row in csv.reader(lines[1 : base_rows + 1])]
    base_lines[0] = "first_name,last_name,email,organisation_name,job_title,phone"
    dataset = tablib.Dataset().load("\n".join(base_lines), format="csv")
    print(f"  baseline: django-import-export default ModelResource on {base_rows:,} rows …", flush=True)
    result, t_base = timed("baseline import", lambda: DefaultContactResource().import_data(dataset, dry_run=False))
    assert not result.has_errors(), [e.error for e in result.base_errors][:3]
    extrapolated = base_rows != args.rows
    baseline = t_base * args.rows / base_rows

    results = [
        {
            "figure": f"import {args.rows:,} contacts (read + dry run + commit)",
            "seconds": round(first, 2),
            "parts": {"read": round(t_read, 2), "dry_run": round(t_plan, 2), "commit": round(t_commit, 2)},
        },
        {
            "figure": f"re-import {args.rows:,} contacts as updates (read + dry run + commit)",
            "seconds": round(second, 2),
            "parts": {"read": round(r_read, 2), "dry_run": round(r_plan, 2), "commit": round(r_commit, 2)},
        },
    ]
    print()
    print(f"{'figure':<66} {'seconds':>8} {'baseline':>9} {'ratio':>7}")
    for row in results:
        row["baseline_seconds"] = round(baseline, 2)
        row["baseline_extrapolated"] = extrapolated
        row["ratio"] = round(baseline / row["seconds"], 1)
        row["target_seconds"] = 10
        row["meets_target"] = row["seconds"] < 10
        print(
            f"{row['figure']:<66} {row['seconds']:>8.2f} {baseline:>8.2f}{'*' if extrapolated else ' '} "
            f"{row['ratio']:>6.1f}x"
        )
    print(
        f"baseline = django-import-export {__import__('import_export').__version__} default ModelResource, "
        f"{'EXTRAPOLATED linearly from ' + format(base_rows, ',') + ' rows (*)' if extrapolated else 'measured on the full file'}"
        f" ({t_base:.2f} s measured)"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "import.json").write_text(
        json.dumps(
            {
                "rows": args.rows,
                "organisations": args.orgs,
                "database": engine,
                "baseline_rows": base_rows,
                "baseline_measured_seconds": round(t_base, 2),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {out / 'import.json'}")
    return None


def pg_fresh_database(base_url, name):
    """Drop and create database `name` on the server of base_url; return its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(base_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def side_by_side(args):
    """Run this script once per database in child processes (alternating, args.runs times) and compare."""
    import statistics
    import subprocess

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-sbs-"))
    common = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--rows",
        str(args.rows),
        "--orgs",
        str(args.orgs),
        "--no-baseline",
    ]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    url = os.environ.get("DATABASE_URL", "")
    samples = {"sqlite": [], "postgresql": []}
    engines = {}
    for run in range(1, args.runs + 1):
        for db in ("sqlite", "postgresql"):
            out = tmp / f"{db}.run{run}.json"
            cmd = [*common, "--json-out", str(out)]
            child_env = dict(env)
            if db == "postgresql":
                cmd += ["--fresh-pg-database", "bench_import_sbs"]
                if url.startswith(("postgres://", "postgresql://")):
                    child_env["DATABASE_URL"] = url
                else:  # a throwaway server, as the PostgreSQL test run starts it, on a port nobody uses
                    cmd = [str(ROOT / "scripts" / "with-postgres.sh"), *cmd]
                    child_env["PGPORT_TEST"] = str(_free_port())
            print(f"run {run}/{args.runs}: {db}", flush=True)
            subprocess.run(cmd, env=child_env, cwd=ROOT, check=True)
            data = json.loads(out.read_text())
            engines[db] = data["database"]
            samples[db].append({r["figure"]: r for r in data["results"]})
    figures = ("import", "re-import as updates")
    rows = []
    print()
    print(f"{args.rows:,} contacts, {args.orgs:,} organisations, {args.runs} run(s) each, medians")
    print(f"{'figure':<24} {'SQLite s':>9} {'PostgreSQL s':>13} {'PG/SQLite':>10} {'target':>7}")
    for figure in figures:
        lite = statistics.median(s[figure]["seconds"] for s in samples["sqlite"])
        pg = statistics.median(s[figure]["seconds"] for s in samples["postgresql"])
        ratio = pg / lite
        rows.append(
            {
                "figure": figure,
                "sqlite_seconds": round(lite, 2),
                "postgresql_seconds": round(pg, 2),
                "ratio": round(ratio, 2),
                "meets_target": ratio <= 1.5,
                "sqlite_samples": [s[figure] for s in samples["sqlite"]],
                "postgresql_samples": [s[figure] for s in samples["postgresql"]],
            }
        )
        verdict = "ok" if ratio <= 1.5 else "MISSED"
        print(f"{figure:<24} {lite:>9.2f} {pg:>13.2f} {ratio:>9.2f}x {'≤1.5x':>7} {verdict}")
    from bench.common import machine_description

    result = {
        "rows": args.rows,
        "organisations": args.orgs,
        "runs": args.runs,
        "databases": engines,
        "target_ratio": 1.5,
        "machine": machine_description(),
        "results": rows,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "import_side_by_side.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out / 'import_side_by_side.json'}")


def _drop_org(row):
    # The default resource cannot resolve an organisation by name; it keeps the other columns.
    return [csv_quote(c) for c in (row[0], row[1], row[2], "", row[4], row[5])]


def csv_quote(cell):
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\n') else cell


if __name__ == "__main__":
    main()
