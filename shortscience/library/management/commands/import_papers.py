"""Import papers: identifiers (fetched from their source), BibTeX files, the arXiv
metadata snapshot (JSON Lines, plain or gzipped) and the dblp.xml dump.

Idempotent: re-running updates papers in place and counts unchanged ones without writing.
Resumable: files are written in batches, each committed with a checkpoint of how far it
got, so an interrupted import picks up after the last batch (--restart starts over).
A bad record is reported with its line number and skipped; with --strict the file is
checked whole first and nothing is written if any record is bad.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shortscience.lib import identifiers
from shortscience.lib.files import is_gzip
from shortscience.lib.http import FetchError
from shortscience.lib.progress import Progress
from shortscience.lib.records import ImportFailed, PaperRecord
from shortscience.library.bulk import BulkWriter
from shortscience.papers.models import ImportCheckpoint
from shortscience.papers.services import fetch_records

MAX_REPORTED = 50  # bad records listed one by one; beyond this only counted


class Command(BaseCommand):
    help = "Import papers from identifiers, BibTeX files, the arXiv snapshot or the dblp.xml dump."

    def add_arguments(self, parser):
        parser.add_argument(
            "items", nargs="*", help="identifiers (arXiv id, DOI, DBLP key, URL) or .bib files"
        )
        parser.add_argument(
            "--arxiv-snapshot", metavar="FILE", help="arXiv metadata snapshot, JSON Lines (.gz ok)"
        )
        parser.add_argument("--dblp-xml", metavar="FILE", help="the dblp.xml dump (.gz ok)")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="check each file whole first; write nothing if a record is bad",
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--restart", action="store_true", help="ignore checkpoints of earlier runs"
        )
        parser.add_argument(
            "--no-render",
            action="store_true",
            help="leave typesetting abstracts and titles for later (rerender_markup --missing-abstracts)",
        )
        parser.add_argument(
            "--no-index", action="store_true", help="leave the search index for later"
        )

    def handle(
        self,
        *args,
        items,
        arxiv_snapshot,
        dblp_xml,
        strict,
        batch_size,
        restart,
        no_render,
        no_index,
        **options,
    ):
        if not (items or arxiv_snapshot or dblp_xml):
            raise CommandError(
                "Nothing to import: give identifiers, .bib files, --arxiv-snapshot or --dblp-xml."
            )
        started = time.monotonic()
        self.strict, self.batch_size, self.restart = strict, max(1, batch_size), restart
        self.writer = BulkWriter(typeset=not no_render, index=not no_index)
        self.skipped: Counter[str] = Counter()
        self.reported = 0
        try:
            self._import_all(items, arxiv_snapshot, dblp_xml)
        finally:
            self.writer.close()
        # The separate, resumable passes: typeset what earlier runs with --no-render left
        # (the batches above typeset their own; a partial index finds the rest at once),
        # then index what the batches wrote.
        if not no_render:
            call_command(
                "rerender_markup", "--missing-abstracts", stdout=self.stdout, stderr=self.stderr
            )
        if not no_index:
            call_command("rebuild_search_index", stdout=self.stdout, stderr=self.stderr)
        tally = self.writer.tally
        skipped = sum(self.skipped.values())
        self.stdout.write(
            f"created {tally['created']}, updated {tally['updated']}, unchanged {tally['unchanged']}, skipped {skipped}"
        )
        # The whole run's rate, every stage included: what a user waits for.
        seconds = time.monotonic() - started
        records = sum(tally.values()) + skipped
        self.stdout.write(
            f"{records:,} records in {seconds:,.1f} s, every stage included: "
            f"{records / max(seconds, 1e-9):,.0f} records/s"
        )
        for reason, count in self.skipped.most_common():
            self.stdout.write(f"  skipped {count}: {reason}")

    def _import_all(self, items, arxiv_snapshot, dblp_xml) -> None:
        for item in items:
            if os.path.isfile(item):
                from shortscience.papers.sources import bibtex

                self._import_file("bibtex", Path(item), bibtex.iter_file)
            else:
                self._import_identifier(item)
        if arxiv_snapshot:
            from shortscience.papers.sources import arxiv

            self._import_file("arxiv-snapshot", Path(arxiv_snapshot), arxiv.iter_snapshot)
        if dblp_xml:
            from shortscience.papers.sources import dblp

            self._import_file("dblp-xml", Path(dblp_xml), dblp.iter_dump)

    def _skip(self, where: str, reason: str) -> None:
        # The tally groups reasons; past 20 distinct ones the rest share a line, so a file of
        # millions of bad records cannot grow it without bound.
        reason_kind = re.sub(r"\d+", "N", reason)[
            :120
        ]  # "line 12: ..." and "line 40: ..." are one reason
        key = (
            reason_kind
            if reason_kind in self.skipped or len(self.skipped) < 20
            else "other reasons"
        )
        self.skipped[key] += 1
        if self.reported < MAX_REPORTED:
            self.stderr.write(f"skipped {where}: {reason}")
        self.reported += 1

    def _import_identifier(self, item: str) -> None:
        ident = identifiers.recognize(item)
        if ident is None or ident.kind == identifiers.BIBTEX:
            self._skip(item, "not an identifier we can read")
            return
        try:
            records = fetch_records(ident)
        except (ImportFailed, FetchError) as e:
            if self.strict:
                raise CommandError(f"{item}: {e}") from e
            self._skip(item, str(e))
            return
        if not records:
            if self.strict:
                raise CommandError(f"{item}: no such paper at its source")
            self._skip(item, "no such paper at its source")
            return
        self.writer.write(records)

    def _import_file(self, kind: str, path: Path, reader) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if self.strict:
            for position, item in reader(path):
                if isinstance(item, ImportFailed):
                    raise CommandError(
                        f"{path}, record at line {position}: {item}. Nothing was written."
                    )
        key = f"{kind}:{path.resolve()}"
        start = 0
        if not self.restart:
            start = (
                ImportCheckpoint.objects.filter(key=key).values_list("position", flat=True).first()
                or 0
            )
            if start:
                self.stderr.write(
                    f"{path}: resuming after record {start:,} (--restart to start over)"
                )
        total = _records_in(path, kind)
        progress = Progress(
            max(total - start, 0) if total is not None else None, f"{path.name}: ", out=self.stderr
        )
        batch: list[PaperRecord] = []
        position = start
        # One batch ahead: a batch read is handed to the typesetter (prepare) before the one
        # read before it is written, so that its math is typeset on the other core while
        # this process writes and reads on, not while it waits.
        waiting: tuple[list[PaperRecord], int] | None = None

        def read(batch: list[PaperRecord], position: int) -> None:
            nonlocal waiting
            self.writer.prepare(batch)
            if waiting is not None:
                self.writer.write(waiting[0], checkpoint=(key, waiting[1]))
                progress.advance(len(waiting[0]))
            waiting = (batch, position)

        for position, item in reader(path):
            if position <= start:
                continue
            if isinstance(item, ImportFailed):
                self._skip(f"{path.name} line {position}", str(item))
            else:
                batch.append(item)
            if len(batch) >= self.batch_size:
                read(batch, position)
                batch = []
        read(batch, position)
        self.writer.write(waiting[0], checkpoint=(key, waiting[1]))
        progress.advance(len(waiting[0]))
        progress.finish()


def _records_in(path: Path, kind: str) -> int | None:
    """How many records a file holds, for the progress line's ETA, where that is cheap to
    know: the lines of an uncompressed arXiv snapshot (one record each, ~1 s for 2 GB).
    None for the rest (a gzipped file would be decompressed twice; XML and BibTeX records
    span lines)."""
    if kind != "arxiv-snapshot" or is_gzip(path):
        return None
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
