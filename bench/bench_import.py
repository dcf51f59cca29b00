"""Import benchmark: 100,000 contacts / 5,000 organisations, against django-import-export's default path.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--baseline-rows N]

Uses a fresh temporary SQLite file, migrated here. Prints a table and writes
bench/results/import.json. A benchmark, not a timed test.
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
        writer.writerow([rng.choice(firsts), rng.choice(lasts), f"person{i}@example{i % 97}.org",
                         f"Organisation {i % orgs} Ltd", rng.choice(titles) + title_suffix,
                         f"0161 {i:07d}"])
    return out.getvalue().encode("utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument("--baseline-rows", type=int, default=None,
                        help="rows for the django-import-export baseline (default: all; fewer are extrapolated)")
    parser.add_argument("--db-url", default="", help="an empty database to use instead of a temporary SQLite file")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["DATABASE_URL"] = args.db_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from spreadsheets.importing import auto_map, commit_import, plan_import, read_table
    from crm.models import Contact, ImportBatch, Organisation

    data = make_csv(args.rows, args.orgs)
    results = []

    def timed(label, fn):
        start = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - start
        print(f"  {label}: {seconds:.2f} s", flush=True)
        return value, seconds

    engine = f"SQLite {connection.Database.sqlite_version}" if connection.vendor == "sqlite" else \
        f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}"
    print(f"{engine}, {args.rows:,} rows, {args.orgs:,} organisations, db {tmp}")
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

    # Baseline: django-import-export's default ModelResource, same file, empty tables.
    from import_export import resources
    import tablib

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
    base_lines = lines[0:1] + [",".join(_drop_org(row)) for row in csv.reader(lines[1:base_rows + 1])]
    base_lines[0] = "first_name,last_name,email,organisation_name,job_title,phone"
    dataset = tablib.Dataset().load("\n".join(base_lines), format="csv")
    print(f"  baseline: django-import-export default ModelResource on {base_rows:,} rows …", flush=True)
    result, t_base = timed("baseline import", lambda: DefaultContactResource().import_data(dataset, dry_run=False))
    assert not result.has_errors(), [e.error for e in result.base_errors][:3]
    extrapolated = base_rows != args.rows
    baseline = t_base * args.rows / base_rows

    results = [
        {"figure": f"import {args.rows:,} contacts (read + dry run + commit)", "seconds": round(first, 2),
         "parts": {"read": round(t_read, 2), "dry_run": round(t_plan, 2), "commit": round(t_commit, 2)}},
        {"figure": f"re-import {args.rows:,} contacts as updates (read + dry run + commit)",
         "seconds": round(second, 2),
         "parts": {"read": round(r_read, 2), "dry_run": round(r_plan, 2), "commit": round(r_commit, 2)}},
    ]
    print()
    print(f"{'figure':<66} {'seconds':>8} {'baseline':>9} {'ratio':>7}")
    for row in results:
        row["baseline_seconds"] = round(baseline, 2)
        row["baseline_extrapolated"] = extrapolated
        row["ratio"] = round(baseline / row["seconds"], 1)
        row["target_seconds"] = 10
        row["meets_target"] = row["seconds"] < 10
        print(f"{row['figure']:<66} {row['seconds']:>8.2f} {baseline:>8.2f}{'*' if extrapolated else ' '} "
              f"{row['ratio']:>6.1f}x")
    print(f"baseline = django-import-export {__import__('import_export').__version__} default ModelResource, "
          f"{'EXTRAPOLATED linearly from ' + format(base_rows, ',') + ' rows (*)' if extrapolated else 'measured on the full file'}"
          f" ({t_base:.2f} s measured)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "import.json").write_text(json.dumps({
        "rows": args.rows, "organisations": args.orgs, "database": engine,
        "baseline_rows": base_rows, "baseline_measured_seconds": round(t_base, 2), "results": results,
    }, indent=2) + "\n")
    print(f"written {out / 'import.json'}")


def _drop_org(row):
    # The default resource cannot resolve an organisation by name; it keeps the other columns.
    return [csv_quote(c) for c in (row[0], row[1], row[2], "", row[4], row[5])]


def csv_quote(cell):
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\n') else cell


if __name__ == "__main__":
    main()
