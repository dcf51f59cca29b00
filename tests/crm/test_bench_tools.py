"""bench/run_all.py turns benchmark JSON into the RESULTS.md tables the lead quotes."""

from bench import run_all

SAMPLE = {
    "import": {
        "rows": 100000,
        "organisations": 5000,
        "runs": 3,
        "import_seconds": 13.5,
        "reimport_seconds": 20.0,
        "baseline_seconds": 405.0,
        "baseline_rows": 10000,
        "baseline_extrapolated": True,
        "peak_rss_mb": 512.0,
    },
    "floor": {"rows": 100000, "seconds": 1.35},
    "pages": {
        "scale": "large",
        "pages": {
            "contacts": {
                "url": "/contacts/",
                "available": True,
                "median_ms": 150.0,
                "p95_ms": 180.0,
                "queries": 11,
                "peak_mb": 1.5,
            },
            "favours": {"url": "/favours/", "available": False, "status": 404},
        },
    },
    "loadtest": {
        "users": 50,
        "duration_s": 60.2,
        "workers": 4,
        "requests": 3000,
        "rps": 49.8,
        "kinds": {"dashboard": {"count": 900, "median_ms": 120.0, "p95_ms": 450.0}},
        "errors": 0,
        "lost_writes": 0,
    },
}


def test_rows_and_markdown_table():
    table = run_all.markdown_table(run_all.build_rows(SAMPLE))
    lines = table.splitlines()
    assert lines[0] == "| figure | value | baseline | ratio |"
    assert lines[1] == "| --- | ---: | --- | ---: |"
    assert lines[2] == (
        "| import 100,000 contacts (read + dry run + commit) | 13.50 s | 405 s (django-import-export "
        "default ModelResource, extrapolated from 10,000 rows) | 0.03× |"
    )
    assert lines[3] == (
        "| import 100,000 contacts vs raw insert | 13.50 s | 1.35 s (sqlite3.executemany floor, same file) | 10.00× |"
    )
    assert "| re-import 100,000 contacts as updates | 20.00 s |" in table
    assert "| /contacts/ at large: median server time | 150 ms | 100 ms (budget) | 1.50× |" in table
    assert "| /contacts/ at large: queries | 11 | — | — |" in table
    assert "| /favours/ at large | n/a | not measured (status 404) | — |" in table
    assert (
        "| load test (50 users, 60 s, 4 gunicorn workers, ? data): requests per second | 49.80 req/s | — | — |" in table
    )
    assert "| load test: lost writes | 0 | 0 (must be 0) | — |" in table


def test_sections_keep_both_databases():
    summary = {
        "date": "2026-01-02 03:04",
        "machine_line": "2 × CPU",
        "quick": False,
        "rows": run_all.build_rows({"floor": {}}),
        "notes": ["a note"],
    }
    text = run_all.render_results({"postgres": summary, "sqlite": {**summary, "quick": True}})
    assert text.startswith("# Benchmark results")
    assert text.index("## SQLite (BENCH_QUICK") < text.index("## PostgreSQL\n")
    assert "Measured 2026-01-02 03:04 on 2 × CPU." in text
    assert "- a note" in text


# ------------------------------------------------------------------ search, API, invoicing, mail, spreadsheets
# Shaped like the JSON bench_search.py, bench_api.py, bench_invoicing.py, bench_mail.py and
# bench_spreadsheets.py write.

