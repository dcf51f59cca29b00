"""Server time, query count and peak memory of the main pages at a given data scale.

    .venv/bin/python bench/bench_pages.py [--scale large] [--repeat 15] [--as organiser|committee]
                                          [--db PATH | --db-url postgres://...] [--out NAME]
                                          [--only NAME_OR_PATH ...] [--no-gc-freeze]

Builds /tmp/crm-bench-<scale>.sqlite3 with `generate_data` (reused while its counts match the
scale; a postgres DATABASE_URL is used as is), then requests each page through django.test.Client
as a signed-in user: 2 warm-ups, `--repeat` timed runs (median, p95), then one run under
CaptureQueriesContext and one under tracemalloc. Pages that are missing (404) or still the
"Not built yet" placeholder are reported as n/a. Writes bench/results/pages.json.

Pages are measured as the server runs them: crm/wsgi.py imports every view at start-up and
freezes the objects then alive out of the garbage collector's sight (crm/startup.py), and so does
this script before measuring; --no-gc-freeze measures without (full collections then cost
~100 ms instead of ~15, and land in one request in ten or twenty).
"""

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, timed, write_json

#: Every page a signed-in organiser can open that has no id in its path (issue 16: bench_pages covers
#: every page); pages of one record come from record_pages().
PAGES = [
    ("dashboard", "/dashboard/"),
    ("dashboard_in_kind", "/dashboard/in-kind/"),
    ("dashboard_partners", "/dashboard/partners/"),
    ("dashboard_activity", "/dashboard/activity/"),
    ("dashboard_print", "/dashboard/print/"),
    ("events", "/events/"),
    ("organisations", "/organisations/"),
    ("contacts", "/contacts/"),
    # The lists' search boxes, by the search index (a word of three letters or more).
    ("organisations_search", "/organisations/?q=leeds"),
    ("contacts_search", "/contacts/?q=smith"),
    ("followups", "/followups/"),
    ("followups_everyone", "/followups/?who=all"),
    ("pledges", "/pledges/"),
    ("pledge_board", "/pledges/board/"),
    ("in_kind", "/in-kind/"),
    ("partners", "/partners/"),
    ("favours", "/favours/"),
    ("search", "/search/?q=digital"),
    ("imports", "/imports/"),
    ("jobs", "/jobs/"),
    ("retention_report", "/privacy/retention/"),
    ("invoices", "/invoices/"),
    ("invoice_settings", "/invoices/settings/"),
    ("mail_triage", "/mail/triage/"),
    ("mail_templates", "/mail/templates/"),
    ("mail_merges", "/mail/merges/"),
    ("api_tokens", "/api/tokens/"),
    ("webhooks", "/webhooks/"),
    ("two_factor", "/account/two-factor/"),
    # Forms whose choices grow with the data (organisations, contacts, pledges to pick from).
    ("quick_log_form", "/log/"),
    ("new_organisation", "/organisations/new/"),
    ("new_contact", "/contacts/new/"),
    ("new_followup", "/followups/new/"),
    ("new_pledge", "/pledges/new/"),
    ("new_in_kind", "/in-kind/new/"),
    ("new_favour", "/favours/new/"),
    ("new_event", "/events/new/"),
    ("import_upload", "/imports/upload/"),
]
MEDIAN_BUDGET_MS, P95_BUDGET_MS = 100, 150  # issue 16, at the large dataset
PLACEHOLDER = b'data-testid="placeholder"'
COUNTED = {
    "crm.Organisation": "organisations",
    "crm.Contact": "contacts",
    "crm.Interaction": "interactions",
    "sponsors.Pledge": "pledges",
    "crm.FollowUp": "followups",
}


def current_counts():
    from django.apps import apps

    return {key: apps.get_model(label).objects.count() for label, key in COUNTED.items()}


