"""bench/run_all.py turns benchmark JSON into the RESULTS.md tables the lead quotes."""
from bench import run_all

SAMPLE = {
    "import": {"rows": 100000, "organisations": 5000, "runs": 3, "import_seconds": 13.5, "reimport_seconds": 20.0,
               "baseline_seconds": 405.0, "baseline_rows": 10000, "baseline_extrapolated": True,
               "peak_rss_mb": 512.0},
    "floor": {"rows": 100000, "seconds": 1.35},
    "pages": {"scale": "large", "pages": {
        "contacts": {"url": "/contacts/", "available": True, "median_ms": 150.0, "p95_ms": 180.0, "queries": 11,
                     "peak_mb": 1.5},
        "favours": {"url": "/favours/", "available": False, "status": 404},
    }},
    "loadtest": {"users": 50, "duration_s": 60.2, "workers": 4, "requests": 3000, "rps": 49.8,
                 "kinds": {"dashboard": {"count": 900, "median_ms": 120.0, "p95_ms": 450.0}},
                 "errors": 0, "lost_writes": 0},
}


def test_rows_and_markdown_table():
    table = run_all.markdown_table(run_all.build_rows(SAMPLE))
    lines = table.splitlines()
    assert lines[0] == "| figure | value | baseline | ratio |"
    assert lines[1] == "| --- | ---: | --- | ---: |"
    assert lines[2] == ("| import 100,000 contacts (read + dry run + commit) | 13.50 s | 405 s (django-import-export "
                        "default ModelResource, extrapolated from 10,000 rows) | 0.03× |")
    assert lines[3] == ("| import 100,000 contacts vs raw insert | 13.50 s | 1.35 s (sqlite3.executemany floor, "
                        "same file) | 10.00× |")
    assert "| re-import 100,000 contacts as updates | 20.00 s |" in table
    assert "| /contacts/ at large: median server time | 150 ms | 100 ms (budget) | 1.50× |" in table
    assert "| /contacts/ at large: queries | 11 | — | — |" in table
    assert "| /favours/ at large | n/a | not measured (status 404) | — |" in table
    assert "| load test (50 users, 60 s, 4 gunicorn workers, ? data): requests per second | 49.80 req/s | — | — |" in table
    assert "| load test: lost writes | 0 | 0 (must be 0) | — |" in table


def test_sections_keep_both_databases():
    summary = {"date": "2026-01-02 03:04", "machine_line": "2 × CPU", "quick": False,
               "rows": run_all.build_rows({"floor": {}}), "notes": ["a note"]}
    text = run_all.render_results({"postgres": summary, "sqlite": {**summary, "quick": True}})
    assert text.startswith("# Benchmark results")
    assert text.index("## SQLite (BENCH_QUICK") < text.index("## PostgreSQL\n")
    assert "Measured 2026-01-02 03:04 on 2 × CPU." in text
    assert "- a note" in text
