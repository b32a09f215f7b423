"""Run the background ledger imports (previews of large files, confirmed applies).

    manage.py ledger_worker            # loop until SIGTERM / Ctrl-C
    manage.py ledger_worker --once     # process at most one job and exit
    manage.py ledger_worker --sleep 5  # seconds to wait when the queue is empty

SIGTERM (systemd, docker stop) lets the job in hand finish, then exits: a job
is never abandoned half-way by a clean stop. (A killed worker leaves a stale
heartbeat; the next worker re-runs the job.)
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from households.ledger.worker import process_next


class Command(BaseCommand):
    help = "Process queued ledger imports (台账导入) in the background."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Process one job and exit.")
        parser.add_argument(
            "--sleep",
            type=float,
            default=2.0,
            help="Seconds to wait before looking again when no job is waiting (default 2).",
        )

    def handle(self, *args, once=False, sleep=2.0, **options):
        self.stopping = False

        def stop(signum, frame):
            self.stopping = True
            self.stdout.write("Stopping after the current job…")

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self.stopping:
                self._fresh_connection()
                worked = process_next()
                if once:
                    break
                if not worked:
                    self._sleep(sleep)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._fresh_connection()
        self.stdout.write("Ledger worker stopped.")

    def _fresh_connection(self) -> None:
        # A long-running process drops a broken or old connection between jobs
        # (as Django does between requests); never inside a transaction.
        if not connection.in_atomic_block:
            close_old_connections()

    def _sleep(self, seconds: float) -> None:
        # In small steps, so that SIGTERM is honoured within a fraction of a second.
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))