def settle():
    """On PostgreSQL, VACUUM ANALYZE the freshly generated tables, as autovacuum soon does on a live
    server: planner statistics, and the visibility map that lets a count read an index alone
    (counting 100,000 contacts read the whole table instead: 25–30 ms against 8–13)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def ensure_data(scale, seed):
    """Generate data unless the database already holds exactly this scale (interactions may grow by quick-logs)."""
    from django.core.management import call_command

    from demodata.synthetic import sizes_for

    wanted, have = sizes_for(scale), current_counts()
    same = all(have[k] == wanted[k] for k in wanted if k != "interactions")
    same = same and wanted["interactions"] <= have["interactions"] <= wanted["interactions"] + 5000
    if same:
        print(f"Reusing the {scale} data: {have}")
        return have, None
    print(f"Generating {scale} data (have {have}, want {wanted})…", flush=True)
    start = time.perf_counter()
    call_command("generate_data", scale=scale, seed=seed, clear=True, quiet_steps=True, verbosity=0)
    settle()
    elapsed = time.perf_counter() - start
    print(f"  generated in {elapsed:.1f} s")
    return current_counts(), elapsed


def bench_users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from crm.roles import COMMITTEE, ORGANISER

    User = get_user_model()
    users = {}
    # owner1 holds records, follow-ups and pledges, so "my ..." panels have data at scale.
    for key, username, role in (("organiser", "owner1", ORGANISER), ("committee", "bench-committee", COMMITTEE)):
        user, _ = User.objects.get_or_create(username=username)
        user.groups.add(Group.objects.get(name=role))
        users[key] = user
    return users


def uninstrument_templates():
    """Render templates as a server does: setup_test_environment() makes every template render send
    a signal the test client answers by copying the context, which a server never pays for. Returns
    a context manager that puts the instrumentation back, for reading a response's context."""
    from contextlib import contextmanager

    from django.template import Template
    from django.test.utils import _TestState

    plain, instrumented_render = _TestState.saved_data.template_render, Template._render
    Template._render = plain

    @contextmanager
    def instrumented():
        Template._render = instrumented_render
        try:
            yield
        finally:
            Template._render = plain

    return instrumented


def is_missing(response):
    return response.status_code == 404 or (
        response.status_code == 200 and PLACEHOLDER in getattr(response, "content", b"")
    )


def measure(request, repeat):
    """Warm up twice, time `repeat` runs, then count queries and trace peak memory once each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = request()
    if is_missing(first):
        return {"status": first.status_code, "available": False}
    request()
    stats = timed(request, repeat=repeat)
    with CaptureQueriesContext(connection) as ctx:
        response = request()
    queries = len(ctx.captured_queries)  # read now: the next request resets the connection's log
    tracemalloc.start()
    request()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "status": response.status_code,
        "available": True,
        "median_ms": round(stats["median"] * 1000, 1),
        "p95_ms": round(stats["p95"] * 1000, 1),
        "min_ms": round(stats["min"] * 1000, 1),
        "queries": queries,
        "peak_mb": round(peak / 1024 / 1024, 2),
    }


def quick_log_request(client, organiser):
    """A POST to /log/ filled from the page's own form, or None when the page is not built yet."""
    from django.utils import timezone

    from crm.models import Contact

    page = client.get("/log/")
    if is_missing(page) or page.status_code != 200:
        return None, page.status_code
    contact = Contact.objects.filter(organisation__isnull=False).order_by("pk").first()
    data = {}
    form = (page.context or {}).get("form") if page.context is not None else None
    if form is not None:
        for name, field in form.fields.items():
            initial = form.initial.get(name, field.initial)
            if callable(initial):
                initial = initial()
            if initial not in (None, ""):
                data[name] = initial
    now = timezone.localtime().replace(microsecond=0)
    data.update(
        {
            "organisation": contact.organisation_id,
            "contact": contact.pk,
            "kind": "call",
            "direction": "outbound",
            "summary": "Benchmark call",
            "outcome": "",
            "occurred_at": now.strftime("%Y-%m-%d %H:%M"),
        }
    )
    if form is not None:  # only send what the form knows about
        data = {k: v for k, v in data.items() if k in form.fields}
    return (lambda: client.post("/log/", data)), page.status_code


