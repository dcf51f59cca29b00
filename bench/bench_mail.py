"""Email: importing saved messages, fetching from a real IMAP server, the organisation page with
thousands of emails on its timeline.

    .venv/bin/python bench/bench_mail.py [--messages 10000] [--fetch 1000] [--page-emails 5000]
                                         [--repeat 10] [--db PATH] [--no-fetch]

A fresh SQLite file (/tmp/crm-bench-mail.sqlite3) unless DATABASE_URL is a postgres URL. Targets
(issue 13): import 10,000 in < 30 s; fetch 1,000 from the local Dovecot in < 30 s; the organisation
page with 5,000 emails in < 150 ms with the same number of queries as with 50. Writes
bench/results/mail.json.
"""

import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time
from email.message import EmailMessage as StdMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, timed, write_json


def message(i, sender, to="crm@network.example", attachment=False):
    msg = StdMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"Sponsorship conversation {i}"
    msg["Date"] = format_datetime(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(minutes=i))
    msg["Message-ID"] = f"<bench-{i}@bench.example>"
    msg.set_content(f"Hello,\n\nThis is message {i} about the launch event sponsorship.\n\nRegards")
    msg.add_alternative(f"<p>Hello,</p><p>This is message <b>{i}</b>.</p><script>x()</script>", subtype="html")
    if attachment:
        msg.add_attachment(b"%PDF-1.4 bench " * 100, maintype="application", subtype="pdf", filename=f"deck-{i}.pdf")
    return bytes(msg)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--fetch", type=int, default=1000)
    parser.add_argument("--page-emails", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--db", default="/tmp/crm-bench-mail.sqlite3")
    parser.add_argument("--no-fetch", action="store_true")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
    media = tempfile.mkdtemp(prefix="crm-bench-media-")
    os.environ["MEDIA_ROOT"] = media
    setup_django(args.db)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.models import Contact, Organisation
    from mail.models import EmailMessage, FiledEmail
    from mail.services import import_paths

    user = get_user_model().objects.create_user("bench-organiser", email="olivia@network.example")
    user.groups.add(Group.objects.get(name="Organiser"))
    big = Organisation.objects.create(name="Bench Big Org")
    small = Organisation.objects.create(name="Bench Small Org")
    big_people = [
        Contact.objects.create(first_name=f"Big{i}", email=f"big{i}@big.example", organisation=big) for i in range(20)
    ]
    small_person = Contact.objects.create(first_name="Small", email="small@small.example", organisation=small)
    results = {"machine": machine_description()}

    # 1. import_email of N saved messages: page_emails to the big organisation, 50 to the small
    # one, the rest from strangers (they wait for triage); every tenth has an attachment.
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-eml-"))
    for i in range(args.messages):
        if i < args.page_emails:
            sender = big_people[i % len(big_people)].email
        elif i < args.page_emails + 50:
            sender = small_person.email
        else:
            sender = f"stranger{i}@else.example"
        (folder / f"{i:06d}.eml").write_bytes(message(i, sender, attachment=i % 10 == 0))
    start = time.perf_counter()
    outcome = import_paths([folder], user=user)
    seconds = time.perf_counter() - start
    results["import"] = {
        "messages": args.messages,
        "seconds": round(seconds, 2),
        "per_second": round(args.messages / seconds),
        "summary": outcome.summary,
    }
    print(
        f"import_email {args.messages} messages: {seconds:.1f} s ({args.messages / seconds:.0f}/s) {outcome.summary}",
        flush=True,
    )
    shutil.rmtree(folder, ignore_errors=True)

    # 2. fetch_mail of M messages from a private Dovecot.
    if not args.no_fetch:
        from mail.imap import fetch_once
        from tests.mail.servers import dovecot

        with dovecot() as server:
            batch = [
                message(100000 + i, big_people[i % 20].email if i % 2 else f"s{i}@else.example")
                for i in range(args.fetch)
            ]
            server.append(batch)
            start = time.perf_counter()
            outcome = fetch_once(server.url, "Processed", user=user)
            seconds = time.perf_counter() - start
            moved = len(server.message_ids("Processed"))
        results["fetch"] = {
            "messages": args.fetch,
            "seconds": round(seconds, 2),
            "moved": moved,
            "summary": outcome.summary,
        }
        print(
            f"fetch_mail {args.fetch} messages: {seconds:.1f} s, {moved} moved to Processed, {outcome.summary}",
            flush=True,
        )

    # 3. the organisation page: big (page_emails emails) against small (50): time and queries.
    from django.test.utils import setup_test_environment

    setup_test_environment()  # allows the "testserver" host; DEBUG stays off
    client = Client()
    client.force_login(user)
    page = {}
    for name, org in (("small", small), ("big", big)):
        url = org.get_absolute_url()
        emails = FiledEmail.objects.filter(interaction__organisation=org).count()
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        count = len(queries.captured_queries)  # read now: the next request resets the log
        timing = timed(lambda: client.get(url), repeat=args.repeat, warmup=2)
        # The links from email interactions to their messages alone (crm.registry interaction links).
        from crm.selectors.timeline import organisation_timeline
        from mail.selectors import interaction_links

        ids = list(org.interactions.order_by("-occurred_at").values_list("pk", flat=True)[:100])
        links = timed(lambda: interaction_links(ids), repeat=args.repeat, warmup=1)
        whole = timed(lambda: organisation_timeline(org), repeat=args.repeat, warmup=1)
        page[name] = {
            "emails": emails,
            "queries": count,
            "median_ms": round(timing["median"] * 1000, 1),
            "p95_ms": round(timing["p95"] * 1000, 1),
            "timeline_median_ms": round(whole["median"] * 1000, 1),
            "email_links_median_ms": round(links["median"] * 1000, 2),
        }
        print(
            f"organisation page with {emails} emails: median {timing['median'] * 1000:.0f} ms, "
            f"p95 {timing['p95'] * 1000:.0f} ms, {count} queries; its timeline (newest 100) "
            f"{whole['median'] * 1000:.0f} ms; the email links alone {links['median'] * 1000:.1f} ms",
            flush=True,
        )
    results["organisation_page"] = page
    results["totals"] = {"messages": EmailMessage.objects.count()}
    print(machine_line(results["machine"]))
    print("Results in", write_json("mail", results))
    shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
