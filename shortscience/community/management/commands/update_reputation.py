"""Recompute every member's reputation from votes old enough to count (a cron job, say hourly).

Safe to run at any time and to interrupt: each run computes from the votes alone.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from shortscience.community.services import refresh_reputation
from shortscience.lib.progress import Progress


class Command(BaseCommand):
    help = "Recompute User.reputation from votes older than REPUTATION_VOTE_AGE_DAYS."

    def handle(self, *args, **options):
        total = get_user_model().objects.count()
        changed = refresh_reputation(progress=Progress(total, "members ", out=self.stderr))
        self.stdout.write(f"Reputation: {changed} of {total} members changed.")