STEP_SAMPLE = {
    "search": {
        "scale": "large",
        "counts": {"contacts": 100000, "interactions": 500000},
        "target_ms": 50,
        "words": {
            "digital": {
                "selector_median_ms": 31.5,
                "selector_p95_ms": 40.0,
                "page_median_ms": 62.0,
                "page_p95_ms": 70.0,
                "page_queries": 12,
                "matches": {"organisations": 8, "contacts": 45, "interactions": 1200},
            },
            "smith": {
                "selector_median_ms": 3.5,
                "selector_p95_ms": 4.0,
                "page_median_ms": 30.0,
                "page_p95_ms": 35.0,
                "page_queries": 12,
                "count_cap": 1000,
                "matches": {"organisations": 0, "contacts": 1001, "interactions": 3},
            },
            "catering": {
                "selector_median_ms": 20.0,
                "selector_p95_ms": 25.0,
                "page_median_ms": 50.0,
                "page_p95_ms": 60.0,
                "page_queries": 12,
                "count_caps": {"organisations": None, "contacts": None, "interactions": 1000},
                "matches": {"organisations": 2, "contacts": 5, "interactions": 1001},
            },
        },
    },
    "api": {
        "scale": "large",
        "lists": {
            "contacts": {
                "url": "/api/contacts/?page_size=100",
                "available": True,
                "median_ms": 60.0,
                "p95_ms": 75.0,
                "queries": 4,
                "queries_at_page_size_10": 4,
                "target_ms": 80,
            },
            "emails": {
                "url": "/api/emails/?page_size=100",
                "available": False,
                "status": 404,
                "queries_at_page_size_10": 2,
            },
        },
    },
    "invoicing": {
        "invoices": 50000,
        "load_average": 1.2,
        "pages": {
            "invoice_list": {
                "url": "/invoices/",
                "median_ms": 120.0,
                "p95_ms": 140.0,
                "cpu_median_ms": 90.0,
                "queries": 10,
            },
            "invoice_list_overdue": {
                "url": "/invoices/?status=overdue",
                "median_ms": 180.0,
                "p95_ms": 200.0,
                "cpu_median_ms": 150.0,
                "queries": 9,
            },
            "invoice_pdf": {
                "url": "/invoices/INV-025001/pdf/",
                "median_ms": 250.0,
                "p95_ms": 300.0,
                "cpu_median_ms": 200.0,
                "queries": 9,
            },
            "invoice_detail": {
                "url": "/invoices/INV-025001/",
                "median_ms": 40.0,
                "p95_ms": 45.0,
                "cpu_median_ms": 30.0,
                "queries": 10,
            },
            "export_csv": {"seconds": 3.5, "bytes": 100},
        },
    },
    "mail": {
        "import": {"messages": 10000, "seconds": 21.0},
        "fetch": {"messages": 1000, "seconds": 12.0, "moved": 1000},
        "organisation_page": {
            "small": {"emails": 50, "queries": 23, "median_ms": 40.0, "p95_ms": 45.0},
            "big": {"emails": 5000, "queries": 23, "median_ms": 90.0, "p95_ms": 160.0},
        },
    },
    "spreadsheets": {
        "rows": 20000,
        "jobs": 1000,
        "export_sync_download_s": {"median": 0.8},
        "export_queue_request_s": {"median": 0.02},
        "export_job_s": {"median": 0.9},
        "import_preview_s": 2.0,
        "import_queue_request_s": 0.01,
        "import_job_s": 4.0,
        "job_list_queries": 9,
        "job_list_s": {"median": 0.05},
        "job_progress_s": {"median": 0.01},
    },
}


def test_new_steps_rows_against_their_targets():
    table = run_all.markdown_table(run_all.build_rows(STEP_SAMPLE))
    assert (
        "| search “digital” (1,253 matches over 100,000 contacts, 500,000 interactions): median | 31.50 ms "
        "| 50 ms (target) | 0.63× |"
    ) in table
    assert "| /search/?q=digital at large: median server time | 62.00 ms | 100 ms (budget) | 0.62× |" in table
    assert "| search “smith” (1,003+ matches over 100,000 contacts, 500,000 interactions): median | 3.50 ms |" in table
    # Interactions are counted to their own cap, the other groups exactly.
    assert "| search “catering” (1,007+ matches over 100,000 contacts, 500,000 interactions): median |" in table
    assert (
        "| API /api/contacts/?page_size=100 at large: median server time | 60.00 ms | 80 ms (target) | 0.75× |"
    ) in table
    assert "| API /api/contacts/?page_size=100 at large: queries | 4 | 4 (at page_size=10) | 1.00× |" in table
    assert "| API /api/emails/?page_size=100 at large | n/a | not measured (status 404) | — |" in table
    assert "| /invoices/ at 50,000 invoices: median server time | 120 ms | 150 ms (target) | 0.80× |" in table
    assert (
        "| /invoices/?status=overdue at 50,000 invoices: median server time | 180 ms | 150 ms (target) | 1.20× |"
    ) in table
    assert "| invoice PDF at 50,000 invoices: median server time | 250 ms | 500 ms (target) | 0.50× |" in table
    assert "| invoice PDF at 50,000 invoices: median CPU time | 200 ms | 500 ms (target) | 0.40× |" in table
    assert "| invoice page at 50,000 invoices: median server time | 40.00 ms | 100 ms (budget) | 0.40× |" in table
    assert "| invoice list as CSV at 50,000 invoices (one run) | 3.50 s | — | — |" in table
    assert "| import 10,000 saved emails | 21.00 s | 30 s (target) | 0.70× |" in table
    assert "| fetch 1,000 emails from IMAP (local Dovecot) | 12.00 s | 30 s (target) | 0.40× |" in table
    assert ("| organisation page with 5,000 emails: median server time | 90.00 ms | 150 ms (target) | 0.60× |") in table
    assert "| organisation page with 5,000 emails: queries | 23 | 23 (with 50 emails) | 1.00× |" in table
    assert (
        "| export 20,000 contacts: the request that queues a background job: median | 20.00 ms "
        "| 800 ms (synchronous download) | 0.03× |"
    ) in table
    assert (
        "| import 20,000 contacts: the confirm request that queues the commit | 10.00 ms | 4,000 ms "
        "(the same commit run synchronously, as the worker does) | 0.00× |"
    ) in table
    assert "| Recent jobs page with 1,000 jobs: median server time | 50.00 ms | 100 ms (budget) | 0.50× |" in table


