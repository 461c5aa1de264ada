from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from shortscience.test import BaseTestCase, make_paper, make_summary, make_user, update_summary


class VenuePageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need")

    def test_it_lists_summarised_papers_with_their_best_summary(self):
        make_summary(self.paper, self.alice, "Alice's fine summary.")
        best = make_summary(self.paper, self.bob, "Bob's better summary.")
        update_summary(best, wilson=0.9)
        make_paper("Never summarised")
        for viewer in (None, self.alice, self.charlie):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/venues/conf/nips")
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, "<h1>NeurIPS</h1>")
            self.assertContains(r, "Attention Is All You Need")
            self.assertNotContains(r, "Never summarised")
            self.assertContains(r, "Bob's better summary.")
            self.assertNotContains(r, "Alice's fine summary.")
            self.assertContains(r, f'href="/summary/{best.pk}"')
            self.assertContains(r, "all 2 summaries")

    def test_between_equal_scores_the_newest_summary_is_best(self):
        old = make_summary(self.paper, self.alice, "Older summary.")
        make_summary(self.paper, self.bob, "Newer summary.")
        update_summary(old, edited=timezone.now() - timedelta(days=1))
        r = self.client.get("/venues/conf/nips")
        self.assertContains(r, "Newer summary.")
        self.assertNotContains(r, "Older summary.")

    def test_private_hidden_and_anonymous_authors_never_show(self):
        make_summary(self.paper, self.alice, "Private notes.", visibility="private")
        hidden = make_summary(self.paper, self.bob, "Hidden text.")
        update_summary(hidden, is_hidden=True, wilson=1.0)
        other = make_paper("Anonymously summarised")
        make_summary(other, self.charlie, "Secret author.", is_anonymous=True)
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/venues/conf/nips")
            self.assertNotContains(r, "Private notes")
            self.assertNotContains(r, "Hidden text")
            self.assertNotContains(r, "Attention Is All You Need")
            self.assertContains(r, "Secret author.")
            self.assertContains(r, "Anonymous")
            self.assertNotContains(r, "charlie")

    def test_year_tabs_filter_the_papers(self):
        make_summary(self.paper, self.alice)
        later = make_paper("A Later Paper", year=2019, published=None)
        make_summary(later, self.alice)
        make_paper("Unsummarised 2021", year=2021, published=None)
        elsewhere = make_paper("At ICML", year=2018, venue_key="conf/icml", venue_name="ICML")
        make_summary(elsewhere, self.bob)
        r = self.client.get("/venues/conf/nips")
        self.assertEqual(r.context["years"], [2019, 2017])
        self.assertContains(r, 'href="/venues/conf/nips?year=2019"')
        self.assertNotContains(r, "?year=2021")
        r = self.client.get("/venues/conf/nips?year=2019")
        self.assertContains(r, "<h1>NeurIPS 2019</h1>")
        self.assertContains(r, "A Later Paper")
        self.assertNotContains(r, "Attention Is All You Need")
        self.assertContains(r, 'href="/venue/bibtex?key=conf/nips&amp;year=2019"')

    def test_a_nonsense_year_shows_all_years(self):
        make_summary(self.paper, self.alice)
        r = self.client.get("/venues/conf/nips?year=abc")
        self.assertContains(r, "Attention Is All You Need")

    def test_an_unknown_venue_is_a_404(self):
        self.assertEqual(self.client.get("/venues/conf/nope").status_code, 404)

    def test_the_legacy_address_redirects_for_good(self):
        r = self.client.get("/venue?key=conf/nips&year=2017")
        self.assertRedirects(r, "/venues/conf/nips?year=2017", status_code=301)
        r = self.client.get("/venue?key=conf/nips")
        self.assertRedirects(r, "/venues/conf/nips", status_code=301)
        self.assertEqual(self.client.get("/venue?key=conf/nope").status_code, 404)
        self.assertEqual(self.client.get("/venue").status_code, 404)

    def test_it_runs_the_same_number_of_queries_for_one_or_many_papers(self):
        make_summary(self.paper, self.alice)
        # venue, years, count, papers, authors, best summaries
        with self.assertNumQueries(6):
            self.client.get("/venues/conf/nips")
        for i in range(6):
            paper = make_paper(f"Paper {i}", year=2010 + i, published=None)
            make_summary(paper, make_user(f"writer{i}"))
            make_summary(paper, self.bob)
        with self.assertNumQueries(6):
            r = self.client.get("/venues/conf/nips")
        self.assertEqual(len(r.context["page"]), 7)

    def test_it_is_paginated_keeping_the_year(self):
        for i in range(26):
            make_summary(make_paper(f"Paper {i}"), self.alice)
        r = self.client.get("/venues/conf/nips?year=2017")
        self.assertEqual(len(r.context["page"]), 25)
        self.assertContains(r, 'href="?year=2017&amp;page=2"')
        r = self.client.get("/venues/conf/nips?year=2017&page=2")
        self.assertEqual(len(r.context["page"]), 1)

    def test_a_venue_without_public_summaries_is_not_indexed(self):
        make_summary(self.paper, self.alice, visibility="private")
        r = self.client.get("/venues/conf/nips")
        self.assertContains(r, '<meta name="robots" content="noindex">')
        make_summary(self.paper, self.bob)
        self.assertNotContains(self.client.get("/venues/conf/nips"), "noindex")
