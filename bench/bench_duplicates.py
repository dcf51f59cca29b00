"""Duplicates: finding them over every contact, the list of pairs, and a large merge and its undo.

    .venv/bin/python bench/bench_duplicates.py [--scale large|medium|small] [--repeat 3] [--db PATH]
        [--parts find,page,merge]

Uses generate_data's synthetic world at the scale (large: 100,000 contacts, 20,000 organisations),
built once into /tmp/crm-bench-duplicates-<scale>.sqlite3 (or kept in a postgres DATABASE_URL) and
reused, plus 300 planted duplicate people. Targets (issue 27): find_duplicates contacts over 100,000
contacts < 10 s; /duplicates/ < 100 ms; merging a contact with 5,000 interactions and 500 emails
< 1 s, and its undo < 1 s. Writes bench/results/<sqlite|postgres>/duplicates.json (a run of some
--parts only writes duplicates.<parts>.json; the page needs the pairs a find stored before).
"""

import argparse
import datetime
import gc
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, machine_description, machine_line, setup_django, timed

FIND_TARGET_S = 10.0
PAGE_TARGET_MS = 100.0
MERGE_TARGET_S = 1.0


def plant_duplicates(n: int) -> None:
    """People typed twice: same name at the same organisation, the number written another way."""
    from crm.models import Contact, Organisation

    if Contact.objects.filter(source="bench-duplicate").exists():
        return
    orgs = list(Organisation.objects.order_by("pk").values_list("pk", flat=True)[:n])
    rows = []
    for i, org in enumerate(orgs):
        rows.append(
            Contact(
                first_name="Planted",
                last_name=f"Person{i}",
                organisation_id=org,
                phone=f"0113 496 {i:04d}",
                source="bench-duplicate",
            )
        )
        rows.append(
            Contact(
                salutation="Dr",
                first_name="Planted",
                last_name=f"Person{i}",
                email=f"planted.{i}@gmail.com",
                organisation_id=org,
                phone=f"+44 113 496 {i:04d}",
                source="bench-duplicate",
            )
        )
    Contact.objects.bulk_create(rows)


