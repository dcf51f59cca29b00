"""Time of each section of the pipeline dashboard, one selector at a time, on an existing database.

    .venv/bin/python bench/bench_pipeline_queries.py [--db /tmp/crm-bench-large.sqlite3] [--repeat 25]
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_pipeline_queries.py

The page's time (bench_pages.py) is the sum of these and of rendering; this says which section
costs what (issue 16: every dashboard tab under 100 ms on both databases), with the default
criteria the page uses (the next event, no other filters). Each selector: 2 warm-ups, `--repeat`
timed runs with the objects alive at start frozen out of the garbage collector's sight (as
crm/wsgi.py does), median, p95, min and its query count. Writes bench/results/pipeline_queries.json.
The database is not generated here: build it first with bench/bench_pages.py --scale large.
"""

import argparse
import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    machine_description,
    machine_line,
    setup_django,
    timed,
    write_json,
)


def sections(criteria):
    from dashboards.boards import pipeline
    from invoicing import selectors

    return {
        "stage_tier_totals": lambda: pipeline.stage_tier_totals(criteria),
        "top_open": lambda: pipeline.top_open(criteria),
        "stuck": lambda: pipeline.stuck(criteria),
        "wins_and_losses": lambda: pipeline.wins_and_losses(criteria, limit=pipeline.RECENT_SHOWN),
        "monthly": lambda: pipeline.monthly(criteria),
        "money_owed": selectors.money_owed,
        "whole_board": lambda: pipeline.build(criteria),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="/tmp/crm-bench-large.sqlite3")
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args(argv)

    setup_django(args.db)
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from dashboards.filters import build_filterset

    criteria = build_filterset(QueryDict(""), "pipeline").criteria
    gc.collect()
    gc.freeze()
    print(f"\n{'section':<18} {'median ms':>10} {'p95 ms':>8} {'min ms':>8} {'queries':>8}")
    results = {}
    for name, fn in sections(criteria).items():
        stats = timed(fn, repeat=args.repeat, warmup=2)
        with CaptureQueriesContext(connection) as queries:
            fn()
        row = results[name] = {
            "median_ms": round(stats["median"] * 1000, 2),
            "p95_ms": round(stats["p95"] * 1000, 2),
            "min_ms": round(stats["min"] * 1000, 2),
            "queries": len(queries),
        }
        print(
            f"{name:<18} {row['median_ms']:>10} {row['p95_ms']:>8} {row['min_ms']:>8} {row['queries']:>8}", flush=True
        )
    machine = machine_description()
    path = write_json(
        "pipeline_queries",
        {
            "db": connection.vendor,
            "repeat": args.repeat,
            "machine": machine,
            "event": str(criteria.event),
            "sections": results,
        },
    )
    print(f"\n{machine_line(machine)}\nWrote {path}")


if __name__ == "__main__":
    main()
