"""Server time and query count of each committee dashboard URL on an existing database.

    .venv/bin/python bench/bench_dashboard.py [--db /tmp/crm-bench-large.sqlite3] [--repeat 15]
                                              [--user owner1] [--queries] [--profile URL]

Requests each dashboard through django.test.Client as a signed-in organiser (owner1 by default):
2 warm-ups, `--repeat` timed runs (median, p95), then one run with every query timed through
`connection.execute_wrapper` (count, total SQL ms; `--queries` lists the slowest). `--profile URL`
prints a cProfile of one request to that URL instead. Writes bench/results/dashboard.json.
The database is not generated here: build it first with bench/bench_pages.py or generate_data.
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, timed, write_json

URLS = [
    ("pipeline", "/dashboard/"),
    ("inkind", "/dashboard/in-kind/"),
    ("partners", "/dashboard/partners/"),
    ("activity", "/dashboard/activity/"),
    ("renewals", "/dashboard/renewals/"),
    ("print", "/dashboard/print/"),
]


class QueryTimer:
    """An execute wrapper that records (ms, sql) for every query; works with DEBUG off."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - start) * 1000, sql))


def measure(client, url, repeat):
    from django.db import connection

    first = client.get(url, HTTP_HOST="127.0.0.1")
    if first.status_code != 200:
        return {"url": url, "status": first.status_code, "available": False}
    client.get(url, HTTP_HOST="127.0.0.1")
    stats = timed(lambda: client.get(url, HTTP_HOST="127.0.0.1"), repeat=repeat)
    timer = QueryTimer()
    with connection.execute_wrapper(timer):
        response = client.get(url, HTTP_HOST="127.0.0.1")
    slowest = sorted(timer.queries, reverse=True)[:5]
    return {
        "url": url,
        "status": response.status_code,
        "available": True,
        "median_ms": round(stats["median"] * 1000, 1),
        "p95_ms": round(stats["p95"] * 1000, 1),
        "min_ms": round(stats["min"] * 1000, 1),
        "queries": len(timer.queries),
        "sql_ms": round(sum(ms for ms, _ in timer.queries), 1),
        "html_kb": round(len(response.content) / 1024, 1),
        "slowest_queries": [{"ms": round(ms, 1), "sql": sql[:400]} for ms, sql in slowest],
    }


def profile(client, url, limit=35):
    client.get(url, HTTP_HOST="127.0.0.1")
    prof = cProfile.Profile()
    prof.enable()
    client.get(url, HTTP_HOST="127.0.0.1")
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(limit)
    print(out.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="/tmp/crm-bench-large.sqlite3")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--user", default="owner1")
    parser.add_argument("--queries", action="store_true", help="list the slowest queries of each page")
    parser.add_argument("--profile", metavar="URL", help="cProfile one request to URL and stop")
    parser.add_argument("--only", nargs="*", help="names of the pages to measure (pipeline, inkind, ...)")
    args = parser.parse_args(argv)
    if not Path(args.db).exists():
        parser.error(f"{args.db} does not exist: build it with bench/bench_pages.py --scale large first")

    setup_django(args.db)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    if args.profile:
        profile(client, args.profile)
        return

    print(
        f"\n{'page':<10} {'url':<22} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8} "
        f"{'sql ms':>8} {'html KB':>8}"
    )
    results = {}
    for name, url in URLS:
        if args.only and name not in args.only:
            continue
        row = results[name] = measure(client, url, args.repeat)
        if not row["available"]:
            print(f"{name:<10} {url:<22} {row['status']:>6} {'n/a':>10}", flush=True)
            continue
        print(
            f"{name:<10} {url:<22} {row['status']:>6} {row['median_ms']:>10} {row['p95_ms']:>8} "
            f"{row['queries']:>8} {row['sql_ms']:>8} {row['html_kb']:>8}",
            flush=True,
        )
        if args.queries:
            for query in row["slowest_queries"]:
                print(f"    {query['ms']:>8.1f} ms  {query['sql'][:300]}")

    machine = machine_description()
    payload = {
        "db": args.db,
        "user": args.user,
        "repeat": args.repeat,
        "warmups": 2,
        "machine": machine,
        "pages": results,
    }
    if not args.only:
        path = write_json("dashboard", payload)
        print(f"\n{machine_line(machine)}\nWrote {path}")
    else:
        print(f"\n{machine_line(machine)}")


if __name__ == "__main__":
    main()
