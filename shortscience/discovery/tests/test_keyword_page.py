from __future__ import annotations

from shortscience.test import BaseTestCase, make_paper, make_summary, make_user, update_summary


class KeywordPageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need", keywords=["cs.LG", "cs.CL"])
        self.other = make_paper("Deep Residual Learning", keywords=["cs.CV"])

    def test_it_lists_summarised_papers_with_the_keyword(self):
        s = make_summary(self.paper, self.alice, "On attention.")
        make_summary(self.other, self.bob, "On residuals.")
        make_paper("Unsummarised", keywords=["cs.LG"])
        for viewer in (None, self.alice, self.charlie):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/keyword/cs.LG")
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, "<h1>Papers in cs.LG</h1>")
            self.assertContains(r, "Attention Is All You Need")
            self.assertContains(r, f'href="/summary/{s.pk}"')
            self.assertNotContains(r, "Deep Residual Learning")
            self.assertNotContains(r, "Unsummarised")
            self.assertContains(r, 'href="/feeds/keyword/cs.LG"')

    def test_private_hidden_and_anonymous_authors_never_show(self):
        make_summary(self.paper, self.alice, "Private notes.", visibility="private")
        other = make_paper("Hidden one", keywords=["cs.LG"])
        hidden = make_summary(other, self.bob, "Hidden text.")
        update_summary(hidden, is_hidden=True)
        third = make_paper("Anonymously summarised", keywords=["cs.LG"])
        make_summary(third, self.charlie, "Secret author.", is_anonymous=True)
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/keyword/cs.LG")
            self.assertNotContains(r, "Private notes")
            self.assertNotContains(r, "Hidden text")
            self.assertNotContains(r, "Attention Is All You Need")
            self.assertNotContains(r, "Hidden one")
            self.assertContains(r, "Secret author.")
            self.assertNotContains(r, "charlie")

    def test_an_unknown_keyword_is_a_404(self):
        self.assertEqual(self.client.get("/keyword/cs.XX").status_code, 404)

    def test_it_runs_the_same_number_of_queries_for_one_or_many_papers(self):
        make_summary(self.paper, self.alice)
        with self.assertNumQueries(5):  # keyword, count, papers, authors, best summaries
            self.client.get("/keyword/cs.LG")
        for i in range(5):
            paper = make_paper(f"Paper {i}", keywords=["cs.LG", "cs.CV"])
            make_summary(paper, make_user(f"writer{i}"))
            make_summary(paper, self.bob)
        with self.assertNumQueries(5):
            r = self.client.get("/keyword/cs.LG")
        self.assertEqual(len(r.context["page"]), 6)

    def test_a_keyword_without_public_summaries_is_not_indexed(self):
        r = self.client.get("/keyword/cs.LG")
        self.assertContains(r, '<meta name="robots" content="noindex">')
        make_summary(self.paper, self.bob)
        self.assertNotContains(self.client.get("/keyword/cs.LG"), "noindex")
