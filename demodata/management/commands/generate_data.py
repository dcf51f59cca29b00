"""`manage.py generate_data --scale small|medium|large [--seed N] [--clear]`: synthetic data at scale."""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from crm.dbstats import refresh_statistics
from demodata.synthetic import DIVISORS, clear_domain_data, generate, has_domain_data, sizes_for


class Command(BaseCommand):
    help = (
        "Generate reproducible synthetic data for benchmarks: large = 20,000 organisations, 100,000 contacts, "
        "500,000 interactions, 50,000 pledges, 20,000 follow-ups; medium = 1/10, small = 1/100."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            default="small",
            choices=list(DIVISORS),
            help="small, medium or large.",
        )
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data (default 1).")
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Delete all existing CRM, sponsor and partner data first (users and their settings are kept).",
        )
        # `tiny` (1/1000) exists for fast tests; keep it out of --help.
        for action in parser._actions:
            if action.dest == "scale":
                action.metavar = "{small,medium,large}"
        parser.add_argument("--quiet-steps", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, scale, seed, clear, quiet_steps=False, **options):
        started = time.perf_counter()
        if has_domain_data():
            if not clear:
                raise CommandError(
                    "The database already holds CRM data. Run with --clear to delete it and generate afresh "
                    "(users are kept), or use an empty database."
                )
            self.stdout.write("Deleting existing CRM, sponsor and partner data…")
            clear_domain_data()
        sizes = ", ".join(f"{n:,} {name}" for name, n in sizes_for(scale).items())
        self.stdout.write(f"Generating {scale} data (seed {seed}): {sizes}.")
        log = None if quiet_steps or options.get("verbosity", 1) < 1 else self.stdout.write
        generator = generate(scale=scale, seed=seed, log=log)
        for label, count in generator.counts.items():
            self.stdout.write(f"  {label:<32} {count:>9,}")
        elapsed = time.perf_counter() - started
        refresh_statistics()
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s."))