def test_skipped_and_failed_steps_say_why():
    table = run_all.markdown_table(
        run_all.build_rows(
            {
                "search": {"failed": "bench_search.py exited with 1"},
                "mail": {"skipped": "no Dovecot on this machine"},
                "spreadsheets": {},
                "api": {},
                "invoicing": {},
            }
        )
    )
    assert "| search | n/a | bench_search.py exited with 1 | — |" in table
    assert "| email | n/a | no Dovecot on this machine | — |" in table
    assert "API" not in table and "invoice" not in table and "spreadsheet" not in table


def test_header_states_the_page_budgets_the_table_uses():
    text = run_all.render_results({})
    assert (f"{run_all.PAGE_MEDIAN_BUDGET_MS} ms median and {run_all.PAGE_P95_BUDGET_MS} ms p95") in text
    assert "the 300 ms budget comes from issue 6" not in text
    rows = run_all.build_rows(
        {
            "pages": {
                "scale": "large",
                "pages": {
                    "orgs": {
                        "url": "/organisations/",
                        "available": True,
                        "median_ms": 50.0,
                        "p95_ms": 60.0,
                        "queries": 9,
                    }
                },
            }
        }
    )
    budgets = {r["baseline"] for r in rows if "server time" in r["figure"]}
    assert budgets == {f"{run_all.PAGE_MEDIAN_BUDGET_MS} ms (budget)", f"{run_all.PAGE_P95_BUDGET_MS} ms (budget)"}


