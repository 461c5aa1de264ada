from __future__ import annotations

from shortscience.test import BaseTestCase, make_paper, make_summary, make_user, update_summary


class YearPageTests(BaseTestCase):
    def test_it_lists_the_summarised_papers_of_a_year(self):
        paper = make_paper("Attention Is All You Need")
        s = make_summary(paper, self.alice)
        make_summary(make_paper("From 2018", year=2018, published=None), self.alice)
        make_paper("Unsummarised")
        for viewer in (None, self.alice, self.charlie):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/year/2017")
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, "<h1>Papers of 2017</h1>")
            self.assertContains(r, "Attention Is All You Need")
            self.assertContains(r, f'href="/summary/{s.pk}"')
            self.assertNotContains(r, "From 2018")
            self.assertNotContains(r, "Unsummarised")
            self.assertContains(r, 'href="/year/2016"')
            self.assertContains(r, 'href="/year/2018"')

    def test_private_hidden_and_anonymous_authors_never_show(self):
        make_summary(make_paper("Private one"), self.alice, "Private notes.", visibility="private")
        hidden = make_summary(make_paper("Hidden one"), self.bob, "Hidden text.")
        update_summary(hidden, is_hidden=True)
        make_summary(make_paper("Anonymous one"), self.charlie, "Secret author.", is_anonymous=True)
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/year/2017")
            self.assertNotContains(r, "Private one")
            self.assertNotContains(r, "Hidden one")
            self.assertContains(r, "Secret author.")
            self.assertNotContains(r, "charlie")

    def test_an_empty_year_is_an_empty_list(self):
        r = self.client.get("/year/1999")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "No summarised papers of this year yet.")

    def test_it_runs_the_same_number_of_queries_for_one_or_many_papers(self):
        make_summary(make_paper(), self.alice)
        with self.assertNumQueries(4):  # count, papers, authors, best summaries
            self.client.get("/year/2017")
        for i in range(5):
            paper = make_paper()
            make_summary(paper, make_user(f"writer{i}"))
            make_summary(paper, self.bob)
        with self.assertNumQueries(4):
            r = self.client.get("/year/2017")
        self.assertEqual(len(r.context["page"]), 6)

    def test_an_empty_year_is_not_indexed_and_a_nonsense_one_is_a_404(self):
        self.assertContains(self.client.get("/year/1999"), '<meta name="robots" content="noindex">')
        make_summary(make_paper(), self.alice)
        self.assertNotContains(self.client.get("/year/2017"), "noindex")
        self.assertEqual(self.client.get("/year/99999").status_code, 404)
        self.assertEqual(self.client.get("/year/12").status_code, 404)