def busy_pair(interactions: int, emails: int):
    """Two contacts; the second with `interactions` calls and `emails` filed emails."""
    from django.utils import timezone

    from crm.models import Contact, Interaction, Organisation
    from mail.models import EmailMessage, FiledEmail

    org = Organisation.objects.create(name=f"Bench Merge Org {time.time_ns()}")
    kept = Contact.objects.create(
        first_name="Busy", last_name="Person", email=f"busy{time.time_ns()}@a.example", organisation=org
    )
    merged = Contact.objects.create(
        first_name="Busy", last_name="Person", email=f"busy{time.time_ns()}@b.example", organisation=org
    )
    now = timezone.now()
    Interaction.objects.bulk_create(
        [
            Interaction(
                contact=merged, organisation=org, summary=f"Call {i}", occurred_at=now - datetime.timedelta(hours=i)
            )
            for i in range(interactions)
        ],
        batch_size=2000,
    )
    stamp = time.time_ns()
    messages = EmailMessage.objects.bulk_create(
        [
            EmailMessage(message_id=f"<bench-merge-{stamp}-{i}@x>", subject=f"Email {i}", sent_at=now, status="filed")
            for i in range(emails)
        ]
    )
    filed = Interaction.objects.bulk_create(
        [
            Interaction(contact=merged, organisation=org, kind="email", summary=f"Email {i}", occurred_at=now)
            for i in range(emails)
        ]
    )
    FiledEmail.objects.bulk_create(
        [FiledEmail(message=m, contact=merged, interaction=i) for m, i in zip(messages, filed)], batch_size=2000
    )
    return kept, merged


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="large", choices=["large", "medium", "small"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page-repeat", type=int, default=20)
    parser.add_argument("--db", default=None)
    parser.add_argument("--interactions", type=int, default=5000)
    parser.add_argument("--emails", type=int, default=500)
    parser.add_argument("--parts", default="find,page,merge", help="which measurements, comma-separated")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    setup_django(args.db or f"/tmp/crm-bench-duplicates-{args.scale}.sqlite3")

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from bench.bench_pages import uninstrument_templates
    from crm.models import Contact, Interaction, Organisation
    from crm.startup import freeze_startup_objects
    from duplicates import services
    from duplicates.models import CandidatePair

    if not Contact.objects.exclude(source="bench-duplicate").exists():
        started = time.perf_counter()
        call_command("generate_data", scale=args.scale, verbosity=0)
        print(f"generate_data --scale {args.scale}: {time.perf_counter() - started:.0f} s")
    plant_duplicates(300)
    results = {
        "machine": machine_description(),
        "scale": args.scale,
        "contacts": Contact.objects.count(),
        "organisations": Organisation.objects.count(),
    }
    print(machine_line(results["machine"]))
    print(f"{results['contacts']:,} contacts, {results['organisations']:,} organisations ({connection.vendor})")

    # 1. find_duplicates (the command's work: every rule over every record, the pairs stored).
    for target in ("contacts", "organisations") if "find" in parts else ():
        found = {}

        def find(target=target, found=found):
            found["result"] = services.find_duplicates(target)

        timing = timed(find, repeat=args.repeat)
        results[f"find_{target}"] = {**timing, "pairs": found["result"].stored, "target_s": FIND_TARGET_S}
        print(
            f"find_duplicates {target}: median {timing['median']:.2f} s (max {timing['max']:.2f}), {found['result'].stored:,} pairs"
        )

    # 2. /duplicates/ as staff: the first page of pairs, best first.
    user, _ = get_user_model().objects.get_or_create(username="bench-staff")
    user.groups.add(Group.objects.get(name="Staff"))
    setup_test_environment()  # allows the "testserver" host; DEBUG stays off
    uninstrument_templates()  # as bench_pages.py: the test renderer's signal costs per template
    # As a served process is (crm/wsgi.py): start-up objects frozen, and the search's heap gone.
    gc.collect()
    freeze_startup_objects()
    client = Client()
    client.force_login(user)
    pages = {}
    for name, url in (
        (("contacts", "/duplicates/"), ("organisations", "/duplicates/?target=organisations"))
        if "page" in parts
        else ()
    ):
        assert client.get(url).status_code == 200
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        timing = timed(lambda url=url: client.get(url), repeat=args.page_repeat, warmup=2)
        pages[name] = {**{k: v * 1000 for k, v in timing.items() if k != "samples"}, "queries": len(queries)}
        print(
            f"GET {url}: median {timing['median'] * 1000:.1f} ms, p95 {timing['p95'] * 1000:.1f} ms, {len(queries)} queries"
        )
    if pages:
        results["list_page_ms"] = {**pages, "target_ms": PAGE_TARGET_MS}

    # 3. A merge of a contact with 5,000 interactions and 500 emails, and its undo.
    merges, undos = [], []
    for _ in range(args.repeat if "merge" in parts else 0):
        kept, merged = busy_pair(args.interactions, args.emails)
        start = time.perf_counter()
        merge = services.merge_records("contacts", kept.pk, [merged.pk], user=user)
        merges.append(time.perf_counter() - start)
        assert Interaction.objects.filter(contact=kept).count() == args.interactions + args.emails
        start = time.perf_counter()
        services.undo_merge(merge, user=user)
        undos.append(time.perf_counter() - start)
        assert Interaction.objects.filter(contact=merged).count() == args.interactions + args.emails
    if merges:
        results["merge"] = {
            "interactions": args.interactions,
            "emails": args.emails,
            "merge_s": sorted(merges)[len(merges) // 2],
            "undo_s": sorted(undos)[len(undos) // 2],
            "merge_samples": merges,
            "undo_samples": undos,
            "target_s": MERGE_TARGET_S,
        }
        print(
            f"merge of {args.interactions:,} interactions + {args.emails} emails: median {results['merge']['merge_s']:.2f} s; "
            f"undo {results['merge']['undo_s']:.2f} s"
        )
    results["candidate_pairs"] = CandidatePair.objects.count()
    out = RESULTS / ("postgres" if connection.vendor == "postgresql" else "sqlite")
    out.mkdir(parents=True, exist_ok=True)
    name = "duplicates" if args.scale == "large" else f"duplicates.{args.scale}"
    if parts != {"find", "page", "merge"}:
        name += "." + "-".join(sorted(parts))
    name += ".json"
    (out / name).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"wrote {out / name}")
    if os.environ.get("BENCH_STRICT") and "find" in parts:
        assert results["find_contacts"]["median"] < FIND_TARGET_S


if __name__ == "__main__":
    main()
