"""Re-render every stored summary, abstract and title with math after a markup rule changed.

Each summary's HTML, its excerpts (plain, and typeset for lists) and its plain text with
the search index's copy of it. Run it after an upgrade that says so (the excerpts as HTML
came with summaries migration 0008: rows saved before it show their plain excerpt in
lists, and are searched by their Markdown, until it has run).

Safe to interrupt and re-run: each row is rendered from its own source text and written
alone, so a second run only rewrites what still differs. What changed is said every SAY_EVERY
rows (web/changes.py), and for the last rows when the run ends or is interrupted, so that
visitors see new markup as the run goes rather than when it ends: for summaries, every page
(their markup shows in lists, profiles and feeds as well as on their papers' pages); for
abstracts and titles, their papers' pages and the lists of papers.

--missing-abstracts does only what a bulk import leaves behind: abstracts not typeset yet,
and titles with a "$" not typeset yet (papers migration 0009 left every stored title so).

A text that would cost more than MARKUP_BUDGET_SECONDS to render (saved before there was a
budget) is stored as its plain text, not refused: the run goes on, and says how many.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from shortscience.lib.progress import Progress
from shortscience.papers.models import Paper
from shortscience.papers.services import Rerendered, rerender_abstracts, rerender_title
from shortscience.summaries.models import Summary
from shortscience.summaries.services import rerender
from shortscience.web import changes

SAY_EVERY = 500


class Command(BaseCommand):
    help = (
        "Re-render the stored HTML of all summaries, paper abstracts and titles with math, "
        "the summaries' excerpts and their search index."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing-abstracts",
            action="store_true",
            help=(
                "only typeset abstracts and titles with math that have none yet (what a bulk "
                "import leaves behind)"
            ),
        )

    def handle(self, *args, missing_abstracts: bool = False, **options):
        self.summaries_changed = False
        self.papers_changed: list[int] = []
        self.as_text: dict[str, int] = {"summaries": 0, "abstracts": 0, "titles": 0}
        try:
            self._run(missing_abstracts)
        finally:
            self._say()
        if any(self.as_text.values()):
            counts = ", ".join(f"{n} {what}" for what, n in self.as_text.items() if n)
            self.stdout.write(
                f"Over the markup budget, stored as plain text: {counts}. Their authors can "
                "split or simplify them; a larger MARKUP_BUDGET_SECONDS renders them again."
            )

    def _say(self) -> None:
        if self.summaries_changed:
            changes.everything()
        elif self.papers_changed:
            changes.changed(papers=self.papers_changed, lists=[changes.PAPERS])
        self.summaries_changed, self.papers_changed = False, []

    def _run(self, missing_abstracts: bool) -> None:
        if missing_abstracts:
            self._abstracts(Paper.objects.untypeset_abstracts())
            self._titles(Paper.objects.untypeset_titles())
            return
        changed = 0
        summaries = Summary.objects.only(
            *("pk", "paper_id", "user_id", "body", "visibility", "is_hidden"),
            *("body_html", "excerpt", "excerpt_html", "body_text"),
        )
        progress = Progress(summaries.count(), "summaries ", out=self.stderr)
        for n, summary in enumerate(summaries.iterator(chunk_size=SAY_EVERY), 1):
            result = rerender(summary)
            self.as_text["summaries"] += result.as_text
            if result.changed:
                changed += 1
                self.summaries_changed = True
            if n % SAY_EVERY == 0:
                self._say()
            progress.advance()
        self._say()
        progress.finish()

        abstracts = self._abstracts(Paper.objects.exclude(abstract=""))
        # A title without "$" has no HTML and gets none: those with one (or with HTML left
        # from one) are all there is to read.
        titles = self._titles(Paper.objects.filter(Q(title__contains="$") | ~Q(title_html="")))
        self.stdout.write(
            f"Re-rendered: {changed} summaries, {abstracts} abstracts and {titles} titles changed."
        )

    def _abstracts(self, papers) -> int:
        return self._papers(papers, "abstract", rerender_abstracts)

    def _titles(self, papers) -> int:
        return self._papers(papers, "title", lambda chunk: [rerender_title(p) for p in chunk])

    def _papers(
        self, papers, field: str, rerender: Callable[[list[Paper]], list[Rerendered]]
    ) -> int:
        # By ranges of ids, each range's writes committed together. This pass once kept one
        # read open while it wrote row by row, each write its own transaction, and slowed from
        # 2,234 to about 1,300 papers/s over a 50k import (issue 16); an open read also keeps
        # SQLite's WAL from being checkpointed while the writes pile up in it.
        papers = papers.only("pk", field, f"{field}_html").order_by("pk")
        progress = Progress(papers.count(), f"{field}s ", out=self.stderr)
        changed = 0
        last = 0
        while chunk := list(papers.filter(pk__gt=last)[:SAY_EVERY]):
            with transaction.atomic():
                results = rerender(chunk)
            for paper, result in zip(chunk, results, strict=True):
                self.as_text[f"{field}s"] += result.as_text
                if result.changed:
                    changed += 1
                    self.papers_changed.append(paper.pk)
            self._say()
            progress.advance(len(chunk))
            last = chunk[-1].pk
        progress.finish()
        return changed
