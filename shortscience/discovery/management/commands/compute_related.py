"""Related papers: TF-IDF similarity over title and abstract, stored for the paper page.

Reads every paper twice (term counts, then each paper's heaviest terms: lib/tfidf.py), then
writes the neighbours of the papers not done yet, in batches committed with a checkpoint:
an interrupted run resumes, a later run does only the papers added since (`--all` redoes
every paper, as the corpus' word statistics drift).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from shortscience.discovery.models import RelatedPaper
from shortscience.lib import tfidf
from shortscience.lib.progress import Progress
from shortscience.papers.models import ImportCheckpoint, Paper
from shortscience.web import changes

CHECKPOINT = "related-papers"
SHOWN = 5


def _texts(chunk: int = 5000):
    papers = (
        Paper.objects.filter(merged_into=None).order_by("pk").values_list("pk", "title", "abstract")
    )
    for pk, title, abstract in papers.iterator(chunk_size=chunk):
        # The title twice: its words say more about the topic than the abstract's.
        yield pk, f"{title} {title} {abstract}"


class Command(BaseCommand):
    help = "Compute related papers (TF-IDF over title and abstract), resumably."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="recompute every paper")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, all: bool = False, batch_size: int = 2000, **options):
        if all:
            ImportCheckpoint.objects.filter(key=CHECKPOINT).delete()
        done = (
            ImportCheckpoint.objects.filter(key=CHECKPOINT)
            .values_list("position", flat=True)
            .first()
            or 0
        )
        total = Paper.objects.filter(merged_into=None).count()
        index = tfidf.Index()
        progress = Progress(total, "word counts: ", out=self.stderr)
        for _, text in _texts():
            index.count(text)
            progress.advance(1)
        progress.finish()
        progress = Progress(total, "term vectors: ", out=self.stderr)
        for pk, text in _texts():
            index.add(pk, text)
            progress.advance(1)
        progress.finish()

        todo = list(
            Paper.objects.filter(merged_into=None, pk__gt=done)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        progress = Progress(len(todo), "related papers: ", out=self.stderr)
        written = 0
        for start in range(0, len(todo), max(1, batch_size)):
            batch = todo[start : start + batch_size]
            rows = [
                RelatedPaper(paper_id=pk, related_id=other, rank=rank, score=score)
                for pk in batch
                for rank, (other, score) in enumerate(index.related(pk, k=SHOWN))
            ]
            with transaction.atomic():
                RelatedPaper.objects.filter(paper_id__in=batch).delete()
                RelatedPaper.objects.bulk_create(rows)
                ImportCheckpoint.objects.update_or_create(
                    key=CHECKPOINT, defaults={"position": batch[-1]}
                )
                # Their pages list the related papers (a batch of thousands says everything).
                changes.changed(papers=batch)
            written += len(rows)
            progress.advance(len(batch))
        progress.finish()
        self.stdout.write(f"Related papers: {len(todo):,} papers, {written:,} links written.")
