from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.lib.lookups import HasChar
from shortscience.papers.models import Paper
from shortscience.test import BaseTestCase, make_paper


class AnyOfLookupTests(BaseTestCase):
    def test_it_finds_what_an_in_list_finds_and_nothing_for_an_empty_list(self):
        papers = [make_paper(f"Paper {n}") for n in range(3)]
        ids = [papers[0].pk, papers[2].pk, 10**9]
        found = set(Paper.objects.filter(pk__any_of=ids).values_list("pk", flat=True))
        self.assertEqual(found, {papers[0].pk, papers[2].pk})
        self.assertFalse(Paper.objects.filter(pk__any_of=[]).exists())

    def test_on_postgresql_five_hundred_ids_are_one_parameter(self):
        with CaptureQueriesContext(connection) as queries:
            list(Paper.objects.filter(pk__any_of=range(1, 501)))
        sql = queries.captured_queries[0]["sql"]
        if connection.vendor == "postgresql":
            self.assertIn("= ANY(", sql)
        else:
            self.assertIn(" IN (", sql)


class HasCharTests(BaseTestCase):
    def test_it_finds_texts_with_the_character_through_the_partial_index_on_either_engine(self):
        with_math = make_paper("Sparse Recovery with $\\ell_1$ Minimization")
        make_paper("Plain Title")
        Paper.objects.filter(pk=with_math.pk).update(title_html="")  # as --no-render leaves it
        self.assertEqual(list(Paper.objects.untypeset_titles()), [with_math])
        sql, params = Paper.objects.untypeset_titles().order_by("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                self.assertIn("paper_title_untypeset", str(cursor.fetchall()))
            else:
                cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table otherwise
                cursor.execute(f"EXPLAIN {sql}", params)
                self.assertIn("paper_title_untypeset", str(cursor.fetchall()))

    def test_it_refuses_a_character_that_would_need_escaping_in_sql_or_like(self):
        for char in ("'", "\\", "%", "_", "ab", ""):
            with self.subTest(char), self.assertRaises(ValueError):
                HasChar("title", char)
