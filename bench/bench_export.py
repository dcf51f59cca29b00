"""Export benchmark: 100,000 contacts across 5,000 organisations, CSV and XLSX.

    .venv/bin/python bench/bench_export.py [--rows 100000] [--organisations 5000] [--baseline 10000]

Builds a fresh temporary SQLite database (never the project's), fills it with
bulk_create, then times the export through the same functions the web view and
``export_csv`` use (spreadsheets.exports.filtered_queryset → RowStream → iter_csv /
write_xlsx). Memory: tracemalloc peak (in a second, traced run, since tracing
slows Python down) and the process's max RSS. As a baseline, django-import-export's
own ``resource.export()`` on the same resource for the first --baseline rows.
Targets: CSV of 100,000 rows in under 3 s, peak memory under 200 MB.
Writes bench/results/export.json.
"""

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def setup_django(db_path: str, db_url: str = ""):
    os.environ["DATABASE_URL"] = db_url or f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(rows: int, organisations: int):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from crm.models import Contact, Organisation, Tag
    from crm.normalise import organisation_key

    owner = get_user_model().objects.create_user("bench-owner")
    tags = Tag.objects.bulk_create([Tag(name=f"tag-{n}") for n in range(20)])
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Org {n} Ltd",
                    name_key=organisation_key(f"Org {n} Ltd"),
                    city="Leeds",
                    is_sponsor=n % 2 == 0,
                    is_supplier=n % 3 == 0,
                    owner=owner,
                )
                for n in range(organisations)
            ],
            batch_size=2000,
        )
        batch = 10_000
        for start in range(0, rows, batch):
            contacts = Contact.objects.bulk_create(
                [
                    Contact(
                        first_name=f"First{n}",
                        last_name=f"Last{n}",
                        email=f"person{n}@example.com",
                        phone="+44 113 496 0000" if n % 10 == 0 else "",
                        job_title='=HYPERLINK("x")' if n % 997 == 0 else "Manager",
                        organisation=orgs[n % organisations],
                        owner=owner if n % 2 else None,
                        do_not_contact=n % 50 == 0,
                        notes="" if n % 4 else "Met at the launch, keen on stands.",
                    )
                    for n in range(start, min(start + batch, rows))
                ],
                batch_size=2000,
            )
            through = Contact.tags.through
            through.objects.bulk_create(
                [through(contact_id=c.pk, tag_id=tags[c.pk % 20].pk) for c in contacts if c.pk % 5 == 0],
                batch_size=2000,
            )
            del contacts
            gc.collect()


def export_csv(path: str, include_dnc=True):
    from spreadsheets import exports

    target = exports.get_target("contacts")
    queryset = exports.filtered_queryset(target, {}, include_do_not_contact=include_dnc)
    stream = exports.RowStream(target, queryset)
    size = 0
    with open(path, "wb") as handle:
        for part in exports.iter_csv(stream):
            size += len(part)
            handle.write(part)
    return stream.count, size


def export_xlsx(path: str):
    from spreadsheets import exports

    target = exports.get_target("contacts")
    stream = exports.RowStream(target, exports.filtered_queryset(target, {}, include_do_not_contact=True))
    with open(path, "wb") as handle:
        exports.write_xlsx(stream, handle)
    return stream.count, os.path.getsize(path)


