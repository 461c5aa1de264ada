from __future__ import annotations

import unittest
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase

from shortscience.library.services import merge_papers, undo_merge
from shortscience.papers import search_index
from shortscience.papers.models import ImportCheckpoint
from shortscience.test import BaseTestCase, make_paper


@unittest.skipUnless(connection.vendor == "sqlite", "the FTS5 index is SQLite's")
class SearchIndexTests(BaseTestCase):
    def test_a_saved_paper_is_findable_by_title_author_and_folded_accents(self):
        paper = make_paper(
            "Schrödinger Bridges for Generative Modelling", authors=["Valentin De Bortoli"]
        )
        self.assertEqual(search_index.match_ids("schrodinger"), [paper.pk])
        self.assertEqual(search_index.match_ids("authors:bortoli"), [paper.pk])
        self.assertEqual(search_index.match_ids("lisp"), [])

    def test_a_merged_paper_leaves_the_index_and_an_undo_brings_it_back(self):
        kept = make_paper("Kept Paper About Graphs")
        merged = make_paper("Merged Paper About Graphs")
        log = merge_papers(kept, merged, reason="duplicate")
        self.assertEqual(search_index.match_ids("graphs"), [kept.pk])
        undo_merge(log)
        self.assertEqual(sorted(search_index.match_ids("graphs")), sorted([kept.pk, merged.pk]))

    def test_the_rebuild_pass_indexes_what_a_bulk_import_left_and_resumes(self):
        papers = [make_paper(f"Bulk Paper Number {i}") for i in range(5)]
        search_index.clear()  # as if a bulk import had written them
        self.assertEqual(search_index.match_ids("bulk"), [])
        call_command(
            "rebuild_search_index", "--batch-size", "2", stdout=StringIO(), stderr=StringIO()
        )
        self.assertEqual(len(search_index.match_ids("bulk")), 5)
        self.assertEqual(ImportCheckpoint.objects.get(key="search-index").position, papers[-1].pk)
        # A second run has nothing left to do; --all rebuilds everything.
        out = StringIO()
        call_command("rebuild_search_index", stdout=out, stderr=StringIO())
        self.assertIn("Indexed 0 papers", out.getvalue())
        call_command("rebuild_search_index", "--all", stdout=out, stderr=StringIO())
        self.assertEqual(len(search_index.match_ids("bulk")), 5)

    def test_the_rebuild_pass_replaces_papers_a_single_write_indexed_after_a_bulk_import(self):
        left = [make_paper(f"Bulk Paper Number {i}") for i in range(3)]
        search_index.clear()  # the bulk import's papers wait for the pass...
        added = make_paper("Bulk Paper Added By Hand")  # ...while a single write indexes itself
        call_command(
            "rebuild_search_index", "--batch-size", "2", stdout=StringIO(), stderr=StringIO()
        )
        self.assertEqual(
            sorted(search_index.match_ids("bulk")), sorted(p.pk for p in [*left, added])
        )


class SearchIndexOnBothEnginesTests(BaseTestCase):
    """What the index holds, through the search's ranked ids, on whichever database runs the
    tests."""

    def test_the_search_finds_papers_by_venue_identifier_and_category_best_first(self):
        titled = make_paper("Manifold Hypothesis", venue_key="conf/colt", venue_name="COLT")
        other = make_paper("Other Work", abstract="On the manifold hypothesis.")
        self.assertEqual(_found("manifold hypothesis"), [titled, other])
        self.assertEqual(_found("colt"), [titled])
        self.assertEqual(_found("category:cs.LG manifold"), [titled, other])
        self.assertEqual(_found("nothing-like-this"), [])

    def test_the_rebuild_pass_works_on_this_engine_and_all_rebuilds_summaries_too(self):
        from shortscience.test import make_summary

        papers = [make_paper(f"Rebuilt Paper {i}") for i in range(3)]
        make_summary(papers[0], self.alice, body="a quokka appears")
        search_index.clear()
        with connection.cursor() as cursor:
            from shortscience.summaries import search_index as index

            table = index.TABLE if connection.vendor == "sqlite" else index.PG_TABLE
            cursor.execute(f"DELETE FROM {table}")
        self.assertEqual(_found("rebuilt"), [])
        out, err = StringIO(), StringIO()
        call_command("rebuild_search_index", "--all", "--batch-size", "2", stdout=out, stderr=err)
        self.assertEqual(len(_found("rebuilt")), 3)
        self.assertEqual(_found("quokka"), [papers[0]])
        self.assertIn("Indexed 1 public summaries", out.getvalue())
        self.assertIn("search index:", err.getvalue())


def _found(text: str) -> list:
    from shortscience.papers.models import Paper
    from shortscience.search.services import ranked_paper_ids

    ids = ranked_paper_ids(text)
    papers = Paper.objects.in_bulk(ids)
    return [papers[pk] for pk in ids]


@unittest.skipUnless(connection.vendor == "postgresql", "ranges at once are PostgreSQL's")
class ParallelRebuildTests(TransactionTestCase):
    # Committed rows, as in a real import: the other connections see only those.
    def test_ranges_indexed_by_several_connections_at_once_find_every_paper(self):
        papers = [make_paper(f"Parallel Paper Number {i}") for i in range(7)]
        search_index.clear()
        ImportCheckpoint.objects.filter(key=search_index.CHECKPOINT).delete()
        self.assertEqual(_found("parallel"), [])
        err = StringIO()
        call_command(
            "rebuild_search_index",
            "--batch-size",
            "2",
            "--jobs",
            "3",
            stdout=StringIO(),
            stderr=err,
        )
        self.assertEqual(sorted(p.pk for p in _found("parallel")), sorted(p.pk for p in papers))
        self.assertEqual(
            ImportCheckpoint.objects.get(key=search_index.CHECKPOINT).position,
            max(p.pk for p in papers),
        )
        self.assertIn("7/7", err.getvalue().replace(",", ""))
