from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.test import BaseTestCase, make_paper, make_summary


class HomePageTests(BaseTestCase):
    def test_it_lists_the_latest_public_summaries_with_a_count(self):
        paper = make_paper("Generative Adversarial Nets")
        make_summary(paper, self.alice, "Two networks play a *minimax* game over $V(D, G)$.")
        make_summary(paper, self.bob, "Bob's secret draft.", visibility="private")
        make_summary(paper, self.charlie, "Charlie, unsigned.", is_anonymous=True)
        r = self.client.get("/")
        self.assertContains(r, "2 public summaries")
        self.assertContains(r, "Generative Adversarial Nets", count=2)
        self.assertContains(r, "by Alice Aumann")
        self.assertContains(r, "by Anonymous")
        self.assertContains(r, "minimax")
        self.assertNotContains(r, "secret draft")
        self.assertNotContains(r, "charlie")

    def test_it_says_so_when_there_are_no_summaries(self):
        r = self.client.get("/")
        self.assertContains(r, "0 public summaries")
        self.assertContains(r, "No summaries yet.")

    def test_its_query_count_does_not_grow_with_the_list(self):
        paper = make_paper()
        make_summary(paper, self.alice)
        with CaptureQueriesContext(connection) as few:
            self.client.get("/")
        for user in (self.bob, self.charlie):
            make_summary(make_paper(), user)
        with CaptureQueriesContext(connection) as more:
            self.client.get("/")
        self.assertEqual(len(few), len(more))
