"""Follow arXiv day by day: an incremental OAI-PMH harvest (ListRecords, resumption tokens,
arXiv's requested pace of one request every three seconds).

Safe to interrupt and re-run: records are written in batches through the same bulk writer
as import_papers, and a record seen before is counted unchanged. When a harvest completes,
its date is remembered, so a daily cron job can run it without --from.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shortscience.lib.http import FetchError
from shortscience.lib.progress import Progress
from shortscience.lib.records import ImportFailed
from shortscience.library.bulk import BulkWriter
from shortscience.papers.models import ImportCheckpoint


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Harvest new and updated arXiv records through OAI-PMH."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="from_date", help="YYYY-MM-DD; default: the last completed harvest"
        )
        parser.add_argument("--until", help="YYYY-MM-DD")
        parser.add_argument(
            "--set", dest="set_spec", help="an arXiv OAI set such as cs, math, physics:hep-th"
        )
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--no-render", action="store_true", help="leave typesetting abstracts for later"
        )

    def handle(self, *args, from_date, until, set_spec, batch_size, no_render, **options):
        from shortscience.papers.sources import arxiv

        key = f"harvest-arxiv:{set_spec or 'all'}"
        if from_date:
            start = _date(from_date)
        else:
            last = (
                ImportCheckpoint.objects.filter(key=key).values_list("position", flat=True).first()
            )
            if not last:
                raise CommandError("No earlier harvest to continue from: give --from YYYY-MM-DD.")
            start = date.fromordinal(last)
        end = _date(until) if until else None
        today = timezone.now().date()
        writer = BulkWriter(typeset=not no_render)
        progress = Progress(None, "arXiv OAI: ", out=self.stderr)
        batch = []
        try:
            for record in arxiv.harvest(start, set_spec, until=end):
                batch.append(record)
                if len(batch) >= batch_size:
                    writer.write(batch)
                    progress.advance(len(batch))
                    batch = []
            writer.write(batch)
            progress.advance(len(batch))
        except (FetchError, ImportFailed) as e:
            progress.finish()
            writer.close()
            raise CommandError(
                f"Harvest stopped: {str(e).rstrip('.')}. What was written stays; re-run to continue."
            ) from e
        progress.finish()
        writer.close()
        # The next harvest starts from the day this one reached: OAI-PMH datestamps are
        # days, so the overlap of one day is re-read and counted unchanged, never missed.
        ImportCheckpoint.objects.update_or_create(
            key=key, defaults={"position": (end or today).toordinal()}
        )
        if not no_render:
            from django.core.management import call_command

            call_command(
                "rerender_markup", "--missing-abstracts", stdout=self.stdout, stderr=self.stderr
            )
        t = writer.tally
        self.stdout.write(
            f"created {t['created']}, updated {t['updated']}, unchanged {t['unchanged']}"
        )
