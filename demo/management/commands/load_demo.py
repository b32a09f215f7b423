"""Load the demo town of the 2020 report (fixtures/demo_town.json)."""

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import build_demo_town, demo_loaded, ensure_demo_users, remove_demo_town

# Development logins only: the command refuses to run with DEBUG off.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "tieshagai-demo-2020")


class Command(BaseCommand):
    help = "Build the demo town (12 villages, 1,347 registered poor households) and demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete ALL registry, measure, rectification and census data first.",
        )

    def handle(self, *args, reset=False, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo only runs with DEBUG on: it is not for production data.")
        if reset:
            remove_demo_town()
        if demo_loaded():
            self.stdout.write("Demo town already loaded; nothing to do (use --reset to rebuild).")
        else:
            started = time.perf_counter()
            build_demo_town()
            elapsed = time.perf_counter() - started
            self.stdout.write(self.style.SUCCESS(f"Demo town built in {elapsed:.1f} s."))
        users = ensure_demo_users(password=DEMO_PASSWORD)
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for username, role in users:
            self.stdout.write(f"  {username:<12} {role}")
