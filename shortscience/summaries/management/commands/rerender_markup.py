"""Re-render every stored summary and abstract after a markup rule changed.

Safe to interrupt and re-run: each row is rendered from its own source text and written
alone, so a second run only rewrites what still differs.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shortscience.lib.progress import Progress
from shortscience.papers.models import Paper
from shortscience.papers.services import rerender_abstract
from shortscience.summaries.models import Summary
from shortscience.summaries.services import rerender


class Command(BaseCommand):
    help = "Re-render the stored HTML of all summaries and paper abstracts."

    def handle(self, *args, **options):
        changed = 0
        summaries = Summary.objects.only(
            "pk", "paper_id", "user_id", "body", "body_html", "excerpt"
        )
        progress = Progress(summaries.count(), "summaries ", out=self.stderr)
        for summary in summaries.iterator(chunk_size=500):
            changed += rerender(summary)
            progress.advance()
        progress.finish()

        papers = Paper.objects.exclude(abstract="").only("pk", "abstract", "abstract_html")
        progress = Progress(papers.count(), "abstracts ", out=self.stderr)
        abstracts = 0
        for paper in papers.iterator(chunk_size=500):
            abstracts += rerender_abstract(paper)
            progress.advance()
        progress.finish()
        self.stdout.write(f"Re-rendered: {changed} summaries and {abstracts} abstracts changed.")