def test_only_accepts_every_step_and_refuses_unknown_names(capsys):
    assert run_all.parse_steps("spreadsheets, search,pages") == ["pages", "search", "spreadsheets"]
    assert run_all.parse_steps(",".join(run_all.STEPS)) == list(run_all.STEPS)
    try:
        run_all.main(["--only", "search,serch"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("an unknown step must stop the run")
    assert "unknown step(s) serch" in capsys.readouterr().err


def _isolated(monkeypatch, tmp_path, url):
    """run_all writing to tmp_path, with the benchmarks themselves replaced by recorders."""
    monkeypatch.setattr(run_all, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(run_all, "RESULTS_MD", tmp_path / "RESULTS.md")
    monkeypatch.setattr(
        run_all, "machine_info", lambda kind, db_url=None: {"cpus": 2, "cpu_model": "CPU", "python": "3.11"}
    )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BENCH_QUICK", "1")
    calls = []
    for step in ("search", "api"):
        monkeypatch.setattr(
            run_all,
            f"run_{step}",
            lambda size, out_dir, kind, db, db_url, step=step: (
                calls.append((step, kind, db, db_url)) or {"failed": f"{step} stub"}
            ),
        )
    for step in ("invoicing", "mail", "spreadsheets"):
        monkeypatch.setattr(
            run_all,
            f"run_{step}",
            lambda size, out_dir, kind, base_url, step=step: (
                calls.append((step, kind, base_url)) or {"skipped": f"{step} stub"}
            ),
        )
    return calls


def test_search_and_api_reuse_the_pages_database_on_sqlite(monkeypatch, tmp_path):
    calls = _isolated(monkeypatch, tmp_path, "sqlite:///x.sqlite3")
    assert run_all.main(["--only", "api,search,mail"]) == 0
    assert calls == [
        ("search", "sqlite", "/tmp/crm-bench-small.sqlite3", None),
        ("api", "sqlite", "/tmp/crm-bench-small.sqlite3", None),
        ("mail", "sqlite", "sqlite:///x.sqlite3"),
    ]
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| search | n/a | search stub | — |" in text and "| email | n/a | mail stub | — |" in text


def test_search_and_api_reuse_the_pages_database_on_postgres(monkeypatch, tmp_path):
    calls = _isolated(monkeypatch, tmp_path, "postgres://u@localhost:5432/crm")
    made = []
    monkeypatch.setattr(
        run_all, "pg_ensure_database", lambda base, name: made.append(name) or run_all.pg_database_url(base, name)
    )
    assert run_all.main(["--only", "search,api,invoicing,spreadsheets"]) == 0
    pages = "postgres://u@localhost:5432/bench_pages_small"
    assert made == ["bench_pages_small"]  # created only if missing: its data is kept
    assert calls[:2] == [("search", "postgres", None, pages), ("api", "postgres", None, pages)]
    assert [c[0] for c in calls[2:]] == ["invoicing", "spreadsheets"]
    assert "## PostgreSQL (BENCH_QUICK" in (tmp_path / "RESULTS.md").read_text()


def test_api_step_passes_the_pages_database_and_keeps_its_json(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(run_all, "run_child", lambda args, env=None, label="": seen.append(args) or (0, 123.4, 5.0))
    monkeypatch.setattr(run_all, "RESULTS_DIR", tmp_path)
    (tmp_path / "api-postgres.json").write_text('{"scale": "small", "lists": {}}')
    size = run_all.sizes(True)
    data = run_all.run_api(size, tmp_path / "postgres", "postgres", None, "postgres://h/bench_pages_small")
    assert [str(a) for a in seen[0][1:]] == [
        "--scale",
        "small",
        "--repeat",
        "3",
        "--db-url",
        "postgres://h/bench_pages_small",
        "--reuse-db",
    ]
    assert data["peak_rss_mb"] == 123.4 and data["db"] == "postgres://h/bench_pages_small"
    assert (tmp_path / "postgres" / "api.json").exists() and not (tmp_path / "api-postgres.json").exists()
    assert run_all.run_api(size, tmp_path / "postgres", "postgres", None, "postgres://h/x") == {
        "failed": "bench_api.py exited with 0"
    }  # no JSON written: a row says so rather than a crash


def test_bench_api_offers_reuse_db():
    assert run_all.script_supports(run_all.ROOT / "bench" / "bench_api.py", "--reuse-db")


def test_own_database_steps_get_bench_databases_on_postgres(monkeypatch, tmp_path):
    seen, fresh, kept = [], [], []
    monkeypatch.setattr(
        run_all,
        "run_child",
        lambda args, env=None, label="": (
            seen.append(([str(a) for a in args[1:]], (env or {}).get("DATABASE_URL"))) or (1, 0.0, 0.0)
        ),
    )
    monkeypatch.setattr(run_all, "pg_fresh_database", lambda base, name: fresh.append(name) or f"pg://{name}")
    monkeypatch.setattr(run_all, "pg_ensure_database", lambda base, name: kept.append(name) or f"pg://{name}")
    monkeypatch.setattr(run_all, "RESULTS_DIR", tmp_path)
    size = run_all.sizes(False)
    for step in ("invoicing", "mail", "spreadsheets"):
        result = getattr(run_all, f"run_{step}")(size, tmp_path, "postgres", "postgres://h/crm")
        assert result == {"failed": f"bench_{step}.py exited with 1"}
    assert fresh == ["bench_mail", "bench_spreadsheets"] and kept == ["bench_invoicing"]  # invoices are reused
    assert seen == [
        (["--invoices", "50000", "--repeat", "15"], "pg://bench_invoicing"),
        (["--messages", "10000", "--fetch", "1000", "--page-emails", "5000", "--repeat", "15"], "pg://bench_mail"),
        (["--rows", "20000", "--jobs", "1000"], "pg://bench_spreadsheets"),
    ]
    seen.clear()
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    run_all.run_invoicing(run_all.sizes(True), tmp_path, "sqlite", "sqlite:///db.sqlite3")
    assert seen == [
        (
            ["--invoices", "1000", "--repeat", "3", "--db", "/tmp/crm-bench-invoicing-1000.sqlite3"],
            "sqlite:///db.sqlite3",
        )
    ]  # a quick run keeps away from the 50,000-invoice file


def test_notes_say_where_each_step_was_measured():
    notes = run_all.step_notes(STEP_SAMPLE, "postgres")
    assert (
        "Measured on bench_pages' data (bench_pages_<scale> database), not data of their own: search and the API lists."
    ) in notes
    assert any("without the PostgreSQL server's" in n for n in notes)
    assert any(n.startswith("Spreadsheets: a database of its own") for n in notes)
    assert run_all.step_notes({"search": {"failed": "x"}}, "sqlite") == []
