from __future__ import annotations

from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary


class VenuesPageTests(BaseTestCase):
    def test_it_lists_venues_with_their_public_summary_counts(self):
        nips = make_paper()
        make_summary(nips, self.alice)
        make_summary(nips, self.bob)
        cvpr = make_paper(venue_key="conf/cvpr", venue_name="CVPR")
        make_summary(cvpr, self.alice)
        for viewer in (None, self.alice):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/venues")
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, '<a href="/venues/conf/nips">NeurIPS</a>')
            self.assertContains(r, '<a href="/venues/conf/cvpr">CVPR</a>')
            self.assertEqual(
                [(v.key, v.public_summary_count) for v in r.context["page"]],
                [("conf/cvpr", 1), ("conf/nips", 2)],
            )

    def test_private_and_hidden_summaries_do_not_count(self):
        make_summary(make_paper(), self.alice, visibility="private")
        hidden = make_summary(make_paper(venue_key="conf/cvpr", venue_name="CVPR"), self.bob)
        update_summary(hidden, is_hidden=True)
        make_paper(venue_key="conf/iclr", venue_name="ICLR")
        r = self.client.get("/venues")
        self.assertEqual(list(r.context["page"]), [])
        self.assertContains(r, "No venue has a summary yet.")

    def test_the_nav_links_to_it(self):
        self.assertContains(self.client.get("/venues"), '<a href="/venues">Venues</a>')

    def test_it_runs_the_same_number_of_queries_for_one_or_many_venues(self):
        make_summary(make_paper(), self.alice)
        with self.assertNumQueries(2):  # count, page
            self.client.get("/venues")
        for i in range(5):
            make_summary(make_paper(venue_key=f"conf/v{i}", venue_name=f"V{i}"), self.bob)
        with self.assertNumQueries(2):
            r = self.client.get("/venues")
        self.assertEqual(len(r.context["page"]), 6)

    def test_it_is_paginated(self):
        for i in range(26):
            make_summary(make_paper(venue_key=f"conf/v{i:02d}", venue_name=f"V{i:02d}"), self.alice)
        r = self.client.get("/venues")
        self.assertEqual(len(r.context["page"]), 25)
        self.assertContains(r, 'href="?page=2"')
        self.assertEqual(len(self.client.get("/venues?page=2").context["page"]), 1)
