"""Re-render every stored summary and abstract after a markup rule changed.

Safe to interrupt and re-run: each row is rendered from its own source text and written
alone, so a second run only rewrites what still differs. When anything changed, even in a
run interrupted half way, every page is said to have changed (web/changes.py): the markup
of summaries shows on most of them.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shortscience.lib.progress import Progress
from shortscience.papers.models import Paper
from shortscience.papers.services import rerender_abstract
from shortscience.summaries.models import Summary
from shortscience.summaries.services import rerender
from shortscience.web import changes


class Command(BaseCommand):
    help = "Re-render the stored HTML of all summaries and paper abstracts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing-abstracts",
            action="store_true",
            help="only typeset abstracts that have none yet (what a bulk import leaves behind)",
        )

    def handle(self, *args, missing_abstracts: bool = False, **options):
        self.changed = 0
        try:
            self._run(missing_abstracts)
        finally:
            if self.changed:
                changes.everything()

    def _run(self, missing_abstracts: bool) -> None:
        if missing_abstracts:
            self._abstracts(Paper.objects.exclude(abstract="").filter(abstract_html=""))
            return
        changed = 0
        summaries = Summary.objects.only(
            "pk", "paper_id", "user_id", "body", "body_html", "excerpt"
        )
        progress = Progress(summaries.count(), "summaries ", out=self.stderr)
        for summary in summaries.iterator(chunk_size=500):
            if rerender(summary):
                changed += 1
                self.changed += 1
            progress.advance()
        progress.finish()

        abstracts = self._abstracts(Paper.objects.exclude(abstract=""))
        self.stdout.write(f"Re-rendered: {changed} summaries and {abstracts} abstracts changed.")

    def _abstracts(self, papers) -> int:
        papers = papers.only("pk", "abstract", "abstract_html").order_by("pk")
        progress = Progress(papers.count(), "abstracts ", out=self.stderr)
        changed = 0
        for paper in papers.iterator(chunk_size=500):
            if rerender_abstract(paper):
                changed += 1
                self.changed += 1
            progress.advance()
        progress.finish()
        return changed
