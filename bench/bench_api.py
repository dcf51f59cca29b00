"""Server time and query count of the REST API's lists at a given data scale.

    .venv/bin/python bench/bench_api.py [--scale large] [--repeat 15] [--db PATH | --db-url postgres://...]
                                        [--reuse-db]

Builds (or reuses) /tmp/crm-bench-api-<scale>.sqlite3 with `generate_data`, creates an API token
for the organiser and requests each list through django.test.Client with
`Authorization: Bearer <token>`: 2 warm-ups, `--repeat` timed runs (median, p95), one run under
CaptureQueriesContext; each list is also counted at page_size=10 to show the queries do not grow
with the page. On PostgreSQL it works in a fresh crm_bench_api database on the URL's server unless
--reuse-db says to use the URL's database as it is (bench/run_all.py passes bench_pages' database). Target: GET /api/contacts/?page_size=100 under 80 ms median at large.
Writes bench/results/api.json (api-postgres.json on PostgreSQL).
"""

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, write_json

LISTS = [
    ("contacts", "/api/contacts/?page_size=100"),
    ("organisations", "/api/organisations/?page_size=100"),
    ("interactions", "/api/interactions/?page_size=100"),
    ("pledges", "/api/pledges/?page_size=100"),
    ("followups", "/api/followups/?page_size=100"),
    ("contacts_updated_since", "/api/contacts/?page_size=100&updated_since=2000-01-01T00:00:00Z"),
    ("contacts_page_50", "/api/contacts/?page_size=100&page=50"),
    ("invoices", "/api/invoices/?page_size=100"),
    ("payments", "/api/payments/?page_size=100"),
    ("emails", "/api/emails/?page_size=100"),
]
#: Invoices the large list is measured over when generate_data made none (or few).
MIN_INVOICES = 500
TARGET_MS = {"contacts": 80}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="large", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="SQLite file to use (default /tmp/crm-bench-api-<scale>.sqlite3)")
    parser.add_argument("--db-url", help="a database URL (e.g. postgres://...) used instead of DATABASE_URL")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="PostgreSQL: use the URL's database (e.g. bench_pages' data) instead of a fresh one",
    )
    args = parser.parse_args(argv)

    if args.db_url:
        os.environ["DATABASE_URL"] = args.db_url
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")) and not args.reuse_db:
        from bench.run_all import pg_fresh_database

        os.environ["DATABASE_URL"] = pg_fresh_database(os.environ["DATABASE_URL"], "crm_bench_api")
    setup_django(args.db or f"/tmp/crm-bench-api-{args.scale}.sqlite3")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from api.services import create_token
    from bench.bench_pages import bench_users, ensure_data, measure

    setup_test_environment()
    counts, generated_s = ensure_data(args.scale, args.seed)
    counts["invoices"] = ensure_invoices(MIN_INVOICES if args.scale == "large" else 20)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them on a live server
            cursor.execute("ANALYZE")
    organiser = bench_users()["organiser"]
    _, key = create_token(user=organiser, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    results = {}
    for name, url in LISTS:
        row = {"url": url, **measure(lambda url=url: client.get(url), args.repeat)}
        with CaptureQueriesContext(connection) as small:
            client.get(url.replace("page_size=100", "page_size=10"))
        row["queries_at_page_size_10"] = len(small.captured_queries)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        row["query_ms"] = [round(float(q["time"]) * 1000, 1) for q in ctx.captured_queries]
        if name in TARGET_MS:
            row["target_ms"] = TARGET_MS[name]
        results[name] = row
        print(
            f"{name:24} {row.get('median_ms', 'n/a'):>8} ms median  {row.get('p95_ms', 'n/a'):>8} ms p95  "
            f"{row.get('queries')} queries (page_size=10: {row['queries_at_page_size_10']}), "
            f"SQL ms each: {row['query_ms']}",
            flush=True,
        )

    machine = machine_description()
    payload = {
        "scale": args.scale,
        "repeat": args.repeat,
        "warmups": 2,
        "counts": counts,
        "generate_seconds": generated_s,
        "machine": machine,
        "lists": results,
    }
    name = "api" if connection.vendor == "sqlite" else "api-postgres"
    path = write_json(name, payload)
    print(f"\n{machine_line(machine)}\nWrote {path}")


def ensure_invoices(wanted):
    """Invoices (half of them part paid) through the invoicing services, unless generate_data
    already made enough: confirmed pledges are invoiced, then verbal pledges are confirmed first."""
    from invoicing.models import Invoice
    from invoicing.services import raise_invoice, record_payment
    from sponsors.models import Pledge, Stage
    from sponsors.services import move_pledge

    have = Invoice.objects.count()
    if have >= wanted:
        return have
    print(f"Raising {wanted - have} invoices for the invoice list…", flush=True)
    candidates = []
    for stage in (Stage.CONFIRMED, Stage.VERBAL):
        candidates += Pledge.objects.filter(stage=stage, invoices__isnull=True, amount__gt=0).order_by("pk")[
            : wanted - have - len(candidates)
        ]
    for i, pledge in enumerate(candidates):
        if pledge.stage != Stage.CONFIRMED:
            move_pledge(pledge, Stage.CONFIRMED)
        invoice = raise_invoice(pledge.pk)
        if i % 2:
            record_payment(invoice, amount=(invoice.gross_total / 2).quantize(Decimal("0.01")))
    return Invoice.objects.count()


if __name__ == "__main__":
    main()
