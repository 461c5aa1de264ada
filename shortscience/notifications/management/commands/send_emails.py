"""The background worker: runs the tasks the site's writes queued (who hears about a new
comment or summary: notifications/fanout.py), then sends the email outbox and the daily
digests.

A single pass by default (for cron); `--loop` keeps running, a round every few seconds and
the digests once a day, until Ctrl-C. Several workers may run at once: each claims its
tasks and emails first (web/tasks.py, services.claim_due), so none is done twice.
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from shortscience.notifications import services
from shortscience.web import tasks

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run due background tasks, then send due outbox emails (retrying failures) and digests."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="keep sending until interrupted (Ctrl-C)"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="seconds to sleep between rounds with --loop (default 5): how late a "
            "notification may come",
        )
        parser.add_argument(
            "--digest",
            action="store_true",
            help="queue the daily digests first (with --loop this happens once a day anyway)",
        )
        parser.add_argument(
            "--batch", type=int, default=100, help="emails claimed at a time (default 100)"
        )
        # Stops the loop after n rounds: for tests, not operators.
        parser.add_argument("--rounds", type=int, default=0, help=argparse.SUPPRESS)

    def handle(self, *args, loop=False, interval=30.0, digest=False, batch=100, rounds=0, **opts):
        if batch < 1:
            self.stderr.write("--batch must be at least 1")
            return
        if not loop:
            self._round(digest=digest, batch=batch)
            return
        next_digest = timezone.now()
        done = 0
        self.stdout.write(f"Sending every {interval:g} s; Ctrl-C to stop.")
        try:
            while True:
                now = timezone.now()
                due_digest = now >= next_digest
                if due_digest:
                    next_digest = now + timedelta(days=1)
                try:
                    self._round(digest=due_digest, batch=batch, quiet=True)
                except DatabaseError:
                    # The database went away (a restart, a failover): what this round did
                    # not finish stays queued. Drop the broken connection, try next round.
                    log.exception("The worker's round failed; trying again in %g s", interval)
                    self.stderr.write("The database failed this round; trying again.")
                    close_old_connections()
                    if due_digest:
                        next_digest = now
                done += 1
                if rounds and done >= rounds:
                    break
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _round(self, *, digest: bool, batch: int, quiet: bool = False) -> None:
        ran = tasks.run_due()
        if any(ran.values()):
            self.stdout.write(
                f"{timezone.now():%H:%M:%S} tasks: done {ran['done']}, will retry {ran['retry']}, "
                f"gave up {ran['failed']}."
            )
        if digest:
            queued = services.queue_digests()
            self.stdout.write(f"Queued {queued} digest{'s' if queued != 1 else ''}.")
        tally = services.send_due_emails(batch=batch)
        if quiet and not any(tally.values()):
            return
        stamp = timezone.now().strftime("%H:%M:%S")
        self.stdout.write(
            f"{stamp} sent {tally['sent']}, will retry {tally['retry']}, "
            f"gave up {tally['failed']}, withdrawn {tally['cancelled']}."
        )
