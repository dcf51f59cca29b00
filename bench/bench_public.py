"""The public pages at scale: the sponsor wall (JSON and HTML) at 200 sponsors, an application's POST,
and the prospectus PDF.

    .venv/bin/python bench/bench_public.py [--sponsors 200] [--repeat 30] [--db PATH | DATABASE_URL=postgres://...]

Fills its own database (/tmp/crm-bench-public.sqlite3, made again each run) with one event, four
tiers, `--sponsors` pledges confirmed or later spread over the tiers, each with the sponsor portal's
description and an approved logo (one stored PNG), and 20 credited in-kind suppliers; the wall is
read through the real portal's registered presence. Then, anonymously through django.test.Client:
2 warm-ups and `--repeat` timed requests of /sponsors/<slug>.json and /sponsors/<slug>/ (a fresh
request each time: no If-None-Match; the wall is built once per version and cached, see
publicpages/wallcache.py), the same with the cache emptied before each request (the wall built
again, as for the first visitor after a change), and with If-None-Match (304), `--repeat` application POSTs (each a new organisation and
contact, a verbal Supporter pledge, its follow-up, emails to the locmem backend and the webhook
event), and 10 renders of the prospectus PDF. Query counts beside the times, and the wall's queries
at half the sponsors (equal: they do not grow). Targets: wall < 20 ms median, POST < 200 ms,
PDF < 1 s. Writes bench/results/public.json.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, timed, write_json

TARGETS_MS = {"wall_json": 20, "wall_html": 20, "application_post": 200, "prospectus_pdf": 1000}


def fill(n_sponsors: int):
    from django.core.files.base import ContentFile
    from PIL import Image

    from crm.models import Contact, Event, FollowUp, Interaction, Organisation
    from portal.models import LogoSubmission, SponsorAssets
    from publicpages.models import Application, InKindCredit, PublicPage
    from sponsors.models import InKindContribution, Pledge, PledgeStageChange, SponsorshipTier

    for model in (Application, PublicPage, InKindCredit, LogoSubmission, SponsorAssets, FollowUp, Interaction):
        model.objects.all().delete()
    for model in (PledgeStageChange, Pledge, InKindContribution, SponsorshipTier, Contact, Organisation, Event):
        model.objects.all().delete()
    event = Event.objects.create(name="Bench launch", venue="Bench Hall", capacity=2500)
    tiers = [
        SponsorshipTier.objects.create(event=event, name=name, price=Decimal(price), slots=slots, logo=True)
        for name, price, slots in [
            ("Headline", 8000, 5),
            ("Gold", 4000, 40),
            ("Silver", 2000, 80),
            ("Supporter", 750, 100_000),
        ]
    ]
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"Bench sponsor {i}",
            name_key=f"bench sponsor {i}",
            is_sponsor=True,
            website=f"https://sponsor{i}.example",
        )
        for i in range(n_sponsors)
    )
    stages = ["confirmed", "invoiced", "paid"]
    pledges = Pledge.objects.bulk_create(
        Pledge(
            organisation=o,
            event=event,
            tier=tiers[min(i % 20, 3)] if i >= 5 else tiers[0],
            amount=Decimal(1000),
            stage=stages[i % 3],
        )
        for i, o in enumerate(orgs)
    )
    out = io.BytesIO()
    Image.new("RGB", (1200, 400), (31, 58, 95)).save(out, format="PNG")
    logo = LogoSubmission(
        pledge=pledges[0],
        original_name="logo.png",
        content_type="image/png",
        size=1,
        status=LogoSubmission.Status.APPROVED,
    )
    logo.file.save("bench-logo.png", ContentFile(out.getvalue()))
    LogoSubmission.objects.bulk_create(
        LogoSubmission(
            pledge=p,
            file=logo.file.name,
            original_name="logo.png",
            content_type="image/png",
            size=1,
            status=LogoSubmission.Status.APPROVED,
        )
        for p in pledges[1:]
    )
    SponsorAssets.objects.bulk_create(
        SponsorAssets(pledge=p, description=f"Sponsor {i} builds digital services for the region.")
        for i, p in enumerate(pledges)
    )
    suppliers = Organisation.objects.bulk_create(
        Organisation(name=f"Bench supplier {i}", name_key=f"bench supplier {i}", is_supplier=True) for i in range(20)
    )
    offers = InKindContribution.objects.bulk_create(
        InKindContribution(organisation=s, event=event, category="catering", description="Lunch", status="confirmed")
        for s in suppliers
    )
    InKindCredit.objects.bulk_create(InKindCredit(contribution=o, credit_publicly=True) for o in offers)
    page = PublicPage.objects.create(event=event, slug="bench", prospectus_on=True, application_on=True, wall_on=True)
    return page, tiers, pledges


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sponsors", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", default="/tmp/crm-bench-public.sqlite3")
    args = parser.parse_args()
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="crm-bench-public-media-"))
    setup_django(args.db)

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import LogoSubmission, SponsorAssets
    from publicpages import wallcache
    from publicpages.forms import started_token
    from sponsors.models import Pledge

    settings.ALLOWED_HOSTS = ["*"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLICPAGES_MIN_FILL_SECONDS = 0
    for name in (
        "PUBLICPAGES_APPLY_LIMIT",
        "PUBLICPAGES_PAGE_LIMIT",
        "PUBLICPAGES_WALL_LIMIT",
        "PUBLICPAGES_PDF_LIMIT",
    ):
        setattr(settings, name, 10**9)
    _page, tiers, pledges = fill(args.sponsors)
    client = Client()
    results = {}

    def measure(name, fn, repeat, warmup=2):
        stats = timed(fn, repeat=repeat, warmup=warmup)
        cpu = []
        for _ in range(min(repeat, 10)):
            start = time.process_time()
            fn()
            cpu.append(time.process_time() - start)
        with CaptureQueriesContext(connection) as ctx:
            response = fn()
        results[name] = {
            "median_ms": round(stats["median"] * 1000, 1),
            "p95_ms": round(stats["p95"] * 1000, 1),
            "cpu_median_ms": round(median(cpu) * 1000, 1),
            "queries": len(ctx.captured_queries),
            "bytes": len(response.content),
        }
        print(
            f"{name:18s} median {stats['median'] * 1000:7.1f} ms  p95 {stats['p95'] * 1000:7.1f} ms  "
            f"cpu {median(cpu) * 1000:6.1f} ms  {len(ctx.captured_queries):3d} queries",
            flush=True,
        )

    def get(url):
        def fn():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fn

    on_wall = sum(len(t["sponsors"]) for t in client.get("/sponsors/bench.json").json()["tiers"])
    assert on_wall == args.sponsors, on_wall
    # Each logo's thumbnail is made on its first request; the wall links to them, it never makes one.
    client.get(client.get("/sponsors/bench.json").json()["tiers"][0]["sponsors"][0]["logo"])
    measure("wall_json", get("/sponsors/bench.json"), args.repeat)
    measure("wall_html", get("/sponsors/bench/"), args.repeat)

    def after_a_change(url):
        fetch = get(url)

        def fn():
            cache.clear()  # as after a change: nothing cached for the version asked for
            return fetch()

        return fn

    measure("wall_json_rebuilt", after_a_change("/sponsors/bench.json"), args.repeat)
    measure("wall_html_rebuilt", after_a_change("/sponsors/bench/"), args.repeat)

    def conditional(url):
        tag = client.get(url)["ETag"]

        def fn():
            response = client.get(url, HTTP_IF_NONE_MATCH=tag)
            assert response.status_code == 304, (url, response.status_code)
            return response

        return fn

    measure("wall_json_304", conditional("/sponsors/bench.json"), args.repeat)

    counter = iter(range(10**6))

    def apply():
        i = next(counter)
        cache.clear()
        response = client.post(
            "/sponsor/bench/",
            {
                "organisation": f"Applicant {i} Ltd",
                "contact_name": f"Applicant Person{i}",
                "email": f"applicant{i}@bench.example",
                "phone": "0113 000 0000",
                "tier": str(tiers[3].pk),
                "billing_address": "1 Bench Row",
                "po_number": f"PO-{i}",
                "message": "We would like to sponsor.",
                "consent": "on",
                "fax_number": "",
                "started": started_token(time.time() - 60),
            },
        )
        assert response.status_code == 200, response.status_code
        return response

    measure("application_post", apply, args.repeat)
    measure("prospectus_pdf", get("/sponsor/bench/prospectus.pdf"), 10, warmup=1)

    # The wall's queries when built, at half the sponsors: the same number.
    half = [p.pk for p in pledges[: args.sponsors // 2]]
    Pledge.objects.filter(pk__in=half).update(stage="verbal")
    LogoSubmission.objects.filter(pledge_id__in=half).delete()
    SponsorAssets.objects.filter(pledge_id__in=half).delete()
    wallcache.changed()  # the bulk UPDATE above bypasses the models' signals
    with CaptureQueriesContext(connection) as ctx:
        on_wall_now = sum(len(t["sponsors"]) for t in client.get("/sponsors/bench.json").json()["tiers"])
    assert on_wall_now == args.sponsors - len(half), on_wall_now
    results["wall_json_rebuilt"]["queries_at_half"] = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as cached_ctx:  # and read again, from the cache
        client.get("/sponsors/bench.json")
    results["wall_json"]["queries_at_half"] = len(cached_ctx.captured_queries)
    print(
        f"wall_json built: queries at {args.sponsors} sponsors: {results['wall_json_rebuilt']['queries']}, "
        f"at {args.sponsors // 2}: {len(ctx.captured_queries)}; cached: {results['wall_json']['queries']} and "
        f"{len(cached_ctx.captured_queries)}"
    )

    verdict = {k: results[k]["median_ms"] < v for k, v in TARGETS_MS.items()}
    info = machine_description()
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores: wall times include waiting for a core")
    print(machine_line(info))
    print("targets met:", verdict)
    path = write_json(
        "public",
        {
            "sponsors": args.sponsors,
            "pages": results,
            "targets_ms": TARGETS_MS,
            "met": verdict,
            "machine": info,
            "load_average": round(load, 1),
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
