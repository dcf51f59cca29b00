"""One-word searches over the full-text index at a given data scale.

    .venv/bin/python bench/bench_search.py [--scale large] [--repeat 15] [--db PATH | --db-url postgres://...]

Uses the same data as bench_pages.py (/tmp/crm-bench-<scale>.sqlite3, generated when missing):
at large 20,000 organisations, 100,000 contacts and 500,000 interactions. Times the search
selector itself (every group: organisations, contacts and interactions, first 25 and the
counts) for common and rare words, and the search page through the test client.
Target: a one-word search under 50 ms. Writes bench/results/search.json (or search-postgres).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, timed, write_json

WORDS = ["digital", "smith", "catering", "leeds", "zzqx"]
TARGET_MS = 50


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="large", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="SQLite file to use (default /tmp/crm-bench-<scale>.sqlite3)")
    parser.add_argument("--db-url", help="a database URL used instead of DATABASE_URL")
    args = parser.parse_args(argv)
    if args.db_url:
        os.environ["DATABASE_URL"] = args.db_url
    setup_django(args.db or f"/tmp/crm-bench-{args.scale}.sqlite3")

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from bench.bench_pages import bench_users, ensure_data
    from crm.selectors.search import search

    counts, _ = ensure_data(args.scale, args.seed)
    setup_test_environment()  # allows the "testserver" host; DEBUG stays off
    client = Client()
    client.force_login(bench_users()["organiser"])
    results = {}
    for word in WORDS:
        run = lambda word=word: search(word, include_interactions=True)  # noqa: E731
        found = run()
        stats = timed(run, repeat=args.repeat, warmup=1)
        page = timed(lambda word=word: client.get(f"/search/?q={word}"), repeat=args.repeat, warmup=1)
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/search/?q={word}")
        results[word] = {
            "selector_median_ms": round(stats["median"] * 1000, 1),
            "selector_p95_ms": round(stats["p95"] * 1000, 1),
            "page_median_ms": round(page["median"] * 1000, 1),
            "page_p95_ms": round(page["p95"] * 1000, 1),
            "page_queries": len(ctx.captured_queries),
            "matches": {k: found[f"{k}_count"] for k in ("organisations", "contacts", "interactions")},
            # A count above its group's cap means "more than" (the selector stops there).
            "count_caps": {
                "organisations": found.get("count_cap"),
                "contacts": found.get("count_cap"),
                "interactions": found.get("interactions_count_cap"),
            },
        }
        print(
            f"{word:>10}: selector {results[word]['selector_median_ms']:7.1f} ms (p95 "
            f"{results[word]['selector_p95_ms']:.1f}), page {results[word]['page_median_ms']:7.1f} ms, "
            f"{results[word]['page_queries']} queries, matches {results[word]['matches']}",
            flush=True,
        )
    info = machine_description()
    name = "search" if connection.vendor == "sqlite" else "search-postgres"
    path = write_json(
        name, {"scale": args.scale, "counts": counts, "target_ms": TARGET_MS, "words": results, "machine": info}
    )
    print(machine_line(info))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
