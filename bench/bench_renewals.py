"""Renewals at scale: the Renewals tab's server time, and planning the next event from 5,000 sponsors.

    .venv/bin/python bench/bench_renewals.py [--db /tmp/crm-bench-large.sqlite3] [--repeat 15]
                                             [--user owner1] [--plans 3]

Targets (issue 28): the tab under 100 ms median at the large dataset (20,000 organisations, three
past events from generate_data) on SQLite and PostgreSQL; planning the next event from 5,000
pledges under 5 s.

The tab: /dashboard/renewals/ (the next event against the one before it) and the same with
?event=<latest past event> (a past event against the one before: both complete), each through
django.test.Client as a signed-in organiser: 2 warm-ups, `--repeat` timed runs, then one run with
the queries counted and timed, and the lapsed-list CSV.

Planning: renewals.services.plan_next_event from the latest past event (about 5,000 sponsors at
large), `--plans` times, each inside a transaction rolled back afterwards, so the database is left
as it was. Writes bench/results/renewals.json. Build the database first (bench/bench_pages.py
--scale large, or generate_data --scale large).
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_dashboard import measure
from bench.common import machine_description, machine_line, setup_django, write_json

TAB_TARGET_MS = 100
PLAN_TARGET_S = 5


class Rollback(Exception):
    pass


def plan_once(event, user) -> tuple[float, int, float]:
    from django.db import transaction

    from renewals.services import plan_next_event
    from sponsors.models import Pledge

    today = datetime.date.today()
    started, cpu_started = time.perf_counter(), time.process_time()
    count = 0
    try:
        with transaction.atomic():
            new = plan_next_event(
                event, name=f"Bench plan {time.time_ns()}", date=today + datetime.timedelta(days=300), user=user
            )
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            count = Pledge.objects.filter(event=new).count()
            raise Rollback
    except Rollback:
        pass
    return elapsed, count, cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="/tmp/crm-bench-large.sqlite3")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--user", default="owner1")
    parser.add_argument("--plans", type=int, default=3)
    args = parser.parse_args(argv)
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if not on_postgres and not Path(args.db).exists():
        parser.error(f"{args.db} does not exist: build it with bench/bench_pages.py --scale large first")
    setup_django(args.db)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from crm.models import Event
    from sponsors.comparisons import previous_event

    setup_test_environment()
    user = get_user_model().objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    latest_past = Event.objects.filter(date__lt=timezone.localdate()).order_by("-date").first()
    if latest_past is None or previous_event(latest_past) is None:
        parser.error("no two past events: generate_data (with the renewals app) makes three")
    urls = [
        ("renewals", "/dashboard/renewals/"),
        ("renewals-past", f"/dashboard/renewals/?event={latest_past.pk}"),
        ("renewals-csv", f"/dashboard/renewals/lapsed.csv?event={latest_past.pk}"),
        ("api", f"/api/events/{latest_past.pk}/renewals/"),
    ]
    print(f"\n{'page':<14} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'sql ms':>8}  url")
    pages = {}
    for name, url in urls:
        row = pages[name] = measure(client, url, args.repeat)
        print(
            f"{name:<14} {row.get('median_ms', 'n/a'):>10} {row.get('p95_ms', ''):>8} {row.get('queries', ''):>8} "
            f"{row.get('sql_ms', ''):>8}  {url}",
            flush=True,
        )

    # CPU time of the request (SQLite runs in this process): what it costs on a machine of its own,
    # when other work on the machine stretches the wall-clock figures.
    cpu = {}
    for name, url in urls[:2]:
        times = []
        for _ in range(args.repeat):
            start = time.process_time()
            client.get(url, HTTP_HOST="127.0.0.1")
            times.append((time.process_time() - start) * 1000)
        cpu[name] = round(statistics.median(times), 1)
        pages[name]["cpu_median_ms"] = cpu[name]
    print(f"CPU time per request, median: {cpu}")
    samples, cpu_samples, pledges = [], [], 0
    for _ in range(args.plans):
        elapsed, pledges, cpu_s = plan_once(latest_past, user)
        samples.append(elapsed)
        cpu_samples.append(cpu_s)
        print(
            f"plan_next_event from {latest_past.name}: {pledges:,} pledges in {elapsed:.2f} s ({cpu_s:.2f} s CPU)",
            flush=True,
        )
    plan = {"event": latest_past.name, "pledges": pledges, "median_s": round(statistics.median(samples or [0]), 2)}
    plan["samples_s"] = [round(s, 2) for s in samples]
    plan["cpu_median_s"] = round(statistics.median(cpu_samples or [0]), 2)

    verdict = {
        "tab_median_ms": pages["renewals"].get("median_ms"),
        "tab_past_median_ms": pages["renewals-past"].get("median_ms"),
        "tab_under_target": max(pages["renewals"].get("median_ms", 1e9), pages["renewals-past"].get("median_ms", 1e9))
        < TAB_TARGET_MS,
        "plan_under_target": plan["median_s"] < PLAN_TARGET_S,
    }
    print(
        f"\nTab median {verdict['tab_median_ms']} ms (next event), {verdict['tab_past_median_ms']} ms (past event);"
        f" target {TAB_TARGET_MS} ms. Planning {pledges:,} pledges: {plan['median_s']} s median; target {PLAN_TARGET_S} s."
    )
    print(machine_line())
    path = write_json(
        "renewals",
        {
            "db": args.db,
            "user": args.user,
            "repeat": args.repeat,
            "machine": machine_description(),
            "pages": pages,
            "plan": plan,
            "verdict": verdict,
        },
    )
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
