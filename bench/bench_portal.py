"""The sponsor portal: the sponsor's page and a 5 MB logo.

    .venv/bin/python bench/bench_portal.py [--sponsors 200] [--repeat 30] [--db PATH | DATABASE_URL=postgres://...]

Fills /tmp/crm-bench-portal.sqlite3 afresh with one event and `--sponsors` pledged sponsors, each
invited, half of them signed with billing, a logo, details and four guests, through the portal's
services (so the agreement PDFs are real). Then, through django.test.Client as the sponsor (no
account): 3 warm-ups and `--repeat` timed requests of one signed sponsor's page, with its query
count, which must not grow with the number of sponsors, guests or logos (measured at two sizes).
Then a 5 MB PNG logo (noise, so it does not compress) checked and stored by services.submit_logo,
timed `--repeat` times. Targets: page < 50 ms median, constant queries; 5 MB logo < 1 s.
Writes bench/results/portal.json.
"""

import argparse
import datetime
import io
import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, timed, write_json


def five_mb_png() -> bytes:
    from PIL import Image

    side = 1300  # ~5 MB of incompressible RGB noise as PNG
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    data = out.getvalue()
    assert 4.5 * 1048576 < len(data) <= 5 * 1048576, len(data)
    return data


def build(n: int):
    from django.core.management import call_command

    from crm.models import Contact, Event, Organisation
    from portal import services
    from sponsors.models import SponsorshipTier
    from sponsors.services import create_pledge

    call_command("flush", interactive=False, verbosity=0)
    event = Event.objects.create(
        name="Bench launch", date=datetime.date.today() + datetime.timedelta(days=60), capacity=5000
    )
    tier = SponsorshipTier.objects.create(
        event=event, name="Gold", price=Decimal("2500"), ticket_allocation=4, logo=True, stand=True, speaking_slot=True
    )
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (800, 300), (20, 80, 150)).save(buf, "PNG")
    logo = buf.getvalue()
    tokens = []
    for i in range(n):
        org = Organisation.objects.create(name=f"Bench sponsor {i}", name_key=f"bench sponsor {i}", is_sponsor=True)
        contact = Contact.objects.create(
            organisation=org, first_name="Pat", last_name=f"S{i}", email=f"pat{i}@s{i}.example"
        )
        pledge = create_pledge(organisation=org, event=event, tier=tier, stage="verbal")
        link, token = services.create_link(pledge, contact=contact)
        tokens.append((pledge.pk, token))
        if i % 2 == 0:
            services.sign(link, name=f"Pat S{i}", title="Director", authorised=True, ip="192.0.2.1")
            services.save_billing(
                link,
                billing_contact="Accounts",
                billing_email=f"ap{i}@s{i}.example",
                billing_address="1 St",
                po_number=f"PO-{i}",
            )
            services.submit_logo(link, logo, "logo.png")
            services.save_assets(link, description="We build things.", website="https://example.org")
            services.save_guests(link, [{"name": f"G{j}", "email": f"g{j}@s{i}.example"} for j in range(4)])
    return tokens, logo


def page_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sponsors", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", default="/tmp/crm-bench-portal.sqlite3")
    args = parser.parse_args()
    setup_django(args.db)
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.PORTAL_RATE_PER_IP = settings.PORTAL_RATE_PER_TOKEN = "1000000/minute"
    settings.MEDIA_ROOT = Path("/tmp/crm-bench-portal-media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from portal import services

    print(machine_line(), flush=True)
    tokens, logo = build(args.sponsors)
    client = Client()
    pledge_id, token = tokens[0]  # signed, with billing, a logo, details and guests
    url = f"/portal/{pledge_id}/{token}/"
    queries = page_queries(client, url)
    page = timed(lambda: client.get(url), repeat=args.repeat, warmup=3)
    # Constant queries: more logos, an invoice and a credit note on the page's pledge change nothing.
    link = services.find_link(pledge_id, token)
    for _ in range(3):
        services.submit_logo(link, logo, "more.png")
    from invoicing.services import issue_credit_note, raise_invoice

    issue_credit_note(raise_invoice(pledge_id, po="PO-X"), amount="1", reason="Bench")
    queries_after = page_queries(client, url)
    data = five_mb_png()
    from portal.uploads import check_logo

    def store():
        services.submit_logo(link, data, "big.png")

    check = timed(lambda: check_logo(data, "big.png"), repeat=args.repeat, warmup=1)
    stored = timed(store, repeat=max(5, args.repeat // 3), warmup=1)
    result = {
        "machine": machine_description(),
        "sponsors": args.sponsors,
        "portal_page": {"median_ms": page["median"] * 1000, "p95_ms": page["p95"] * 1000, "queries": queries},
        "portal_page_queries_again": queries_after,
        "logo_5mb_bytes": len(data),
        "logo_5mb_check": {"median_ms": check["median"] * 1000, "p95_ms": check["p95"] * 1000},
        "logo_5mb_submit": {"median_ms": stored["median"] * 1000, "p95_ms": stored["p95"] * 1000},
    }
    print(
        f"portal page: median {result['portal_page']['median_ms']:.1f} ms, p95 {result['portal_page']['p95_ms']:.1f} ms, "
        f"{queries} queries, {queries_after} with 3 more logos, an invoice and a credit note (target < 50 ms, constant)"
    )
    print(
        f"5 MB logo ({len(data) / 1048576:.2f} MB): checked in {result['logo_5mb_check']['median_ms']:.0f} ms median, "
        f"checked and stored in {result['logo_5mb_submit']['median_ms']:.0f} ms median (target < 1 s)"
    )
    print(f"wrote {write_json('portal', result)}")


if __name__ == "__main__":
    main()