def baseline(limit: int):
    """django-import-export's default path: resource.export() builds a tablib Dataset of model instances."""
    from spreadsheets.exports import get_target

    target = get_target("contacts")
    queryset = target.base_queryset().prefetch_related("tags")[:limit]
    started = time.perf_counter()
    dataset = target.resource().export(queryset)
    dataset.csv  # noqa: B018 - render like a download would
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=5_000)
    parser.add_argument(
        "--baseline",
        type=int,
        default=10_000,
        help="rows for django-import-export's resource.export() baseline (0 to skip)",
    )
    parser.add_argument("--db-url", default="", help="an empty database to use instead of a temporary SQLite file")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-export-")
    db_path = os.path.join(workdir, "bench.sqlite3")
    setup_django(db_path, args.db_url)

    started = time.perf_counter()
    populate(args.rows, args.organisations)
    populate_s = time.perf_counter() - started
    gc.collect()
    rss_before = current_rss_mb()

    csv_path = os.path.join(workdir, "contacts.csv")
    started, cpu_started = time.perf_counter(), time.process_time()
    csv_rows, csv_bytes = export_csv(csv_path)
    csv_s, csv_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss_after_csv = rss_mb()

    tracemalloc.start()
    export_csv(csv_path)
    _, csv_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    xlsx_path = os.path.join(workdir, "contacts.xlsx")
    started, cpu_started = time.perf_counter(), time.process_time()
    xlsx_rows, xlsx_bytes = export_xlsx(xlsx_path)
    xlsx_s, xlsx_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    tracemalloc.start()
    export_xlsx(xlsx_path)
    _, xlsx_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss = rss_mb()

    baseline_s = baseline(min(args.baseline, args.rows)) if args.baseline else None

    results = {
        "rows": args.rows,
        "organisations": args.organisations,
        "populate_s": round(populate_s, 2),
        "load_average": os.getloadavg(),
        "csv": {
            "rows": csv_rows,
            "seconds": round(csv_s, 3),
            "cpu_seconds": round(csv_cpu, 3),
            "bytes": csv_bytes,
            "tracemalloc_peak_mb": round(csv_peak / 2**20, 1),
            "rows_per_s": round(csv_rows / csv_s),
        },
        "xlsx": {
            "rows": xlsx_rows,
            "seconds": round(xlsx_s, 3),
            "cpu_seconds": round(xlsx_cpu, 3),
            "bytes": xlsx_bytes,
            "tracemalloc_peak_mb": round(xlsx_peak / 2**20, 1),
        },
        "rss_mb": {
            "before_export": round(rss_before, 1),
            "max_after_csv": round(rss_after_csv, 1),
            "max_overall": round(max_rss, 1),
        },
        "targets": {"csv_seconds": 3.0, "peak_mb": 200},
    }
    if baseline_s is not None:
        limit = min(args.baseline, args.rows)
        per_row = baseline_s / limit
        results["baseline_import_export"] = {
            "rows": limit,
            "seconds": round(baseline_s, 3),
            "extrapolated_seconds_for_all_rows": round(per_row * args.rows, 1),
            "ratio_vs_streaming_csv": round(per_row * args.rows / csv_s, 1),
        }
    results["csv_within_target"] = csv_s < 3.0 and csv_peak / 2**20 < 200 and rss_after_csv < 200

    from django.db import connection

    where = connection.vendor if args.db_url else f"sqlite, {db_path}"
    print(f"Export benchmark: {args.rows:,} contacts, {args.organisations:,} organisations ({where})")
    print(f"  populate (bulk_create)          {populate_s:8.2f} s")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time suffers when shared)")
    print(f"  {'format':<8}{'rows':>9}{'wall s':>9}{'CPU s':>8}{'MB out':>9}{'tracemalloc peak MB':>22}")
    print(f"  {'CSV':<8}{csv_rows:>9,}{csv_s:>9.2f}{csv_cpu:>8.2f}{csv_bytes / 2**20:>9.1f}{csv_peak / 2**20:>22.1f}")
    print(
        f"  {'XLSX':<8}{xlsx_rows:>9,}{xlsx_s:>9.2f}{xlsx_cpu:>8.2f}{xlsx_bytes / 2**20:>9.1f}"
        f"{xlsx_peak / 2**20:>22.1f}"
    )
    print(
        f"  max RSS: {rss_before:.0f} MB before export, {rss_after_csv:.0f} MB after CSV, {max_rss:.0f} MB after XLSX"
    )
    if baseline_s is not None:
        base = results["baseline_import_export"]
        print(
            f"  baseline django-import-export resource.export(): {base['rows']:,} rows in {base['seconds']:.2f} s "
            f"(≈{base['extrapolated_seconds_for_all_rows']:.1f} s for {args.rows:,}; "
            f"streaming CSV is {base['ratio_vs_streaming_csv']}x faster)"
        )
    verdict = "PASS" if results["csv_within_target"] else "FAIL"
    print(f"  target CSV < 3 s and < 200 MB: {verdict}")

    out = ROOT / "bench" / "results" / "export.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"  wrote {out.relative_to(ROOT)}")
    for name in os.listdir(workdir):
        os.remove(os.path.join(workdir, name))
    os.rmdir(workdir)


if __name__ == "__main__":
    main()
