from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.discovery.models import RelatedPaper
from shortscience.library.services import merge_papers
from shortscience.test import BaseTestCase, make_paper, make_summary


def compute(*args):
    out = StringIO()
    call_command("compute_related", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class RelatedPapersTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.transformer = make_paper(
            "Attention Is All You Need",
            abstract="The transformer replaces recurrence with multi-head self-attention.",
        )
        self.bert = make_paper(
            "Pretraining Deep Bidirectional Transformers",
            abstract="Masked language modelling pretrains a transformer with self-attention.",
        )
        self.forest = make_paper(
            "Random Forests", abstract="Ensembles of decision trees grown on bootstrap samples."
        )
        self.boosting = make_paper(
            "Gradient Boosted Decision Trees",
            abstract="Boosting shallow decision trees; compared with bootstrap ensembles.",
        )

    def test_the_command_stores_each_papers_nearest_neighbours_best_first(self):
        self.assertIn("4 papers", compute())
        self.assertEqual(
            RelatedPaper.objects.filter(paper=self.transformer).first().related, self.bert
        )
        self.assertEqual(
            RelatedPaper.objects.filter(paper=self.forest).first().related, self.boosting
        )
        self.assertFalse(
            RelatedPaper.objects.filter(paper=self.transformer, related=self.forest).exists()
        )

    def test_a_second_run_does_only_new_papers_and_all_redoes_everything(self):
        compute()
        self.assertIn("0 papers", compute())
        make_paper("Transformers for Vision", abstract="Self-attention transformer on patches.")
        self.assertIn("1 papers", compute())
        self.assertIn("5 papers", compute("--all"))
        self.assertEqual(
            RelatedPaper.objects.filter(paper=self.transformer).count(),
            len(
                set(
                    RelatedPaper.objects.filter(paper=self.transformer).values_list(
                        "related", flat=True
                    )
                )
            ),
        )

    def test_the_paper_page_lists_related_papers_in_one_query_and_skips_merged_ones(self):
        compute()
        make_summary(self.transformer, self.alice)
        response = self.client.get(self.transformer.get_absolute_url())
        self.assertContains(response, "Related papers")
        self.assertContains(response, self.bert.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            self.client.get(self.transformer.get_absolute_url())
        self.assertEqual(sum("discovery_relatedpaper" in q["sql"] for q in queries), 1)
        merge_papers(self.forest, self.bert, reason="test")
        self.assertNotContains(
            self.client.get(self.transformer.get_absolute_url()), self.bert.get_absolute_url()
        )
