from __future__ import annotations

import gzip
import shutil
import tempfile
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase

from shortscience.library.bulk import BulkWriter
from shortscience.papers import search_index
from shortscience.papers.models import ImportCheckpoint, Paper, PaperIdentifier
from shortscience.papers.services import Typesetter, typeset_abstract
from shortscience.papers.sources import arxiv
from shortscience.test import RecordedServer, make_paper

# The recorded responses and sample files live with the source parsers that read them.
DATA = Path(__file__).resolve().parents[2] / "papers" / "tests" / "data"
SAMPLE = DATA / "arxiv" / "snapshot_sample.jsonl"


class ImportArxivSnapshotTests(TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def run_import(self, *args) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("import_papers", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_it_imports_every_record_with_typeset_abstracts_and_a_tally(self):
        out, err = self.run_import("--arxiv-snapshot", str(SAMPLE))
        self.assertIn("created 10, updated 0, unchanged 0, skipped 0", out)
        self.assertEqual(Paper.objects.count(), 10)
        attention = Paper.objects.by_identifier("1706.03762")
        self.assertEqual(attention.title, "Attention Is All You Need")
        self.assertEqual(attention.identifier("arxiv").display, "1706.03762v7")
        self.assertEqual(attention.year, 2017)
        self.assertEqual(attention.ordered_authors[0].name, "Ashish Vaswani")
        self.assertNotEqual(attention.abstract_html, "")
        self.assertEqual(
            Paper.objects.by_identifier("hep-th/9711200").identifier("doi").value,
            "10.1023/a:1026654312961",
        )
        self.assertIn("/s", err)  # the progress line shows a rate

    def test_each_abstract_is_stored_as_typesetting_it_alone_gives(self):
        # The batches typeset their abstracts together (their math in a few KaTeX requests);
        # each must come out as typeset_abstract() gives it, math and plain text alike.
        self.run_import("--arxiv-snapshot", str(SAMPLE))
        papers = list(Paper.objects.all())
        self.assertGreaterEqual(sum("$" in p.abstract for p in papers), 2)
        for paper in papers:
            self.assertEqual(paper.abstract_html, typeset_abstract(paper.abstract), paper.title)

    def test_abstracts_typeset_in_the_typesetting_process_are_stored_the_same(self):
        # Every batch with math goes to the typesetting process here (in production, those
        # with 50 abstracts with math or more).
        with mock.patch.object(Typesetter, "IN_PROCESS_BELOW", 1):
            self.run_import("--arxiv-snapshot", str(SAMPLE), "--batch-size", "4")
        papers = list(Paper.objects.all())
        self.assertEqual(len(papers), 10)
        for paper in papers:
            self.assertEqual(paper.abstract_html, typeset_abstract(paper.abstract), paper.title)

    def test_a_batch_typeset_ahead_stores_its_new_papers_abstracts_the_same(self):
        # The command hands each batch to the typesetter before writing the one before it;
        # a batch that mixes papers already there and new ones keeps the new ones' own HTML.
        lines = SAMPLE.read_text().splitlines(keepends=True)
        first = self.tmp / "first.jsonl"
        first.write_text("".join(lines[::2]))
        with mock.patch.object(Typesetter, "IN_PROCESS_BELOW", 1):
            self.run_import("--arxiv-snapshot", str(first), "--batch-size", "3")
            out, _ = self.run_import("--arxiv-snapshot", str(SAMPLE), "--batch-size", "3")
        self.assertIn("created 5, updated 0, unchanged 5", out)
        for paper in Paper.objects.all():
            self.assertEqual(paper.abstract_html, typeset_abstract(paper.abstract), paper.title)

    def test_batches_typeset_ahead_are_let_go_once_written_and_not_made_on_a_rerun(self):
        records = [record for _, record in arxiv.iter_snapshot(SAMPLE)]
        batches = [records[:4], records[4:8], records[8:]]
        writer = BulkWriter()
        self.addCleanup(writer.close)
        for n, batch in enumerate(batches):
            writer.prepare(batch)
            if n:
                writer.write(batches[n - 1])
                self.assertEqual(len(writer._prepared), 1)  # this batch's alone
        writer.write(batches[-1])
        self.assertEqual((writer._prepared, writer.tally["created"]), ([], 10))
        again = BulkWriter()
        self.addCleanup(again.close)
        again.prepare(batches[0])
        again.write(batches[0])  # nothing new: the next batches are not typeset ahead
        again.prepare(batches[1])
        self.assertEqual(again._prepared, [])

    def test_papers_indexed_by_their_batch_are_indexed_as_the_pass_indexes_them(self):
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL's papers are indexed by the pass alone")
        lines = SAMPLE.read_text().splitlines(keepends=True)
        first = self.tmp / "first.jsonl"
        first.write_text("".join(lines[:6]))
        self.run_import("--arxiv-snapshot", str(first), "--batch-size", "4")
        out, _ = self.run_import("--arxiv-snapshot", str(SAMPLE), "--batch-size", "4")
        self.assertIn("Indexed 0 papers.", out)  # the batches did it all

        def index() -> list[tuple]:
            with connection.cursor() as cursor:
                rows = []
                for table in (search_index.TABLE, search_index.TITLE_TABLE):
                    cursor.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid")
                    rows.append([tuple(str(v) for v in row) for row in cursor.fetchall()])
                return rows

        by_batches = index()
        self.assertEqual(len(by_batches[0]), 10)
        call_command("rebuild_search_index", "--all", stdout=StringIO(), stderr=StringIO())
        self.assertEqual(index(), by_batches)

    def test_a_library_whose_index_is_behind_is_indexed_by_the_pass(self):
        self.run_import("--arxiv-snapshot", str(SAMPLE), "--no-index", "--no-render")
        more = self.tmp / "more.jsonl"
        # Ten other papers: other ids, DOIs and titles.
        text = SAMPLE.read_text()
        for field in ("id", "doi", "title"):
            text = text.replace(f'"{field}":"', f'"{field}":"9')
        more.write_text(text)
        out, _ = self.run_import("--arxiv-snapshot", str(more), "--no-render")
        self.assertIn("Indexed 20 papers.", out)
        self.assertEqual(len(search_index.match_ids("attention")), 2)

    def test_an_id_taken_again_after_a_deleted_paper_is_indexed_by_the_pass(self):
        lines = SAMPLE.read_text().splitlines(keepends=True)
        first = self.tmp / "first.jsonl"
        first.write_text("".join(lines[:5]))
        self.run_import("--arxiv-snapshot", str(first))
        # A paper added on the site (indexed by itself, past the import's checkpoint), then
        # deleted: its search row stays behind, at the id the next import takes again.
        added = make_paper("Added on the site and deleted")
        search_index.index_papers([added.pk])
        added.delete()
        out, _ = self.run_import("--arxiv-snapshot", str(SAMPLE))
        self.assertIn("created 5", out)
        self.assertEqual(len(search_index.match_ids("attention")), 1)

    def test_a_paper_committed_below_the_checkpoint_after_it_moved_is_indexed_by_the_pass(self):
        if connection.vendor != "postgresql":
            self.skipTest("SQLite's writers take ids in commit order")
        self.run_import("--arxiv-snapshot", str(SAMPLE))
        straggler = Paper.objects.by_identifier("0704.0001")
        # As if its batch took its id from the sequence first and committed last.
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {search_index.PG_TABLE} WHERE paper_id = %s", [straggler.pk]
            )
        self.assertLessEqual(
            straggler.pk, ImportCheckpoint.objects.get(key=search_index.CHECKPOINT).position
        )
        out = StringIO()
        call_command("rebuild_search_index", stdout=out, stderr=StringIO())
        self.assertIn("Indexed 1 papers.", out.getvalue())
        title_word = straggler.title.split()[0].lower()
        self.assertIn(straggler.pk, search_index.match_ids(title_word, limit=100))

    def test_a_typesetting_process_that_dies_leaves_its_batch_to_the_importer(self):
        typesetter = Typesetter()
        self.addCleanup(typesetter.close)
        texts = ["A $x$ here.", "None here.", "And $y$."]
        with mock.patch.object(Typesetter, "IN_PROCESS_BELOW", 1):
            typesetter.start(["warm $z$ up"])()  # the process is up
            (process,) = typesetter._pool._processes.values()
            process.kill()
            process.join()
            finish = typesetter.start(texts)
        self.assertEqual(finish(), [(typeset_abstract(t), False) for t in texts])

    def test_what_an_import_without_typesetting_left_is_typeset_by_the_next_full_run(self):
        self.run_import("--arxiv-snapshot", str(SAMPLE), "--no-render")
        self.assertEqual(Paper.objects.untypeset_abstracts().count(), 10)
        out, _ = self.run_import("--arxiv-snapshot", str(SAMPLE), "--restart")
        self.assertIn("created 0, updated 0, unchanged 10", out)
        self.assertFalse(Paper.objects.untypeset_abstracts().exists())
        for paper in Paper.objects.all():
            self.assertEqual(paper.abstract_html, typeset_abstract(paper.abstract))

    def test_a_second_run_is_all_unchanged_and_writes_nothing_new(self):
        self.run_import("--arxiv-snapshot", str(SAMPLE), "--no-render")
        counts = (Paper.objects.count(), PaperIdentifier.objects.count())
        out, _ = self.run_import("--arxiv-snapshot", str(SAMPLE), "--no-render", "--restart")
        self.assertIn("created 0, updated 0, unchanged 10", out)
        self.assertEqual((Paper.objects.count(), PaperIdentifier.objects.count()), counts)

    def test_a_gzipped_snapshot_reads_the_same(self):
        gz = self.tmp / "snapshot.json.gz"
        with open(SAMPLE, "rb") as src, gzip.open(gz, "wb") as dst:
            dst.write(src.read())
        out, _ = self.run_import("--arxiv-snapshot", str(gz), "--no-render")
        self.assertIn("created 10", out)

    def test_a_bad_record_is_reported_with_its_line_and_skipped(self):
        bad = self.tmp / "bad.jsonl"
        lines = SAMPLE.read_text(encoding="utf-8").splitlines()
        lines.insert(2, '{"id": "1234.5678", "title": ')  # truncated JSON on line 3
        bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out, err = self.run_import("--arxiv-snapshot", str(bad), "--no-render")
        self.assertIn("line 3", err)
        self.assertIn("created 10", out)
        self.assertIn("skipped 1", out)

    def test_strict_stops_at_the_first_bad_record_with_nothing_written(self):
        bad = self.tmp / "bad.jsonl"
        lines = SAMPLE.read_text(encoding="utf-8").splitlines()
        lines.insert(5, "not json at all")
        bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with self.assertRaisesMessage(CommandError, "line 6"):
            self.run_import("--arxiv-snapshot", str(bad), "--strict")
        self.assertEqual(Paper.objects.count(), 0)

    def test_an_interrupted_import_resumes_after_its_checkpoint(self):
        # As if an earlier run committed the first 4 lines and was killed.
        key = f"arxiv-snapshot:{SAMPLE.resolve()}"
        ImportCheckpoint.objects.create(key=key, position=4)
        out, err = self.run_import(
            "--arxiv-snapshot", str(SAMPLE), "--no-render", "--batch-size", "3"
        )
        self.assertIn("resuming after record 4", err)
        self.assertIn("created 6", out)
        self.assertIsNone(Paper.objects.by_identifier("0704.0001"))
        self.assertEqual(ImportCheckpoint.objects.get(key=key).position, 10)

    def test_a_missing_file_or_nothing_to_do_is_a_clear_error(self):
        with self.assertRaisesMessage(CommandError, "no such file"):
            self.run_import("--arxiv-snapshot", str(self.tmp / "nope.jsonl"))
        with self.assertRaisesMessage(CommandError, "Nothing to import"):
            self.run_import()


class PostgresIndexAsItGoesTests(TransactionTestCase):
    """PostgreSQL: the batches' papers indexed by a thread of their own as they commit, which
    needs real commits (the thread's connection sees nothing of a test's transaction)."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("SQLite's batches index their own papers (the tests above)")

    def index(self) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT paper_id, document::text, short_document::text, facets::text "
                f"FROM {search_index.PG_TABLE} ORDER BY paper_id"
            )
            return cursor.fetchall()

    def gin_indexes(self) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s", [search_index.PG_TABLE]
            )
            return {name for (name,) in cursor.fetchall()} & set(search_index._PG_INDEXES)

    def test_papers_are_indexed_as_their_batches_commit_as_the_pass_indexes_them(self):
        out = StringIO()
        call_command(
            "import_papers", "--arxiv-snapshot", str(SAMPLE), "--batch-size", "4",
            "--no-render", stdout=out, stderr=StringIO(),
        )  # fmt: skip
        self.assertIn("created 10", out.getvalue())
        self.assertIn("Indexed 0 papers.", out.getvalue())  # the thread did it all
        self.assertEqual(
            ImportCheckpoint.objects.get(key=search_index.CHECKPOINT).position,
            Paper.objects.order_by("-id").values_list("id", flat=True).first(),
        )
        as_it_went = self.index()
        self.assertEqual(len(as_it_went), 10)
        self.assertEqual(self.gin_indexes(), set(search_index._PG_INDEXES))  # built again
        self.assertEqual(len(search_index.match_ids("attention")), 1)
        call_command("rebuild_search_index", "--all", stdout=StringIO(), stderr=StringIO())
        self.assertEqual(self.index(), as_it_went)


class ImportOtherSourcesTests(TestCase):
    def run_import(self, *args) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("import_papers", *args, "--no-render", stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_the_dblp_dump_is_streamed_and_bad_records_reported(self):
        out, err = self.run_import("--dblp-xml", str(DATA / "dblp" / "dump_sample.xml"))
        self.assertIn("created 5", out)
        self.assertIn("skipped 1", out)  # the record without a title
        self.assertIn("NoTitle", err)
        paper = Paper.objects.by_identifier("conf/nips/MullerW19")
        self.assertEqual(paper.venue.key, "conf/nips")
        # The CoRR record's key also names its arXiv id.
        self.assertIsNotNone(Paper.objects.by_identifier("1901.00002"))

    def test_a_bibtex_file_and_a_dblp_record_of_one_paper_become_one_paper(self):
        out, _ = self.run_import(
            str(DATA / "bibtex" / "DBLP_journals_corr_ZeilerF13_2013format.bib")
        )
        self.assertIn("created 1", out)
        paper = Paper.objects.get()
        self.assertEqual(paper.identifier("dblp").value, "journals/corr/ZeilerF13")
        self.assertEqual(Paper.objects.by_identifier("1311.2901"), paper)
        out, _ = self.run_import(
            str(DATA / "bibtex" / "DBLP_journals_corr_ZeilerF13_2013format.bib"), "--restart"
        )
        self.assertIn("unchanged 1", out)

    def test_identifiers_are_fetched_from_their_source(self):
        body = (
            DATA / "arxiv" / "current_2026" / "id_1707.08567_s0_m100_6a1afebfc6a3.xml"
        ).read_bytes()
        with RecordedServer({"/api/query": (200, body, "application/atom+xml")}) as server:
            with self.settings(ARXIV_API_URL=server.url + "/api/query"):
                out, err = self.run_import("1707.08567", "not an identifier")
        self.assertIn("created 1", out)
        self.assertIn("skipped 1", out)
        self.assertIn("not an identifier we can read", err)
        self.assertIsNotNone(Paper.objects.by_identifier("1707.08567"))
