"""What only one engine does; each class skips on the other database."""

from __future__ import annotations

import unittest

from django.db import connection

from shortscience.library.services import merge_papers
from shortscience.papers import search_index
from shortscience.search import services
from shortscience.search.query import parse
from shortscience.test import BaseTestCase, make_paper, make_summary


def _rows(table: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {table}")
        return {r[0] for r in cursor.fetchall()}


@unittest.skipUnless(connection.vendor == "sqlite", "SQLite's FTS5 tables")
class SqliteEngineTests(BaseTestCase):
    def test_the_small_title_table_follows_the_big_one_through_writes_and_merges(self):
        kept, gone = make_paper("Kept Lattice Paper"), make_paper("Gone Lattice Paper")
        self.assertEqual(_rows(search_index.TITLE_TABLE), _rows(search_index.TABLE))
        merge_papers(kept, gone, reason="duplicate")
        self.assertEqual(_rows(search_index.TITLE_TABLE), {kept.pk})
        self.assertEqual(_rows(search_index.TABLE), {kept.pk})

    def test_past_the_bound_an_older_title_match_still_outranks_newer_abstract_matches(self):
        old = make_paper("Lattice Theory", abstract="Old.")
        newer = [make_paper(f"Study {i}", abstract="About a lattice.") for i in range(5)]
        saved = services.CANDIDATES
        services.CANDIDATES = 3
        try:
            rows, capped = services.ranked(parse("lattice"))
        finally:
            services.CANDIDATES = saved
        self.assertTrue(capped)
        self.assertEqual(rows[0][0], old.pk)
        # The newest abstract matches fill the rest of the bound; the oldest is left out.
        self.assertEqual([r[0] for r in rows[1:]], [p.pk for p in reversed(newer)][:3])

    def test_the_raw_query_ranks_every_match_with_bm25(self):
        title = make_paper("Lattice Theory", abstract="Old.")
        make_paper("Study", abstract="About a lattice.")
        from shortscience.search import sqlite

        self.assertEqual(sqlite.raw_query(parse("lattice"))[0], title.pk)


@unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL's tsvector tables")
class PostgresEngineTests(BaseTestCase):
    def test_a_search_costs_one_round_trip_and_leaves_the_planner_setting_as_it_was(self):
        paper = make_paper("Lattice Theory")
        services.ranked_paper_ids("lattice")  # the word statistics, read once in a while
        with self.assertNumQueries(1):
            self.assertEqual(services.ranked_paper_ids("lattice"), [paper.pk])
        # Inside a transaction (as here) the query's SET LOCAL must not outlive the search.
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            self.assertEqual(cursor.fetchone()[0], "on")

    def test_unaccent_is_installed_and_folds_the_index_and_the_query_alike(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT shortscience_fold('Łukasik Schrödinger cs.LG')")
            self.assertEqual(cursor.fetchone()[0], "lukasik schrodinger cs lg")
        paper = make_paper("Lattices", authors=["Łukasz Łukasik"])
        self.assertEqual(services.ranked_paper_ids("author:lukasik"), [paper.pk])
        self.assertEqual(services.ranked_paper_ids("Łukasik"), [paper.pk])

    def test_an_ascii_word_folds_in_python_exactly_as_the_index_folds_it(self):
        from shortscience.search.postgres import _fold_all

        words = "Lattice BERT gpt4 Schrödinger cs.LG x2 Ωmega"
        folded = _fold_all(parse(words))
        with connection.cursor() as cursor:
            for word, ours in folded.items():
                cursor.execute("SELECT shortscience_fold(%s)", [word])
                self.assertEqual(ours, cursor.fetchone()[0], word)

    def test_search_indexes_have_no_pending_list_for_searches_to_scan(self):
        search_index.drop_pg_indexes()
        search_index.ensure_pg_indexes()  # as a rebuild from the start leaves them
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, c.reloptions FROM pg_index i JOIN pg_class c "
                "ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'gin' AND c.relname LIKE '%%search%%'"
            )
            options = dict(cursor.fetchall())
        self.assertEqual(len(options), 4)
        for name, reloptions in options.items():
            self.assertIn("fastupdate=off", reloptions or [], name)

    def test_the_index_is_a_weighted_tsvector_with_gin_indexes(self):
        make_paper("Weighted Title", authors=["Some Author"], abstract="plain abstract")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT document::text FROM {search_index.PG_TABLE}")
            document = cursor.fetchone()[0]
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [search_index.PG_TABLE]
            )
            indexes = " ".join(r[0] for r in cursor.fetchall())
        self.assertIn("'weighted':1A", document)
        self.assertIn("'author':4B", document)
        self.assertIn("'abstract'", document)
        self.assertEqual(indexes.count("USING gin"), 3)


class RawQueryTests(BaseTestCase):
    """The yardstick bench/search.py measures the engine against, on either database."""

    def test_the_raw_summary_query_ranks_every_public_summary_match(self):
        paper = make_paper("Study")
        dense = make_summary(paper, self.alice, "Lattice lattice lattice.")
        sparse = make_summary(
            paper, self.bob, "A long text on many things, " * 20 + "and once a lattice."
        )
        make_summary(paper, self.charlie, "Nothing of the kind.")
        raw = services.engine().raw_summary_query(parse("lattice"))
        self.assertEqual(raw, [dense.pk, sparse.pk])

    def test_a_search_of_filters_alone_has_no_raw_summary_query(self):
        make_paper("Lattices", authors=["Ada Lovelace"])
        self.assertEqual(services.engine().raw_summary_query(parse("author:lovelace")), [])
