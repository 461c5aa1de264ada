from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

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