def record_pages():
    """One page of each kind of record, the busiest where it matters: the organisation and contact with
    the most interactions (the longest timelines), the pledge with the most stage changes, the event
    with the most pledges, an invoice, an email and an import, when the data has them."""
    from django.apps import apps
    from django.db.models import Count

    from crm.models import Interaction

    pages = []
    for name, field, prefix in (
        ("organisation_page", "organisation", "/organisations/"),
        ("contact_page", "contact", "/contacts/"),
    ):
        top = (
            Interaction.objects.filter(**{f"{field}__isnull": False})
            .values(field)
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if top:
            pages.append((name, f"{prefix}{top[field]}/"))
            pages.append((f"{name}_edit", f"{prefix}{top[field]}/edit/"))
    Pledge = apps.get_model("sponsors", "Pledge")
    pledge = Pledge.objects.annotate(n=Count("stage_changes")).order_by("-n", "pk").values("pk", "event_id").first()
    if pledge:
        pages += [("pledge_page", f"/pledges/{pledge['pk']}/"), ("pledge_edit", f"/pledges/{pledge['pk']}/edit/")]
    event = apps.get_model("crm", "Event").objects.annotate(n=Count("pledges")).order_by("-n", "pk").first()
    if event:
        pages += [("event_page", f"/events/{event.pk}/"), ("event_tickets", f"/events/{event.pk}/tickets/")]
    for name, label, path in (
        ("invoice_page", "invoicing.Invoice", "/invoices/{number}/"),
        ("email_page", "mail.EmailMessage", "/mail/messages/{pk}/"),
        ("import_page", "crm.ImportBatch", "/imports/{pk}/"),
    ):
        model = apps.get_model(label)
        record = model.objects.order_by("-pk").first()
        if record is not None:
            pages.append((name, path.format(pk=record.pk, number=getattr(record, "number", ""))))
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="large", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as", dest="role", default="organiser", choices=["organiser", "committee"])
    parser.add_argument("--db", help="SQLite file to use (default /tmp/crm-bench-<scale>.sqlite3)")
    parser.add_argument("--db-url", help="a database URL (e.g. postgres://...) used instead of DATABASE_URL")
    parser.add_argument("--out", help="name of the JSON file in bench/results/ (default pages or pages-postgres)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME_OR_PATH",
        help="bench only these pages, by name (dashboard_activity) or path (/dashboard/activity/)",
    )
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="measure without crm/wsgi.py's start-up gc.freeze() (see the module docstring)",
    )
    args = parser.parse_args(argv)

    if args.db_url:
        os.environ["DATABASE_URL"] = args.db_url
    setup_django(args.db or f"/tmp/crm-bench-{args.scale}.sqlite3")
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # allows the "testserver" host; DEBUG stays off
    instrumented = uninstrument_templates()
    counts, generated_s = ensure_data(args.scale, args.seed)
    users = bench_users()
    client = Client()
    client.force_login(users[args.role])
    from crm.startup import freeze_startup_objects

    frozen = freeze_startup_objects() if args.gc_freeze else 0

    results = {}
    pages = PAGES + record_pages()
    if args.only:
        pages = [(name, url) for name, url in pages if name in args.only or url in args.only]
    for name, url in pages:
        results[name] = {"url": url, **measure(lambda url=url: client.get(url), args.repeat)}
        print_row(name, results[name])
    if not args.only or "quick_log_post" in args.only:
        poster = Client()
        poster.force_login(users["organiser"])
        with instrumented():  # the quick log's form is read from the page's context
            post, status = quick_log_request(poster, users["organiser"])
        if post is None:
            results["quick_log_post"] = {"url": "/log/", "status": status, "available": False}
        else:
            results["quick_log_post"] = {"url": "/log/", **measure(post, args.repeat)}
        print_row("quick_log_post", results["quick_log_post"])

    machine = machine_description()
    payload = {
        "scale": args.scale,
        "repeat": args.repeat,
        "warmups": 2,
        "user": args.role,
        "counts": counts,
        "gc_frozen_objects": frozen,
        "generate_seconds": generated_s,
        "machine": machine,
        "pages": results,
    }
    name = args.out or ("pages" if os.environ.get("DATABASE_URL", "").startswith("sqlite") else "pages-postgres")
    path = write_json(name, payload)
    print(f"\n{machine_line(machine)}\nWrote {path}")


def print_row(name, row, _header=None):
    if _header is None:
        _header = [True]
    if _header[0]:
        print(f"\n{'page':<20} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'peak MB':>8}")
        _header[0] = False
    if not row.get("available"):
        print(f"{name:<20} {row['status']:>6} {'n/a':>10} {'n/a':>8} {'n/a':>8} {'n/a':>8}", flush=True)
        return
    over = " over budget" if row["median_ms"] > MEDIAN_BUDGET_MS or row["p95_ms"] > P95_BUDGET_MS else ""
    print(
        f"{name:<20} {row['status']:>6} {row['median_ms']:>10} {row['p95_ms']:>8} {row['queries']:>8} "
        f"{row['peak_mb']:>8}{over}",
        flush=True,
    )


if __name__ == "__main__":
    main()
