"""Invoice PDF render time and the /invoices/ list at scale.

    .venv/bin/python bench/bench_invoicing.py [--invoices 50000] [--repeat 15] [--db PATH | DATABASE_URL=postgres://...]

Fills /tmp/crm-bench-invoicing.sqlite3 (reused while it holds the wanted number of invoices)
with one organisation, pledge and invoice per row, a payment on every third and a credit note
on every tenth, written with bulk_create (the services' numbering is measured by the tests, not
here). Then, as a signed-in organiser through django.test.Client: 2 warm-ups and `--repeat`
timed requests of the invoice list (plain, filtered by status, overdue, sorted by balance) and
of one invoice's PDF, with the query count of each. Targets: PDF < 500 ms, list < 150 ms median.
Each page also reports its median CPU time (the process's, SQLite included): on a shared,
loaded machine the wall time mostly measures the wait for a core. `--invoices 7912 --db
<a generate_data large database>` measures the invoices generate_data made (reused as is).
Writes bench/results/invoicing.json.
"""

import argparse
import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, timed, write_json

PAGES = [
    ("invoice_list", "/invoices/"),
    ("invoice_list_overdue", "/invoices/?status=overdue"),
    ("invoice_list_part_paid", "/invoices/?status=part_paid&page=2"),
    ("invoice_list_by_total", "/invoices/?sort=-gross_total"),
    ("invoice_list_deep_page", "/invoices/?page={deep}"),
]


def ensure_invoices(n):
    from crm.models import Event, Organisation
    from invoicing.models import CreditNote, Invoice, InvoiceLine, NumberSequence, Payment
    from sponsors.models import Pledge

    if Invoice.objects.count() == n:
        print(f"Reusing {n} invoices")
        return None
    print(f"Creating {n} invoices…", flush=True)
    start = time.perf_counter()
    for model in (Payment, CreditNote, InvoiceLine, Invoice, Pledge, Organisation, Event):
        model.objects.all().delete()
    event = Event.objects.create(name="Bench launch", date=datetime.date.today(), capacity=250)
    today = datetime.date.today()
    batch = 5000
    for offset in range(0, n, batch):
        size = min(batch, n - offset)
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Bench sponsor {offset + i}", name_key=f"bench sponsor {offset + i}", is_sponsor=True)
            for i in range(size)
        )
        amounts = [Decimal(500 + (offset + i) % 40 * 250) for i in range(size)]
        pledges = Pledge.objects.bulk_create(
            Pledge(organisation=o, event=event, amount=a, stage="invoiced") for o, a in zip(orgs, amounts)
        )
        invoices = []
        for i, (p, o, a) in enumerate(zip(pledges, orgs, amounts)):
            k = offset + i
            issued = today - datetime.timedelta(days=k % 200)
            invoices.append(
                Invoice(
                    number=f"INV-{k + 1:06d}",
                    pledge=p,
                    po_number=f"PO-{k}",
                    issue_date=issued,
                    due_date=issued + datetime.timedelta(days=30),
                    billing_name=o.name,
                    billing_contact="A Person",
                    net_total=a,
                    vat_total=Decimal("0"),
                    gross_total=a,
                )
            )
        invoices = Invoice.objects.bulk_create(invoices)
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=inv, description="Sponsorship", quantity=1, unit_price=inv.gross_total)
            for inv in invoices
        )
        Payment.objects.bulk_create(
            Payment(invoice=inv, date=inv.issue_date, amount=inv.gross_total / (2 if j % 2 else 1))
            for j, inv in enumerate(invoices[::3])
        )
        CreditNote.objects.bulk_create(
            CreditNote(
                number=f"CN-{offset + j:06d}",
                invoice=inv,
                issue_date=inv.issue_date,
                amount=Decimal("10"),
                reason="Bench",
            )
            for j, inv in enumerate(invoices[1::10])
        )
    NumberSequence.objects.update_or_create(prefix="INV-", defaults={"last_number": n})
    elapsed = time.perf_counter() - start
    print(f"  created in {elapsed:.1f} s", flush=True)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", default="/tmp/crm-bench-invoicing.sqlite3")
    args = parser.parse_args()
    setup_django(args.db)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.roles import ORGANISER
    from invoicing.models import Invoice

    settings.ALLOWED_HOSTS = ["*"]
    generated = ensure_invoices(args.invoices)
    user, _ = get_user_model().objects.get_or_create(username="bench-organiser")
    user.groups.add(Group.objects.get(name=ORGANISER))
    client = Client()
    client.force_login(user)
    number = Invoice.objects.order_by("number").values_list("number", flat=True)[args.invoices // 2]
    deep = max(1, args.invoices // 50 // 2)
    pages = [(name, url.format(deep=deep)) for name, url in PAGES] + [
        ("invoice_pdf", f"/invoices/{number}/pdf/"),
        ("invoice_detail", f"/invoices/{number}/"),
    ]

    results = {}
    for name, url in pages:

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        stats = timed(get, repeat=args.repeat, warmup=2)
        cpu = []  # this process's CPU time (SQLite runs in it): what the request costs on an idle machine
        for _ in range(args.repeat):
            start = time.process_time()
            get()
            cpu.append(time.process_time() - start)
        with CaptureQueriesContext(connection) as ctx:
            response = get()
        results[name] = {
            "url": url,
            "median_ms": round(stats["median"] * 1000, 1),
            "p95_ms": round(stats["p95"] * 1000, 1),
            "cpu_median_ms": round(median(cpu) * 1000, 1),
            "queries": len(ctx.captured_queries),
            "bytes": len(response.content),
        }
        print(
            f"{name:28s} median {stats['median'] * 1000:7.1f} ms  p95 {stats['p95'] * 1000:7.1f} ms  "
            f"cpu {median(cpu) * 1000:6.1f} ms  {len(ctx.captured_queries):3d} queries  {url}",
            flush=True,
        )

    # The whole list as CSV and XLSX (the resource's columns, streamed): one run each.
    for fmt in ("csv", "xlsx"):
        start = time.perf_counter()
        response = client.get(f"/invoices/?format={fmt}")
        size = len(b"".join(response.streaming_content)) if response.streaming else len(response.content)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        results[f"export_{fmt}"] = {"seconds": round(elapsed, 2), "bytes": size}
        print(f"export_{fmt:23s} {elapsed:7.2f} s for {args.invoices} invoices ({size:,} bytes)")

    targets = {"invoice_pdf": 500, "invoice_list": 150}
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores: wall times include waiting for a core")
    verdict = {k: results[k]["median_ms"] < v for k, v in targets.items()}
    info = machine_description()
    print(machine_line(info))
    print("targets met:", verdict)
    path = write_json(
        "invoicing",
        {
            "invoices": args.invoices,
            "generated_seconds": generated,
            "pages": results,
            "targets_ms": targets,
            "met": verdict,
            "machine": info,
            "load_average": round(load, 1),
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
