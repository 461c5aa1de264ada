"""Fold today's paper views into the Popular order (a cron job, say every 10 minutes).

Votes update `Summary.hot` as they are cast; this job adds the one input that changes
without a write to the summary, the views (see summaries/rankings.py for the split). Safe to
run at any time and to interrupt: each run computes from the stored counts alone.
`--all` recomputes every summary's keys and research fields, after a change to the
formula or to the field mapping in ranking/scores.py.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shortscience.lib.progress import Progress
from shortscience.ranking import viewcount
from shortscience.summaries.rankings import refresh_rankings


class Command(BaseCommand):
    help = "Write pending view counts and refresh Summary.hot (and fields, with --all)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="every summary, not only those of papers viewed since yesterday",
        )

    def handle(self, *args, everything: bool = False, **options):
        written = viewcount.flush()
        changed = refresh_rankings(
            everything=everything, progress=Progress(None, "summaries ", out=self.stderr)
        )
        self.stdout.write(f"Views written: {written}. Rankings: {changed} summaries changed.")
